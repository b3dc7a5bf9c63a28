"""The outlook run from the past: with data up to 2020 and 2022, against the largest runs that happened.

For each origin the ``toolkit`` preset is rebuilt from data before 1 January of that year
(catalogue chips released before it, AI supercomputers first operational before it, notable
models published before it; supply volumes, utilisation evidence and cost assumptions have no
dated history and are today's, a look-ahead stated with the result), the outlook is run for
the origin year to the last complete year of the notable-models snapshot, and each year's
largest training run (Epoch AI's notable-models data, bundled) is set against:

* the feasible run's 90 % interval (a feasibility bound: the largest actual run should sit at or
  below its upper end, and usually below its median, since no developer uses every resource);
* the frontier-compute trend's 90 % interval, fitted on models before the origin.

The sample is tiny (one largest run per year, two origins, overlapping years): the coverage is
a check of gross error, not a calibration statement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from computegov.errors import InputError
from computegov.outlook.feasible import LEVELS, feasible_runs
from computegov.outlook.toolkit import ToolkitSources, toolkit_preset

__all__ = ["FIRST_ORIGIN", "HINDCAST_ORIGINS", "LAST_SCORED_YEAR", "HindcastCase", "OutlookHindcast", "hindcast", "largest_runs"]

#: Origins of the default hindcast (the issue's 2020 and 2022).
HINDCAST_ORIGINS: tuple[int, ...] = (2020, 2022)
#: Earliest origin accepted: the leading-systems and chip series need a few years of history first.
FIRST_ORIGIN = 2016
#: Last complete year in the bundled notable-models snapshot (2025-02-24).
LAST_SCORED_YEAR = 2024


def largest_runs(first: int, last: int) -> dict[int, tuple[str, float]]:
    """The largest training run published in each year (model, FLOP), notable-models data.

    Raises:
        InputError: a year with no model of known compute.
    """
    from computegov.compute.trend import load_notable_models

    df = load_notable_models()
    df = df[df["training_compute_flop"] > 0]
    out = {}
    for y in range(first, last + 1):
        sub = df[(df["year"] >= y) & (df["year"] < y + 1)]
        if sub.empty:
            raise InputError(f"no notable model with known compute in {y}")
        k = int(np.argmax(sub["training_compute_flop"].to_numpy(float)))
        out[y] = (str(sub["model"].iloc[k]), float(sub["training_compute_flop"].iloc[k]))
    return out


@dataclasses.dataclass(frozen=True)
class HindcastCase:
    """One (origin, year): the outlook made then and the largest run that happened.

    Attributes:
        origin: data before 1 January of this year.
        year: the year.
        actual_model: the largest run published that year.
        actual_flop: its training compute, FLOP.
        feasible_flop: (5 %, 50 %, 95 %) of the feasible run, FLOP.
        binding: the constraint binding most often.
        within_feasible_90: actual inside the feasible 90 % interval.
        below_feasible_95: actual at or below the feasible 95th percentile (the bound held).
        below_feasible_median: actual below the feasible median.
        trend_flop: (5 %, 50 %, 95 %) of the trend's extrapolation, FLOP.
        within_trend_90: actual inside the trend's 90 % interval.
        constraint_medians_flop: each constraint's median that year, FLOP (where the bound sat).
    """

    origin: int
    year: int
    actual_model: str
    actual_flop: float
    feasible_flop: tuple[float, float, float]
    binding: str
    within_feasible_90: bool
    below_feasible_95: bool
    below_feasible_median: bool
    trend_flop: tuple[float, float, float]
    within_trend_90: bool
    constraint_medians_flop: dict[str, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class OutlookHindcast:
    """Every case and the coverages.

    Attributes:
        cases: one per (origin, year).
        coverage_feasible_90: share of cases inside the feasible 90 % interval.
        share_below_feasible_95: share at or below the feasible 95th percentile.
        share_below_feasible_median: share below the feasible median.
        coverage_trend_90: share inside the trend's 90 % interval.
        note: what the sample can and cannot say.
    """

    cases: tuple[HindcastCase, ...]
    coverage_feasible_90: float
    share_below_feasible_95: float
    share_below_feasible_median: float
    coverage_trend_90: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"n": len(self.cases), "coverage_feasible_90": self.coverage_feasible_90,
                "share_below_feasible_95": self.share_below_feasible_95,
                "share_below_feasible_median": self.share_below_feasible_median,
                "coverage_trend_90": self.coverage_trend_90, "note": self.note,
                "cases": [c.to_dict() for c in self.cases]}


def hindcast(origins: Sequence[int] = HINDCAST_ORIGINS, last_year: int = LAST_SCORED_YEAR, *, rng: np.random.Generator,
             n_draws: int = 20_000, sources: ToolkitSources | None = None) -> OutlookHindcast:
    """Run the toolkit outlook from each origin and score it against the largest runs.

    Args:
        origins: forecast origins (data before 1 January of each).
        last_year: last year scored (the bundled snapshot ends in February 2025).
        rng: the random stream.
        n_draws: Monte Carlo draws per origin.
        sources: chips, systems, ensemble sizes for the toolkit preset.

    Raises:
        InputError: an origin after ``last_year``, or a year with no notable model.
    """
    cases = []
    i05, i50, i95 = LEVELS.index(0.05), LEVELS.index(0.5), LEVELS.index(0.95)
    if not FIRST_ORIGIN <= last_year <= LAST_SCORED_YEAR:
        raise InputError(f"last year: expected {FIRST_ORIGIN} to {LAST_SCORED_YEAR}, got {last_year}")
    for origin in origins:
        if not FIRST_ORIGIN <= origin <= last_year:
            raise InputError(f"origin: expected a year from {FIRST_ORIGIN} to {last_year} (data before it must hold "
                             f"enough chips, systems and models; runs after it must be in the snapshot), got {origin}")
    for origin in sorted(set(origins)):
        years = list(range(origin, last_year + 1))
        actual = largest_runs(origin, last_year)
        preset = toolkit_preset(years, origin=origin, sources=sources)
        out = feasible_runs(preset, years, rng=rng, n_draws=n_draws, trend_until=float(origin))
        assert out.trend is not None
        for k, y in enumerate(years):
            f = out.feasible_flop[k]
            t = out.trend.quantiles_flop[k]
            model, flop = actual[y]
            cases.append(HindcastCase(
                origin, y, model, flop, (f[i05], f[i50], f[i95]), out.binding[k], f[i05] <= flop <= f[i95],
                flop <= f[i95], flop < f[i50], (t[i05], t[i50], t[i95]), t[i05] <= flop <= t[i95],
                {c.name: c.quantiles_flop[k][i50] for c in out.constraints}))
    n = len(cases)

    def share(attr: str) -> float:
        return sum(bool(getattr(c, attr)) for c in cases) / n

    return OutlookHindcast(
        tuple(cases), share("within_feasible_90"), share("below_feasible_95"), share("below_feasible_median"),
        share("within_trend_90"),
        f"n = {n} (origin, year) cases from {len(set(origins))} origins with overlapping years: far too few to "
        "calibrate anything; supply volumes, utilisation evidence and cost assumptions are today's (look-ahead)",
    )
