"""Quantum break-even after Babbush et al. (2021): how long a polynomial speed-up must run to win.

Babbush, McClean, Newman, Gidney, Boixo & Neven (2021), "Focus beyond quadratic speedups for
error-corrected quantum advantage", PRX Quantum 2:010103, doi:10.1103/PRXQuantum.2.010103
(arXiv:2011.04149). Section "Relationship between primitive times and runtime", eqs. (1)-(5): a
quantum algorithm makes ``M`` calls of ``t_Q`` each, the classical one ``M^d`` calls of ``t_C``,
sped up ``S``-fold by parallelism; break-even at

    M* = (S t_Q / t_C)^(1 / (d - 1)),    T* = M* t_Q.

Section "Implementing error-corrected quantum primitives": one Toffoli takes 5.5 d surface-code
cycles of ~1 us at code distance d ~ 30, i.e. ~170 us with one Toffoli factory (after Gidney &
Fowler 2019, Quantum 3:135), so ``t_Q = G x 170 us`` for ``G`` Toffolis per call; ``R`` faster
distillation (Table II) divides it by ``R``. Section "Implementing classical primitives":
``t_C = 330 ps x L`` clock cycles on a 3 GHz core, with one cycle per Toffoli ("generous to the
quantum computer"). :data:`PAPER_TABLE_I` and :data:`PAPER_TABLE_II` hold the paper's published
rows, which :func:`paper_rows` recomputes.

:func:`against_chip` puts a catalogue chip in place of the classical adversary: it runs the
primitive's ``G`` operations at its peak rate ``r`` (generous to the chip), so ``S t_C`` per call
becomes ``G / r`` and ``M* = (t_Q r / G)^(1/(d-1))``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError, UnknownNameError
from computegov.units import S_PER_DAY, S_PER_HOUR, S_PER_YEAR

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "CLASSICAL_CYCLE_S",
    "PAPER_TABLE_I",
    "PAPER_TABLE_II",
    "TOFFOLI_TIME_S",
    "BreakEven",
    "QuantumComparison",
    "against_chip",
    "break_even",
    "paper_rows",
    "quantum_comparison",
    "quantum_primitive_time_s",
]

#: Logical Toffoli time with one factory: 5.5 d cycles x ~1 us at d ~ 30 (Babbush et al. 2021, eq. (7)).
TOFFOLI_TIME_S = 170e-6
#: One clock cycle of a ~3 GHz CPU core (Babbush et al. 2021, "Implementing classical primitives").
CLASSICAL_CYCLE_S = 330e-12

#: The paper's two examples (Table I caption): the resource "lower bound" (100 Toffolis, 17 ms vs
#: 33 ns) and quantum simulated annealing on the N = 512 SK model (2.6e3 Toffolis, 440 ms vs 7 ns).
EXAMPLES: dict[str, tuple[float, float]] = {"lower_bound": (17e-3, 33e-9), "simulated_annealing": (440e-3, 7e-9)}

#: Babbush et al. (2021) Table I as printed: (example, d, S) -> (M, T* in seconds).
PAPER_TABLE_I: dict[tuple[str, int, float], tuple[float, float]] = {
    ("lower_bound", 2, 1): (5.2e5, 2.4 * S_PER_HOUR),
    ("lower_bound", 2, 1e3): (5.2e8, 100 * S_PER_DAY),
    ("lower_bound", 2, 1e6): (5.2e11, 280 * S_PER_YEAR),
    ("lower_bound", 3, 1): (7.2e2, 12.0),
    ("lower_bound", 3, 1e3): (2.3e4, 6.4 * 60),
    ("lower_bound", 3, 1e6): (7.2e5, 3.4 * S_PER_HOUR),
    ("lower_bound", 4, 1): (8.0e1, 1.4),
    ("lower_bound", 4, 1e3): (8.0e2, 14.0),
    ("lower_bound", 4, 1e6): (8.0e3, 2.3 * 60),
    ("simulated_annealing", 2, 1): (6.3e7, 320 * S_PER_DAY),
    ("simulated_annealing", 2, 1e3): (6.3e10, 880 * S_PER_YEAR),
    ("simulated_annealing", 2, 1e6): (6.3e13, 880e3 * S_PER_YEAR),
    ("simulated_annealing", 3, 1): (7.9e3, 58 * 60),
    ("simulated_annealing", 3, 1e3): (2.5e5, 1.3 * S_PER_DAY),
    ("simulated_annealing", 3, 1e6): (7.9e6, 40 * S_PER_DAY),
    ("simulated_annealing", 4, 1): (4.0e2, 2.9 * 60),
    ("simulated_annealing", 4, 1e3): (4.0e3, 29 * 60),
    ("simulated_annealing", 4, 1e6): (4.0e5, 4.9 * S_PER_HOUR),
}
#: Babbush et al. (2021) Table II (d = 2, S = 1e3, Toffoli time 170 us / R): (example, R) -> (M, T* s).
PAPER_TABLE_II: dict[tuple[str, float], tuple[float, float]] = {
    ("lower_bound", 10): (5.2e7, 1.0 * S_PER_DAY),
    ("lower_bound", 100): (5.2e6, 15 * 60),
    ("lower_bound", 1000): (5.2e5, 8.8),
    ("simulated_annealing", 10): (6.3e9, 8.8 * S_PER_YEAR),
    ("simulated_annealing", 100): (6.3e8, 32 * S_PER_DAY),
    ("simulated_annealing", 1000): (6.3e7, 7.7 * S_PER_HOUR),
}


@dataclasses.dataclass(frozen=True)
class BreakEven:
    """Where a degree-d quantum speed-up starts to win.

    Attributes:
        degree: d (2 quadratic, 4 quartic).
        quantum_call_s: t_Q, seconds per quantum primitive call.
        classical_call_s: t_C / S, seconds per classical call after parallel speed-up.
        calls: M*, quantum calls at break-even (the classical side needs M*^d).
        break_even_s: T*, quantum runtime at break-even.
        label: what was compared.
    """

    degree: int
    quantum_call_s: float
    classical_call_s: float
    calls: float
    break_even_s: float
    label: str = ""

    def speedup_after(self, runtime_s: float) -> float:
        """Classical time / quantum time for a quantum run of ``runtime_s`` (>= T*: > 1)."""
        return (runtime_s / self.break_even_s) ** (self.degree - 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["break_even_days"] = self.break_even_s / S_PER_DAY
        out["break_even_years"] = self.break_even_s / S_PER_YEAR
        return out


def _positive(name: str, value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise InputError(f"{name} must be a positive number, got {value:g}")
    return float(value)


def break_even(quantum_call_s: float, classical_call_s: float, degree: int = 2,
               parallel_speedup: float = 1.0, *, label: str = "") -> BreakEven:
    """Babbush et al. (2021) eq. (5): M* = (S t_Q / t_C)^(1/(d-1)), T* = M* t_Q.

    Args:
        quantum_call_s: t_Q, seconds per quantum primitive call (> 0).
        classical_call_s: t_C, seconds per classical call on one core (> 0).
        degree: polynomial degree d of the speed-up (>= 2).
        parallel_speedup: S, classical speed-up from parallelism (>= 1).
        label: a name for the comparison.

    Raises:
        InputError: non-positive times, d < 2 or S < 1.
    """
    t_q, t_c = _positive("quantum call time", quantum_call_s), _positive("classical call time", classical_call_s)
    if int(degree) != degree or degree < 2:
        raise InputError(f"the speed-up degree must be an integer >= 2, got {degree}")
    if not (parallel_speedup >= 1 and math.isfinite(parallel_speedup)):
        raise InputError(f"the parallel speed-up must be >= 1, got {parallel_speedup:g}")
    calls = (parallel_speedup * t_q / t_c) ** (1.0 / (degree - 1))
    return BreakEven(int(degree), t_q, t_c / parallel_speedup, calls, calls * t_q, label)


def quantum_primitive_time_s(toffolis: float, *, toffoli_time_s: float = TOFFOLI_TIME_S,
                             distillation_speedup: float = 1.0) -> float:
    """t_Q = G x (170 us / R) (Babbush et al. 2021, eq. (8) and Table II).

    Raises:
        InputError: non-positive Toffoli count, Toffoli time or R < 1.
    """
    _positive("Toffoli count", toffolis)
    _positive("Toffoli time", toffoli_time_s)
    if not distillation_speedup >= 1:
        raise InputError(f"the distillation speed-up R must be >= 1, got {distillation_speedup:g}")
    return toffolis * toffoli_time_s / distillation_speedup


def paper_rows() -> list[dict[str, Any]]:
    """Table I and Table II recomputed beside the paper's printed values, with the relative error."""
    rows = []
    for (example, degree, s), (m_paper, t_paper) in PAPER_TABLE_I.items():
        t_q, t_c = EXAMPLES[example]
        ours = break_even(t_q, t_c, degree, s, label=example)
        rows.append({"table": "I", "example": example, "degree": degree, "parallel_speedup": s, "R": 1.0,
                     "calls": ours.calls, "calls_paper": m_paper, "break_even_s": ours.break_even_s,
                     "break_even_s_paper": t_paper, "rel_error": ours.break_even_s / t_paper - 1})
    for (example, r), (m_paper, t_paper) in PAPER_TABLE_II.items():
        t_q, t_c = EXAMPLES[example]
        ours = break_even(t_q / r, t_c, 2, 1e3, label=example)
        rows.append({"table": "II", "example": example, "degree": 2, "parallel_speedup": 1e3, "R": r,
                     "calls": ours.calls, "calls_paper": m_paper, "break_even_s": ours.break_even_s,
                     "break_even_s_paper": t_paper, "rel_error": ours.break_even_s / t_paper - 1})
    return rows


def against_chip(chip: Chip, toffolis: float, degree: int = 2, *, precision: str = "int8",
                 toffoli_time_s: float = TOFFOLI_TIME_S, distillation_speedup: float = 1.0) -> BreakEven:
    """Break-even against one catalogue chip running the primitive's G operations at its peak.

    One Toffoli counts as one classical operation (Babbush et al.'s generous equivalence); the chip
    is assumed to reach its peak rate at ``precision`` on the primitive (generous to the chip).

    Raises:
        InputError: the chip has no peak at ``precision``.
    """
    rate = chip.peak(precision)
    if not rate:
        raise InputError(f"{chip.name} has no {precision.upper()} peak in the catalogue; choose another precision")
    t_q = quantum_primitive_time_s(toffolis, toffoli_time_s=toffoli_time_s, distillation_speedup=distillation_speedup)
    return break_even(t_q, toffolis / rate, degree, label=f"{chip.name} at peak {precision.upper()}")


def against_chips(chips: Sequence[Chip], toffolis: float, degrees: Sequence[int] = (2, 4), *,
                  precision: str = "int8", **options: Any) -> list[BreakEven]:
    """:func:`against_chip` for each chip that quotes ``precision`` and each degree."""
    return [against_chip(c, toffolis, d, precision=precision, **options)
            for c in chips if c.peak(precision) for d in degrees]


@dataclasses.dataclass(frozen=True)
class QuantumComparison:
    """What ``computegov emerging quantum`` shows (and its API returns).

    Attributes:
        paper: :func:`paper_rows` (the paper's Tables I-II recomputed).
        yours: the user's primitive against ``S`` classical cores, one per degree.
        against_chips: the primitive against the fastest catalogue chips at peak, per degree.
    """

    paper: list[dict[str, Any]]
    yours: tuple[BreakEven, ...]
    against_chips: tuple[BreakEven, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``source`` names the paper and its equations)."""
        return {"paper": self.paper, "yours": [b.to_dict() for b in self.yours],
                "against_chips": [b.to_dict() for b in self.against_chips],
                "source": "Babbush et al. (2021), PRX Quantum 2:010103, eqs. (1)-(5), Tables I-II"}


def quantum_comparison(chips: Sequence[Chip], *, toffolis: float = 100.0, degrees: Sequence[int] = (2, 4),
                       parallel: float = 1e3, classical_call_s: float | None = None,
                       distillation_speedup: float = 1.0, precision: str = "int8", top: int = 3) -> QuantumComparison:
    """The paper's tables, a primitive of ``toffolis`` Toffolis per call, and the ``top`` chips.

    Args:
        chips: the catalogue.
        toffolis: Toffoli gates per call of the quantum primitive (G).
        degrees: polynomial degrees d of the speed-up.
        parallel: classical parallel speed-up S (cores).
        classical_call_s: classical time per call on one core, s (default G x 330 ps).
        distillation_speedup: R, Toffoli time 170 us / R.
        precision: the precision of the chips' peak (any name :func:`normalise_precision` knows).
        top: how many chips (highest peak at ``precision`` first).

    Raises:
        UnknownNameError: an unknown precision.
        InputError: non-positive times or counts, d < 2, S < 1 or R < 1.
    """
    from computegov.catalog.chip import PRECISIONS, normalise_precision

    try:
        key = normalise_precision(precision)
    except KeyError:
        raise UnknownNameError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}",
                               name=precision, candidates=PRECISIONS) from None
    t_q = quantum_primitive_time_s(toffolis, distillation_speedup=distillation_speedup)
    t_c = classical_call_s if classical_call_s is not None else toffolis * CLASSICAL_CYCLE_S
    yours = tuple(break_even(t_q, t_c, d, parallel, label=f"{toffolis:.3g} Toffolis vs S={parallel:.3g} cores")
                  for d in degrees)
    best = sorted((c for c in chips if c.peak(key)), key=lambda c: -(c.peak(key) or 0))[:top]
    return QuantumComparison(paper_rows(), yours, tuple(against_chips(
        best, toffolis, degrees, precision=key, distillation_speedup=distillation_speedup)))
