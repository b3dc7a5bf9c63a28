"""The operator's own check of the transparency log: ``registry log-verify``.

:func:`audit_log_tree` rebuilds the whole Merkle tree from the stored entries in one streaming
pass and compares it with every stored subtree hash, RFC 6962 tree head and C2SP checkpoint at
its size, so an operator who edits old entries, rebuilds the hashes and re-signs only the latest
head is named by the first earlier checkpoint whose root disagrees. Split from
:mod:`computegov.registry.translog`, whose :meth:`~computegov.registry.translog.TransparencyLog.audit_log_tree`
calls it with the log's key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.engine import Connection

from computegov.registry import treehead
from computegov.registry.errors import LogProofError
from computegov.registry.models import LogCheckpoint, LogLeaf, LogTreeHead
from computegov.tlog import merkle
from computegov.tlog.checkpoint import LogKey, open_checkpoint, parse_checkpoint_text
from computegov.tlog.cosignature import signature_timestamp
from computegov.tlog.note import parse_note

__all__ = ["AUDIT_CHUNK", "HEAD_CLOCK_SLACK_S", "MAX_LEVEL", "audit_log_tree", "stored_head"]

#: Leaves :func:`audit_log_tree` reads per page (a few MB of entries at most).
AUDIT_CHUNK = 4096
#: How far (s) a stored tree head's time may fall behind a smaller head's before the operator's
#: check calls it back-dated: two signers racing read sizes and clocks a few ms apart. Our design value.
HEAD_CLOCK_SLACK_S = 60
#: Deepest subtree level a log of fewer than 2**62 leaves can hold.
MAX_LEVEL = 62


def audit_log_tree(conn: Connection, public: Ed25519PublicKey, *, max_problems: int = 20,
                   chunk: int = AUDIT_CHUNK) -> list[str]:
    """Rebuild the tree from every stored entry; compare it with every stored hash, head and checkpoint.

    The operator's own check that nobody edited the database (``registry log-verify``). One
    streaming pass in memory that does not grow with the log: leaves are read ``chunk`` at a
    time in index order (keyset pages), with each page only the subtree hashes, RFC 6962 tree
    heads and C2SP checkpoints that page completes; the walk keeps the O(log n) hashes of the
    tree's right edge (the Merkle frontier) and, as it passes each signed size, compares the
    root it rebuilt with the root that was signed there. So an old entry edited with every
    hash rebuilt, and only the latest head or checkpoint re-signed, is named by the first
    earlier checkpoint whose root disagrees.

    Checked before the walk (:func:`_audit_checkpoint_rows`): every stored checkpoint is a
    well-formed note whose size and time are those of its row, and stored checkpoints grow in
    size and time in the order they were stored with no id missing between them (so a
    deleted, reordered, resized or back-dated checkpoint shows). In the walk, each checkpoint
    and tree head must carry a valid signature by the log's key (only then is its root
    compared), and a head's time must not go back more than :data:`HEAD_CLOCK_SLACK_S` from a
    smaller head's.

    What no check of the database alone can see: a *consistent* rewrite, with every head and
    checkpoint re-signed to agree with the rewritten entries (the operator holds the key), or
    the newest checkpoints deleted. Only someone who kept an earlier checkpoint can tell: a
    stateful ``log monitor``, witnesses (``--min-witnesses``) or a client's receipt.

    Returns:
        The problems found, at most ``max_problems`` (empty: the log is intact), in the order
        found: checkpoint rows first, then along the leaves.
    """
    log_key = LogKey(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    problems: list[str] = []
    stack: list[bytes] = []
    size = 0
    first_disagreement = True
    _audit_checkpoint_rows(conn, problems, max_problems, chunk)
    prev_head: tuple[int, int] | None = None

    def check_signed(at: int, root: bytes, heads: dict[int, Any],
                     checkpoints: dict[int, list[tuple[int, str]]]) -> None:
        nonlocal first_disagreement, prev_head
        head = heads.get(at)
        if head is not None:
            prev_head = _audit_head(head, root, public, prev_head, problems)
        for cp_id, note in checkpoints.get(at, ()):
            try:
                if parse_checkpoint_text(parse_note(note).text).size != at:
                    continue  # a row that disagrees with its note: reported with the rows
            except LogProofError:
                continue  # malformed: reported with the rows
            try:
                signed = open_checkpoint(note, log_key).checkpoint
            except LogProofError as err:
                problems.append(f"signed checkpoint #{cp_id} (row size {at}): {err}: not signed by the "
                                "log's key as stored")
                continue
            if signed.root_hash != root:
                first = " (the first checkpoint whose root disagrees)" if first_disagreement else ""
                first_disagreement = False
                problems.append(f"signed checkpoint #{cp_id} of size {at}{first}: the stored leaves give root "
                                f"{root.hex()}, the checkpoint signed {signed.root_hash.hex()}: entries "
                                f"below leaf {at} were changed after it was signed")

    check_signed(0, merkle.EMPTY_ROOT, *_signed_between(conn, -1, 0))
    while len(problems) < max_problems:
        rows = conn.execute(select(LogLeaf.leaf_index, LogLeaf.entry_json, LogLeaf.leaf_hash)
                            .where(LogLeaf.leaf_index >= size).order_by(LogLeaf.leaf_index)
                            .limit(chunk)).all()
        if not rows:
            break
        last = size + len(rows) - 1  # the last leaf of this page when none is missing
        stored = _completed_nodes(conn, size, last)
        heads, checkpoints = _signed_between(conn, size, last + 1)
        missing = False
        for index, entry, leaf_hex in rows:
            if int(index) != size:
                problems.append(f"leaf {size} is missing (the next stored leaf is {index})")
                missing = True
                break
            node = merkle.leaf_hash(entry.encode())
            if node.hex() != leaf_hex:
                problems.append(f"leaf {size}: its entry does not hash to its stored leaf hash")
            n, lvl = size, 0
            while n & 1:
                node, lvl, n = merkle.node_hash(stack.pop(), node), lvl + 1, n >> 1
                if stored.get((lvl, size >> lvl)) != node.hex():
                    problems.append(f"stored subtree (level {lvl}, index {size >> lvl}) does not match "
                                    "its leaves")
            stack.append(node)
            size += 1
            if size in heads or size in checkpoints:
                check_signed(size, merkle.hash_pieces(stack), heads, checkpoints)
        if missing or len(rows) < chunk:
            break
    beyond = _nodes_beyond(conn, size, max_problems)
    problems += [f"stored subtree (level {lvl}, index {i}) lies beyond the {size} leaves" for lvl, i in beyond]
    late = conn.execute(select(LogTreeHead.tree_size).where(LogTreeHead.tree_size > size)
                        .order_by(LogTreeHead.tree_size).limit(max_problems)).scalars().all()
    problems += [f"signed tree head of size {int(s)} is beyond the {size} stored leaves" for s in late]
    late_cps = conn.execute(select(LogCheckpoint.id, LogCheckpoint.tree_size)
                            .where(LogCheckpoint.tree_size > size)
                            .order_by(LogCheckpoint.tree_size, LogCheckpoint.id).limit(max_problems)).all()
    problems += [f"signed checkpoint #{int(i)} of size {int(s)} is beyond the {size} stored leaves: "
                 "leaves it holds were deleted" for i, s in late_cps]
    return problems[:max_problems]

def _audit_head(head: Any, root: bytes, public: Ed25519PublicKey, prev: tuple[int, int] | None,
                problems: list[str]) -> tuple[int, int]:
    """Check one stored tree head against the rebuilt ``root``; return its (size, time ms) for the next."""
    size, stamp = int(head.tree_size), int(head.timestamp_ms)
    if head.root_hash != root.hex():
        problems.append(f"signed tree head of size {size}: the stored leaves give another root "
                        f"({root.hex()}, the head says {head.root_hash})")
    try:
        treehead.verify_tree_head(stored_head(head), public)
    except LogProofError as err:
        problems.append(f"signed tree head of size {size}: not signed by the log's key ({err})")
    if prev is not None and stamp < prev[1] - HEAD_CLOCK_SLACK_S * 1000:
        problems.append(f"signed tree head of size {size} is dated {_iso(stamp / 1000)}, "
                        f"{(prev[1] - stamp) / 1000:.0f} s before the smaller head of size {prev[0]} "
                        f"({_iso(prev[1] / 1000)}): heads were back-dated or re-signed out of order")
    return size, stamp if prev is None else max(stamp, prev[1])

def _audit_checkpoint_rows(conn: Connection, problems: list[str], max_problems: int, chunk: int) -> None:
    """Stored checkpoints in the order stored: well formed, matching their rows, growing, none missing.

    Their signatures are checked in the walk, where each is compared with the rebuilt root.
    """
    prev: tuple[int, int, int] | None = None  # id, size, time s
    after = None
    while len(problems) < max_problems:
        query = select(LogCheckpoint.id, LogCheckpoint.tree_size, LogCheckpoint.timestamp_s, LogCheckpoint.note)
        if after is not None:
            query = query.where(LogCheckpoint.id > after)
        rows = conn.execute(query.order_by(LogCheckpoint.id).limit(chunk)).all()
        if not rows:
            return
        for cp_id, row_size, row_time, note in rows:
            cp_id, row_size, row_time = int(cp_id), int(row_size), int(row_time)
            after = cp_id
            expected = 1 if prev is None else prev[0] + 1
            if cp_id != expected:
                maybe = " (or, on PostgreSQL, a signing transaction was rolled back)" \
                    if conn.dialect.name == "postgresql" else ""
                gap = f"#{expected}" if cp_id == expected + 1 else f"#{expected}..#{cp_id - 1}"
                problems.append(f"signed checkpoint {gap} is missing before #{cp_id}: stored checkpoints were "
                                f"deleted{maybe}")
            try:
                parsed = parse_note(note)
                signed = parse_checkpoint_text(parsed.text)
            except LogProofError as err:
                problems.append(f"signed checkpoint #{cp_id} (row size {row_size}): malformed note: {err}")
                prev = (cp_id, row_size, row_time)
                continue
            size, stamp = signed.size, _note_stamp(parsed, signed.origin)
            if size != row_size or (stamp is not None and stamp != row_time):
                problems.append(f"signed checkpoint #{cp_id}: its row says size {row_size}, time "
                                f"{_iso(row_time)}, the signed note says size {size}, time "
                                f"{_iso(stamp) if stamp is not None else 'none'}: the row or note was edited")
            stamp = row_time if stamp is None else stamp
            if prev is not None and (size < prev[1] or stamp < prev[2]):
                problems.append(f"signed checkpoint #{cp_id} (size {size}, signed {_iso(stamp)}) is stored after "
                                f"#{prev[0]} (size {prev[1]}, signed {_iso(prev[2])}): stored checkpoints go "
                                "back; one was reordered, resized or back-dated")
            prev = (cp_id, size, stamp)
        if len(rows) < chunk:
            return


def _completed_nodes(conn: Connection, first: int, last: int) -> dict[merkle.Piece, str]:
    """Stored subtree hashes (hex) completed by leaves ``first..last``: node (l, i) ends at leaf (i+1)*2**l - 1."""
    parts = []
    for lvl in range(1, max(last, 1).bit_length() + 1):
        lo = ((first + (1 << lvl)) >> lvl) - 1  # ceil((first + 1) / 2**l) - 1
        hi = ((last + 1) >> lvl) - 1
        if lo <= hi:
            parts.append(f"SELECT level, node_index, hash FROM log_nodes WHERE level = {lvl} "
                         f"AND node_index BETWEEN {lo} AND {hi}")
    if not parts:
        return {}
    return {(int(lvl), int(i)): str(h) for lvl, i, h in conn.exec_driver_sql(" UNION ALL ".join(parts))}


def _nodes_beyond(conn: Connection, size: int, limit: int) -> list[merkle.Piece]:
    """Stored subtrees no walk of ``size`` leaves completes (beyond the leaves, or at an impossible level)."""
    parts = [f"SELECT level, node_index FROM log_nodes WHERE level = {lvl} AND node_index >= {(size >> lvl)}"
             for lvl in range(1, MAX_LEVEL + 1)]
    parts.append(f"SELECT level, node_index FROM log_nodes WHERE level < 1 OR level > {MAX_LEVEL}")
    sql = f"SELECT level, node_index FROM ({' UNION ALL '.join(parts)}) AS beyond ORDER BY level, node_index LIMIT {int(limit)}"
    return [(int(lvl), int(i)) for lvl, i in conn.exec_driver_sql(sql)]


def _signed_between(conn: Connection, after: int, upto: int) -> tuple[dict[int, Any], dict[int, list[tuple[int, str]]]]:
    """Stored tree heads (rows) and checkpoints ``(id, note)`` of sizes ``after < size <= upto``, by size."""
    heads = {int(r.tree_size): r for r in conn.execute(
        select(LogTreeHead.tree_size, LogTreeHead.root_hash, LogTreeHead.timestamp_ms, LogTreeHead.keyid,
               LogTreeHead.signature).where(LogTreeHead.tree_size > after, LogTreeHead.tree_size <= upto))}
    checkpoints: dict[int, list[tuple[int, str]]] = {}
    for cp_id, size, note in conn.execute(select(LogCheckpoint.id, LogCheckpoint.tree_size, LogCheckpoint.note)
                                          .where(LogCheckpoint.tree_size > after, LogCheckpoint.tree_size <= upto)
                                          .order_by(LogCheckpoint.id)):
        checkpoints.setdefault(int(size), []).append((int(cp_id), str(note)))
    return heads, checkpoints


def _note_stamp(note: Any, origin: str) -> int | None:
    """The time (POSIX s) on a note's timestamped log signature, read without verifying it (None: none)."""
    for sig in note.signatures:
        if sig.name == origin:
            try:
                return int(signature_timestamp(sig))
            except LogProofError:
                continue
    return None


def _iso(posix_s: float) -> str:
    """A POSIX time as UTC ISO 8601 (seconds), for messages."""
    try:
        return dt.datetime.fromtimestamp(posix_s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{posix_s:.0f} s"


def stored_head(row: Any) -> treehead.TreeHead:
    """A stored tree head (ORM object or row) as a :class:`~computegov.registry.treehead.TreeHead`."""
    return treehead.TreeHead.from_dict({"tree_size": int(row.tree_size), "root_hash": row.root_hash,
                                        "timestamp_ms": int(row.timestamp_ms), "keyid": row.keyid,
                                        "signature": row.signature}, where="stored tree head")
