"""A FLOP figure given with its uncertainty, as a :class:`ComputeEstimate` the threshold check can weigh.

Three ways to say how well a figure is known, each with the distribution it stands for:

- **an interval** ``LOW..HIGH`` (or a low and a high): read as a 90 % interval; the central value
  is the one given, else the geometric mean of the ends. Distribution: two-piece log-normal
  through the 5th, 50th and 95th percentiles (a plain log-normal when symmetric in log10).
- **a relative error in dex** ``σ``: one standard deviation of log10(FLOP), so the figure is
  log-normal with median the figure and the 90 % interval figure·10^(±1.645·σ) ("± 0.1 dex" read
  as one standard deviation, the usual meaning of ± in the sciences).
- **significant figures** ``s``: the figure is exact to ``s`` significant figures, so the true
  value is anything that rounds to it, uniformly (no value in the rounding interval is preferred).
  The interval is figure ± half a unit in the last place; below a power of ten the last place is
  ten times smaller (1e25 to one figure is 9.5e24-1.5e25: 9.6e24 rounds to 1e25, 9.4e24 to 9e24).
"""

from __future__ import annotations

import math

from computegov.compute.result import Z90, ComputeEstimate
from computegov.compute.run import PHASES
from computegov.errors import InputError
from computegov.units import parse_quantity

__all__ = [
    "MAX_DEX",
    "MAX_FLOP",
    "MAX_SIG_FIGS",
    "rounding_interval",
    "uncertain_flop",
]

#: Largest FLOP figure accepted: 1e40, about 10^13 times the largest training run in Epoch AI's
#: Notable AI Models (Grok-3, 4.6e26 FLOP, snapshot 2025-02-24); anything above is a typo.
MAX_FLOP = 1e40
#: Largest relative error in dex accepted (3 = a factor of 1000 for one standard deviation).
MAX_DEX = 3.0
#: Most significant figures accepted (a float holds about 15-17).
MAX_SIG_FIGS = 15


def _flop_value(value: float | str, what: str) -> float:
    number = parse_quantity(value, what=what)
    if not (number > 0):
        raise InputError(f"{what}: expected a positive number of FLOP, got {value!r}")
    if number > MAX_FLOP:
        raise InputError(f"{what}: {number:g} FLOP is above the plausible maximum {MAX_FLOP:g}")
    return number


def rounding_interval(value: float, sig_figs: int) -> tuple[float, float]:
    """The values that round to ``value`` at ``sig_figs`` significant figures: (lower, upper).

    Raises:
        InputError: ``value`` is not positive, ``sig_figs`` outside 1..MAX_SIG_FIGS, or ``value``
            has more significant figures than ``sig_figs`` (e.g. 1.001e25 to one figure).
    """
    if isinstance(sig_figs, bool) or not isinstance(sig_figs, int) or not 1 <= sig_figs <= MAX_SIG_FIGS:
        raise InputError(f"significant figures must be a whole number in 1..{MAX_SIG_FIGS}, got {sig_figs!r}")
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"expected a positive finite number, got {value!r}")
    exponent = math.floor(math.log10(value))
    step = 10.0 ** (exponent - sig_figs + 1)
    digits = value / step  # the figure's digits as an integer, e.g. 10 for 1.0e25 at 2 figures
    if abs(digits - round(digits)) > 1e-6 * max(1.0, digits):
        raise InputError(
            f"{value:g} has more than {sig_figs} significant figure{'s' if sig_figs > 1 else ''}; "
            f"give it as rounded (e.g. {float(f'{value:.{sig_figs}g}'):g}) or use --dex or an interval"
        )
    below = step / 10 if round(digits) == 10 ** (sig_figs - 1) else step
    return value - below / 2, value + step / 2


def uncertain_flop(
    flop: float | str | None = None,
    *,
    low: float | str | None = None,
    high: float | str | None = None,
    dex: float | None = None,
    sig_figs: int | None = None,
    phase: str = "pre-training",
    name: str | None = None,
) -> ComputeEstimate:
    """A reported FLOP figure with its uncertainty (one way of the three in the module docstring).

    Args:
        flop: the figure, FLOP; or ``"LOW..HIGH"`` for a 90 % interval. May be omitted when
            ``low`` and ``high`` are given.
        low: 5th percentile, FLOP (with ``high``).
        high: 95th percentile, FLOP (with ``low``).
        dex: one standard deviation of log10(FLOP), in (0, MAX_DEX].
        sig_figs: the figure is exact to this many significant figures.
        phase: the training phase (one of PHASES).
        name: label (defaults to the phase).

    Returns:
        A ``reported`` estimate; without any uncertainty, an exact one (zero width) that says so.

    Raises:
        InputError: more than one kind of uncertainty, a bad number, low > figure > high violated,
            or a figure with more significant figures than ``sig_figs``.
    """
    if phase not in PHASES:
        raise InputError(f"phase {phase!r}: expected one of {', '.join(PHASES)}")
    label = name or phase
    if isinstance(flop, str) and ".." in flop:
        if low is not None or high is not None:
            raise InputError(f"{label}: give the interval as LOW..HIGH or as low and high, not both")
        first, _, second = flop.partition("..")
        low, high, flop = first.strip(), second.strip(), None
    kinds = [k for k, v in (("an interval", low if low is not None else high), ("dex", dex), ("significant figures", sig_figs)) if v is not None]
    if len(kinds) > 1:
        raise InputError(f"{label}: give one kind of uncertainty, not {' and '.join(kinds)}")
    if (low is None) != (high is None):
        raise InputError(f"{label}: an interval needs both its low and its high end")
    if low is not None and high is not None:
        lo = _flop_value(low, f"{label} low")
        hi = _flop_value(high, f"{label} high")
        if lo > hi:
            raise InputError(f"{label}: the interval's low end {lo:g} is above its high end {hi:g}")
        central = _flop_value(flop, label) if flop is not None else math.sqrt(lo * hi)
        if not lo <= central <= hi:
            raise InputError(f"{label}: the figure {central:g} is outside its interval {lo:g}..{hi:g}")
        return _reported(central, lo, hi, phase, label, "lognormal",
                         f"90% interval {lo:.4g}..{hi:.4g} given; two-piece log-normal through it")
    if flop is None:
        raise InputError(f"{label}: give a FLOP figure or an interval LOW..HIGH")
    value = _flop_value(flop, label)
    if dex is not None:
        if not (isinstance(dex, int | float) and math.isfinite(dex) and 0 < dex <= MAX_DEX):
            raise InputError(f"{label}: dex must be a number in (0, {MAX_DEX:g}], got {dex!r}")
        factor = 10 ** (Z90 * dex)
        return _reported(value, value / factor, value * factor, phase, label, "lognormal",
                         f"± {dex:g} dex (one standard deviation of log10 FLOP); log-normal")
    if sig_figs is not None:
        lower, upper = rounding_interval(value, sig_figs)
        width = upper - lower
        return _reported(value, lower + 0.05 * width, upper - 0.05 * width, phase, label, "uniform",
                         f"reported to {sig_figs} significant figure{'s' if sig_figs > 1 else ''}: "
                         f"uniform on {lower:.4g}..{upper:.4g}")
    return _reported(value, value, value, phase, label, "lognormal",
                     "none given: treated as exact (give an interval, --dex or --sig-figs)")


def _reported(
    flop: float, low: float, high: float, phase: str, name: str, distribution: str, note: str
) -> ComputeEstimate:
    return ComputeEstimate(
        flop=flop,
        flop_low=low,
        flop_high=high,
        method="reported",
        phase=phase,
        name=name,
        formula="given as a number",
        inputs={"flop": flop},
        assumptions=(f"uncertainty: {note}",),
        distribution=distribution,
        uncertainty=note,
    )
