"""The transparency log's rows: append a leaf in the caller's transaction, read proofs.

Functions here take an open SQLAlchemy ``Connection`` (the caller's transaction), so a leaf is
written with the row it logs or not at all: a crash before commit loses both, after commit keeps
both. Appends are serialised: SQLite writes under ``BEGIN IMMEDIATE`` already; on PostgreSQL the
appender takes a transaction-scoped advisory lock first. Leaf ``n`` is written with the hash of
every complete aligned subtree it completes (``log_nodes``), so a proof or a root at any size
reads O(log n) stored hashes (:mod:`computegov.tlog.merkle`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from computegov.registry.errors import LogProofError
from computegov.registry.models import LogLeaf, LogNode
from computegov.tlog import merkle
from computegov.tlog.entries import canonical_bytes

__all__ = ["append_entries", "append_entry", "fetch_pieces", "lock_log", "log_size", "read_consistency", "read_inclusion", "read_root"]

#: pg_advisory_xact_lock key of the log appender (0002 uses 7345201 for the migrator).
_PG_LOG_LOCK = 7345202


def log_size(conn: Connection) -> int:
    """Number of leaves in the log."""
    top = conn.exec_driver_sql("SELECT max(leaf_index) FROM log_leaves").scalar()
    return 0 if top is None else int(top) + 1


def fetch_pieces(conn: Connection, pieces: Iterable[merkle.Piece]) -> dict[merkle.Piece, bytes]:
    """Stored hashes of aligned subtrees ``(level, index)``, in one query.

    The SQL is written out with the integers inline (they are computed here, never user text):
    compiling a SQLAlchemy expression cost more than the query itself.

    Raises:
        LogProofError: a subtree the log should hold is missing (its rows were deleted).
    """
    wanted = {(int(lvl), int(i)) for lvl, i in pieces}
    by_level: dict[int, list[str]] = {}
    for lvl, i in sorted(wanted):
        by_level.setdefault(lvl, []).append(str(i))
    # one indexed lookup per level ((level, node_index) IN (VALUES ...) scans the table in SQLite)
    # leaves are hashed from the entry text served at /api/v1/log/leaves, never read from a stored
    # hash: roots, proofs and served entries come from the same bytes, so an edited entry shows
    parts = [f"SELECT 0, leaf_index, entry_json FROM log_leaves WHERE leaf_index IN ({','.join(idx)})"
             if lvl == 0 else
             f"SELECT level, node_index, hash FROM log_nodes WHERE level = {lvl} AND node_index IN ({','.join(idx)})"
             for lvl, idx in by_level.items()]
    out: dict[merkle.Piece, bytes] = {}
    if parts:
        for lvl, idx, h in conn.exec_driver_sql(" UNION ALL ".join(parts)):
            out[(int(lvl), int(idx))] = merkle.leaf_hash(h.encode()) if int(lvl) == 0 else bytes.fromhex(h)
    missing = wanted - out.keys()
    if missing:
        lvl, idx = min(missing)
        raise LogProofError(f"the log's stored subtree (level {lvl}, index {idx}) is missing; the log was damaged")
    return out


def _check_size(conn: Connection, size: int, what: str) -> int:
    current = log_size(conn)
    if size < 0 or size > current:
        raise LogProofError(f"{what}: tree size {size} is outside 0..{current} (the log's size)")
    return current


def read_root(conn: Connection, size: int) -> bytes:
    """The root hash of the first ``size`` leaves."""
    _check_size(conn, size, "root")
    if size == 0:
        return merkle.EMPTY_ROOT
    pieces = merkle.aligned_pieces(0, size)
    found = fetch_pieces(conn, pieces)
    return merkle.hash_pieces([found[p] for p in pieces])


def read_inclusion(conn: Connection, index: int, size: int) -> tuple[bytes, list[bytes]]:
    """Leaf hash and audit path of leaf ``index`` in the tree of ``size`` leaves."""
    _check_size(conn, size, "inclusion proof")
    groups = merkle.inclusion_pieces(index, size)
    found = fetch_pieces(conn, [(0, index), *(p for g in groups for p in g)])
    return found[(0, index)], merkle.proof_from_lookup(groups, found)


def read_consistency(conn: Connection, old_size: int, new_size: int) -> list[bytes]:
    """Consistency proof from the tree of ``old_size`` leaves to that of ``new_size``."""
    _check_size(conn, new_size, "consistency proof")
    groups = merkle.consistency_pieces(old_size, new_size)
    return merkle.proof_from_lookup(groups, fetch_pieces(conn, (p for g in groups for p in g)))


def lock_log(conn: Connection) -> None:
    """Hold the log appender's lock until the caller's transaction ends.

    On PostgreSQL a transaction-scoped advisory lock; SQLite serialises writers already. Take it
    before reading what an append depends on (e.g. "is this already logged?"), so the read and the
    append cannot interleave with another writer's. Taking it twice in one transaction is harmless.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOG_LOCK})")


def append_entry(conn: Connection, kind: str, subject: str, entry: Mapping[str, Any]) -> int:
    """Append ``entry`` as the next leaf, in the caller's transaction; return its index."""
    return append_entries(conn, [(kind, subject, entry)])[0]


def append_entries(conn: Connection, items: Sequence[tuple[str, str, Mapping[str, Any]]]) -> list[int]:
    """Append ``(kind, subject, entry)`` items as consecutive leaves, in the caller's transaction.

    One lock, one size query, one insert of the leaves and one of the subtree hashes they
    complete, whatever the number of items: the appender's lock is held for a fixed handful of
    statements (and the commit), not a few per leaf. Subtree hashes below the first new leaf are
    read in one query; those inside the batch are computed here.

    Returns:
        The leaves' indices, in the order given.
    """
    if not items:
        return []
    lock_log(conn)
    start = log_size(conn)
    datas = [canonical_bytes(entry) for _, _, entry in items]
    leaves = [merkle.leaf_hash(d) for d in datas]
    conn.execute(insert(LogLeaf), [
        {"leaf_index": start + k, "kind": kind, "subject": subject[:100], "entry_json": data.decode(),
         "leaf_hash": leaf.hex()}
        for k, ((kind, subject, _), data, leaf) in enumerate(zip(items, datas, leaves, strict=True))])
    # aligned subtrees completed by leaves start..end-1; a sibling left of ``start`` is stored already
    end = start + len(items)
    known: dict[merkle.Piece, bytes] = {(0, start + k): h for k, h in enumerate(leaves)}
    outside = [(lvl, (i >> lvl) - 1) for i in range(start, end) for lvl in range(_completed(i))
               if (i >> lvl) << lvl <= start]  # the sibling's last leaf is before the batch
    known.update(fetch_pieces(conn, outside))
    rows = []
    for i in range(start, end):
        node = known[(0, i)]
        for lvl in range(_completed(i)):
            node = merkle.node_hash(known[(lvl, (i >> lvl) - 1)], node)
            known[(lvl + 1, i >> (lvl + 1))] = node
            rows.append({"level": lvl + 1, "node_index": i >> (lvl + 1), "hash": node.hex()})
    if rows:
        conn.execute(insert(LogNode), rows)
    return list(range(start, end))


def _completed(index: int) -> int:
    """How many aligned subtrees leaf ``index`` completes: the trailing one bits of ``index``."""
    return (~index & (index + 1)).bit_length() - 1
