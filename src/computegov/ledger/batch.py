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
from typing import Any, NamedTuple

from computegov.ledger.records import Record

__all__ = ["Batch", "MeasurementRun"]

_KIND = itemgetter(1)
_TIME = itemgetter(2)
_DATA = itemgetter(4)
_MEASUREMENT_KEYS = ("interval", "step_end")
_values = dict.values
_get = dict.get


class MeasurementRun(NamedTuple):
    """Consecutive measurement records of a batch, column by column.

    Attributes:
        times: each record's ``time_unix_s``.
        step_end: each record's ``data["step_end"]``.
        intervals: each record's ``data["interval"]`` (a dict).
        columns: interval field -> its value in each interval (None where the interval lacks
            the field or holds null: only rules that treat both alike may read these).
    """

    times: tuple[float, ...]
    step_end: tuple[Any, ...]
    intervals: tuple[dict[str, Any], ...]
    columns: dict[str, tuple[Any, ...]]


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
    out: list[tuple[int, int, MeasurementRun | None]] = []
    start = 0
    for kind, group in groupby(map(_KIND, records)):
        stop = start + sum(1 for _ in group)
        run = _measurement_run(records[start:stop]) if kind == "measurement" else None
        out.append((start, stop, run))
        start = stop
    return out


def _measurement_run(records: list[Record]) -> MeasurementRun | None:
    """The records' columns, or None when any record's data has another shape."""
    data = list(map(_DATA, records))
    if set(map(tuple, data)) != {_MEASUREMENT_KEYS}:
        return None
    intervals, step_end = zip(*map(_values, data), strict=True)
    if set(map(type, intervals)) != {dict}:
        return None
    shapes = set(map(tuple, intervals))
    columns: dict[str, tuple[Any, ...]]
    if len(shapes) == 1:  # the usual case: every interval has the same fields, in one order
        columns = dict(zip(shapes.pop(), zip(*map(_values, intervals), strict=True), strict=True))
    else:
        keys = dict.fromkeys(k for shape in shapes for k in shape)
        columns = {k: tuple(map(_get, intervals, repeat(k))) for k in keys}
    return MeasurementRun(tuple(map(_TIME, records)), step_end, intervals, columns)
