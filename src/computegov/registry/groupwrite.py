"""One group commit's writes (split from :mod:`computegov.registry.reports`): prepared outside, stored in one transaction.

Everything about a new report that does not depend on the database (its row's values, its
verdict's and audit event's, its three log entries' canonical bytes and leaf hashes, the answer
it gets) is computed by :func:`prepare` in the submitter's own thread, before it joins the group
commit. :func:`write_group` then holds the log's lock for four statements whatever the group's
size: the lock (on PostgreSQL the log's and the checkpoint signer's advisory locks in one
statement), one read of the log's size, frontier and last checkpoint
(:func:`~computegov.registry.logstore.read_tip`), one insert of the leaves, subtree hashes and
signed checkpoint (one statement on PostgreSQL), and the commit. The root, the new subtree
hashes and every new report's inclusion proof come from the frontier and the new leaves in
memory (:func:`~computegov.registry.logstore.extend_tree`): the same hashes the stored rows hold.

Why: under load the time the log's lock is held is mostly the holding worker waiting to run
again (for the interpreter lock or a CPU) after each statement, not the database working (see
``benchmarks/registry_load.py``); fewer statements and less Python inside the lock shorten it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from computegov.registry import logstore, timings
from computegov.registry.audit import audit_event
from computegov.registry.database import aware
from computegov.registry.groupcommit import Pending
from computegov.registry.logentries import report_entry, verdict_entry
from computegov.registry.models import AuditEvent, Report, VerdictRow
from computegov.registry.reportinfo import ReportInfo
from computegov.registry.submission import canonical_json
from computegov.tlog import merkle
from computegov.tlog.entries import canonical_bytes
from computegov.tlog.receipt import Receipt

__all__ = ["NO_SIGNER_FLAG", "Prepared", "Written", "prepare", "receipt_of", "write_group"]

NO_SIGNER_FLAG = "stored without a registered signer (Store.submit was given no signer_keyid)"

#: pg_advisory_xact_lock keys: the log appender's, then the checkpoint signer's (the order every taker uses).
_PG_LOCKS = "SELECT pg_advisory_xact_lock(7345202), pg_advisory_xact_lock(7345203)"
_PG_LOG_LOCK = "SELECT pg_advisory_xact_lock(7345202)"
_INSERT_REPORTS = insert(Report).returning(Report.id, sort_by_parameter_order=True)
_LEAF_COLUMNS = ("leaf_index", "kind", "subject", "entry_json", "leaf_hash")


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A new report's rows and log leaves, made before its transaction.

    ``leaves``: ``(kind, subject, entry text, leaf hash)`` of its report, verdict and audit event
    entries, in that order; ``verdict_row`` lacks the report's id (known once it is inserted).
    """

    report_row: dict[str, Any]
    verdict_row: dict[str, Any]
    audit_row: dict[str, Any]
    leaves: tuple[tuple[str, str, str, bytes], ...]
    info: ReportInfo


def prepare(p: Pending) -> Prepared:
    """Everything about ``p`` that needs no database: computed in the submitter's thread."""
    parsed, now = p.parsed, p.now
    digest = parsed.digest_sha256
    flag = None if p.signer_keyid else NO_SIGNER_FLAG
    summary_json = canonical_json(parsed.summary)
    report_row: dict[str, Any] = {
        "digest_sha256": digest, "organisation_id": p.org.id,
        "envelope_json": parsed.envelope_json or canonical_json(parsed.envelope),
        "ledger_text": parsed.ledger_text, "summary_json": summary_json, "title": parsed.title,
        "total_flop": parsed.total_flop, "size_bytes": parsed.size_bytes, "submitted_at": now, "withdrawn_at": None,
        "signer_keyid": p.signer_keyid, "flag": flag, "payload_sha256": parsed.payload_sha256 or None,
    }
    verdict_json = canonical_json(p.verdict)
    verdict_row = {"ok": p.outcome == "verified", "outcome": p.outcome, "partial": p.partial, "verifier": p.verifier,
                   "verdict_json": verdict_json, "created_at": now}
    audit_row, event = audit_event(p.org.name, "report.submit", "report", digest,
                                   verdict_ok=p.outcome == "verified", outcome=p.outcome, partial=p.partial,
                                   signer_keyid=p.signer_keyid, verifier=p.verifier, size_bytes=parsed.size_bytes)
    entries = [
        ("report", digest, report_entry(digest_sha256=digest, organisation=p.org.name, signer_keyid=p.signer_keyid,
                                        envelope=parsed.envelope, ledger_text=parsed.ledger_text, title=parsed.title,
                                        total_flop=parsed.total_flop)),
        ("verdict", digest, verdict_entry(report_digest=digest, verifier=p.verifier, outcome=p.outcome,
                                          partial=p.partial, verdict=p.verdict)),
        ("event", digest, event),
    ]
    leaves = []
    for kind, subject, entry in entries:
        data = canonical_bytes(entry)
        leaves.append((kind, subject[:100], data.decode(), merkle.leaf_hash(data)))
    info = ReportInfo(
        digest_sha256=digest, organisation=p.org.name, title=parsed.title, total_flop=parsed.total_flop,
        size_bytes=parsed.size_bytes, submitted_at=aware(now) or now, withdrawn_at=None,
        verdict_ok=p.outcome == "verified" and flag is None, verifier=p.verifier, verdict=json.loads(verdict_json),
        summary=json.loads(summary_json), has_ledger=parsed.ledger_text is not None,
        outcome=p.outcome, partial=p.partial, signer_keyid=p.signer_keyid, flag=flag, counter_outcomes={})
    return Prepared(report_row, verdict_row, audit_row, tuple(leaves), info)


@dataclasses.dataclass(frozen=True)
class Written:
    """What one group's transaction stored: the first leaf of each report, the hashes, the new size, the checkpoint."""

    firsts: list[int]
    known: dict[merkle.Piece, bytes]
    size: int
    signed: tuple[str, int, int] | None


#: Signs a checkpoint: (size, root, last stored checkpoint or None) -> (note, size, timestamp s).
Signer = Callable[[int, bytes, "tuple[int, int, str] | None"], "tuple[str, int, int]"]


def write_group(conn: Connection, batch: Sequence[Prepared], sign: Signer | None,
                held_from: list[float] | None = None) -> Written:
    """Store ``batch`` in ``conn``'s transaction and append its leaves; with ``sign``, store a signed checkpoint too.

    The rows first (on PostgreSQL before the log's lock; SQLite's transaction is its one writer
    already), then, holding the lock: :func:`~computegov.registry.logstore.read_tip`, the leaves,
    subtree hashes and checkpoint in one :func:`~computegov.registry.logstore.insert_rows`.
    ``held_from``, when given empty, gets the clock and this thread's CPU time once the lock is had.
    """
    ids = [int(i) for i in conn.execute(_INSERT_REPORTS, [p.report_row for p in batch]).scalars().all()]
    if len(ids) != len(batch):  # pragma: no cover - RETURNING gives one id per row
        raise RuntimeError(f"stored {len(batch)} reports but got {len(ids)} ids back")
    # one multi-row statement each (not one step per row)
    conn.execute(insert(VerdictRow).values([{**p.verdict_row, "report_id": i} for p, i in zip(batch, ids, strict=True)]))
    conn.execute(insert(AuditEvent).values([p.audit_row for p in batch]))
    with timings.phase("lock"):
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(_PG_LOCKS if sign is not None else _PG_LOG_LOCK)
    if held_from is not None and not held_from:  # the benchmark's critical section starts here (PostgreSQL)
        held_from += [time.perf_counter(), time.thread_time()]
    with timings.phase("append"):
        tip = logstore.read_tip(conn, with_checkpoint=sign is not None)
        leaf_rows: list[tuple[int, str, str, str, str]] = []
        firsts: list[int] = []
        for p in batch:
            firsts.append(tip.size + len(leaf_rows))
            leaf_rows += [(tip.size + len(leaf_rows) + k, kind, subject, text, h.hex())
                          for k, (kind, subject, text, h) in enumerate(p.leaves)]
        known, node_rows = logstore.extend_tree(tip, [p[3] for p in (leaf for q in batch for leaf in q.leaves)])
        size = tip.size + len(leaf_rows)
    signed = None
    parts: list[tuple[str, Sequence[str], Sequence[Sequence[Any]]]] = [
        ("log_leaves", _LEAF_COLUMNS, leaf_rows), ("log_nodes", ("level", "node_index", "hash"), node_rows)]
    if sign is not None:
        with timings.phase("sign"):
            root = merkle.hash_pieces([known[piece] for piece in merkle.aligned_pieces(0, size)])
            signed = sign(size, root, tip.last_checkpoint)
        parts.append(("log_checkpoints", ("tree_size", "timestamp_s", "note"), [(size, signed[2], signed[0])]))
    with timings.phase("append"):
        logstore.insert_rows(conn, parts)
    return Written(firsts, known, size, signed)


def receipt_of(prepared: Prepared, first: int, written: Written) -> Receipt | None:
    """The report leaf's receipt: its entry, its inclusion proof at the signed size (from memory), the checkpoint."""
    if written.signed is None:
        return None
    proof = merkle.proof_from_lookup(merkle.inclusion_pieces(first, written.size), written.known)
    return Receipt(prepared.leaves[0][2], first, tuple(proof), written.signed[0])
