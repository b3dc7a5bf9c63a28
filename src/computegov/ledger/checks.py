"""The verifier's checks of a ledger alone (format, chain, head signatures, order), and helpers.

Each check runs in one streaming pass (:mod:`computegov.ledger.ledger_pass`): it is fed one
record at a time (``feed(offset, record)``), keeps only running state (counters, the previous
record, the checkpoint steps, at most 20 problems) and gives its
:class:`~computegov.ledger.verdict.Check` at the end (``result``). None raises on bad content
(tampered input may hold anything, so every field is type-checked).

The checks of a report against its ledger are in :mod:`computegov.ledger.report_checks`; the
helpers both use (:func:`obj`, :func:`close`, :func:`where`, ...) are in
:mod:`computegov.ledger.check_values`, the floor below both, and are re-exported here.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.ledger.chain import head_message
from computegov.ledger.check_values import (
    TOTALS_REL_TOL,
    b64_strict,
    close,
    first_and_more,
    obj,
    records_of,
    where,
)
from computegov.ledger.record_schema import intervals_clean, record_problems
from computegov.ledger.records import Record
from computegov.ledger.scan import ChainProblem
from computegov.ledger.signing import key_id, verify_signature
from computegov.ledger.verdict import Check

__all__ = [
    "TOTALS_REL_TOL",
    "OrderCheck",
    "ProblemTally",
    "RecordsCheck",
    "SignaturesCheck",
    "b64_strict",
    "close",
    "first_and_more",
    "ledger_structure_checks",
    "obj",
    "records_of",
    "where",
]

# Assumption: consecutive meter intervals may overlap by up to 1 ms of clock jitter (timestamps
# come from time.time() in separate calls); a larger overlap means double-counted time.
_OVERLAP_TOLERANCE_S = 1e-3
_NUMBER = (int, float)
_INT_ONLY = frozenset((int,))


# --------------------------------------------------------------------------------------------
# Ledger checks

#: Problems a check keeps (and shows) in its evidence.
KEPT_PROBLEMS = 20


def at(rec: Record, offset: int) -> str:
    """``record N (byte offset M)`` (:func:`where` of a record being streamed)."""
    return f"record {rec.seq} (byte offset {offset})"


def _summary(first: object, count: int) -> str:
    """:func:`first_and_more` of a problem list known only by its first item and length."""
    return f"{first} (+{count - 1} more)" if count > 1 else f"{first}"


class ProblemTally:
    """The chain problems a scan reported: counts, the first 20 of each family, the first break."""

    __slots__ = ("chain", "chain_count", "first_break", "fmt", "fmt_count")

    def __init__(self) -> None:
        self.fmt: list[ChainProblem] = []
        self.chain: list[ChainProblem] = []
        self.fmt_count = self.chain_count = 0
        self.first_break: ChainProblem | None = None

    def add(self, problem: ChainProblem) -> None:
        """Count one problem (the ``on_problem`` callback of a scan)."""
        if problem.kind in ("format", "torn"):
            self.fmt_count += 1
            if len(self.fmt) < KEPT_PROBLEMS:
                self.fmt.append(problem)
        else:
            self.chain_count += 1
            if len(self.chain) < KEPT_PROBLEMS:
                self.chain.append(problem)
        if problem.kind != "torn" and self.first_break is None:
            self.first_break = problem


def ledger_structure_checks(
    problems: ProblemTally, records: int, size_bytes: int, first_kind: str | None, head_hash: str
) -> list[Check]:
    """``ledger_format`` (framing, JSON, torn tail: unusable) and ``ledger_chain`` (hashes, links).

    Args:
        problems: what the scan reported.
        records: records that parsed.
        size_bytes: the file's size.
        first_kind: the first parsed record's kind (None: no record).
        head_hash: the last parsed record's hash.
    """
    ev = {"records": records, "size_bytes": size_bytes}
    checks: list[Check] = []
    if problems.fmt_count:
        checks.append(
            Check(
                "ledger_format",
                "fail",
                _summary(problems.fmt[0], problems.fmt_count),
                {**ev, "problems": [p.to_dict() for p in problems.fmt]},
                unusable=True,
            )
        )
    elif not records or first_kind != "meta":
        checks.append(
            Check("ledger_format", "fail", "record 0 is not a meta record", ev, unusable=True)
        )
    else:
        checks.append(Check("ledger_format", "pass", f"{records} well-formed records", ev))
    if not problems.chain_count and not records:
        checks.append(Check("ledger_chain", "fail", "the ledger holds no readable record", ev))
    elif problems.chain_count:
        checks.append(
            Check(
                "ledger_chain",
                "fail",
                _summary(problems.chain[0], problems.chain_count),
                {**ev, "problems": [p.to_dict() for p in problems.chain]},
            )
        )
    else:
        checks.append(
            Check(
                "ledger_chain",
                "pass",
                f"every link holds: {records} records, head {head_hash[:16]}...",
                {**ev, "head_hash": head_hash},
            )
        )
    return checks


class RecordsCheck:
    """``ledger_records``: every record's numeric fields are typed and in range.

    The rules are :mod:`computegov.ledger.record_schema`'s, the same the recorder enforces on
    write: FLOP >= 0, durations > 0, counts are integers, booleans and strings are not numbers.
    """

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[str] = []

    def feed(self, offset: int, rec: Record) -> None:
        """Check one record (nothing more once 20 problems are found)."""
        problems = self.problems
        if len(problems) >= KEPT_PROBLEMS:
            return
        for why in record_problems(rec.kind, rec.data):
            problems.append(f"{at(rec, offset)}, {rec.kind} {why}")
            if len(problems) >= KEPT_PROBLEMS:
                break

    def feed_batch(self, batch: list[tuple[int, Record]]) -> None:
        """:meth:`feed` each ``(offset, record)``; measurement records checked column-wise."""
        if len(self.problems) >= KEPT_PROBLEMS:
            return
        measured = [rec for _, rec in batch if rec.kind == "measurement"]
        ends: list[Any] = [rec.data.get("step_end") for rec in measured]
        if (
            ends
            and set(map(type, ends)) <= _INT_ONLY
            and min(ends) >= 0
            and intervals_clean([rec.data.get("interval") for rec in measured])
        ):
            batch = [(offset, rec) for offset, rec in batch if rec.kind != "measurement"]
        for offset, rec in batch:
            self.feed(offset, rec)

    def result(self, records: int) -> Check:
        """The check, after ``records`` records."""
        problems = self.problems
        if problems:
            return Check(
                "ledger_records", "fail", first_and_more(problems), {"problems": problems}
            )
        return Check(
            "ledger_records",
            "pass",
            f"every typed field of {records} records is in range",
            {"records": records},
        )


class SignaturesCheck:
    """``ledger_signatures``: every head verifies with ``key`` and the last record is a head."""

    __slots__ = ("_done", "_heads", "_key", "_kid", "_last", "_last_signed", "_n")

    def __init__(self, key: Ed25519PublicKey | None) -> None:
        self._key = key
        self._kid = key_id(key) if key is not None else ""
        self._done: Check | None = (
            Check("ledger_signatures", "skip", "no public key to check head signatures with")
            if key is None
            else None
        )
        self._heads = 0
        self._last_signed = -1
        self._last: Record | None = None
        self._n = 0

    def feed(self, offset: int, rec: Record) -> None:
        """Check one record (a head's signature over the record before it)."""
        if self._done is not None:
            return
        self._n += 1
        prev, self._last = self._last, rec
        kid = self._kid
        if prev is None:
            if rec.kind != "meta" or offset != 0:
                self._done = Check(
                    "ledger_signatures", "skip", "no meta record naming the ledger's signer"
                )
                return
            meta_kid = rec.data.get("keyid")
            if meta_kid != kid:
                self._done = Check(
                    "ledger_signatures",
                    "fail",
                    f"record 0 (byte offset 0): ledger names signer {str(meta_kid)[:16]}..., "
                    f"expected {kid[:16]}...",
                    {"keyid": kid, "ledger_keyid": meta_kid},
                )
                return
        if rec.kind != "head":
            return
        d = rec.data
        key = self._key
        problem = ""
        if key is None:  # pragma: no cover - a check without a key is done at construction
            return
        if d.get("keyid") != kid:
            problem = f"head signed by {str(d.get('keyid'))[:16]}..., expected {kid[:16]}..."
        elif prev is None or d.get("signed_hash") != prev.hash or d.get("signed_seq") != prev.seq:
            problem = "head does not sign the record before it"
        else:
            try:
                verify_signature(
                    key, b64_strict(d.get("sig")), head_message(prev.hash, prev.seq)
                )
            except Exception as err:  # SignatureError, or a sig that is not base64 / a string
                problem = f"head signature does not verify ({err})"
        if problem:
            self._done = Check(
                "ledger_signatures",
                "fail",
                f"{at(rec, offset)}: {problem}",
                {"keyid": kid, "record": rec.seq},
            )
            return
        self._heads += 1
        self._last_signed = rec.seq

    def feed_batch(self, batch: list[tuple[int, Record]]) -> None:
        """:meth:`feed` each ``(offset, record)`` (only the first record and heads need work)."""
        for offset, rec in batch:
            if self._done is not None:
                return
            if self._last is None or rec.kind == "head":
                self.feed(offset, rec)
            else:
                self._n += 1
                self._last = rec

    def result(self, first_break: ChainProblem | None) -> Check:
        """The check, given the scan's first chain break (None: none)."""
        if self._done is not None:
            return self._done
        kid, heads, last = self._kid, self._heads, self._last
        if last is None:
            return Check(
                "ledger_signatures", "skip", "no meta record naming the ledger's signer"
            )
        if first_break is not None:
            return Check(
                "ledger_signatures",
                "fail",
                f"{heads} signed heads verify, but they cannot vouch for the records before the "
                f"chain break at record {first_break.record} "
                f"(byte offset {first_break.offset_bytes})",
                {"keyid": kid, "heads": heads, "first_break": first_break.to_dict()},
            )
        if last.kind != "head":
            unsigned = self._n - 1 - self._last_signed
            return Check(
                "ledger_signatures",
                "fail",
                f"the last {unsigned} record(s) are not covered by a signed head "
                f"(ledger ends at record {self._n - 1})",
                {"keyid": kid, "heads": heads, "last_signed_record": self._last_signed},
            )
        return Check(
            "ledger_signatures",
            "pass",
            f"{heads} signed heads verify; the final head covers all {self._n} records",
            {"keyid": kid, "heads": heads},
        )


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

    def feed_batch(self, batch: list[tuple[int, Record]]) -> None:
        """:meth:`feed` each ``(offset, record)``, the common consistent measurement inline."""
        steps, last_time, last_end, i = self.steps, self.last_time, self.last_end, self.i
        for offset, rec in batch:
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
