"""The transparency log's rows: append a leaf in the caller's transaction, read proofs.

Functions here take an open SQLAlchemy ``Connection`` (the caller's transaction), so a leaf is
written with the row it logs or not at all: a crash before commit loses both, after commit keeps
both. Appends are serialised: SQLite writes under ``BEGIN IMMEDIATE`` already; on PostgreSQL the
appender takes a transaction-scoped advisory lock first. Leaf ``n`` is written with the hash of
every complete aligned subtree it completes (``log_nodes``), so a proof or a root at any size
reads O(log n) stored hashes (:mod:`computegov.tlog.merkle`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from computegov.registry.errors import LogProofError
from computegov.registry.models import LogLeaf, LogNode
from computegov.tlog import merkle
from computegov.tlog.entries import canonical_bytes

__all__ = ["Tip", "append_entries", "append_entry", "check_pieces", "collect_pieces", "extend_tree", "fetch_pieces",
           "insert_rows", "lock_log", "log_size", "piece_queries", "read_consistency", "read_inclusion", "read_root",
           "read_tip"]

#: pg_advisory_xact_lock key of the log appender (0002 uses 7345201 for the migrator).
_PG_LOG_LOCK = 7345202


def log_size(conn: Connection) -> int:
    """Number of leaves in the log."""
    top = conn.exec_driver_sql("SELECT max(leaf_index) FROM log_leaves").scalar()
    return 0 if top is None else int(top) + 1


#: Most point lookups one piece query joins (SQLite allows 500 terms in a compound SELECT).
_MAX_TERMS = 400


@functools.lru_cache(maxsize=256)
def _piece_sql(mark: str, n_leaves: int, n_nodes: int, size_probe: bool) -> str:
    """A UNION ALL of primary-key point lookups, one per wanted piece, with ``mark`` placeholders.

    Its text depends only on the numbers of lookups, so the driver reuses the prepared statement
    (sqlite3's statement cache; psycopg prepares a query after a few runs) instead of parsing new
    SQL for every proof. Leaves are read as their entry text and hashed here, never from a stored
    hash: roots, proofs and served entries come from the same bytes, so an edited entry shows.
    ``size_probe`` adds a lookup of one leaf (row tag -1): present means the tree size is inside the log.
    """
    parts = [f"SELECT -1, leaf_index, '' FROM log_leaves WHERE leaf_index = {mark}"] if size_probe else []
    parts += [f"SELECT 0, leaf_index, entry_json FROM log_leaves WHERE leaf_index = {mark}"] * n_leaves
    parts += [f"SELECT level, node_index, hash FROM log_nodes WHERE level = {mark} AND node_index = {mark}"] * n_nodes
    return " UNION ALL ".join(parts)


def piece_queries(pieces: Iterable[merkle.Piece], *, mark: str = "?",
                  size_probe: int | None = None) -> list[tuple[str, list[int]]]:
    """The SQL and parameters that read the stored hashes of ``pieces`` (``mark``: the driver's placeholder).

    Args:
        pieces: aligned subtrees ``(level, index)``; level 0 are leaves.
        mark: ``?`` (sqlite3) or ``%s`` (psycopg).
        size_probe: also look up leaf ``size_probe - 1`` (a row tagged -1), to learn in the same
            query whether a tree of ``size_probe`` leaves lies inside the log.
    """
    wanted = list(dict.fromkeys(pieces))  # each once, in the order given (the SQL's shape is only the counts)
    probe = size_probe is not None and size_probe > 0
    out: list[tuple[str, list[int]]] = []
    for lo in range(0, max(len(wanted), 1 if probe else 0), _MAX_TERMS):
        part = wanted[lo:lo + _MAX_TERMS]
        first = probe and lo == 0
        leaves = [i for lvl, i in part if lvl == 0]
        params: list[int] = [int(size_probe) - 1] if first and size_probe else []
        params += leaves
        n_nodes = 0
        for lvl, i in part:
            if lvl != 0:
                params += (lvl, i)
                n_nodes += 1
        out.append((_piece_sql(mark, len(leaves), n_nodes, first), params))
    return out


def collect_pieces(rows: Iterable[Sequence[Any]], out: dict[merkle.Piece, bytes]) -> bool:
    """Fold the rows of :func:`piece_queries` into ``out``; True when the size probe's leaf was found."""
    probed = False
    for level, idx, h in rows:  # integers as the driver returns them (INTEGER columns)
        if level > 0:
            out[(level, idx)] = bytes.fromhex(h)
        elif level == 0:
            out[(0, idx)] = merkle.leaf_hash(h.encode())
        else:
            probed = True
    return probed


def check_pieces(wanted: Iterable[merkle.Piece], found: Mapping[merkle.Piece, bytes]) -> None:
    """Raise :class:`LogProofError` naming the first of ``wanted`` that ``found`` lacks."""
    missing = [p for p in wanted if p not in found]
    if missing:
        lvl, idx = min(missing)
        raise LogProofError(f"the log's stored subtree (level {lvl}, index {idx}) is missing; the log was damaged")


def fetch_pieces(conn: Connection, pieces: Iterable[merkle.Piece]) -> dict[merkle.Piece, bytes]:
    """Stored hashes of aligned subtrees ``(level, index)``, in one query (point lookups by primary key).

    Raises:
        LogProofError: a subtree the log should hold is missing (its rows were deleted).
    """
    wanted = {(int(lvl), int(i)) for lvl, i in pieces}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    out: dict[merkle.Piece, bytes] = {}
    for sql, params in piece_queries(wanted, mark=mark):
        collect_pieces(conn.exec_driver_sql(sql, tuple(params)), out)
    check_pieces(wanted, out)
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


#: Deepest level a stored subtree can have (no log holds 2**62 leaves).
_MAX_LEVEL = 62


@functools.lru_cache(maxsize=2)
def _tip_sql(with_checkpoint: bool) -> str:
    """The log's size, the stored hashes of its frontier (aligned subtrees of ``[0, size)``) and its last checkpoint.

    One statement (SQLite and PostgreSQL): the frontier piece at level ``L`` is ``(L, (n >> L) - 1)``
    for every bit ``L`` set in the size ``n`` (a leaf, read as its entry text, when ``n`` is odd).
    Rows are ``(tag, integer, text)``: tag -1 the size; 0 a leaf (index, entry); >= 1 a node (index,
    hash hex); -2 the last checkpoint (size, note) and -3 its timestamp (s).
    """
    levels = ", ".join(f"({lvl})" for lvl in range(1, _MAX_LEVEL + 1))
    sql = ("WITH s AS (SELECT coalesce(max(leaf_index) + 1, 0) AS n FROM log_leaves) "
           "SELECT -1, s.n, '' FROM s "
           "UNION ALL SELECT 0, l.leaf_index, l.entry_json FROM s JOIN log_leaves l "
           "ON l.leaf_index = s.n - 1 WHERE (s.n & 1) = 1 "
           f"UNION ALL SELECT nd.level, nd.node_index, nd.hash FROM s CROSS JOIN (VALUES {levels}) AS b "
           "JOIN log_nodes nd ON nd.level = b.column1 AND nd.node_index = (s.n >> b.column1) - 1 "
           "WHERE ((s.n >> b.column1) & 1) = 1")
    if with_checkpoint:
        sql += (" UNION ALL SELECT -2, c.tree_size, c.note FROM "
                "(SELECT tree_size, note FROM log_checkpoints ORDER BY id DESC LIMIT 1) AS c"
                " UNION ALL SELECT -3, c.timestamp_s, '' FROM "
                "(SELECT timestamp_s FROM log_checkpoints ORDER BY id DESC LIMIT 1) AS c")
    return sql


@dataclasses.dataclass(frozen=True)
class Tip:
    """The log's end as one query read it: size, frontier hashes, last checkpoint (size, timestamp s, note)."""

    size: int
    frontier: dict[merkle.Piece, bytes]
    last_checkpoint: tuple[int, int, str] | None


def read_tip(conn: Connection, *, with_checkpoint: bool = False) -> Tip:
    """The log's size, its frontier's stored hashes and (``with_checkpoint``) its last checkpoint, in one query.

    The same values as :func:`log_size`, :func:`fetch_pieces` of ``aligned_pieces(0, size)`` and
    the last ``log_checkpoints`` row; call it holding the log's lock (:func:`lock_log`, in an
    earlier statement: a PostgreSQL statement reads the snapshot taken when it starts).

    Raises:
        LogProofError: a frontier subtree is missing (the log's rows were deleted).
    """
    size, found, cp_size, cp_note, cp_stamp = 0, {}, None, "", None
    for tag, number, text in conn.exec_driver_sql(_tip_sql(with_checkpoint)):
        if tag == -1:
            size = int(number)
        elif tag == -2:
            cp_size, cp_note = int(number), str(text)
        elif tag == -3:
            cp_stamp = int(number)
        elif tag == 0:
            found[(0, int(number))] = merkle.leaf_hash(str(text).encode())
        else:
            found[(int(tag), int(number))] = bytes.fromhex(text)
    check_pieces(merkle.aligned_pieces(0, size), found)
    last = None if cp_size is None or cp_stamp is None else (cp_size, cp_stamp, cp_note)
    return Tip(size, found, last)


def extend_tree(tip: Tip, leaf_hashes: Sequence[bytes]) -> tuple[dict[merkle.Piece, bytes], list[tuple[int, int, str]]]:
    """Every hash needed to prove the new leaves, after appending ``leaf_hashes`` at ``tip.size``.

    Returns the hashes by piece (the frontier's, the new leaves' and every subtree they complete:
    enough for the root and for an inclusion proof of any new leaf at the new size) and the
    ``(level, node_index, hash hex)`` rows to store for the completed subtrees, as
    :func:`append_entries` stores them.
    """
    start = tip.size
    known = dict(tip.frontier)
    rows: list[tuple[int, int, str]] = []
    for k, h in enumerate(leaf_hashes):
        i = start + k
        known[(0, i)] = node = h
        for lvl in range(_completed(i)):
            node = merkle.node_hash(known[(lvl, (i >> lvl) - 1)], node)
            known[(lvl + 1, i >> (lvl + 1))] = node
            rows.append((lvl + 1, i >> (lvl + 1), node.hex()))
    return known, rows


def insert_rows(conn: Connection, parts: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> None:
    """Insert each ``(table, columns, rows)`` of ``parts`` with one multi-row ``VALUES`` statement.

    On PostgreSQL all of them in one statement (data-modifying ``WITH`` clauses): one round trip
    to the server; on SQLite one statement each (one step each, not one per row). Tables and
    columns are this module's constants, never input; the values are bound parameters.
    """
    parts = [p for p in parts if p[2]]
    if not parts:
        return
    pg = conn.dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    sqls, params = [], []
    for table, cols, rows in parts:
        one = "(" + ", ".join([mark] * len(cols)) + ")"
        sqls.append(f"INSERT INTO {table} ({', '.join(cols)}) VALUES " + ", ".join([one] * len(rows)))
        params.append(tuple(v for row in rows for v in row))
    if not pg:
        for sql, values in zip(sqls, params, strict=True):
            conn.exec_driver_sql(sql, values)
        return
    head = ", ".join(f"w{k} AS ({sql})" for k, sql in enumerate(sqls[:-1]))
    conn.exec_driver_sql((f"WITH {head} " if head else "") + sqls[-1], tuple(v for values in params for v in values))
