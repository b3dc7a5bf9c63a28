"""Error models of the compute-estimation routes, calibrated where their inputs are known.

A *route* turns what a user knows into a FLOP figure:

- **architecture**: 6·N·D from parameters N (active ones for a mixture-of-experts) and tokens D;
- **hardware**: chips × time (chip-seconds) × dense peak FLOP/s × utilisation.

Each route's error is calibrated on the bundled reference runs
(``data/compute_reference_runs.yaml``): 24 published training runs whose parameters and tokens the
developer stated (and, for 12 of them, the chip, chip count and chip-hours; for 4 the model-FLOP
utilisation), beside a published compute figure (developer-stated where there is one, else Epoch
AI's). Not on rows whose recorded dataset size is a proxy for the tokens trained: those are what
made the former architecture interval ×0.17–×72 (:mod:`computegov.compute.intervals`).

The residual of a run is ``log10(published / route's formula)``. Per (route, case) the error model
is a two-piece normal in log10 around the residuals' median, with the standard deviation of the
residuals above the median and below it taken apart (the architecture residuals are skewed: a
developer's count sometimes adds attention or recomputation, never less than 6·N·D by much), and
the 90 % interval a Student-t prediction interval (``median ± t(0.95, n-1)·sd·sqrt(1 + 1/n)``,
the predictive interval of a new draw from a normal sample of n; Geisser 1993, *Predictive
Inference*, ch. 2), widened if needed to hold the formula's value. Coverage is checked leave-one-out
by :func:`leave_one_out` (numbers in ``benchmarks/compute_routes.py``).

Cases:

- ``architecture / tokens_stated``: parameters and the tokens processed given (epochs stated);
- ``hardware / utilisation_unknown``: chips, time and chip known, utilisation not: the residual
  is the realised utilisation over the wall time against the default central 0.4;
- ``hardware / utilisation_stated``: the utilisation given is the developer's stated MFU; the
  residual is realised over stated (downtime, restarts and the MFU's own definition).

Inputs given as ranges (``LOW..HIGH``, read as 90 % intervals, log-normal) add their log10
variance to the route's: ``sd_input = log10(high / low) / (2 · 1.645)`` per input, in quadrature
(independent errors, an assumption). A typed point is taken as the user asserts it (no spread).

Combination (:func:`combine_routes`): routes are averaged in log10 with inverse-variance weights
(each route's sd from its 90 % interval); when they disagree more than their spreads allow
(Birge ratio ``sqrt(chi² / (k - 1)) > 1``; Birge 1932, Phys. Rev. 40:207) the combined sd is
multiplied by that ratio. Errors of the routes are assumed independent (stated in the result).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from computegov.compute.reference_runs import ReferenceRun, load_reference_runs
from computegov.compute.result import Z90, ComputeEstimate
from computegov.errors import InputError

__all__ = [
    "CASES",
    "DEFAULT_UTILISATION_CENTRAL",
    "ErrorModel",
    "ReferenceRun",
    "RouteCoverage",
    "combine_routes",
    "error_model",
    "fit_error_model",
    "leave_one_out",
    "leave_one_out_combined",
    "load_reference_runs",
    "range_sd_log10",
    "route_residuals",
]

#: (route, case) pairs with an error model (see the module docstring).
CASES: tuple[tuple[str, str], ...] = (
    ("architecture", "tokens_stated"),
    ("hardware", "utilisation_unknown"),
    ("hardware", "utilisation_stated"),
)
#: Central utilisation of the hardware route when none is given (the default of
#: :data:`computegov.compute.run.DEFAULT_UTILISATION`, cited there).
DEFAULT_UTILISATION_CENTRAL = 0.4


def _stated_mfu(run: ReferenceRun) -> float | None:
    if run.mfu_stated is None:
        return None
    return math.sqrt(run.mfu_stated[0] * run.mfu_stated[1])


def route_residuals(runs: Iterable[ReferenceRun], route: str, case: str) -> list[tuple[str, float]]:
    """(run name, log10(published / route formula)) for every run that calibrates (route, case).

    A run whose published figure Epoch derived by the hardware method alone does not calibrate
    the hardware route (it would be compared with itself).

    Raises:
        InputError: unknown (route, case).
    """
    if (route, case) not in CASES:
        raise InputError(f"no error model for route {route!r}, case {case!r}")
    out: list[tuple[str, float]] = []
    for run in runs:
        if route == "architecture":
            out.append((run.name, math.log10(run.compute_flop / run.architecture_flop)))
            continue
        at_peak = run.hardware_flop_at_peak
        if at_peak is None or run.epoch_method.strip() == "Hardware":
            continue
        if case == "utilisation_unknown":
            out.append((run.name, math.log10(run.compute_flop / (at_peak * DEFAULT_UTILISATION_CENTRAL))))
        else:
            mfu = _stated_mfu(run)
            if mfu is not None:
                out.append((run.name, math.log10(run.compute_flop / (at_peak * mfu))))
    return out


@dataclasses.dataclass(frozen=True)
class ErrorModel:
    """The error of one route in one case: log10(published / formula), two-piece normal.

    Attributes:
        route: ``architecture`` or ``hardware``.
        case: see CASES.
        n: reference runs it is fitted on.
        median_log10: median residual.
        sd_low_log10: root-mean-square deviation of the residuals below the median.
        sd_high_log10: same above the median.
        t90: Student-t 95th percentile with n - 1 degrees of freedom.
        runs: names of the runs fitted.
    """

    route: str
    case: str
    n: int
    median_log10: float
    sd_low_log10: float
    sd_high_log10: float
    t90: float
    runs: tuple[str, ...] = ()

    def bounds_log10(self, input_sd_log10: float = 0.0) -> tuple[float, float]:
        """(lo, hi): the 90 % interval of log10(true / formula), holding 0.

        Args:
            input_sd_log10: sd of log10 from ranged inputs, added in quadrature.
        """
        k = math.sqrt(1.0 + 1.0 / self.n)
        down = math.hypot(self.t90 * self.sd_low_log10 * k, Z90 * input_sd_log10)
        up = math.hypot(self.t90 * self.sd_high_log10 * k, Z90 * input_sd_log10)
        return min(self.median_log10 - down, 0.0), max(self.median_log10 + up, 0.0)

    def describe(self) -> str:
        """One line for an estimate's assumptions."""
        lo, hi = self.bounds_log10()
        return (
            f"route error calibrated on {self.n} published runs (computegov.compute.routes, "
            f"data/compute_reference_runs.yaml): 90% interval x{10**lo:.3g}–x{10**hi:.3g} of the formula "
            f"(median x{10**self.median_log10:.3g}; Student-t prediction interval, two-piece)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["runs"] = list(self.runs)
        lo, hi = self.bounds_log10()
        out["log10_low"], out["log10_high"] = lo, hi
        return out


def fit_error_model(residuals: Sequence[tuple[str, float]], route: str, case: str) -> ErrorModel:
    """The two-piece error model of the module docstring from (name, residual) pairs.

    Raises:
        InputError: fewer than 3 residuals or a non-finite one.
    """
    from computegov.trends.distributions import t_ppf

    values = [r for _, r in residuals]
    if len(values) < 3 or not all(math.isfinite(v) for v in values):
        raise InputError(f"{route}/{case}: need at least 3 finite residuals, got {len(values)}")
    ordered = sorted(values)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])
    below = [median - v for v in values if v < median]
    above = [v - median for v in values if v > median]

    def rms(xs: list[float]) -> float:
        return math.sqrt(sum(x * x for x in xs) / len(xs)) if xs else 0.0

    return ErrorModel(
        route=route,
        case=case,
        n=n,
        median_log10=median,
        sd_low_log10=rms(below),
        sd_high_log10=rms(above),
        t90=float(t_ppf(0.95, n - 1)),
        runs=tuple(name for name, _ in residuals),
    )


@functools.cache
def error_model(route: str, case: str) -> ErrorModel:
    """The error model of (route, case) fitted on the bundled reference runs."""
    return fit_error_model(route_residuals(load_reference_runs(), route, case), route, case)


@dataclasses.dataclass(frozen=True)
class RouteCoverage:
    """Leave-one-out check of one (route, case).

    Attributes:
        route: route.
        case: case.
        n: runs checked.
        coverage: share of published figures inside the interval fitted without them.
        median_width_log10: median width of those intervals, orders of magnitude.
        median_abs_error_log10: median |residual| of the formula.
        outside: names of the runs whose figure fell outside.
        n_developer: runs with a developer-stated figure.
        coverage_developer: coverage on those runs alone.
    """

    route: str
    case: str
    n: int
    coverage: float
    median_width_log10: float
    median_abs_error_log10: float
    outside: tuple[str, ...]
    n_developer: int
    coverage_developer: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["outside"] = list(self.outside)
        out["median_width_factor"] = 10**self.median_width_log10
        return out


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def leave_one_out(route: str, case: str, runs: Sequence[ReferenceRun] | None = None) -> RouteCoverage:
    """Fit (route, case) without each run in turn and check that run's figure (out of sample)."""
    pool = tuple(load_reference_runs() if runs is None else runs)
    residuals = route_residuals(pool, route, case)
    by_name = {r.name: r for r in pool}
    inside: list[bool] = []
    widths: list[float] = []
    outside: list[str] = []
    developer: list[bool] = []
    for i, (name, value) in enumerate(residuals):
        model = fit_error_model(residuals[:i] + residuals[i + 1 :], route, case)
        lo, hi = model.bounds_log10()
        ok = lo <= value <= hi
        inside.append(ok)
        widths.append(hi - lo)
        if not ok:
            outside.append(name)
        if by_name[name].compute_source == "developer":
            developer.append(ok)
    return RouteCoverage(
        route=route,
        case=case,
        n=len(residuals),
        coverage=sum(inside) / len(inside),
        median_width_log10=_median(widths),
        median_abs_error_log10=_median([abs(v) for _, v in residuals]),
        outside=tuple(outside),
        n_developer=len(developer),
        coverage_developer=sum(developer) / len(developer) if developer else math.nan,
    )


def _route_estimate(formula: float, model: ErrorModel, method: str) -> ComputeEstimate:
    lo, hi = model.bounds_log10()
    return ComputeEstimate(flop=formula, flop_low=formula * 10**lo, flop_high=formula * 10**hi, method=method)


def leave_one_out_combined(
    case: str = "utilisation_unknown", runs: Sequence[ReferenceRun] | None = None
) -> RouteCoverage:
    """Leave-one-out check of the two routes combined, on the runs that have both.

    For each run with hardware, both error models are refitted without it, each route's interval
    is formed around its formula, the two are combined by :func:`combine_routes` and the
    published figure is checked against the combined interval.
    """
    pool = tuple(load_reference_runs() if runs is None else runs)
    arch = route_residuals(pool, "architecture", "tokens_stated")
    hw = route_residuals(pool, "hardware", case)
    by_name = {r.name: r for r in pool}
    inside: list[bool] = []
    widths: list[float] = []
    errors: list[float] = []
    outside: list[str] = []
    developer: list[bool] = []
    for name, _ in hw:
        run = by_name[name]
        at_peak = run.hardware_flop_at_peak
        assert at_peak is not None
        util = DEFAULT_UTILISATION_CENTRAL if case == "utilisation_unknown" else _stated_mfu(run)
        assert util is not None
        a_model = fit_error_model([r for r in arch if r[0] != name], "architecture", "tokens_stated")
        h_model = fit_error_model([r for r in hw if r[0] != name], "hardware", case)
        both = combine_routes([
            _route_estimate(run.architecture_flop, a_model, "architecture"),
            _route_estimate(at_peak * util, h_model, "hardware"),
        ])
        ok = both.flop_low <= run.compute_flop <= both.flop_high
        inside.append(ok)
        widths.append(math.log10(both.flop_high / both.flop_low))
        errors.append(abs(math.log10(run.compute_flop / both.flop)))
        if not ok:
            outside.append(name)
        if run.compute_source == "developer":
            developer.append(ok)
    return RouteCoverage(
        route="combined",
        case=f"architecture + hardware/{case}",
        n=len(inside),
        coverage=sum(inside) / len(inside),
        median_width_log10=_median(widths),
        median_abs_error_log10=_median(errors),
        outside=tuple(outside),
        n_developer=len(developer),
        coverage_developer=sum(developer) / len(developer) if developer else math.nan,
    )


def range_sd_log10(low: float, high: float) -> float:
    """sd of log10 of a quantity whose 90 % interval is [low, high] (log-normal)."""
    if not (0 < low <= high and math.isfinite(high)):
        raise InputError(f"range {low!r}..{high!r}: expected 0 < low <= high")
    return math.log10(high / low) / (2.0 * Z90)


def _sd_of(est: ComputeEstimate) -> float:
    """sd of log10 FLOP of an estimate, from its 90 % interval (symmetrised)."""
    return max(math.log10(est.flop_high / est.flop_low) / (2.0 * Z90), 1e-6)


def combine_routes(routes: Sequence[ComputeEstimate], *, name: str | None = None) -> ComputeEstimate:
    """Inverse-variance mean of the routes in log10 (module docstring); each route kept as an alternative.

    Each route enters with its central value (the formula's, the median of its two-piece
    distribution) and the sd of its symmetrised 90 % interval. With one route, that route unchanged.

    Raises:
        InputError: no route.
    """
    pool = list(routes)
    if not pool:
        raise InputError("no route to combine")
    if len(pool) == 1:
        return pool[0]
    mus = [math.log10(e.flop) for e in pool]
    sds = [_sd_of(e) for e in pool]
    weights = [1.0 / s**2 for s in sds]
    total = sum(weights)
    mu = sum(w * m for w, m in zip(weights, mus, strict=True)) / total
    sd = 1.0 / math.sqrt(total)
    chi2 = sum(w * (m - mu) ** 2 for w, m in zip(weights, mus, strict=True))
    birge = math.sqrt(chi2 / (len(pool) - 1))
    assumptions = [
        "routes combined in log10 with inverse-variance weights "
        + ", ".join(f"{e.method} {w / total:.0%}" for e, w in zip(pool, weights, strict=True))
        + "; their errors assumed independent",
    ]
    if birge > 1.0:
        sd *= birge
        assumptions.append(
            f"the routes disagree more than their intervals allow (Birge ratio {birge:.2f}): "
            "the combined interval is widened by that factor"
        )
    flop = 10**mu
    return ComputeEstimate(
        flop=flop,
        flop_low=10 ** (mu - Z90 * sd),
        flop_high=10 ** (mu + Z90 * sd),
        method="combined",
        phase=pool[0].phase,
        name=name or pool[0].name,
        formula="inverse-variance mean of log10 FLOP over " + " and ".join(e.method for e in pool),
        inputs={
            "routes": [e.method for e in pool],
            "weights": [w / total for w in weights],
            "log10_mean_by_route": mus,
            "log10_sd_by_route": sds,
            "birge_ratio": birge,
        },
        assumptions=tuple(assumptions),
        alternatives=tuple(pool),
    )
