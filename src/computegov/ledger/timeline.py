"""``ledger_times``: the ledger's clock must agree with itself, with the report and with the verifier.

A lab signs whatever it likes with its own key, so a validly signed ledger may still claim
intervals of 10^6 s inside a 0.4 s run, records dated a thousand years ahead, or a report
"created" in 1970. This check refuses those (fed one record at a time, constant memory):

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
from functools import reduce
from itertools import repeat
from operator import add, le, mul, sub
from typing import Any

from computegov.ledger.batch import Batch
from computegov.ledger.check_values import at
from computegov.ledger.record_schema import is_finite_number
from computegov.ledger.records import Record
from computegov.ledger.verdict import Check

__all__ = [
    "MAX_CLOCK_SKEW_S",
    "RUN_CLOCK_TOLERANCE_S",
    "SPAN_ABS_TOLERANCE_S",
    "SPAN_REL_TOLERANCE",
    "TimesCheck",
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


def _first(d: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in d:
            return d[k]
    return None


class TimesCheck:
    """``ledger_times``: record, interval and report times are consistent (see module doc).

    Fed one record at a time; keeps the run's start, the latest time and at most 20 problems
    (after the 20th it stops looking, as a list of problems would).

    Args:
        created_unix_s: the report's ``created_unix_s`` (None: no report to check).
        now_unix_s: the verifier's clock, Unix s.
        max_clock_skew_s: how far ahead of ``now_unix_s`` a time may be, s.
        key_registered_unix_s: when the signing key was registered, Unix s (None: unknown).
    """

    __slots__ = (
        "_created", "_key_registered", "_last_time", "_latest", "_limit", "_lo_start", "_n",
        "_now", "_problems", "_skew", "_span_total", "_start",
    )

    def __init__(
        self,
        created_unix_s: Any = None,
        *,
        now_unix_s: float,
        max_clock_skew_s: float = MAX_CLOCK_SKEW_S,
        key_registered_unix_s: float | None = None,
    ) -> None:
        self._created = created_unix_s
        self._now, self._skew = now_unix_s, max_clock_skew_s
        self._key_registered = key_registered_unix_s
        self._limit = now_unix_s + max_clock_skew_s
        self._start = self._lo_start = self._last_time = 0.0
        self._latest = -math.inf
        self._span_total = 0.0
        self._problems: list[str] = []
        self._n = 0

    def feed(self, offset: int, rec: Record) -> None:
        """Check one record's time and, for a measurement, its interval's span."""
        self._n += 1
        self._last_time = rec.time_unix_s
        if self._n == 1:
            self._begin(offset, rec)
        elif len(self._problems) >= 20:  # stopped looking; only the run's end still counts
            return
        self._check(offset, rec)

    def feed_batch(self, batch: Batch) -> None:
        """:meth:`feed` each record; times and measurement intervals checked column-wise first."""
        n = len(batch)
        if not n:
            return
        j = 0
        if not self._n:
            self.feed(*batch.items[0])
            j = 1
        self._n += n - j
        self._last_time = batch.times[-1]
        if len(self._problems) >= 20:
            return
        if j or not self._feed_columns(batch):
            self._feed_items(batch.items[j:])

    def _feed_columns(self, batch: Batch) -> bool:
        """Take the batch whole when each record is what :meth:`_feed_items` takes inline.

        Returns:
            True when the batch was taken; False when nothing was changed and the batch must
            be read one record at a time.
        """
        times = batch.times
        lo, hi = (times[0], times[-1]) if batch.times_sorted() else (min(times), max(times))
        if not (self._start <= lo and hi <= self._limit):
            return False
        run = batch.measurements()
        if run is None:
            return False
        spans: list[float] = []
        if len(run):
            cols = run.columns
            t0, t1 = cols.get("time_start_unix_s"), cols.get("time_end_unix_s")
            sec = cols.get("seconds")
            if t0 is None or t1 is None or sec is None:
                return False
            if not (
                run.types("time_start_unix_s") == _FLOAT_ONLY
                and run.types("time_end_unix_s") == _FLOAT_ONLY
                and run.types("seconds") == _FLOAT_ONLY
                and self._lo_start <= run.low("time_start_unix_s")
                and run.ordered("time_start_unix_s", "time_end_unix_s")
                and _end_by_record(t1, run.times)
            ):
                return False
            spans = list(map(sub, t1, t0))
            # Each bound is (span * _REL) + the absolute allowance, rounded as one at a time;
            # rounding is monotone, so the smallest span gives the smallest bound: seconds all
            # within it pass every bound. Only where every number is finite (no NaN span, which
            # min() may pass over); otherwise each is compared with its own bound.
            if not run.finite or max(sec) > min(spans) * _REL + SPAN_ABS_TOLERANCE_S:
                bounds = map(add, map(mul, spans, repeat(_REL)), repeat(SPAN_ABS_TOLERANCE_S))
                if not all(map(le, sec, bounds)):
                    return False
        self._latest = max(self._latest, hi)
        self._span_total = reduce(add, spans, self._span_total)  # in order, as one at a time
        return True

    def _feed_items(self, items: list[tuple[int, Record]]) -> None:
        """:meth:`_check` each ``(offset, record)``, the common consistent record inline."""
        problems = self._problems
        start, limit, latest = self._start, self._limit, self._latest
        lo_start, span_total = self._lo_start, self._span_total
        for offset, rec in items:
            _, kind, t, _, d, _ = rec
            if start <= t <= limit:
                if kind != "measurement":
                    if t > latest:
                        latest = t
                    continue
                iv = d.get("interval")
                if type(iv) is dict:
                    t0, t1 = iv.get("time_start_unix_s"), iv.get("time_end_unix_s")
                    sec = iv.get("seconds")
                    if (
                        type(t0) is float
                        and type(t1) is float
                        and type(sec) is float
                        and lo_start <= t0 <= t1 <= t + RUN_CLOCK_TOLERANCE_S
                        and sec <= (t1 - t0) * _REL + SPAN_ABS_TOLERANCE_S
                    ):
                        if t > latest:
                            latest = t
                        span_total += t1 - t0
                        continue
            self._latest, self._span_total = latest, span_total
            self._check(offset, rec)
            if len(problems) >= 20:
                return
            latest, span_total = self._latest, self._span_total
        self._latest, self._span_total = latest, span_total

    def _begin(self, offset: int, rec: Record) -> None:
        """The run's start, from its first record (and the key's registration, where known)."""
        start = self._start = rec.time_unix_s
        self._lo_start = start - RUN_CLOCK_TOLERANCE_S
        registered = self._key_registered
        if registered is not None and start < registered - self._skew:
            self._problems.append(
                f"{at(rec, offset)}: the run starts at {start:.3f}, "
                f"{registered - start:.4g} s before its signing key was registered "
                f"({registered:.3f})"
            )

    def _check(self, offset: int, rec: Record) -> None:
        _, kind, t, _, d, _ = rec
        problems = self._problems
        start = self._start
        if t > self._latest:
            self._latest = t
        if t < start or t > self._limit:
            if t < start:
                problems.append(f"{at(rec, offset)}: time {t:.3f} is before the run starts ({start:.3f})")
            else:
                problems.append(
                    f"{at(rec, offset)}: time {t:.3f} is {t - self._now:.4g} s in the future of "
                    f"the verifier's clock ({self._now:.3f}; allowed skew {self._skew:g} s)"
                )
        if kind == "measurement":
            # the common, consistent interval inline; anything else to _interval_problem
            iv = d.get("interval")
            if type(iv) is dict:
                t0, t1, sec = iv.get("time_start_unix_s"), iv.get("time_end_unix_s"), iv.get("seconds")
                if (
                    type(t0) is float
                    and type(t1) is float
                    and type(sec) is float
                    and self._lo_start <= t0 <= t1 <= t + RUN_CLOCK_TOLERANCE_S
                    and sec <= (t1 - t0) * _REL + SPAN_ABS_TOLERANCE_S
                ):
                    self._span_total += t1 - t0
                    return
            why = _interval_problem(iv, start, t)
            if why:
                problems.append(f"{at(rec, offset)}: {why}")
            else:
                span_iv: Mapping[str, Any] = iv if isinstance(iv, Mapping) else {}
                self._span_total += float(_first(span_iv, _END_KEYS) or 0.0) - float(
                    _first(span_iv, _START_KEYS) or 0.0
                )

    def result(self) -> Check:
        """The check, once every record was fed."""
        if not self._n:
            return Check("ledger_times", "skip", "no records")
        start, latest, now = self._start, self._latest, self._now
        problems = self._problems
        ev: dict[str, Any] = {
            "run_start_unix_s": start,
            "run_end_unix_s": self._last_time,
            "verifier_now_unix_s": now,
            "max_clock_skew_s": self._skew,
        }
        if self._key_registered is not None:
            ev["key_registered_unix_s"] = self._key_registered
        created = self._created
        if created is not None:
            if not is_finite_number(created):
                problems.append(f"report created_unix_s {created!r} is not a time")
            else:
                ev["report_created_unix_s"] = created
                if created < latest:
                    problems.append(
                        f"the report was created at {created:.3f}, {latest - created:.4g} "
                        f"s before the ledger's last record ({latest:.3f})"
                    )
                if created > self._limit:
                    problems.append(
                        f"the report's created_unix_s {created:.3f} is "
                        f"{created - now:.4g} s in the future of the verifier's clock"
                    )
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            return Check("ledger_times", "fail", problems[0] + more, {**ev, "problems": problems})
        return Check(
            "ledger_times",
            "pass",
            f"{self._n} record times inside the run ({self._last_time - start:.4g} s), none "
            "in the verifier's future; every interval's seconds fit its wall-clock span",
            {**ev, "interval_span_total_s": self._span_total},
        )


_REL = 1 + SPAN_REL_TOLERANCE
_FLOAT_ONLY = {float}


def _end_by_record(ends: tuple[float, ...], times: tuple[float, ...]) -> bool:
    """Whether each interval ends no later than its record's time + :data:`RUN_CLOCK_TOLERANCE_S`.

    Intervals ending by their record's time pass without the additions (``t + tol`` rounds to at
    least ``t``: tol > 0, rounding is monotone); otherwise each is compared with its own bound.
    """
    if all(map(le, ends, times)):
        return True
    return all(map(le, ends, map(add, times, repeat(RUN_CLOCK_TOLERANCE_S))))


def _interval_problem(interval: Any, run_start: float, record_time: float) -> str:
    """What is wrong with one interval's times ("" if nothing)."""
    if not isinstance(interval, Mapping):
        return "no interval object"
    seconds = interval.get("seconds", interval.get("duration_s"))
    if seconds is not None and not is_finite_number(seconds):
        return "interval seconds is not a finite number"
    t0, t1 = _first(interval, _START_KEYS), _first(interval, _END_KEYS)
    if not (is_finite_number(t0) and is_finite_number(t1)):
        if seconds is None or (is_finite_number(seconds) and seconds == 0):
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
    if is_finite_number(seconds):
        span = t1 - t0
        if seconds > span * (1 + SPAN_REL_TOLERANCE) + SPAN_ABS_TOLERANCE_S:
            return (
                f"interval seconds {seconds:.6g} exceed its wall-clock span {span:.6g} s "
                f"(x{seconds / span if span > 0 else math.inf:.3g})"
            )
    return ""
