"""``ledger_order``: the ledger's steps, checkpoints, batches and end record agree with each other.

Like the other ledger checks (:mod:`computegov.ledger.checks`), :class:`OrderCheck` is fed the
records in one streaming pass and keeps only running state: the step count, the last time and
interval end, the checkpoint steps (for the replay segments) and the first problem.
"""

from __future__ import annotations

import itertools
import math
from itertools import accumulate, repeat
from operator import ge, le, sub
from typing import Any

from computegov.ledger.batch import Batch, MeasurementRun
from computegov.ledger.check_values import at, obj
from computegov.ledger.records import Record
from computegov.ledger.verdict import Check

__all__ = ["OrderCheck"]

# Assumption: consecutive meter intervals may overlap by up to 1 ms of clock jitter (timestamps
# come from time.time() in separate calls); a larger overlap means double-counted time.
_OVERLAP_TOLERANCE_S = 1e-3
_NUMBER = (int, float)
_TOL = _OVERLAP_TOLERANCE_S
_INT_ONLY = {int}
_FLOAT_ONLY = {float}
_COLUMN_KINDS = {"measurement", "batch", "head"}


class OrderCheck:
    """``ledger_order``: time never goes back; steps, checkpoints, batches and the end agree.

    * record times never go backwards, and measurement intervals neither reverse nor overlap
      (beyond 1 ms of clock jitter);
    * each measurement's ``step_end`` is the running sum of interval steps, and its
      ``step_first``/``step_last`` (when given) are exactly the steps it adds: ranges are
      contiguous, never overlap, leave no gap and cover the run from step 0;
      ``counted_steps`` is at most ``steps``;
    * checkpoint steps strictly increase and never pass the steps done; where the run declares
      ``replay.checkpoint_every_steps`` = k, the checkpoints start at step 0, end at the last
      step of a finished run, and no replay segment between them is longer than k;
    * batch steps never go back and lie inside the run;
    * nothing but signed heads follows the ``end`` record.
    """

    __slots__ = ("ckpts", "end_at", "i", "last_batch", "last_end", "last_time", "problem", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.last_time = -math.inf
        self.last_end = -math.inf
        self.ckpts: list[int] = []
        self.last_batch = -1
        self.end_at: int | None = None
        self.problem = ""
        self.i = -1

    def feed(self, offset: int, rec: Record) -> None:
        """Check one record against the running state (nothing more after the first problem)."""
        self.i += 1
        if self.problem:
            return
        _, kind, time_unix_s, _, d, _ = rec
        if time_unix_s < self.last_time:
            self.problem = (
                f"{at(rec, offset)}: time goes backwards ({time_unix_s} < {self.last_time})"
            )
            return
        self.last_time = time_unix_s
        if self.end_at is not None and kind != "head":
            self.problem = f"{at(rec, offset)}: a {kind} record after the end record ({self.end_at})"
            return
        # records come from JSON, so objects are exact dicts and ``type(...) is`` tests are exact
        if kind == "measurement":
            interval = d.get("interval")
            if type(interval) is not dict:
                self.problem = f"{at(rec, offset)}: no interval object"
                return
            n = interval.get("steps")
            if type(n) is not int or n < 0:
                self.problem = f"{at(rec, offset)}: steps {n!r} is not a count >= 0"
                return
            first = self.steps
            steps = self.steps = first + n
            if d.get("step_end") != steps:
                self.problem = (
                    f"{at(rec, offset)}: step_end {d.get('step_end')} but the intervals sum to "
                    f"{steps} (skipped or repeated steps)"
                )
                return
            why = _range_problem(interval, n, first, steps)
            if why:
                self.problem = f"{at(rec, offset)}: {why}"
                return
            start = interval.get("time_start_unix_s", interval.get("start_unix_s"))
            end = interval.get("time_end_unix_s", interval.get("end_unix_s"))
            if isinstance(start, _NUMBER) and isinstance(end, _NUMBER):
                if end < start or start < self.last_end - _OVERLAP_TOLERANCE_S:
                    self.problem = f"{at(rec, offset)}: interval [{start}, {end}] overlaps or reverses"
                    return
                self.last_end = end
        elif kind == "checkpoint":
            s = d.get("step")
            ckpts = self.ckpts
            prev = ckpts[-1] if ckpts else -1
            if type(s) is not int or s <= prev or s > self.steps:
                self.problem = (
                    f"{at(rec, offset)}: checkpoint step {s!r} out of order (previous "
                    f"{prev if ckpts else 'none'}, steps so far {self.steps}; steps must strictly "
                    "increase and not pass the steps done)"
                )
                return
            ckpts.append(s)
        elif kind == "batch":
            s = d.get("step")
            if type(s) is not int or s < self.last_batch:
                self.problem = f"{at(rec, offset)}: batch step {s!r} out of order"
                return
            self.last_batch = s
        elif kind == "end":
            self.end_at = self.i

    def feed_batch(self, batch: Batch) -> None:
        """:meth:`feed` each record; measurement and batch records checked column-wise first."""
        if self.problem:
            return
        if not self._feed_columns(batch):
            self._feed_items(batch.items)

    def _feed_columns(self, batch: Batch) -> bool:
        """Take the batch whole when each record is what :meth:`feed` accepts without a problem.

        Only batches of measurement, batch and head records (no meta, checkpoint or end) whose
        columns are plainly consistent are taken this way.

        Returns:
            True when the batch was taken (state updated); False when nothing was changed and
            the batch must be read one record at a time.
        """
        if self.end_at is not None or not batch.kind_set <= _COLUMN_KINDS:
            return False
        times = batch.times
        if times[0] < self.last_time or not batch.times_sorted():
            return False
        run, marks = batch.measurements(), batch.batch_steps()
        if run is None or marks is None:
            return False
        steps, last_end = [self.steps], self.last_end
        if len(run):
            taken = self._measurements(run)
            if taken is None:
                return False
            steps, last_end = taken
        if marks and (
            set(map(type, marks)) != _INT_ONLY
            or marks[0] < self.last_batch
            or not all(map(le, marks, marks[1:]))
        ):
            return False
        self.i += len(times)
        self.steps, self.last_time, self.last_end = steps[-1], times[-1], last_end
        if marks:
            self.last_batch = marks[-1]
        return True

    def _measurements(self, run: MeasurementRun) -> tuple[list[int], float] | None:
        """The running step counts and last interval end after ``run``, if all is consistent.

        None when any measurement of ``run`` is not what :meth:`_feed_items` takes inline.
        Changes nothing.
        """
        cols = run.columns
        n = cols.get("steps")
        start, end = cols.get("time_start_unix_s"), cols.get("time_end_unix_s")
        if n is None or start is None or end is None:
            return None
        if (
            run.types("steps") != _INT_ONLY
            or run.low("steps") <= 0
            or run.types("time_start_unix_s") != _FLOAT_ONLY
            or run.types("time_end_unix_s") != _FLOAT_ONLY
            or not run.ordered("time_start_unix_s", "time_end_unix_s")
            or not _no_overlap(start, end, self.last_end)
        ):
            return None
        steps = list(accumulate(n, initial=self.steps))
        if list(run.step_end) != steps[1:]:
            return None
        counted = cols.get("counted_steps")
        if counted is not None:  # a count may not exceed the steps (non-counts: no rule)
            kinds = run.types("counted_steps")
            if int in kinds and (kinds != _INT_ONLY or not all(map(le, counted, n))):
                return None
        first, last = cols.get("step_first"), cols.get("step_last")
        if not (
            (first is None or first.count(None) == len(first))
            and (last is None or last.count(None) == len(last))
        ) and (
            first is None
            or last is None
            or list(first) != steps[:-1]
            or list(last) != list(map(sub, steps[1:], repeat(1)))
        ):
            return None
        return steps, end[-1]

    def _feed_items(self, items: list[tuple[int, Record]]) -> None:
        """:meth:`feed` each ``(offset, record)``, the common consistent measurement inline."""
        steps, last_time, last_end, i = self.steps, self.last_time, self.last_end, self.i
        for offset, rec in items:
            if self.problem:
                return
            _, kind, t, _, d, _ = rec
            if kind == "measurement" and self.end_at is None and t >= last_time:
                iv = d.get("interval")
                if type(iv) is dict:
                    n = iv.get("steps")
                    get = iv.get
                    start, end, c = get("time_start_unix_s"), get("time_end_unix_s"), get("counted_steps")
                    if (
                        type(n) is int
                        and n > 0
                        and d.get("step_end") == steps + n
                        and (type(c) is not int or c <= n)
                        and type(start) is float
                        and type(end) is float
                        and start <= end
                        and start >= last_end - _OVERLAP_TOLERANCE_S
                        and (
                            ((a := get("step_first")) is None and get("step_last") is None)
                            or (a, get("step_last")) == (steps, steps + n - 1)
                        )
                    ):
                        i += 1
                        last_time, last_end, steps = t, end, steps + n
                        continue
            self.steps, self.last_time, self.last_end, self.i = steps, last_time, last_end, i
            self.feed(offset, rec)
            steps, last_time, last_end, i = self.steps, self.last_time, self.last_end, self.i
        self.steps, self.last_time, self.last_end, self.i = steps, last_time, last_end, i

    def result(self, meta: Any) -> Check:
        """The check; ``meta`` is record 0's data when it is a meta record (else None)."""
        problem, steps = self.problem, self.steps
        if not problem:
            if self.last_batch >= steps and self.end_at is not None:
                problem = f"batch step {self.last_batch} is outside the run's {steps} steps"
            else:
                problem = _segment_problem(meta, self.ckpts, steps, self.end_at is not None)
        if problem:
            return Check("ledger_order", "fail", problem)
        return Check(
            "ledger_order",
            "pass",
            f"steps and times are monotonic; step ranges contiguous over {steps} steps; "
            "checkpoints consistent with the steps",
            {"steps": steps},
        )


def _no_overlap(start: tuple[float, ...], end: tuple[float, ...], last_end: float) -> bool:
    """Whether each interval starts no earlier than the one before it ends, less 1 ms.

    ``start[i] >= end[i - 1] - tol`` (``end[-1]`` before the first: ``last_end``), as
    :meth:`OrderCheck.feed` tests it. Intervals that do not overlap at all pass without the
    subtractions: ``x - tol`` rounds to at most ``x`` (tol > 0, rounding is monotone).
    """
    if start[0] >= last_end - _TOL and all(map(ge, start[1:], end[:-1])):
        return True
    return all(map(ge, start, map(sub, (last_end, *end[:-1]), repeat(_TOL))))


def _range_problem(interval: dict[str, Any], n: int, first: int, steps: int) -> str:
    """``step_first``/``step_last``/``counted_steps`` of one interval against the running count."""
    counted = interval.get("counted_steps")
    if type(counted) is int and counted > n:
        return f"counted_steps {counted} > steps {n}"
    a, b = interval.get("step_first"), interval.get("step_last")
    if n == 0 or (a is None and b is None):
        return ""
    if (a, b) != (first, steps - 1):
        return (
            f"step range [{a!r}, {b!r}] is not the {n} steps it adds, [{first}, {steps - 1}] "
            "(a gap, an overlap or a range not starting at step 0)"
        )
    return ""


def _segment_problem(meta: Any, ckpts: list[int], steps: int, ended: bool) -> str:
    """Replay segments longer than the declared checkpoint interval ("" if none)."""
    replay = obj(obj(obj(meta).get("metadata")).get("replay"))
    k = replay.get("checkpoint_every_steps")
    if type(k) is not int or k < 1 or not ckpts:
        return ""
    if ckpts[0] != 0:
        return (
            f"the first checkpoint is at step {ckpts[0]}, not 0: the run declares replay "
            f"(a checkpoint every {k} steps) but steps 0-{ckpts[0]} cannot be replayed"
        )
    if ended and ckpts[-1] != steps:
        return (
            f"the last checkpoint is at step {ckpts[-1]} of {steps}: the run declares replay "
            f"(a checkpoint every {k} steps) but steps {ckpts[-1]}-{steps} cannot be replayed"
        )
    for a, b in itertools.pairwise(ckpts):
        if b - a > k:
            return (
                f"steps {a}-{b} hold no checkpoint, but the run declares one every {k} steps "
                "(a replay segment longer than declared)"
            )
    return ""
