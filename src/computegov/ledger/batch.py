"""A batch of ledger records as the verifier's checks see it: records, and measurements by column.

The streaming pass (:mod:`computegov.ledger.ledger_pass`) hands each check a :class:`Batch`.
:meth:`Batch.segments` splits it into runs: a run of consecutive ``measurement`` records whose
``data`` is ``{"interval": {...}, "step_end": ...}`` comes with its values column by column
(:class:`MeasurementRun`), so a check can test a whole column with one C-level call (``min``,
``max``, ``set(map(type, ...))``, ``map(operator.le, ...)``) instead of one Python statement per
record; every other record comes alone. A check that finds anything unusual in a run's columns
reads that run's records one at a time instead, with its exact per-record rules (so the fast
path may only ever decline, never decide).
"""

from __future__ import annotations

from itertools import groupby, repeat
from operator import itemgetter
from typing import Any

from computegov.ledger.records import Record

__all__ = ["Batch", "MeasurementRun"]

_KIND = itemgetter(1)
_TIME = itemgetter(2)
_DATA = itemgetter(4)
_MEASUREMENT_FIELDS = itemgetter("interval", "step_end")
_get = dict.get
_NONE = type(None)


class MeasurementRun:
    """Consecutive measurement records of a batch, column by column.

    Attributes:
        times: each record's ``time_unix_s``.
        step_end: each record's ``data["step_end"]``.
        intervals: each record's ``data["interval"]`` (a dict).
        columns: interval field -> its value in each interval (None where the interval lacks
            the field or holds null: only rules that treat both alike may read these).
    """

    __slots__ = ("_types", "columns", "intervals", "step_end", "times")

    def __init__(
        self,
        times: tuple[float, ...],
        step_end: tuple[Any, ...],
        intervals: tuple[dict[str, Any], ...],
        columns: dict[str, tuple[Any, ...]],
    ) -> None:
        self.times, self.step_end, self.intervals, self.columns = times, step_end, intervals, columns
        self._types: dict[str, set[type]] = {}

    def types(self, key: str) -> set[type]:
        """The types found in interval field ``key``'s column (NoneType where absent or null).

        Computed once per run (several checks ask); the caller must not change the set.
        """
        found = self._types.get(key)
        if found is None:
            column = self.columns.get(key)
            found = self._types[key] = set(map(type, column)) if column is not None else {_NONE}
        return found


class Batch:
    """Records read together, with their byte offsets.

    Args:
        offsets: each record's byte offset in the ledger file.
        records: the records, in file order.
    """

    __slots__ = ("_items", "_segments", "offsets", "records")

    def __init__(self, offsets: list[int], records: list[Record]) -> None:
        self.offsets = offsets
        self.records = records
        self._items: list[tuple[int, Record]] | None = None
        self._segments: list[tuple[int, int, MeasurementRun | None]] | None = None

    @classmethod
    def of(cls, items: list[tuple[int, Record]]) -> Batch:
        """A batch of ``(offset, record)`` pairs."""
        batch = cls([offset for offset, _ in items], [rec for _, rec in items])
        batch._items = items
        return batch

    def __len__(self) -> int:
        return len(self.records)

    @property
    def items(self) -> list[tuple[int, Record]]:
        """``(offset, record)`` pairs."""
        if self._items is None:
            self._items = list(zip(self.offsets, self.records, strict=True))
        return self._items

    def segments(self) -> list[tuple[int, int, MeasurementRun | None]]:
        """``(start, stop, run)``: the batch in order, split where record kinds change.

        ``run`` is the :class:`MeasurementRun` of ``records[start:stop]`` when those are all
        measurement records of the usual shape, else None (read them one at a time).
        """
        if self._segments is None:
            self._segments = _segments(self.records)
        return self._segments


def _segments(records: list[Record]) -> list[tuple[int, int, MeasurementRun | None]]:
    kinds = list(map(_KIND, records))
    if kinds.count("measurement") == len(kinds):  # the usual batch: one run
        return [(0, len(kinds), _measurement_run(records))]
    out: list[tuple[int, int, MeasurementRun | None]] = []
    start = 0
    for kind, group in groupby(kinds):
        stop = start + len(list(group))
        run = _measurement_run(records[start:stop]) if kind == "measurement" else None
        out.append((start, stop, run))
        start = stop
    return out


def _measurement_run(records: list[Record]) -> MeasurementRun | None:
    """The records' columns, or None when any record's data has another shape."""
    data = list(map(_DATA, records))
    if set(map(len, data)) != {2}:
        return None
    try:  # two keys each, both of these: exactly these
        intervals, step_end = zip(*map(_MEASUREMENT_FIELDS, data), strict=True)
    except KeyError:
        return None
    if set(map(type, intervals)) != {dict}:
        return None
    shape = tuple(intervals[0])
    columns: dict[str, tuple[Any, ...]] | None = None
    if len(shape) > 1 and set(map(len, intervals)) == {len(shape)}:
        try:  # the usual case: every interval has the same fields (same count, all present)
            rows = map(itemgetter(*shape), intervals)
            columns = dict(zip(shape, zip(*rows, strict=True), strict=True))
        except KeyError:
            columns = None
    if columns is None:
        keys = dict.fromkeys(k for iv in intervals for k in iv)
        columns = {k: tuple(map(_get, intervals, repeat(k))) for k in keys}
    return MeasurementRun(tuple(map(_TIME, records)), step_end, intervals, columns)
