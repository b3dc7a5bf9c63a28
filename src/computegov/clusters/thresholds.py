"""Computing-cluster thresholds (in op/s) and when the first system of a given size is expected.

The only cluster threshold in a US instrument so far is EO 14110's reporting threshold, now
rescinded and kept as history with its dates (like the training-compute thresholds in
``data/thresholds.yaml``).

:func:`first_reaching` answers "when is the first 1e6-H100e (or 1 GW) system expected?" with a
**simple** method, stated as such: a log-linear fit over the record-setting systems (the trends
module's :func:`~computegov.trends.fit.fit_log_linear`), the crossing date taken from every
bootstrap line, and the percentiles of those dates as the interval. This interval covers the
uncertainty of the trend line only, not a system's scatter around it, and it is not calibrated
(the trends module's calibrated machinery is not used here). :func:`hindcast_first_reaching`
measures its coverage on past data: on the bundled snapshot the nominal 90 % interval held in only
4 of 15 H100e cases and 0 of 4 power cases (origins 2022-07 to 2024-07; 12 of 15 for 16-bit
FLOP/s), missing early from 2022-23 origins and late from 2024 ones, when the largest systems grew
faster than the record trend before them. Read it as a trend-line
extrapolation, not a calibrated forecast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from computegov.clusters.leading import DEFAULT_SINCE, fit_leading
from computegov.clusters.stocks import METRICS, metric_value
from computegov.clusters.table import ClusterSystem
from computegov.errors import InputError

__all__ = [
    "EO14110_CLUSTER",
    "HINDCAST_ORIGINS",
    "ClusterThreshold",
    "Crossing",
    "FirstReaching",
    "Hindcast",
    "HindcastCase",
    "crossings",
    "first_reaching",
    "hindcast_first_reaching",
]


@dataclasses.dataclass(frozen=True)
class ClusterThreshold:
    """A computing-cluster threshold in operations per second."""

    id: str
    instrument: str
    legal_reference: str
    value_op_per_s: float
    conditions: str
    adopted: dt.date
    in_force_from: dt.date
    in_force_until: dt.date | None
    status: str
    sources: tuple[str, ...]

    def in_force_on(self, date: dt.date) -> bool:
        """Whether the threshold applied on ``date``."""
        return self.in_force_from <= date and (self.in_force_until is None or date < self.in_force_until)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        for key in ("adopted", "in_force_from", "in_force_until"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


#: EO 14110 § 4.2(b)(ii): reporting of computing clusters above 1e20 op/s; revoked by EO 14148.
EO14110_CLUSTER = ClusterThreshold(
    id="us-eo14110-computing-cluster",
    instrument="Executive Order 14110, Safe, Secure, and Trustworthy Development and Use of Artificial Intelligence",
    legal_reference="EO 14110 § 4.2(b)(ii), 88 Fed. Reg. 75191 (1 Nov 2023)",
    # § 4.2(b)(ii): "a set of machines physically co-located in a single datacenter, transitively
    # connected by data center networking of over 100 Gbit/s, and having a theoretical maximum
    # computing capacity of 10^20 integer or floating-point operations per second for training AI".
    value_op_per_s=1e20,
    conditions="machines co-located in one datacenter, networked at over 100 Gbit/s; theoretical maximum "
    "capacity for training AI (computegov tests Epoch's 'Max OP/s' of single-cluster systems)",
    adopted=dt.date(2023, 10, 30),
    in_force_from=dt.date(2023, 10, 30),
    in_force_until=dt.date(2025, 1, 20),
    status="revoked",
    sources=(
        "Executive Order 14110 of October 30, 2023, § 4.2(b)(ii), 88 FR 75191. "
        "https://www.federalregister.gov/documents/2023/11/01/2023-24283 (accessed 2026-12-04)",
        "Executive Order 14148 of January 20, 2025, Initial Rescissions of Harmful Executive Orders and "
        "Actions, 90 FR 8237, FR Doc. 2025-01901 (revokes EO 14110)",
    ),
)


@dataclasses.dataclass(frozen=True)
class Crossing:
    """A system at or over a cluster threshold."""

    system: str
    country: str | None
    max_op_per_s: float
    ratio: float
    first_operational: dt.date | None
    operational_while_in_force: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["first_operational"] = self.first_operational.isoformat() if self.first_operational else None
        return out


def crossings(
    systems: Iterable[ClusterSystem], threshold: ClusterThreshold = EO14110_CLUSTER, *, include_planned: bool = False
) -> tuple[Crossing, ...]:
    """Systems whose ``max_op_per_s`` is at or above the threshold, oldest first.

    ``operational_while_in_force``: first operational before the threshold lapsed and not
    decommissioned before it took effect (the system would have had to be reported).
    """
    out = []
    for s in systems:
        if s.max_op_per_s is None or s.max_op_per_s < threshold.value_op_per_s:
            continue
        if s.status == "planned" and not include_planned:
            continue
        live = (
            s.status != "planned"
            and s.first_operational is not None
            and (threshold.in_force_until is None or s.first_operational < threshold.in_force_until)
            and (s.decommissioned is None or s.decommissioned >= threshold.in_force_from)
        )
        out.append(Crossing(s.name, s.country, s.max_op_per_s, s.max_op_per_s / threshold.value_op_per_s,
                            s.first_operational, live))
    out.sort(key=lambda c: (c.first_operational or dt.date.max, c.system))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class FirstReaching:
    """When the first system with ``metric`` >= ``target`` is (or is expected to be) operational."""

    metric: str
    target: float
    reached_by: str | None
    reached_on: dt.date | None
    planned: tuple[str, ...]
    expected_year: float | None
    expected_year_ci: tuple[float, float] | None
    confidence: float
    method: str
    n_fitted: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["unit"] = METRICS[self.metric][0]
        out["reached_on"] = self.reached_on.isoformat() if self.reached_on else None
        out["expected_year_ci"] = list(self.expected_year_ci) if self.expected_year_ci else None
        return out


def first_reaching(
    systems: Iterable[ClusterSystem],
    metric: str,
    target: float,
    *,
    since: dt.date | None = DEFAULT_SINCE,
    seed: int = 0,
    n_boot: int = 2000,
    confidence: float = 0.9,
    planned_systems: Iterable[ClusterSystem] | None = None,
) -> FirstReaching:
    """Has a system reached ``target`` (e.g. 1e6 H100e, 1e9 W)? If not, when does the record trend cross it?

    Args:
        systems: the systems (filter first; the default CLI uses Epoch's standard set).
        metric: ``h100e``, ``power_w``, ``flop_per_s_16bit`` or ``hardware_cost_usd``.
        target: the size, in the metric's unit.
        since: first date of the record-setting systems fitted.
        seed: bootstrap seed.
        n_boot: bootstrap resamples.
        confidence: interval level.
        planned_systems: where to look for announced systems of that size (default: ``systems``).

    Raises:
        InputError: unknown metric, non-positive target, or fewer than 3 record-setting systems.
    """
    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if not (target > 0 and math.isfinite(target)):
        raise InputError(f"target: expected a positive size, got {target}")
    pool = tuple(systems)
    reached = sorted(
        (s for s in pool if s.status != "planned" and s.first_operational and (metric_value(s, metric) or 0) >= target),
        key=lambda s: s.first_operational or dt.date.max,
    )
    announced = tuple(planned_systems) if planned_systems is not None else pool
    planned = tuple(
        s.name for s in announced if s.status == "planned" and (metric_value(s, metric) or 0) >= target
    )
    trend = fit_leading(pool, metric, selection="record", since=since, seed=seed, n_boot=n_boot,
                        confidence=confidence)
    fit = trend.fit
    log_target = math.log10(target)
    slopes, intercepts = fit.boot_slopes, fit.boot_intercepts
    ok = slopes > 0
    years = fit.reference_year + (log_target - intercepts[ok]) / slopes[ok]
    alpha = (1 - confidence) / 2
    central = None
    ci = None
    if fit.slope_log10_per_year > 0:
        central = fit.reference_year + (log_target - fit.intercept_log10) / fit.slope_log10_per_year
    if ok.mean() >= 1 - alpha and years.size:
        lo, hi = np.quantile(years, [alpha, 1 - alpha])
        ci = (float(lo), float(hi))
    method = ("log-linear fit over record-setting systems (computegov.trends.fit), crossing year from each "
              "pairs-bootstrap line; covers trend-line uncertainty only, not calibrated out of sample")
    first = reached[0] if reached else None
    return FirstReaching(metric, target, first.name if first else None, first.first_operational if first else None,
                         planned, central, ci, confidence, method, fit.n)


#: Forecast origins of the default hindcast: every half year from 2022-01 to 2024-07 (origins
#: without 3 record-setting systems since 2019 are skipped).
HINDCAST_ORIGINS = tuple(dt.date(y, m, 1) for y in (2022, 2023, 2024) for m in (1, 7))


@dataclasses.dataclass(frozen=True)
class HindcastCase:
    """One out-of-sample check of :func:`first_reaching`: forecast at ``origin``, truth from later rows."""

    origin: dt.date
    target: float
    expected_year: float | None
    expected_year_ci: tuple[float, float] | None
    actual_year: float
    covered: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["origin"] = self.origin.isoformat()
        out["expected_year_ci"] = list(self.expected_year_ci) if self.expected_year_ci else None
        return out


@dataclasses.dataclass(frozen=True)
class Hindcast:
    """Measured coverage of :func:`first_reaching`'s interval on past data."""

    metric: str
    confidence: float
    cases: tuple[HindcastCase, ...]
    skipped: int

    @property
    def coverage(self) -> float | None:
        """Fraction of cases whose interval held the actual date (None without cases)."""
        return sum(c.covered for c in self.cases) / len(self.cases) if self.cases else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"metric": self.metric, "confidence": self.confidence, "n": len(self.cases),
                "coverage": self.coverage, "skipped": self.skipped,
                "note": "origins are not independent (overlapping data); read the coverage as indicative",
                "cases": [c.to_dict() for c in self.cases]}


def hindcast_first_reaching(
    systems: Iterable[ClusterSystem],
    metric: str,
    origins: Iterable[dt.date],
    *,
    multiples: tuple[float, ...] = (2.0, 4.0, 10.0),
    seed: int = 0,
    n_boot: int = 1000,
    confidence: float = 0.9,
) -> Hindcast:
    """Forecast, at each origin, when the first system ``multiples`` x the largest so far appears.

    Only systems first operational before the origin are used for the forecast; the truth is the
    first later system that reaches the size. Targets never reached in the data, and origins with
    fewer than 3 record-setting systems since 2019, are skipped (counted in ``skipped``).
    """
    pool = tuple(s for s in systems if s.status != "planned" and s.first_operational is not None)
    cases: list[HindcastCase] = []
    skipped = 0
    for origin in origins:
        past = [s for s in pool if s.first_operational and s.first_operational < origin]
        largest = max((metric_value(s, metric) or 0.0 for s in past), default=0.0)
        if largest <= 0:
            skipped += len(multiples)
            continue
        for multiple in multiples:
            target = largest * multiple
            later = sorted(
                (s for s in pool if s.first_operational and s.first_operational >= origin
                 and (metric_value(s, metric) or 0.0) >= target),
                key=lambda s: s.first_operational or dt.date.max,
            )
            if not later:
                skipped += 1
                continue
            try:
                result = first_reaching(past, metric, target, seed=seed, n_boot=n_boot, confidence=confidence)
            except InputError:
                skipped += 1
                continue
            actual = later[0].first_operational_year
            assert actual is not None
            ci = result.expected_year_ci
            covered = ci is not None and ci[0] <= actual <= ci[1]
            cases.append(HindcastCase(origin, target, result.expected_year, ci, actual, covered))
    return Hindcast(metric, confidence, tuple(cases), skipped)
