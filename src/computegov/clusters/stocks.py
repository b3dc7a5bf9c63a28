"""Compute stocks: aggregate H100-equivalents (or 16-bit FLOP/s, power, cost) by country, owner or sector.

A system counts toward the stock on a date when it is operational then: not planned, first
operational on or before the date, and not decommissioned by it (:meth:`ClusterSystem.operational_on`).
Filters (certainty, single-cluster flag, possible duplicates, Epoch's standard-analysis flag)
are applied in a fixed order and each reports what it removed, so a briefing can say what a
share rests on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from computegov.clusters.table import ClusterSystem, country_code
from computegov.errors import InputError

__all__ = [
    "DROP_REASONS",
    "GROUPINGS",
    "METRICS",
    "Dropped",
    "FilterStep",
    "Stock",
    "StockTable",
    "filter_systems",
    "metric_value",
    "stocks",
    "stocks_over_time",
]

#: Metric name -> (unit, description).
METRICS: dict[str, tuple[str, str]] = {
    "h100e": ("H100-equivalents", "16-bit performance in units of one H100 SXM (Epoch's column)"),
    "flop_per_s_16bit": ("FLOP/s", "peak dense 16-bit performance"),
    "power_w": ("W", "power capacity"),
    "hardware_cost_usd": ("USD", "hardware cost (Epoch: reported, else estimated)"),
    "chip_count": ("chips", "primary chips"),
}
GROUPINGS = ("country", "owner", "sector")
UNKNOWN = "unknown"


def metric_value(system: ClusterSystem, metric: str) -> float | None:
    """The system's value of ``metric`` (None if unknown).

    Raises:
        InputError: unknown metric.
    """
    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    value = getattr(system, metric)
    return None if value is None else float(value)


@dataclasses.dataclass(frozen=True)
class FilterStep:
    """One filter and what it took out.

    Attributes:
        name: filter id (``certainty``, ``single_cluster``, ``duplicates``, ``standard``, ``country``).
        description: what it keeps.
        removed: systems removed by this step.
        removed_h100e: their H100-equivalents (systems without the figure count 0).
        removed_names: up to ten of their names.
    """

    name: str
    description: str
    removed: int
    removed_h100e: float
    removed_names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def _step(name: str, description: str, before: Sequence[ClusterSystem], after: Sequence[ClusterSystem]) -> FilterStep:
    kept = {id(s) for s in after}
    gone = [s for s in before if id(s) not in kept]
    return FilterStep(
        name, description, len(gone), float(sum(s.h100e or 0.0 for s in gone)), tuple(s.name for s in gone[:10])
    )


def filter_systems(
    systems: Iterable[ClusterSystem],
    *,
    certainty: Sequence[str] | None = None,
    single_cluster: bool = False,
    exclude_duplicates: bool = False,
    standard: bool = False,
    countries: Sequence[str] | None = None,
) -> tuple[tuple[ClusterSystem, ...], tuple[FilterStep, ...]]:
    """Keep the systems passing every given filter, and say what each filter removed.

    Args:
        systems: the systems.
        certainty: certainties to keep (``confirmed``, ``likely``, ``unlikely``); None keeps all.
        single_cluster: keep only systems Epoch marks as a single cluster ("Yes").
        exclude_duplicates: drop rows Epoch flags as possible duplicates.
        standard: keep only Epoch's "Include in Standard Analysis" rows.
        countries: keep only these countries (names or ISO codes).

    Raises:
        InputError: an unknown certainty or country (the message names the field).
    """
    current = list(systems)
    steps: list[FilterStep] = []
    if certainty is not None:
        wanted = {c.strip().lower() for c in certainty}
        bad = wanted - {"confirmed", "likely", "unlikely"}
        if bad:
            raise InputError(f"certainty: unknown value(s) {sorted(bad)}; use confirmed, likely, unlikely")
        after = [s for s in current if s.certainty in wanted]
        steps.append(_step("certainty", f"certainty in {sorted(wanted)}", current, after))
        current = after
    if single_cluster:
        after = [s for s in current if s.single_cluster is True]
        steps.append(_step("single_cluster", "single cluster = Yes (drops No, Unclear, blank)", current, after))
        current = after
    if exclude_duplicates:
        after = [s for s in current if not s.possible_duplicate]
        steps.append(_step("duplicates", "not flagged as a possible duplicate", current, after))
        current = after
    if standard:
        after = [s for s in current if s.standard]
        steps.append(_step("standard", "Epoch's 'Include in Standard Analysis' flag", current, after))
        current = after
    if countries:
        codes = {country_code(c) for c in countries}
        after = [s for s in current if s.country in codes]
        steps.append(_step("country", f"country in {sorted(codes)}", current, after))
        current = after
    return tuple(current), tuple(steps)


@dataclasses.dataclass(frozen=True)
class Stock:
    """One group's stock on a date."""

    group: str
    value: float
    share: float
    n_systems: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Dropped:
    """Systems a stock leaves out for one reason, named so the total can be reconciled.

    Attributes:
        reason: why they are not counted on the date.
        count: how many systems.
        h100e: their H100-equivalents (systems without the figure count 0).
        names: up to ten of their names.
    """

    reason: str
    count: int
    h100e: float
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


#: Why a system is not operational on a date, in the order checked.
DROP_REASONS: tuple[str, ...] = (
    "no first-operational date in the source (existing or unknown status): cannot be placed in time",
    "planned, not yet built",
    "first operational after the date",
    "decommissioned on or before the date",
    "operational but lacking the metric",
)


def _drop_reason(system: ClusterSystem, date: dt.date) -> str | None:
    if system.status == "planned":
        return DROP_REASONS[1]
    if system.first_operational is None:
        return DROP_REASONS[0]
    if system.first_operational > date:
        return DROP_REASONS[2]
    if system.decommissioned is not None and system.decommissioned <= date:
        return DROP_REASONS[3]
    return None


@dataclasses.dataclass(frozen=True)
class StockTable:
    """Stocks of one metric by one grouping on one date, largest first.

    Attributes:
        date: the date.
        by: ``country``, ``owner`` or ``sector``.
        metric: metric name (see :data:`METRICS`).
        unit: its unit.
        total: sum over operational systems with the metric.
        rows: one :class:`Stock` per group (``unknown`` for systems without the grouping field).
        n_systems: operational systems with the metric.
        n_without_metric: operational systems lacking the metric (not counted).
        dropped: every system not counted, by reason (:data:`DROP_REASONS`), so the table can be
            reconciled with the source (e.g. existing clusters with no start date are not silently lost).
    """

    date: dt.date
    by: str
    metric: str
    unit: str
    total: float
    rows: tuple[Stock, ...]
    n_systems: int
    n_without_metric: int
    dropped: tuple[Dropped, ...] = ()

    def share(self, group: str) -> float:
        """The share of ``group`` (0 if absent)."""
        return next((r.share for r in self.rows if r.group == group), 0.0)

    def value(self, group: str) -> float:
        """The stock of ``group`` (0 if absent)."""
        return next((r.value for r in self.rows if r.group == group), 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "date": self.date.isoformat(),
            "by": self.by,
            "metric": self.metric,
            "unit": self.unit,
            "total": self.total,
            "n_systems": self.n_systems,
            "n_without_metric": self.n_without_metric,
            "rows": [r.to_dict() for r in self.rows],
            "dropped": [d.to_dict() for d in self.dropped],
        }


def _group(system: ClusterSystem, by: str) -> str:
    value = getattr(system, by)
    return str(value) if value else UNKNOWN


def stocks(
    systems: Iterable[ClusterSystem], date: dt.date, *, by: str = "country", metric: str = "h100e"
) -> StockTable:
    """Aggregate ``metric`` of the systems operational on ``date``, grouped ``by``.

    Raises:
        InputError: unknown grouping or metric.
    """
    if by not in GROUPINGS:
        raise InputError(f"by: unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")
    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    unit = METRICS[metric][0]
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    missing = 0
    gone: dict[str, list[ClusterSystem]] = defaultdict(list)
    for system in systems:
        if not system.operational_on(date):
            gone[_drop_reason(system, date) or DROP_REASONS[0]].append(system)
            continue
        value = metric_value(system, metric)
        if value is None:
            missing += 1
            gone[DROP_REASONS[4]].append(system)
            continue
        key = _group(system, by)
        totals[key] += value
        counts[key] += 1
    total = float(sum(totals.values()))
    rows = tuple(
        Stock(g, v, v / total if total > 0 else 0.0, counts[g])
        for g, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    dropped = tuple(
        Dropped(reason, len(gone[reason]), float(sum(x.h100e or 0.0 for x in gone[reason])),
                tuple(x.name for x in gone[reason][:10]))
        for reason in DROP_REASONS if gone.get(reason)
    )
    return StockTable(date, by, metric, unit, total, rows, sum(counts.values()), missing, dropped)


def stocks_over_time(
    systems: Iterable[ClusterSystem],
    dates: Sequence[dt.date],
    *,
    by: str = "country",
    metric: str = "h100e",
) -> tuple[StockTable, ...]:
    """:func:`stocks` on each date (systems come and go with their operational and decommission dates)."""
    pool = tuple(systems)
    return tuple(stocks(pool, d, by=by, metric=metric) for d in dates)
