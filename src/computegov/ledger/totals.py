"""Ledger totals: meter interval records normalised and summed into a report's ``totals``.

The recorder writes these totals into the report; the verifier recomputes them from the ledger
(:func:`~computegov.ledger.report_checks.totals_check`), so both use :func:`totals_from_records`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from computegov.units import S_PER_HOUR

__all__ = ["interval_fields", "totals_from_records"]

# Field names accepted from the meter's interval records (first match wins).
_DURATION_KEYS = ("duration_s", "seconds", "elapsed_s", "wall_s")
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


def totals_from_records(intervals: Sequence[Mapping[str, Any]], chip_count: Any) -> dict[str, Any]:
    """Sum interval records into the predicate's ``totals``.

    Same field rules as :func:`interval_fields` (written out flat: it runs once per record
    when verifying a 100,000-record ledger). ``energy_j``/``tokens``/``samples`` are None unless
    every interval has them. ``chip_hours`` is ``chip_count x duration_s / 3600`` (None when the
    chip count is unknown).
    """

    def column(key: str) -> list[Any]:
        return [i.get(key) for i in intervals]

    def numbers(values: list[Any]) -> list[float]:
        # ints stay ints: math.fsum converts them exactly as float() would
        return [v for v in values if type(v) is float or type(v) is int]

    flop_col = column("flop")
    flops = numbers(flop_col)
    unknown = len(flop_col) - len(flops)
    by_method: dict[str, list[float]] = {}
    explicit = column("flop_by_method")
    if any(e is not None for e in explicit):
        for interval, e in zip(intervals, explicit, strict=True):
            if isinstance(e, Mapping):
                for k, v in e.items():
                    if type(v) is float or type(v) is int:
                        by_method.setdefault(str(k), []).append(float(v))
            else:
                for key, method in _FLOP_METHOD_KEYS:
                    v = interval.get(key)
                    if type(v) is float or type(v) is int:
                        by_method.setdefault(method, []).append(float(v))
    else:
        for key, method in _FLOP_METHOD_KEYS:
            values = flops if key == "flop" else numbers(column(key))
            if values:
                by_method[method] = values
    steps = sum(n for n in column("steps") if type(n) is int)
    raw_durations = column(_DURATION_KEYS[0])
    for key in _DURATION_KEYS[1:]:  # first key present wins, as in interval_fields
        if any(d is None for d in raw_durations):
            raw_durations = [
                d if d is not None else i.get(key)
                for d, i in zip(raw_durations, intervals, strict=True)
            ]
    durations = numbers(raw_durations)

    def all_or_none(key: str) -> float | None:
        values = column(key)
        nums = numbers(values)
        return _finite_sum(nums) if values and len(nums) == len(values) else None

    duration_s = _finite_sum(durations)
    chip_hours = (
        float(chip_count) * duration_s / S_PER_HOUR if type(chip_count) in (int, float) else None
    )
    return {
        "intervals": len(intervals),
        "intervals_flop_unknown": unknown,
        "steps": steps,
        "flop": _finite_sum(flops),
        "flop_by_method": {k: _finite_sum(by_method[k]) for k in sorted(by_method)},
        "duration_s": duration_s,
        "chip_hours": chip_hours,
        "energy_j": all_or_none("energy_j"),
        "tokens": all_or_none("tokens"),
        "samples": all_or_none("samples"),
    }
