"""Trends of the leading AI supercomputers: doubling times of performance, power and hardware cost.

Which systems lead (three selections):

* ``top-k`` (default k = 10): systems ranked in the top k by the metric among all systems
  operational on the day they became operational, the selection of Pilz et al. (2025),
  "Trends in AI Supercomputers", arXiv:2504.16026 (accessed 2026-12-04), section 3.1;
* ``record``: systems larger than every system operational before them (record-setting; one that
  only equals an earlier system sets no record, two equal systems on the same first day both count);
* ``top-k-per-year``: the k largest systems first operational in each calendar year.

The fit is the trends module's: :func:`computegov.trends.fit.fit_log_linear` (OLS on log10 with a
pairs-bootstrap interval, Theil-Sen beside it); nothing here fits a line itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from computegov.clusters.stocks import METRICS, metric_value
from computegov.clusters.table import ClusterSystem
from computegov.errors import InputError
from computegov.trends.fit import DEFAULT_BOOTSTRAP, TrendFit, fit_log_linear

__all__ = [
    "DEFAULT_SINCE",
    "SELECTIONS",
    "LeadingTrend",
    "fit_leading",
    "leading_systems",
    "rank_at_first_operation",
]

SELECTIONS = ("top-k", "record", "top-k-per-year")
#: Pilz et al. (2025) fit the leading systems from 2019 on (arXiv:2504.16026, section 2).
DEFAULT_SINCE = dt.date(2019, 1, 1)


def rank_at_first_operation(
    systems: Sequence[ClusterSystem], metric: str
) -> dict[int, int]:
    """Rank (1 = largest) of each system by ``metric`` among those operational on its first day.

    Returns:
        ``{index in systems: rank}`` for systems with a first operational date and the metric.
        Ties share the better rank; planned systems are not ranked and do not count.
    """
    dated = [
        (i, s, v)
        for i, s in enumerate(systems)
        if s.status != "planned" and s.first_operational is not None and (v := metric_value(s, metric)) is not None
    ]
    if not dated:
        return {}
    start = np.array([s.first_operational.toordinal() for _, s, _ in dated])  # type: ignore[union-attr]
    end = np.array([s.decommissioned.toordinal() if s.decommissioned else np.iinfo(np.int64).max for _, s, _ in dated])
    value = np.array([v for _, _, v in dated])
    # larger[i, j]: system j is larger than i and operational on i's first day (ClusterSystem.operational_on).
    larger = (value[None, :] > value[:, None]) & (start[None, :] <= start[:, None]) & (end[None, :] > start[:, None])
    ranks = larger.sum(axis=1) + 1
    return {i: int(r) for (i, _, _), r in zip(dated, ranks, strict=True)}


def _matched_earlier(systems: Sequence[ClusterSystem], metric: str, indices: Iterable[int]) -> set[int]:
    """Of ``indices``, those equalled or beaten by a system first operational strictly earlier and still running."""
    out = set()
    for i in indices:
        me = systems[i]
        value = metric_value(me, metric)
        day = me.first_operational
        assert value is not None and day is not None
        for other in systems:
            v = metric_value(other, metric)
            start = other.first_operational
            if v is not None and start is not None and start < day and v >= value and other.operational_on(day):
                out.add(i)
                break
    return out


def leading_systems(
    systems: Iterable[ClusterSystem],
    metric: str = "flop_per_s_16bit",
    *,
    selection: str = "top-k",
    k: int = 10,
    since: dt.date | None = DEFAULT_SINCE,
    until: dt.date | None = None,
) -> tuple[tuple[ClusterSystem, float], ...]:
    """The leading systems and their metric values, oldest first.

    Ranks are computed over every given system (so a filter applied before changes them);
    ``since``/``until`` then limit the systems returned.

    Raises:
        InputError: unknown selection or metric, or ``k`` < 1.
    """
    if selection not in SELECTIONS:
        raise InputError(f"selection: unknown selection {selection!r}; choose one of {', '.join(SELECTIONS)}")
    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if k < 1:
        raise InputError(f"k: expected a positive number of systems, got {k}")
    pool = tuple(systems)
    chosen: list[int]
    if selection == "top-k-per-year":
        by_year: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for i, s in enumerate(pool):
            value = metric_value(s, metric)
            if s.status != "planned" and s.first_operational is not None and value is not None:
                by_year[s.first_operational.year].append((value, i))
        chosen = [i for items in by_year.values() for _v, i in sorted(items, reverse=True)[:k]]
    else:
        ranks = rank_at_first_operation(pool, metric)
        limit = 1 if selection == "record" else k
        chosen = [i for i, r in ranks.items() if r <= limit]
        if selection == "record":  # a tie with an earlier system sets no new record
            tied = _matched_earlier(pool, metric, chosen)
            chosen = [i for i in chosen if i not in tied]
    out = []
    for i in chosen:
        system = pool[i]
        day = system.first_operational
        assert day is not None
        if (since and day < since) or (until and day > until):
            continue
        value = metric_value(system, metric)
        assert value is not None
        out.append((system, value))
    out.sort(key=lambda sv: (sv[0].first_operational, sv[0].name))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class LeadingTrend:
    """A log-linear trend of one metric over the leading systems.

    Attributes:
        metric: metric name.
        selection: ``top-k``, ``record`` or ``top-k-per-year``.
        k: k of the selection (1 for ``record``).
        since: first date fitted.
        until: last date fitted (None: no limit).
        fit: the :class:`~computegov.trends.fit.TrendFit`.
        systems: names of the systems fitted.
    """

    metric: str
    selection: str
    k: int
    since: dt.date | None
    until: dt.date | None
    fit: TrendFit
    systems: tuple[str, ...]

    @property
    def doubling_time_months(self) -> float:
        """Doubling time, months."""
        return 12.0 * self.fit.doubling_time_years

    @property
    def doubling_time_ci_months(self) -> tuple[float, float]:
        """Its interval, months."""
        lo, hi = self.fit.doubling_time_ci_years
        return 12.0 * lo, 12.0 * hi

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "metric": self.metric,
            "unit": METRICS[self.metric][0],
            "selection": self.selection,
            "k": self.k,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "n": self.fit.n,
            "doubling_time_months": self.doubling_time_months,
            "doubling_time_ci_months": list(self.doubling_time_ci_months),
            "growth_per_year": self.fit.growth_per_year,
            "growth_per_year_ci": list(self.fit.growth_per_year_ci),
            "confidence": self.fit.confidence,
            "fit": self.fit.to_dict(),
            "systems": list(self.systems),
        }


def fit_leading(
    systems: Iterable[ClusterSystem],
    metric: str = "flop_per_s_16bit",
    *,
    selection: str = "top-k",
    k: int = 10,
    since: dt.date | None = DEFAULT_SINCE,
    until: dt.date | None = None,
    rng: np.random.Generator | None = None,
    seed: int = 0,
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = 0.95,
) -> LeadingTrend:
    """Doubling time of ``metric`` over the leading systems, with a bootstrap interval.

    Raises:
        InputError: unknown selection or metric, or fewer than 3 leading systems with the metric.
    """
    chosen = leading_systems(systems, metric, selection=selection, k=k, since=since, until=until)
    label = f"{selection}{'' if selection == 'record' else f' (k={k})'} AI supercomputers"
    years = [s.first_operational_year for s, _ in chosen]
    fit = fit_log_linear(
        np.asarray(years, dtype=float),
        np.asarray([v for _, v in chosen], dtype=float),
        rng=rng or np.random.default_rng(seed),
        metric=metric,
        unit=METRICS[metric][0],
        chip_set=label,
        names=[s.name for s, _ in chosen],
        coverage_note=f"n = {len(chosen)} leading systems",
        n_boot=n_boot,
        confidence=confidence,
    )
    return LeadingTrend(
        metric, selection, 1 if selection == "record" else k, since, until, fit, tuple(s.name for s, _ in chosen)
    )
