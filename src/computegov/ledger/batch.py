"""A batch of ledger records as the verifier's checks see it: records, and columns by kind.

The streaming pass (:mod:`computegov.ledger.ledger_pass`) hands each check a :class:`Batch`:
the records of one block read from the file, with their byte offsets. Besides the records, a
batch offers columns: every record's kind and time, the ``measurement`` records' interval
fields (:class:`MeasurementRun`) and the ``batch`` records' steps, so a check can test a whole
column with one C-level call (``min``, ``max``, ``set(map(type, ...))``, ``map(operator.le,
...)``) instead of one Python statement per record. A check that finds anything unusual in the
columns reads the batch's records one at a time instead, with its exact per-record rules (so
the columns may only ever decline, never decide).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import accumulate, compress, repeat
from operator import add, eq, itemgetter, le, not_
from typing import Any

from computegov.ledger.records import Record

__all__ = ["Batch", "MeasurementRun"]

_KIND = itemgetter(1)
_TIME = itemgetter(2)
_DATA = itemgetter(4)
_MEASUREMENT_FIELDS = itemgetter("interval", "step_end")
_BATCH_FIELDS = itemgetter("digest", "step")
_get = dict.get
_NONE = type(None)
_UNSET: Any = object()
_new_record = partial(tuple.__new__, Record)


class MeasurementRun:
    """The measurement records of a batch (in file order), column by column.

    Attributes:
        times: each measurement record's ``time_unix_s``.
        step_end: each record's ``data["step_end"]``.
        intervals: each record's ``data["interval"]`` (a dict).
        columns: interval field -> its value in each interval (None where the interval lacks
            the field or holds null: only rules that treat both alike may read these).
    """

    __slots__ = ("_low", "_ordered", "_types", "columns", "finite", "intervals", "step_end", "times")

    def __init__(
        self,
        times: tuple[float, ...],
        step_end: tuple[Any, ...],
        intervals: tuple[dict[str, Any], ...],
        columns: dict[str, tuple[Any, ...]],
        finite: bool = False,
    ) -> None:
        self.times, self.step_end, self.intervals, self.columns = times, step_end, intervals, columns
        self.finite = finite
        self._types: dict[str, set[type]] = {}
        self._low: dict[str, Any] = {}
        self._ordered: dict[tuple[str, str], bool] = {}

    def __len__(self) -> int:
        return len(self.times)

    def types(self, key: str) -> set[type]:
        """The types found in interval field ``key``'s column (NoneType where absent or null).

        Computed once per run (several checks ask); the caller must not change the set.
        """
        found = self._types.get(key)
        if found is None:
            column = self.columns.get(key)
            found = self._types[key] = set(map(type, column)) if column is not None else {_NONE}
        return found

    def low(self, key: str) -> Any:
        """``min`` of interval field ``key``'s column, computed once per run (several checks ask).

        Only for a column present in :attr:`columns` whose values are all of one comparable
        kind (the caller has checked :meth:`types`: all ints, or all ints and floats).
        """
        low = self._low
        if key in low:
            return low[key]
        found = low[key] = min(self.columns[key])
        return found

    def ordered(self, first: str, second: str) -> bool:
        """Whether ``first``'s value <= ``second``'s in every interval (computed once per run).

        Only for two columns present in :attr:`columns` whose values are all floats (the caller
        has checked :meth:`types`).
        """
        pair = (first, second)
        found = self._ordered.get(pair)
        if found is None:
            cols = self.columns
            found = self._ordered[pair] = all(map(le, cols[first], cols[second]))
        return found


class Batch:
    """Records read together, with their byte offsets.

    A batch holds either its records or their columns (:meth:`of_columns`, what the block
    decoder returns); the other is built only when asked for, and :meth:`record` builds one
    record from the columns without building the rest.

    Args:
        offsets: each record's byte offset in the ledger file.
        records: the records, in file order.
    """

    __slots__ = (
        "_base", "_batch_steps", "_columns", "_data", "_items", "_kind_set", "_kinds",
        "_lengths", "_measurements", "_n", "_offsets", "_records", "_sorted", "_times", "finite",
    )

    def __init__(self, offsets: list[int], records: list[Record]) -> None:
        self._offsets: list[int] | None = offsets
        self._n = len(offsets)
        self._base = 0
        self._lengths: list[int] = []
        self.finite = False
        self._sorted: bool | None = None
        self._records: list[Record] | None = records
        self._columns: tuple[Sequence[Any], ...] | None = None
        self._items: list[tuple[int, Record]] | None = None
        self._kinds: Sequence[str] | None = None
        self._kind_set: set[str] | None = None
        self._times: Sequence[float] | None = None
        self._data: Sequence[dict[str, Any]] | None = None
        self._measurements: Any = _UNSET
        self._batch_steps: Any = _UNSET

    @classmethod
    def of(cls, items: list[tuple[int, Record]]) -> Batch:
        """A batch of ``(offset, record)`` pairs."""
        batch = cls([offset for offset, _ in items], [rec for _, rec in items])
        batch._items = items
        return batch

    @classmethod
    def of_columns(
        cls,
        offsets: list[int] | None,
        columns: tuple[
            Sequence[int], Sequence[str], Sequence[float], Sequence[str],
            Sequence[dict[str, Any]], Sequence[str],
        ],
        *,
        base: int = 0,
        lengths: list[int] | None = None,
        finite: bool = False,
    ) -> Batch:
        """A batch of records given field by field: ``(seqs, kinds, times, prevs, data, hashes)``.

        Args:
            offsets: each record's byte offset in the ledger file (None: worked out from
                ``base`` and ``lengths`` when first asked for; most batches never are).
            columns: each :class:`Record` field of every record, in the record's field order
                (equal lengths).
            base: the first record's byte offset (with ``offsets`` None).
            lengths: each record's line length without its newline, bytes (with ``offsets``
                None).
            finite: every number in the records is known finite (parsed by a reader that
                refuses non-finite numbers), so the checks may skip their ``< inf`` tests.
        """
        batch = cls([], [])
        batch._records = None
        batch._columns = columns
        batch._offsets = offsets
        batch._n = len(columns[0])
        batch._base = base
        batch._lengths = lengths if lengths is not None else []
        batch.finite = finite
        _, batch._kinds, batch._times, _, batch._data, _ = columns
        return batch

    @property
    def offsets(self) -> list[int]:
        """Each record's byte offset in the ledger file."""
        offsets = self._offsets
        if offsets is None:
            steps = map(add, self._lengths[:-1], repeat(1))  # each line and its newline
            offsets = self._offsets = list(accumulate(steps, initial=self._base))
        return offsets

    def __len__(self) -> int:
        return self._n

    def times_sorted(self) -> bool:
        """Whether the records' times never go down (computed once per batch)."""
        found = self._sorted
        if found is None:
            times = self.times
            found = self._sorted = all(map(le, times, times[1:]))
        return found

    @property
    def records(self) -> list[Record]:
        """The records, in file order."""
        if self._records is None:
            assert self._columns is not None
            self._records = list(map(_new_record, zip(*self._columns, strict=True)))
        return self._records

    def record(self, i: int) -> Record:
        """Record ``i`` (negative: from the end), built alone where the batch holds columns."""
        if self._records is not None:
            return self._records[i]
        assert self._columns is not None
        return _new_record(tuple(column[i] for column in self._columns))

    @property
    def items(self) -> list[tuple[int, Record]]:
        """``(offset, record)`` pairs."""
        if self._items is None:
            self._items = list(zip(self.offsets, self.records, strict=True))
        return self._items

    @property
    def kinds(self) -> Sequence[str]:
        """Each record's kind."""
        if self._kinds is None:
            self._kinds = list(map(_KIND, self.records))
        return self._kinds

    @property
    def kind_set(self) -> set[str]:
        """The kinds present."""
        if self._kind_set is None:
            kinds = self.kinds
            # one kind throughout (the usual batch): found by equality, no string hashed
            one = bool(kinds) and kinds.count(kinds[0]) == len(kinds)
            self._kind_set = {kinds[0]} if one else set(kinds)
        return self._kind_set

    @property
    def times(self) -> Sequence[float]:
        """Each record's ``time_unix_s``."""
        if self._times is None:
            self._times = tuple(map(_TIME, self.records))
        return self._times

    @property
    def data(self) -> Sequence[dict[str, Any]]:
        """Each record's ``data``."""
        if self._data is None:
            self._data = tuple(map(_DATA, self.records))
        return self._data

    def indices(self, kinds: frozenset[str]) -> list[int]:
        """Positions of the records whose kind is one of ``kinds``, in order."""
        if self.kind_set.isdisjoint(kinds):
            return []
        inside = map(kinds.__contains__, self.kinds)
        return list(compress(range(len(self)), inside))

    def indices_except(self, kinds: frozenset[str]) -> list[int]:
        """Positions of the records whose kind is none of ``kinds``, in order."""
        if self.kind_set <= kinds:
            return []
        outside = map(not_, map(kinds.__contains__, self.kinds))
        return list(compress(range(len(self)), outside))

    def of_kind(self, kind: str) -> list[Record]:
        """The records of one kind, in order."""
        if len(self.kind_set) == 1:
            return self.records if kind in self.kind_set else []
        return list(compress(self.records, map(eq, self.kinds, repeat(kind))))

    def _of_kind(self, column: Sequence[Any], kind: str) -> Sequence[Any]:
        """``column``'s values at the records of one kind, in order."""
        if len(self.kind_set) == 1:
            return column if kind in self.kind_set else ()
        return tuple(compress(column, map(eq, self.kinds, repeat(kind))))

    def measurements(self) -> MeasurementRun | None:
        """The measurement records' columns (possibly of none).

        None when one has another shape (data other than exactly ``{"interval": {...},
        "step_end": ...}``).
        """
        if self._measurements is _UNSET:
            self._measurements = _measurement_run(
                self._of_kind(self.times, "measurement"), self._of_kind(self.data, "measurement")
            )
            if self._measurements is not None:
                self._measurements.finite = self.finite
        return self._measurements

    def batch_steps(self) -> tuple[Any, ...] | None:
        """Each ``batch`` record's ``step``, in order (possibly none).

        None when one's data is not exactly ``{"digest": ..., "step": ...}``.
        """
        if self._batch_steps is _UNSET:
            data = self._of_kind(self.data, "batch")
            steps: tuple[Any, ...] | None = ()
            if data:
                steps = None
                if set(map(len, data)) == {2}:
                    try:
                        _, steps = zip(*map(_BATCH_FIELDS, data), strict=True)
                    except KeyError:
                        steps = None
            self._batch_steps = steps
        return self._batch_steps


def _measurement_run(
    times: Sequence[float], data: Sequence[dict[str, Any]]
) -> MeasurementRun | None:
    """The columns of the measurement records with these times and data.

    None when any record's data has another shape.
    """
    if not data:
        return MeasurementRun((), (), (), {})
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
    return MeasurementRun(tuple(times), step_end, intervals, columns)
