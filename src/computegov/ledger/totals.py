"""Ledger totals: meter interval records normalised and summed into a report's ``totals``.

The recorder writes these totals into the report; the verifier recomputes them from the ledger
(:func:`~computegov.ledger.report_checks.totals_check`), so both use :func:`totals_from_records`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from computegov.units import S_PER_HOUR

__all__ = ["TotalsSum", "interval_fields", "totals_from_records"]

# Field names accepted from the meter's interval records (first match wins). The duration is
# read in the same order the verifier's timeline checks it against the wall-clock span
# (``seconds``, then ``duration_s``), so a second duration field cannot carry an unchecked
# number into the totals and lift the FLOP bound.
_DURATION_KEYS = ("seconds", "duration_s")
_START_KEYS = ("time_start_unix_s", "start_unix_s", "t_start_unix_s")
_END_KEYS = ("time_end_unix_s", "end_unix_s", "t_end_unix_s")
# FLOP fields of computegov.measure interval records -> method names in ``flop_by_method``.
_FLOP_METHOD_KEYS = (("flop", "counted"), ("model_flop_6nd", "6nd"))


def _first(d: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def interval_fields(interval: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise one meter interval record to steps, flop, flop_by_method, duration_s, energy_j.

    Accepts the meter's field names (``steps``, ``flop``, ``seconds``/``duration_s``,
    ``energy_j``, ``time_start_unix_s``/``time_end_unix_s``, ``model_flop_6nd``, ``tokens``,
    ``samples``, or an explicit ``flop_by_method`` dict). ``flop`` is the meter's counted FLOP;
    ``flop_by_method`` holds ``counted`` and ``6nd`` where present. Missing numbers become None.
    """
    flop = _num(interval.get("flop"))
    by_method_raw = interval.get("flop_by_method")
    by_method: dict[str, float] = {}
    if isinstance(by_method_raw, Mapping):
        by_method = {str(k): float(v) for k, v in by_method_raw.items() if _num(v) is not None}
    else:
        for key, method in _FLOP_METHOD_KEYS:
            value = _num(interval.get(key))
            if value is not None:
                by_method[method] = value
    steps = interval.get("steps")
    return {
        "steps": steps if isinstance(steps, int) and not isinstance(steps, bool) else None,
        "flop": flop,
        "flop_by_method": by_method,
        "duration_s": _num(_first(interval, _DURATION_KEYS)),
        "energy_j": _num(interval.get("energy_j")),
        "tokens": _num(interval.get("tokens")),
        "samples": _num(interval.get("samples")),
        "start_unix_s": _num(_first(interval, _START_KEYS)),
        "end_unix_s": _num(_first(interval, _END_KEYS)),
    }


def _finite_sum(values: Sequence[float]) -> float:
    """Exact sum (``math.fsum``); NaN when it is not a finite number (inf - inf, overflow).

    Tampered input may hold 1e308 twice or inf; the totals then compare unequal to any claim
    instead of raising.
    """
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return math.nan


_COLUMN_KEYS = (
    "flop", "flop_by_method", "model_flop_6nd", "steps", *_DURATION_KEYS, "energy_j", "tokens",
    "samples",
)
_INT_ONLY = {int}
_NUMBER_TYPES = {int, float}
_NONE = type(None)
_NONE_ONLY = {_NONE}


def _numbers(values: Sequence[Any], types: set[type] | None = None) -> Sequence[Any]:
    """The values that are JSON numbers (int or float; not bool, not None), in order.

    ``types``: the values' types, where already known. ``values`` itself (not a copy) when
    every value is a number: the caller only reads it.
    """
    if types is None:
        types = set(map(type, values))
    if types <= _NUMBER_TYPES:
        return values
    if types == _NONE_ONLY:
        return ()
    return [v for v in values if type(v) is float or type(v) is int]


#: Values an exact running sum holds before it folds them into a few partial sums.
_FOLD_AT = 4096


def _fold(values: list[float]) -> list[float]:
    """A short list with exactly the same sum as ``values`` (a non-overlapping expansion).

    ``math.fsum`` rounds the exact sum once; subtracting that (exactly, inside ``fsum``) and
    repeating leaves terms whose exact sum is the original one, so ``fsum`` of the folded list
    plus any later values equals ``fsum`` of everything. A sum that is not a finite number is
    kept as a single NaN or infinity, which ``fsum`` then propagates as it would have.
    ``values`` is used as scratch space (its end grows and shrinks back): the caller replaces
    it with the result.
    """
    try:
        terms = [math.fsum(values)]
        if not math.isfinite(terms[0]):
            return terms
        n = len(values)
        while True:
            values += [-t for t in terms]  # in place (the caller replaces the list): no copy
            rest = math.fsum(values)
            del values[n:]
            if rest == 0.0:
                return terms
            terms.append(rest)
    except (OverflowError, ValueError):
        return [math.nan]


class TotalsSum:
    """Interval records summed one at a time into a predicate's ``totals`` (constant memory).

    The rules of :func:`totals_from_records` (which is this, fed a list): sums are exact
    (``math.fsum`` over every value, folded every :data:`_FOLD_AT` values by :func:`_fold`).
    """

    __slots__ = (
        "_by_method",
        "_durations",
        "_energy",
        "_flops",
        "_intervals",
        "_n_energy",
        "_n_samples",
        "_n_tokens",
        "_pending",
        "_samples",
        "_steps",
        "_tokens",
        "_unknown",
    )

    def __init__(self) -> None:
        self._intervals = self._unknown = self._steps = self._pending = 0
        self._n_energy = self._n_tokens = self._n_samples = 0
        self._flops: list[float] = []
        self._durations: list[float] = []
        self._energy: list[float] = []
        self._tokens: list[float] = []
        self._samples: list[float] = []
        self._by_method: dict[str, list[float]] = {}

    def add(self, interval: Mapping[str, Any]) -> None:
        """Count one interval record (see :func:`interval_fields` for the field names)."""
        self._intervals += 1
        get = interval.get
        v = get("flop")
        if type(v) is float or type(v) is int:
            self._flops.append(v)
        else:
            self._unknown += 1
        by_method = self._by_method
        explicit = get("flop_by_method")
        if isinstance(explicit, Mapping):
            for k, x in explicit.items():
                if type(x) is float or type(x) is int:
                    by_method.setdefault(str(k), []).append(float(x))
        else:
            if type(v) is float or type(v) is int:
                by_method.setdefault("counted", []).append(v)
            v = get("model_flop_6nd")
            if type(v) is float or type(v) is int:
                by_method.setdefault("6nd", []).append(v)
        v = get("steps")
        if type(v) is int:
            self._steps += v
        for key in _DURATION_KEYS:  # first key present wins, as in interval_fields
            v = get(key)
            if v is not None:
                if type(v) is float or type(v) is int:
                    self._durations.append(v)
                break
        v = get("energy_j")
        if type(v) is float or type(v) is int:
            self._energy.append(v)
            self._n_energy += 1
        v = get("tokens")
        if type(v) is float or type(v) is int:
            self._tokens.append(v)
            self._n_tokens += 1
        v = get("samples")
        if type(v) is float or type(v) is int:
            self._samples.append(v)
            self._n_samples += 1
        self._pending += 1
        if self._pending >= _FOLD_AT:
            self._fold_all()

    def add_many(self, intervals: list[Mapping[str, Any]]) -> None:
        """:meth:`add` each of ``intervals``, column by column (the same sums, faster)."""
        columns = {k: tuple(iv.get(k) for iv in intervals) for k in _COLUMN_KEYS}
        self.add_run(columns, intervals)

    def add_run(
        self,
        columns: Mapping[str, Sequence[Any]],
        intervals: Sequence[Mapping[str, Any]],
        types_of: Callable[[str], set[type]] | None = None,
    ) -> None:
        """:meth:`add` each of ``intervals``, given their fields column by column.

        Args:
            columns: field -> its value in each interval (None where absent or null: every rule
                here treats both alike); a field absent from ``columns`` is None throughout.
            intervals: the intervals themselves (read one at a time where one has an explicit
                ``flop_by_method``).
            types_of: field -> the set of its column's types, where already known.
        """
        n = len(intervals)
        if not n:
            return
        explicit = columns.get("flop_by_method")
        if explicit is not None and explicit.count(None) != n:
            for iv in intervals:  # per-interval rule: an explicit flop_by_method replaces flop
                self.add(iv)
            return
        nothing = (None,) * n

        def column(key: str) -> Sequence[Any]:
            return columns.get(key, nothing)

        def numbers(key: str) -> Sequence[Any]:
            return _numbers(column(key), types_of(key) if types_of is not None else None)

        self._intervals += n
        flops = numbers("flop")
        self._unknown += n - len(flops)
        self._flops += flops
        by_method = self._by_method
        if flops:
            by_method.setdefault("counted", []).extend(flops)
        six_nd = numbers("model_flop_6nd")
        if six_nd:
            by_method.setdefault("6nd", []).extend(six_nd)
        steps = column("steps")
        step_types = types_of("steps") if types_of is not None else set(map(type, steps))
        self._steps += (
            sum(steps) if step_types == _INT_ONLY else sum(v for v in steps if type(v) is int)
        )
        durations = column(_DURATION_KEYS[0])
        merged = False
        has_none = (
            _NONE in types_of(_DURATION_KEYS[0]) if types_of is not None else None in durations
        )
        for key in _DURATION_KEYS[1:]:  # first key present wins, as in interval_fields
            if has_none and None in durations:
                merged = True
                durations = [
                    d if d is not None else e for d, e in zip(durations, column(key), strict=True)
                ]
        self._durations += numbers(_DURATION_KEYS[0]) if not merged else _numbers(durations)
        energy, tokens, samples = numbers("energy_j"), numbers("tokens"), numbers("samples")
        self._energy += energy
        self._n_energy += len(energy)
        self._tokens += tokens
        self._n_tokens += len(tokens)
        self._samples += samples
        self._n_samples += len(samples)
        self._pending += n
        if self._pending >= _FOLD_AT:
            self._fold_all()

    def _fold_all(self) -> None:
        self._pending = 0
        for name in ("_flops", "_durations", "_energy", "_tokens", "_samples"):
            setattr(self, name, _fold(getattr(self, name)))
        for k, values in self._by_method.items():
            self._by_method[k] = _fold(values)

    @property
    def intervals(self) -> int:
        """Intervals counted so far."""
        return self._intervals

    def result(self, chip_count: Any) -> dict[str, Any]:
        """The ``totals`` dict (see :func:`totals_from_records`)."""
        n = self._intervals

        def all_or_none(values: list[float], count: int) -> float | None:
            return _finite_sum(values) if n and count == n else None

        duration_s = _finite_sum(self._durations)
        chip_hours = (
            float(chip_count) * duration_s / S_PER_HOUR if type(chip_count) in (int, float) else None
        )
        by_method = self._by_method
        return {
            "intervals": n,
            "intervals_flop_unknown": self._unknown,
            "steps": self._steps,
            "flop": _finite_sum(self._flops),
            "flop_by_method": {k: _finite_sum(by_method[k]) for k in sorted(by_method)},
            "duration_s": duration_s,
            "chip_hours": chip_hours,
            "energy_j": all_or_none(self._energy, self._n_energy),
            "tokens": all_or_none(self._tokens, self._n_tokens),
            "samples": all_or_none(self._samples, self._n_samples),
        }


def totals_from_records(intervals: Sequence[Mapping[str, Any]], chip_count: Any) -> dict[str, Any]:
    """Sum interval records into the predicate's ``totals``.

    Same field rules as :func:`interval_fields`: ``flop`` is the counted FLOP (non-numbers are
    ``intervals_flop_unknown``); an interval's ``flop_by_method`` object replaces its ``flop``
    and ``model_flop_6nd`` in ``flop_by_method``; ``energy_j``/``tokens``/``samples`` are None
    unless every interval has them. ``chip_hours`` is ``chip_count x duration_s / 3600`` (None
    when the chip count is unknown). The verifier uses the same code one record at a time
    (:class:`TotalsSum`).
    """
    acc = TotalsSum()
    for interval in intervals:
        acc.add(interval)
    return acc.result(chip_count)
