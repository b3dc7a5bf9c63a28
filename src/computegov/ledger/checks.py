"""The verifier's checks of a ledger alone (format, chain, head signatures), and helpers.

Each check runs in one streaming pass (:mod:`computegov.ledger.ledger_pass`): it is fed one
record at a time (``feed(offset, record)``), keeps only running state (counters, the previous
record, the checkpoint steps, at most 20 problems) and gives its
:class:`~computegov.ledger.verdict.Check` at the end (``result``). None raises on bad content
(tampered input may hold anything, so every field is type-checked).

``ledger_order`` is :mod:`computegov.ledger.order_check`'s, ``ledger_times``
:mod:`computegov.ledger.timeline`'s. The checks of a report against its ledger are in
:mod:`computegov.ledger.report_checks`; the
helpers both use (:func:`obj`, :func:`close`, :func:`where`, ...) are in
:mod:`computegov.ledger.check_values`, the floor below both, and are re-exported here.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.ledger.batch import Batch
from computegov.ledger.chain import head_message
from computegov.ledger.check_values import (
    TOTALS_REL_TOL,
    at,
    b64_strict,
    close,
    first_and_more,
    obj,
    records_of,
    where,
)
from computegov.ledger.record_schema import columns_clean, record_problems
from computegov.ledger.records import Record
from computegov.ledger.scan import ChainProblem
from computegov.ledger.signing import key_id, verify_signature
from computegov.ledger.verdict import Check

__all__ = [
    "TOTALS_REL_TOL",
    "ProblemTally",
    "RecordsCheck",
    "SignaturesCheck",
    "at",
    "b64_strict",
    "close",
    "first_and_more",
    "ledger_structure_checks",
    "obj",
    "records_of",
    "where",
]

_INT_ONLY = frozenset((int,))
_HEAD = frozenset(("head",))


# --------------------------------------------------------------------------------------------
# Ledger checks

#: Problems a check keeps (and shows) in its evidence.
KEPT_PROBLEMS = 20


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


_COLUMN_KINDS = frozenset(("measurement", "batch"))


def _columns_clean(batch: Batch) -> bool:
    """True only when :meth:`RecordsCheck.feed` finds nothing in the measurement and batch records.

    Checked column by column; the batch's other records are not looked at.
    """
    run, steps = batch.measurements(), batch.batch_steps()
    if run is None or steps is None:
        return False
    if steps and not (set(map(type, steps)) <= _INT_ONLY and min(steps) >= 0):
        return False
    if not len(run):
        return True
    ends = run.step_end
    return (
        set(map(type, ends)) <= _INT_ONLY
        and min(ends) >= 0
        and columns_clean(run.columns, run.types, low_of=run.low, finite=run.finite)
    )


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

    def feed_batch(self, batch: Batch) -> None:
        """:meth:`feed` each record; measurement and batch records checked column-wise first."""
        problems = self.problems
        if len(problems) >= KEPT_PROBLEMS:
            return
        if _columns_clean(batch):  # nothing there that feed() would report: feed the rest
            which = batch.indices_except(_COLUMN_KINDS)
            if which:  # offsets only where a record is read (most batches have none)
                offsets, record = batch.offsets, batch.record
                for i in which:
                    self.feed(offsets[i], record(i))
            return
        for offset, rec in batch.items:
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

    def feed_batch(self, batch: Batch) -> None:
        """:meth:`feed` each record (only the first record and heads need work)."""
        if self._done is not None:
            return
        record, n = batch.record, len(batch)
        if self._last is None:
            for offset, rec in batch.items:
                if self._done is not None:
                    return
                self.feed(offset, rec)
            return
        pos = 0
        for i in batch.indices(_HEAD):  # each head signs the record just before it
            if i > pos:
                self._n += i - pos
                self._last = record(i - 1)
            self.feed(batch.offsets[i], record(i))
            pos = i + 1
            if self._done is not None:
                return
        if pos < n:
            self._n += n - pos
            self._last = record(n - 1)

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
