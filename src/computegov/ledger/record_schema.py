"""Typed, range-checked record fields: the same rules when a ledger is written and verified.

A signed record may still hold nonsense (a negative FLOP count, a duration of zero, ``true``
where a count belongs): the signature says *who* wrote it, not that it is meaningful. The
recorder refuses to write such values and the verifier's ``ledger_records`` and
``report_values`` checks refuse to accept them.

Rules (``None`` is allowed for every field: it means "not measured"):

* counts (``steps``, ``tokens``, ``samples``, ``step_first``, ...): JSON integers >= 0;
  ``true``/``false``, ``640.0`` and ``"640"`` are not counts;
* FLOP (``flop``, ``model_flop_6nd``, ``flop_*`` variants, ``flop_by_method`` values): finite
  numbers >= 0;
* durations (``seconds``, ``duration_s``, ``elapsed_s``, ``wall_s``): finite numbers > 0
  (an interval of 0 steps may last 0 s);
* energy (``energy_j``), chip-hours: finite numbers >= 0;
* Unix times: finite numbers >= 0;
* flags (``flop_exact``): booleans.

A boolean is never a number (JSON ``true`` is not 1) and a string is never a number.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "COUNT_FIELDS",
    "columns_clean",
    "interval_problems",
    "intervals_clean",
    "record_problems",
    "totals_problems",
]

Rule = Callable[[Any], str]


def is_finite_number(v: Any) -> bool:
    """A JSON number that is finite as a double: not a bool, not NaN or ±inf, no int beyond 1.8e308.

    An integer beyond float range (``10**400``) is refused here rather than reaching
    ``math.isfinite`` or ``float()``, which raise ``OverflowError`` on it.
    """
    if type(v) is int:
        return abs(v) <= sys.float_info.max
    return type(v) is float and math.isfinite(v)


_is_number = is_finite_number


def _count(v: Any) -> str:
    if type(v) is not int:
        return f"expected a whole number (count), got {_shown(v)}"
    return "" if v >= 0 else f"expected a count >= 0, got {v}"


def _non_negative(v: Any) -> str:
    if not _is_number(v):
        return f"expected a finite number, got {_shown(v)}"
    return "" if v >= 0 else f"expected a number >= 0, got {v}"


def _positive(v: Any) -> str:
    if not _is_number(v):
        return f"expected a finite number, got {_shown(v)}"
    return "" if v > 0 else f"expected a number > 0, got {v}"


def _flag(v: Any) -> str:
    return "" if type(v) is bool else f"expected true or false, got {_shown(v)}"


def _flop_by_method(v: Any) -> str:
    if not isinstance(v, Mapping):
        return f"expected an object of FLOP counts, got {_shown(v)}"
    for k, x in v.items():
        why = _non_negative(x)
        if why:
            return f"[{k!r}]: {why}"
    return ""


def _shown(v: Any) -> str:
    if type(v) is bool:
        return f"the boolean {str(v).lower()}"
    if isinstance(v, str):
        return f"the string {v[:40]!r}"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return f"{type(v).__name__} {str(v)[:40]}"


_DURATION_KEYS = ("seconds", "duration_s", "elapsed_s", "wall_s")
#: Interval fields that are counts (JSON integers >= 0).
COUNT_FIELDS = ("steps", "counted_steps", "step_first", "step_last", "rank", "tokens", "samples")
_INTERVAL_RULES: dict[str, Rule] = {
    **dict.fromkeys(COUNT_FIELDS, _count),
    **dict.fromkeys(
        (
            "flop",
            "flop_full_attention",
            "flop_causal_halved",
            "flop_flopcounter_compatible",
            "model_flop_6nd",
            "energy_j",
            "time_start_unix_s",
            "time_end_unix_s",
            "start_unix_s",
            "end_unix_s",
            "t_start_unix_s",
            "t_end_unix_s",
        ),
        _non_negative,
    ),
    **dict.fromkeys(_DURATION_KEYS, _positive),
    "flop_exact": _flag,
    "flop_by_method": _flop_by_method,
}

# key -> 0 count, 1 number >= 0, 2 number > 0, 3 anything else (checked by its rule)
_RULE_CODES: dict[Rule, int] = {_count: 0, _non_negative: 1, _positive: 2}
_FAST: dict[str, int] = {key: _RULE_CODES.get(rule, 3) for key, rule in _INTERVAL_RULES.items()}

_TOTALS_RULES: dict[str, Rule] = {
    **dict.fromkeys(("steps", "intervals", "intervals_flop_unknown"), _count),
    **dict.fromkeys(
        ("flop", "duration_s", "chip_hours", "energy_j", "tokens", "samples"), _non_negative
    ),
    "flop_by_method": _flop_by_method,
}


def _apply(rules: Mapping[str, Rule], d: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    for key, rule in rules.items():
        value = d.get(key)
        if value is None:
            continue
        why = rule(value)
        if why:
            problems.append(f"{where}{key}: {why}")
    return problems


def interval_problems(interval: Mapping[str, Any], where: str = "interval.") -> list[str]:
    """What is wrong with one meter interval's typed fields (empty: nothing)."""
    # One tight pass with the common rules inlined: this runs once per measurement record when
    # verifying a 100,000-record ledger (benchmarks/ledger.py). Anything not plainly fine goes
    # to the rule itself, which says what is wrong.
    problems: list[str] = []
    fast = _FAST
    inf = math.inf
    for key, value in interval.items():
        code = fast.get(key)
        if code is None or value is None:
            continue
        t = type(value)
        if code == 0:
            if t is int and value >= 0:
                continue
        elif code == 1:
            if (t is float or t is int) and 0 <= value < inf:
                continue
        elif code == 2 and (t is float or t is int) and 0 < value < inf:
            continue
        rule = _INTERVAL_RULES[key]
        if key in _DURATION_KEYS and interval.get("steps") == 0 and type(interval["steps"]) is int:
            rule = _non_negative  # an interval of no steps may last no time
        why = rule(value)
        if why:
            problems.append(f"{where}{key}: {why}")
    return problems


_INT_ONLY = frozenset((int,))
_NUMBERS = frozenset((int, float))
_BOOL_ONLY = frozenset((bool,))


def intervals_clean(intervals: list[Any]) -> bool:
    """True only when :func:`interval_problems` finds nothing in any of ``intervals``.

    :func:`columns_clean` of the intervals' columns; False also when one is not a dict.
    """
    if not all(type(iv) is dict for iv in intervals):
        return False
    keys = set().union(*intervals)
    return columns_clean({k: [iv.get(k) for iv in intervals] for k in keys})


_NONE = type(None)


def columns_clean(
    columns: Mapping[str, Sequence[Any]],
    types_of: Callable[[str], set[type]] | None = None,
    *,
    low_of: Callable[[str], Any] | None = None,
    finite: bool = False,
) -> bool:
    """True only when :func:`interval_problems` finds nothing in any interval of ``columns``.

    Column by column over many intervals at once (the verifier checks ledgers in batches):
    ``columns`` maps each field to its value in every interval (None where an interval lacks
    it or holds null; the rules skip both alike). A False answer means "look closer": the
    caller then asks :func:`interval_problems` of each interval, which says exactly what is
    wrong, if anything. JSON holds no NaN, so min/max are exact.

    Args:
        columns: field -> its value in each interval.
        types_of: field -> the set of its column's types, where already known (not changed).
        low_of: field -> ``min`` of its column, where already known or shared (asked only of a
            column holding no None).
        finite: every number in ``columns`` is known finite (read by a parser that refuses
            non-finite numbers): the ``< inf`` tests are skipped.
    """
    inf = math.inf
    for key, column in columns.items():
        code = _FAST.get(key)
        if code is None:
            continue
        types = types_of(key) if types_of is not None else set(map(type, column))
        values = column
        if _NONE in types:
            types = types - {_NONE}
            values = [v for v in column if v is not None]
            if not values:
                continue
        elif not values:
            continue
        elif code < 3 and low_of is not None and types <= _NUMBERS:  # the shared minimum
            low = low_of(key)
            if code == 0:
                if not types <= _INT_ONLY or low < 0:
                    return False
            elif (low <= 0 if code == 2 else low < 0) or (not finite and max(values) >= inf):
                return False
            continue
        if code == 0:
            if not types <= _INT_ONLY or min(values) < 0:
                return False
        elif code == 1:
            if not types <= _NUMBERS or min(values) < 0 or (not finite and max(values) >= inf):
                return False
        elif code == 2:
            if not types <= _NUMBERS or min(values) <= 0 or (not finite and max(values) >= inf):
                return False
        elif key != "flop_exact" or not types <= _BOOL_ONLY:
            return False
    return True


def totals_problems(totals: Any, where: str = "totals.") -> list[str]:
    """What is wrong with a ``totals`` object (end record or report predicate)."""
    if not isinstance(totals, Mapping):
        return [f"{where.rstrip('.')}: expected an object, got {_shown(totals)}"]
    return _apply(_TOTALS_RULES, totals, where)


def record_problems(kind: str, data: Mapping[str, Any]) -> list[str]:
    """What is wrong with the typed fields of one record's ``data`` (empty: nothing).

    Args:
        kind: the record kind (``meta``, ``measurement``, ``checkpoint``, ``batch``, ``head``,
            ``end``).
        data: the record's data.
    """
    if kind == "measurement":
        interval = data.get("interval")
        if not isinstance(interval, Mapping):
            return ["interval: expected an object"]
        problems = interval_problems(interval)
        why = _count(data.get("step_end"))
        return [*problems, f"step_end: {why}"] if why else problems
    if kind in ("checkpoint", "batch"):
        why = _count(data.get("step"))
        problems = [f"step: {why}"] if why else []
        path = data.get("path")
        if path is not None and not isinstance(path, str):
            problems.append(f"path: expected a string or null, got {_shown(path)}")
        state = data.get("state")
        if kind == "checkpoint" and isinstance(state, Mapping):
            problems += _apply(
                dict.fromkeys(("tensors", "payload_bytes"), _count), state, "state."
            )
        return problems
    if kind == "head":
        why = _count(data.get("signed_seq"))
        return [f"signed_seq: {why}"] if why else []
    if kind == "end":
        return totals_problems(data.get("totals"))
    if kind == "meta":
        metadata = data.get("metadata")
        if not isinstance(metadata, Mapping):
            return []
        problems = []
        hardware = metadata.get("hardware")
        if isinstance(hardware, Mapping) and hardware.get("chip_count") is not None:
            why = _count(hardware["chip_count"])
            if why:
                problems.append(f"metadata.hardware.chip_count: {why}")
        if metadata.get("parameters") is not None:
            why = _non_negative(metadata["parameters"])
            if why:
                problems.append(f"metadata.parameters: {why}")
        return problems
    return []
