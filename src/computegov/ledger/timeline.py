"""``ledger_times``: the ledger's clock must agree with itself, with the report and with the verifier.

A lab signs whatever it likes with its own key, so a validly signed ledger may still claim
intervals of 10^6 s inside a 0.4 s run, records dated a thousand years ahead, or a report
"created" in 1970. This check refuses those (one pass over the records, constant memory):

* every record's time lies inside the run: not before the ``meta`` record (record 0), and no
  later than the verifier's clock plus :data:`MAX_CLOCK_SKEW_S` (nor is the report's
  ``created_unix_s``);
* the run does not start before the signing key was registered, where the verifier knows when
  (``key_registered_unix_s``);
* each measurement interval has a wall-clock span ``[time_start_unix_s, time_end_unix_s]``
  inside the run and ending no later than the record that holds it, and its ``seconds`` are at
  most that span (:data:`SPAN_REL_TOLERANCE`, :data:`SPAN_ABS_TOLERANCE_S`);
* the report was created at or after the last record.

Time order (never backwards) and non-overlapping intervals are ``ledger_order``'s; totals are
``totals``'. Together they bound the run's seconds by its wall-clock span.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from computegov.ledger.check_values import where
from computegov.ledger.scan import ChainScan
from computegov.ledger.verdict import Check

__all__ = [
    "MAX_CLOCK_SKEW_S",
    "RUN_CLOCK_TOLERANCE_S",
    "SPAN_ABS_TOLERANCE_S",
    "SPAN_REL_TOLERANCE",
    "ledger_times_check",
]

#: How far the prover's clock may run ahead of the verifier's, s: MIT Kerberos' default
#: ``clockskew`` (300 s; https://web.mit.edu/kerberos/krb5-latest/doc/admin/conf_files/krb5_conf.html,
#: read 2026-12-07), a long-standing default for "clocks that should agree".
MAX_CLOCK_SKEW_S = 300.0
#: How far an interval's wall-clock times may stray outside the records that bound it, s.
#: Assumption: the meter and the ledger read the same ``time.time()`` clock in one process, so
#: only an NTP step between two reads separates them; 1 s covers a typical slew/step.
RUN_CLOCK_TOLERANCE_S = 1.0
#: An interval's ``seconds`` (summed step times from ``time.perf_counter`` or CUDA events) may
#: exceed its ``time.time()`` span by this fraction plus :data:`SPAN_ABS_TOLERANCE_S`.
#: Assumption (no published bound for this comparison): 1%, far above the rate difference of two
#: clocks on one host (NTP keeps frequency error to hundreds of ppm at most), far below the
#: x10^6 overstatement this must catch.
SPAN_REL_TOLERANCE = 0.01
#: Absolute allowance on the same comparison, s. Assumption: both clocks are read at
#: microsecond resolution (CUDA events at ~0.5 µs, per cudaEventElapsedTime's documentation),
#: so 2 ms covers the moments between reading one clock and the other, not overstatement.
SPAN_ABS_TOLERANCE_S = 0.002

_START_KEYS = ("time_start_unix_s", "start_unix_s", "t_start_unix_s")
_END_KEYS = ("time_end_unix_s", "end_unix_s", "t_end_unix_s")


def _num(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


def _first(d: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in d:
            return d[k]
    return None


def ledger_times_check(
    scan: ChainScan,
    created_unix_s: Any = None,
    *,
    now_unix_s: float,
    max_clock_skew_s: float = MAX_CLOCK_SKEW_S,
    key_registered_unix_s: float | None = None,
) -> Check:
    """``ledger_times``: record, interval and report times are consistent (see module doc).

    Args:
        scan: the ledger as read.
        created_unix_s: the report's ``created_unix_s`` (None: no report to check).
        now_unix_s: the verifier's clock, Unix s.
        max_clock_skew_s: how far ahead of ``now_unix_s`` a time may be, s.
        key_registered_unix_s: when the signing key was registered, Unix s (None: unknown).
    """
    recs = scan.records
    if not recs:
        return Check("ledger_times", "skip", "no records")
    limit = now_unix_s + max_clock_skew_s
    start = recs[0].time_unix_s
    problems: list[str] = []
    ev: dict[str, Any] = {
        "run_start_unix_s": start,
        "run_end_unix_s": recs[-1].time_unix_s,
        "verifier_now_unix_s": now_unix_s,
        "max_clock_skew_s": max_clock_skew_s,
    }
    if key_registered_unix_s is not None:
        ev["key_registered_unix_s"] = key_registered_unix_s
        if start < key_registered_unix_s - max_clock_skew_s:
            problems.append(
                f"{where(scan, 0)}: the run starts at {start:.3f}, "
                f"{key_registered_unix_s - start:.4g} s before its signing key was registered "
                f"({key_registered_unix_s:.3f})"
            )
    latest = -math.inf
    span_total = 0.0
    lo_start = start - RUN_CLOCK_TOLERANCE_S
    rel, slack = 1 + SPAN_REL_TOLERANCE, SPAN_ABS_TOLERANCE_S
    # One tight pass (once per record of a 100,000-record ledger): the common, consistent
    # interval is checked inline; anything else goes to _interval_problem, which says why.
    for i, (_, kind, t, _, d, _) in enumerate(recs):
        if t > latest:
            latest = t
        if t < start or t > limit:
            if t < start:
                problems.append(
                    f"{where(scan, i)}: time {t:.3f} is before the run starts ({start:.3f})"
                )
            else:
                problems.append(
                    f"{where(scan, i)}: time {t:.3f} is {t - now_unix_s:.4g} s in the future of "
                    f"the verifier's clock ({now_unix_s:.3f}; allowed skew {max_clock_skew_s:g} s)"
                )
        if kind == "measurement":
            iv = d.get("interval")
            if type(iv) is dict:
                t0, t1, sec = iv.get("time_start_unix_s"), iv.get("time_end_unix_s"), iv.get("seconds")
                if (
                    type(t0) is float
                    and type(t1) is float
                    and type(sec) is float
                    and lo_start <= t0 <= t1 <= t + RUN_CLOCK_TOLERANCE_S
                    and sec <= (t1 - t0) * rel + slack
                ):
                    span_total += t1 - t0
                    continue
            why = _interval_problem(iv, start, t)
            if why:
                problems.append(f"{where(scan, i)}: {why}")
            else:
                span_iv: Mapping[str, Any] = iv if isinstance(iv, Mapping) else {}
                span_total += float(_first(span_iv, _END_KEYS) or 0.0) - float(
                    _first(span_iv, _START_KEYS) or 0.0
                )
        if len(problems) >= 20:
            break
    if created_unix_s is not None:
        if not _num(created_unix_s):
            problems.append(f"report created_unix_s {created_unix_s!r} is not a time")
        else:
            ev["report_created_unix_s"] = created_unix_s
            if created_unix_s < latest:
                problems.append(
                    f"the report was created at {created_unix_s:.3f}, {latest - created_unix_s:.4g} "
                    f"s before the ledger's last record ({latest:.3f})"
                )
            if created_unix_s > limit:
                problems.append(
                    f"the report's created_unix_s {created_unix_s:.3f} is "
                    f"{created_unix_s - now_unix_s:.4g} s in the future of the verifier's clock"
                )
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check("ledger_times", "fail", problems[0] + more, {**ev, "problems": problems})
    return Check(
        "ledger_times",
        "pass",
        f"{len(recs)} record times inside the run ({recs[-1].time_unix_s - start:.4g} s), none "
        "in the verifier's future; every interval's seconds fit its wall-clock span",
        {**ev, "interval_span_total_s": span_total},
    )


def _interval_problem(interval: Any, run_start: float, record_time: float) -> str:
    """What is wrong with one interval's times ("" if nothing)."""
    if not isinstance(interval, Mapping):
        return "no interval object"
    seconds = interval.get("seconds", interval.get("duration_s"))
    t0, t1 = _first(interval, _START_KEYS), _first(interval, _END_KEYS)
    if not (_num(t0) and _num(t1)):
        if seconds is None or (_num(seconds) and seconds == 0):
            return ""
        return (
            f"interval claims {seconds!r} s but has no wall-clock span "
            "(time_start_unix_s, time_end_unix_s)"
        )
    if t1 < t0:
        return f"interval ends ({t1:.3f}) before it starts ({t0:.3f})"
    if t0 < run_start - RUN_CLOCK_TOLERANCE_S:
        return f"interval starts at {t0:.3f}, {run_start - t0:.4g} s before the run ({run_start:.3f})"
    if t1 > record_time + RUN_CLOCK_TOLERANCE_S:
        return (
            f"interval ends at {t1:.3f}, {t1 - record_time:.4g} s after the record holding it "
            f"was written ({record_time:.3f})"
        )
    if _num(seconds):
        span = t1 - t0
        if seconds > span * (1 + SPAN_REL_TOLERANCE) + SPAN_ABS_TOLERANCE_S:
            return (
                f"interval seconds {seconds:.6g} exceed its wall-clock span {span:.6g} s "
                f"(x{seconds / span if span > 0 else math.inf:.3g})"
            )
    return ""
