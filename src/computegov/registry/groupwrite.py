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
Before the lock, the reports, verdicts and audit rows go in as plain multi-row statements with
the values bound as a Core insert binds them: one statement on PostgreSQL (data-modifying
``WITH``), three on SQLite (whose whole transaction is the one writer's critical section).

Why: under load the time the log's lock is held is mostly the holding worker waiting to run
again (for the interpreter lock or a CPU) after each statement, not the database working (see
``benchmarks/registry_load.py``); fewer statements and less Python inside the lock shorten it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Dialect

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
    if conn.dialect.name == "postgresql":
        _insert_rows_pg(conn, batch)
    else:
        _insert_rows_sqlite(conn, batch)
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


_REPORT_COLUMNS = ("digest_sha256", "organisation_id", "envelope_json", "ledger_text", "summary_json", "title",
                   "total_flop", "size_bytes", "submitted_at", "withdrawn_at", "signer_keyid", "flag", "payload_sha256")
_VERDICT_COLUMNS = ("ok", "outcome", "partial", "verifier", "verdict_json", "created_at")
#: PostgreSQL types of the verdict values joined to the new reports' ids (a VALUES list has no column types)
_VERDICT_TYPES = ("boolean", "text", "boolean", "text", "text", "timestamptz")
_AUDIT_COLUMNS = ("at", "actor", "action", "object_type", "object_id", "detail_json")
_TABLES = {"reports": Report.__table__, "verdicts": VerdictRow.__table__, "audit_events": AuditEvent.__table__}


@functools.lru_cache(maxsize=8)
def _processors(dialect: Dialect, table: str, columns: tuple[str, ...]) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each column's bind processor for ``dialect`` (what a Core insert applies: SQLite's text datetimes, 0/1 booleans)."""
    cols = _TABLES[table].c
    return tuple(cols[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


def _bound(dialect: Dialect, table: str, columns: tuple[str, ...], row: dict[str, Any]) -> list[Any]:
    """``row``'s values of ``columns``, as a Core insert would bind them."""
    return [v if f is None or v is None else f(v)
            for f, v in zip(_processors(dialect, table, columns), (row[c] for c in columns), strict=True)]


def _insert_rows_sqlite(conn: Connection, batch: Sequence[Prepared]) -> None:
    """The reports (ids back by digest), then their verdicts and audit rows: three multi-row statements.

    Plain driver statements with the values bound as a Core insert binds them (its per-row
    statement building cost more CPU than the rest of the transaction, inside SQLite's one-writer lock).
    """
    d = conn.dialect
    one = "(" + ", ".join(["?"] * len(_REPORT_COLUMNS)) + ")"
    sql = (f"INSERT INTO reports ({', '.join(_REPORT_COLUMNS)}) VALUES {', '.join([one] * len(batch))} "
           "RETURNING id, digest_sha256")
    params = tuple(v for p in batch for v in _bound(d, "reports", _REPORT_COLUMNS, p.report_row))
    ids = {str(digest): int(i) for i, digest in conn.exec_driver_sql(sql, params)}
    logstore.insert_rows(conn, [
        ("verdicts", ("report_id", *_VERDICT_COLUMNS),
         [(ids[p.report_row["digest_sha256"]], *_bound(d, "verdicts", _VERDICT_COLUMNS, p.verdict_row)) for p in batch]),
        ("audit_events", _AUDIT_COLUMNS, [_bound(d, "audit_events", _AUDIT_COLUMNS, p.audit_row) for p in batch]),
    ])


def _insert_rows_pg(conn: Connection, batch: Sequence[Prepared]) -> None:
    """The reports, their verdicts (joined to the new ids by digest) and audit rows: one statement, one round trip.

    A digest or payload stored already fails the whole statement with the unique index's
    IntegrityError, as the three inserts did.
    """
    def values(n_rows: int, cols: int, casts: Sequence[str] = ()) -> str:
        one = "(" + ", ".join(f"%s::{casts[k]}" if casts else "%s" for k in range(cols)) + ")"
        return ", ".join([one] * n_rows)

    n = len(batch)
    sql = (f"WITH r AS (INSERT INTO reports ({', '.join(_REPORT_COLUMNS)}) VALUES {values(n, len(_REPORT_COLUMNS))} "
           "RETURNING id, digest_sha256), "
           f"v AS (INSERT INTO verdicts (report_id, {', '.join(_VERDICT_COLUMNS)}) "
           f"SELECT r.id, {', '.join(f'd.{c}' for c in _VERDICT_COLUMNS)} FROM r JOIN "
           f"(VALUES {values(n, 1 + len(_VERDICT_COLUMNS), ('text', *_VERDICT_TYPES))}) "
           f"AS d(digest, {', '.join(_VERDICT_COLUMNS)}) ON d.digest = r.digest_sha256) "
           f"INSERT INTO audit_events ({', '.join(_AUDIT_COLUMNS)}) VALUES {values(n, len(_AUDIT_COLUMNS))}")
    params: list[Any] = [p.report_row[c] for p in batch for c in _REPORT_COLUMNS]
    params += [v for p in batch for v in (p.report_row["digest_sha256"], *(p.verdict_row[c] for c in _VERDICT_COLUMNS))]
    params += [p.audit_row[c] for p in batch for c in _AUDIT_COLUMNS]
    conn.exec_driver_sql(sql, tuple(params))


def receipt_of(prepared: Prepared, first: int, written: Written) -> Receipt | None:
    """The report leaf's receipt: its entry, its inclusion proof at the signed size (from memory), the checkpoint."""
    if written.signed is None:
        return None
    proof = merkle.proof_from_lookup(merkle.inclusion_pieces(first, written.size), written.known)
    return Receipt(prepared.leaves[0][2], first, tuple(proof), written.signed[0])
