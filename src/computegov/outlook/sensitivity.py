"""Which input moves the answer most: a one-at-a-time tornado over the Monte Carlo.

For every uncertain input in use, the whole Monte Carlo is rerun with that input held at its 5th
and then its 95th percentile (its normal score pinned at -1.645 and +1.645; a fan input at
those percentiles in every year) while every other input is drawn as usual from the same random
numbers (common random numbers, so the swing is not Monte Carlo noise). The swing is the change
of the feasible run's median in the chosen year, in orders of magnitude. Inputs are ranked by
it. A growth input whose level carries a calibrated fan is not in use (the fan already holds
the growth) and is left out.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from computegov.errors import InputError
from computegov.outlook.inputs import Z90
from computegov.outlook.model import pinned_reruns
from computegov.outlook.presets import Preset

__all__ = ["Sensitivity", "SensitivityRow", "sensitivity"]


@dataclasses.dataclass(frozen=True)
class SensitivityRow:
    """One input's swing.

    Attributes:
        input: its name.
        low_value: the input at its 5th percentile (in its unit; a fan input: in the chosen year).
        high_value: at its 95th percentile.
        feasible_at_low_flop: median feasible run with the input there, FLOP.
        feasible_at_high_flop: the same at the 95th percentile, FLOP.
        swing_log10: |difference| of the two, orders of magnitude.
        binding_at_low: the constraint binding most often with the input low.
        binding_at_high: the same with it high.
    """

    input: str
    low_value: float
    high_value: float
    feasible_at_low_flop: float
    feasible_at_high_flop: float
    swing_log10: float
    binding_at_low: str
    binding_at_high: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Sensitivity:
    """The tornado for one year.

    Attributes:
        year: the year.
        baseline_flop: median feasible run with every input drawn, FLOP.
        rows: one per uncertain input in use, largest swing first.
        n_draws: draws per rerun.
        method: one line on how it was computed.
    """

    year: int
    baseline_flop: float
    rows: tuple[SensitivityRow, ...]
    n_draws: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"year": self.year, "baseline_flop": self.baseline_flop, "n_draws": self.n_draws,
                "method": self.method, "rows": [r.to_dict() for r in self.rows]}


def _value_at(preset: Preset, name: str, year: int, score: float) -> float:
    inp = preset.input_map()[name]
    from statistics import NormalDist

    if inp.fan is not None:
        row = np.log10(np.asarray(inp.fan.row(year)))
        zk = np.array([NormalDist().inv_cdf(p) for p in inp.fan.levels])
        return float(10 ** np.interp(score, zk, row))
    lo, _mid, hi = inp.knots_log10()
    return float(10 ** (lo if score < 0 else hi))


def sensitivity(preset: Preset, year: int = 2030, *, rng: np.random.Generator, n_draws: int = 20_000) -> Sensitivity:
    """The one-at-a-time tornado of the feasible run's median in ``year``.

    Args:
        preset: the inputs.
        year: the year whose feasible-run median is watched.
        rng: the random stream; one seed is drawn from it and reused for every rerun.
        n_draws: draws per rerun (each input costs two reruns).

    Raises:
        InputError: a bad year or draw count.
    """
    if not 100 <= n_draws <= 1_000_000:
        raise InputError(f"draws: expected 100 to 1,000,000 draws per sensitivity rerun, got {n_draws}")
    if not 2000 <= year <= 2100:
        raise InputError(f"year: expected a year from 2000 to 2100, got {year}")
    seed = int(rng.integers(2**63 - 1))
    inputs = preset.input_map()
    fan_growths = {i.growth for i in inputs.values() if i.fan is not None and i.growth}
    in_use = [n for n, i in inputs.items() if i.ranged and n not in fan_growths]

    # every rerun is simulate(..., rng=np.random.default_rng(seed), pinned=...); the common draws are made once
    rerun = pinned_reruns(inputs, preset.correlations, [year], preset.binding, seed=seed, n_draws=n_draws)

    def run(pinned: dict[str, float] | None) -> tuple[float, str]:
        d = rerun(pinned)
        counts = np.bincount(d.binding_index[:, 0], minlength=len(d.binding_set))
        return float(10 ** np.median(d.feasible_log10[:, 0])), d.binding_set[int(counts.argmax())]

    base, _ = run(None)
    rows = []
    for name in in_use:
        lo, b_lo = run({name: -Z90})
        hi, b_hi = run({name: Z90})
        rows.append(SensitivityRow(name, _value_at(preset, name, year, -Z90), _value_at(preset, name, year, Z90),
                                   lo, hi, abs(math.log10(hi / lo)), b_lo, b_hi))
    rows.sort(key=lambda r: r.swing_log10, reverse=True)
    return Sensitivity(year, base, tuple(rows), n_draws,
                       "one at a time: the input held at its 5th / 95th percentile, the others drawn with common "
                       "random numbers; swing = change of the feasible run's median, orders of magnitude")
