"""The transparency log part of :class:`~computegov.registry.store.Store`: tree heads, proofs, leaves.

Every change the store makes appends leaves in its own transaction (see
:mod:`computegov.registry.logstore`): a stored report, its verdict, and every audit event
(organisations, tokens, keys, withdrawals). This class reads the log: the signed tree head
(signed once per new size, then kept in ``log_tree_heads``), inclusion and consistency proofs,
leaves by range, the leaves of a report, and :meth:`TransparencyLog.audit_log_tree`, which
rebuilds the whole tree from the stored entries and compares it with every stored hash, signed
tree head and C2SP checkpoint at its size (the operator's own check that nobody edited the
database).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from computegov.registry import logaudit, logstore, treehead
from computegov.registry.database import Database
from computegov.registry.errors import LogProofError
from computegov.registry.logaudit import AUDIT_CHUNK
from computegov.registry.logproofs import ProofConnections
from computegov.registry.models import LogCheckpoint, LogLeaf, LogTreeHead
from computegov.tlog import merkle
from computegov.tlog.checkpoint import (
    Checkpoint,
    LogKey,
    sign_checkpoint,
)
from computegov.tlog.cosignature import signature_timestamp
from computegov.tlog.note import parse_note
from computegov.tlog.receipt import Receipt
from computegov.tlog.witness_client import WitnessEndpoint, WitnessOutcome, request_cosignatures

__all__ = ["CHECKPOINT_INTERVAL_S", "MAX_MERGE_DELAY_S", "LeafInfo", "TransparencyLog",
           "entry_subject", "log_key_path"]

#: pg_advisory_xact_lock key of the checkpoint signer (7345201: migrator, 7345202: log appender).
_PG_CHECKPOINT_LOCK = 7345203
#: Most leaves one call of :meth:`TransparencyLog.log_leaves` returns.
MAX_LEAVES_PER_PAGE = 1000
#: The log's maximum merge delay: an entry is a leaf when the write that made it commits (one
#: transaction), so it is in every checkpoint signed after the API answered. Our design value.
MAX_MERGE_DELAY_S = 0
#: The served checkpoint is re-signed when older than this (s): a head older than
#: ``CHECKPOINT_INTERVAL_S`` plus a monitor's polling period means the log is withholding.
#: Our design value (Go's sumdb and Sunlight sign about every second; we sign on demand).
CHECKPOINT_INTERVAL_S = 300


def entry_subject(entry_json: str) -> tuple[str, str]:
    """(kind, subject) of an entry, read from the entry itself (never from a column beside it)."""
    try:
        entry = json.loads(entry_json)
    except ValueError:
        return "?", ""
    if not isinstance(entry, dict):
        return "?", ""
    kind = str(entry.get("kind", "?"))
    if kind == "report":
        return kind, str(entry.get("digest_sha256", ""))
    if kind == "event":
        return kind, str(entry.get("object_id", ""))
    return kind, str(entry.get("report", ""))


def log_key_path(database_url: str) -> Path:
    """Where the log's private key lives: ``$COMPUTEGOV_LOG_KEY``, else beside the SQLite file, else the data dir."""
    explicit = os.environ.get("COMPUTEGOV_LOG_KEY")
    if explicit:
        return Path(explicit)
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url and len(database_url) > 10:
        return Path(database_url.removeprefix("sqlite:///")).parent / "registry-log.key"
    data_dir = os.environ.get("COMPUTEGOV_DATA_DIR")
    if not data_dir:
        import platformdirs

        data_dir = platformdirs.user_data_dir("computegov")
    return Path(data_dir) / "registry-log.key"


@dataclasses.dataclass(frozen=True)
class LeafInfo:
    """One log leaf: its index, kind, subject, canonical entry (JSON text) and leaf hash (hex)."""

    leaf_index: int
    kind: str
    subject: str
    entry_json: str
    leaf_hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``entry`` is the exact canonical text that was hashed)."""
        return {"leaf_index": self.leaf_index, "kind": self.kind, "subject": self.subject,
                "entry": self.entry_json, "leaf_hash": self.leaf_hash}


@dataclasses.dataclass
class _CheckpointBatch:
    """One process's checkpoint signer: who is signing, the newest checkpoint (size, time s, note)."""

    cond: threading.Condition = dataclasses.field(default_factory=threading.Condition)
    signing: bool = False
    latest: tuple[int, float, str] | None = None


_BATCH_LOCK = threading.Lock()


def _note_time(note: str, origin: str) -> float:
    """The log's signing time (POSIX s) on a checkpoint note, from its timestamped signature (else now)."""
    for sig in parse_note(note).signatures:
        if sig.name == origin:
            try:
                return float(signature_timestamp(sig))
            except LogProofError:
                continue
    return time.time()


class TransparencyLog(Database):
    """Reads the transparency log and signs its tree heads."""

    _log_key: Ed25519PrivateKey | None = None
    _batch: _CheckpointBatch | None = None
    _proof_conns: ProofConnections | None = None

    def log_private_key(self) -> Ed25519PrivateKey:
        """The registry's log key (created with mode 0600 on first use)."""
        if self._log_key is None:
            self._log_key = treehead.load_or_create_key(log_key_path(self.url))
        return self._log_key

    def log_public_key(self) -> dict[str, str]:
        """The log's public key: ``keyid`` (RFC 6962 LogID), PEM, hex, C2SP ``origin`` and ``vkey``."""
        pub = self.log_private_key().public_key()
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        origin = self.log_origin()
        return {"keyid": treehead.key_id(pub), "public_key_pem": treehead.public_key_pem(pub),
                "public_key_hex": raw.hex(), "origin": origin, "vkey": LogKey(raw).vkey(origin)}

    def log_origin(self) -> str:
        """The log's C2SP origin line: ``$COMPUTEGOV_LOG_ORIGIN``, else ``computegov.registry/`` + key hash."""
        explicit = os.environ.get("COMPUTEGOV_LOG_ORIGIN", "").strip()
        if explicit:
            return explicit
        raw = self.log_private_key().public_key().public_bytes(serialization.Encoding.Raw,
                                                                 serialization.PublicFormat.Raw)
        return f"computegov.registry/{hashlib.sha256(raw).hexdigest()[:16]}"

    def checkpoint(self, *, max_age_s: float = CHECKPOINT_INTERVAL_S, now_s: int | None = None,
                   min_size: int | None = None) -> str:
        """The latest C2SP checkpoint note, signed anew when the log grew or it is older than ``max_age_s``.

        Its log timestamp never goes back: a new one is dated no earlier than the last stored one.
        Signing is serialised across processes (an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE``
        on SQLite) and the last stored checkpoint is re-read under that lock, so stored
        checkpoints grow in size and time in the order they are stored, and a signer that waited
        for another finds its work done.

        Args:
            max_age_s: a stored checkpoint older than this (s) is not served again.
            now_s: the time, POSIX s (tests).
            min_size: any stored checkpoint of at least this many leaves will do (a receipt needs
                one that holds its leaf); None: only one of the log's current size.

        Raises:
            LogProofError: the stored leaves no longer build the stored subtree hashes (edited rows).
        """
        now = int(time.time()) if now_s is None else now_s
        if min_size is None:  # the served head: most often the stored one, read without the lock
            with self._read() as session:
                note = self._reusable(session.connection(), now, max_age_s, None)
            if note is not None:
                return note
        with self._write() as session:
            conn = session.connection()
            if conn.dialect.name == "postgresql":  # one signer at a time; appends are not held up
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_CHECKPOINT_LOCK})")
            last = self._last_checkpoint(conn)
            size = logstore.log_size(conn)
            note = self._reusable(conn, now, max_age_s, min_size, last, size)
            if note is not None:
                return note
            root = logstore.read_root(conn, size)
            stamp = max(now, last[1] if last is not None else 0)
            note_text = sign_checkpoint(self.log_private_key(), Checkpoint(self.log_origin(), size, root), stamp)
            session.add(LogCheckpoint(tree_size=size, timestamp_s=stamp, note=note_text))
        return note_text

    @staticmethod
    def _last_checkpoint(conn: Connection) -> tuple[int, int, str] | None:
        """(tree size, timestamp s, note) of the last stored checkpoint."""
        row = conn.execute(select(LogCheckpoint.tree_size, LogCheckpoint.timestamp_s, LogCheckpoint.note)
                           .order_by(LogCheckpoint.id.desc()).limit(1)).first()
        return None if row is None else (int(row[0]), int(row[1]), str(row[2]))

    def _reusable(self, conn: Connection, now: int, max_age_s: float, min_size: int | None,
                  last: tuple[int, int, str] | None = None, size: int | None = None) -> str | None:
        """The last stored checkpoint when it will do (see :meth:`checkpoint`) and its root is the log's."""
        last = last if last is not None else self._last_checkpoint(conn)
        if last is None or now - last[1] > max_age_s or (min_size is not None and last[0] < min_size):
            return None
        size = size if size is not None else logstore.log_size(conn)
        if not (last[0] == size if min_size is None else min_size <= last[0] <= size):
            return None
        if parse_note(last[2]).text != Checkpoint(self.log_origin(), last[0], logstore.read_root(conn, last[0])).text():
            return None
        return last[2]

    def checkpoint_covering(self, size: int, *, max_age_s: float = CHECKPOINT_INTERVAL_S) -> str:
        """A signed checkpoint of at least ``size`` leaves: one signature shared by every waiting submitter.

        Group commit for checkpoints (as Trillian's and Rekor's signers batch): in each process one
        thread at a time signs; threads that need a checkpoint meanwhile wait for it, and when it
        holds their leaves (their transactions committed before it read the log's size) they use
        it, else one of them signs the next for all who are still waiting. Across processes
        :meth:`checkpoint` re-reads the last stored checkpoint under its lock, so a worker whose
        leaves another worker's checkpoint already holds signs nothing.

        Args:
            size: the checkpoint must hold this many leaves (a receipt for leaf ``i`` needs ``i + 1``).
            max_age_s: a checkpoint older than this (s) is not reused.
        """
        return self._covering(size, max_age_s)[0]

    def _covering(self, size: int, max_age_s: float = CHECKPOINT_INTERVAL_S) -> tuple[str, int]:
        """:meth:`checkpoint_covering`'s note and its tree size (known here: no need to parse the note again)."""
        batch = self._checkpoint_batch()
        with batch.cond:
            while True:
                known = batch.latest
                if known is not None and known[0] >= size and time.time() - known[1] <= max_age_s:
                    return known[2], known[0]
                if not batch.signing:
                    batch.signing = True
                    break
                batch.cond.wait(timeout=5.0)
        try:
            note = self.checkpoint(max_age_s=max_age_s, min_size=size)
            lines = parse_note(note).text.split("\n")
            got = (int(lines[1]), _note_time(note, lines[0]), note)
            with batch.cond:
                if batch.latest is None or got[0] >= batch.latest[0]:
                    batch.latest = got
        finally:
            with batch.cond:
                batch.signing = False
                batch.cond.notify_all()
        return note, got[0]

    def _checkpoint_batch(self) -> _CheckpointBatch:
        with _BATCH_LOCK:
            if self._batch is None:
                self._batch = _CheckpointBatch()
            return self._batch

    def add_cosignatures(self, note_text: str, lines: list[str]) -> str:
        """Append witness cosignature lines to the stored checkpoint ``note_text``; return the new note."""
        if not lines:
            return note_text
        merged = note_text + "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        with self._write() as session:
            row = session.scalars(select(LogCheckpoint).where(LogCheckpoint.note == note_text)
                                  .order_by(LogCheckpoint.id.desc()).limit(1)).first()
            if row is not None:
                row.note = merged
        return merged

    def witness_sizes(self) -> dict[str, int]:
        """For each cosigner name seen on a stored checkpoint, the largest size it cosigned."""
        out: dict[str, int] = {}
        with self._read() as session:
            rows = session.execute(select(LogCheckpoint.tree_size, LogCheckpoint.note)
                                   .order_by(LogCheckpoint.id.desc()).limit(500)).all()
        for size, note in rows:
            parsed = parse_note(note)
            origin = parsed.text.split("\n", 1)[0]
            for sig in parsed.signatures:
                if sig.name != origin:
                    out[sig.name] = max(out.get(sig.name, 0), int(size))
        return out

    def publish_checkpoint(self, witnesses: Sequence[WitnessEndpoint], *, timeout_s: float = 10.0,
                           max_age_s: float = CHECKPOINT_INTERVAL_S) -> tuple[str, list[WitnessOutcome]]:
        """Sign a checkpoint (unless one of this size is younger than ``max_age_s``) and ask ``witnesses`` to cosign.

        Each witness is sent the consistency proof from the size it last cosigned; cosignatures
        that verify are appended to the stored note. Returns the note and each witness's answer.
        """
        note = self.checkpoint(max_age_s=max_age_s)
        size = int(parse_note(note).text.split("\n")[1])

        def proof_from(old: int) -> list[bytes]:
            with self.engine.connect() as conn:
                return logstore.read_consistency(conn, old, size)

        outcomes = request_cosignatures(note, size, witnesses, proof_from, old_sizes=self.witness_sizes(),
                                        timeout_s=timeout_s)
        lines = [o.cosignature.line() for o in outcomes if o.cosignature is not None]
        return self.add_cosignatures(note, lines), outcomes

    def receipt(self, index: int, *, note_text: str | None = None) -> Receipt:
        """An offline receipt of leaf ``index``: its exact entry, inclusion proof and a checkpoint holding it.

        Raises:
            LogProofError: no such leaf.
        """
        if note_text:
            size = int(parse_note(note_text).text.split("\n")[1])
        else:
            note_text, size = self._covering(index + 1)
        if not 0 <= index < size:
            raise LogProofError(f"leaf {index} is outside the checkpoint's {size} leaves")
        # the entry, the proof's hashes and the size check in one query (was three: size, pieces, entry)
        groups = merkle.inclusion_pieces(index, size)
        entries: dict[int, str] = {}
        found = self._proof_pieces([(0, index), *(p for g in groups for p in g)], size, "inclusion proof",
                                   entries=entries)
        return Receipt(entries[index], index, tuple(merkle.proof_from_lookup(groups, found)), note_text)

    def log_size(self) -> int:
        """Number of leaves."""
        with self._read() as session:
            return logstore.log_size(session.connection())

    def signed_tree_head(self) -> treehead.TreeHead:
        """The tree head of the current size, signed once per size and stored.

        Raises:
            LogProofError: a stored head of this size has another root (the database was edited).
        """
        with self._read() as session:
            conn = session.connection()
            size = logstore.log_size(conn)
            root = logstore.read_root(conn, size)
            stored = session.get(LogTreeHead, size)
        if stored is None:
            key = self.log_private_key()
            now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
            head = treehead.sign_tree_head(key, size, root, now_ms)
            try:
                with self._write() as session:
                    session.add(LogTreeHead(tree_size=size, root_hash=root.hex(), timestamp_ms=now_ms,
                                            keyid=head.keyid, signature=head.to_dict()["signature"]))
                return head
            except IntegrityError:  # signed concurrently: serve the stored one
                with self._read() as session:
                    stored = session.get(LogTreeHead, size)
                assert stored is not None
        head = logaudit.stored_head(stored)
        if head.root_hash != root:
            raise LogProofError(f"the log's root at size {size} is {root.hex()}, but the signed tree head says "
                                f"{head.root_hash.hex()}: the log's rows were edited", mismatch=True)
        return head

    def tree_heads(self, *, limit: int = 100) -> list[treehead.TreeHead]:
        """Stored signed tree heads, largest first."""
        with self._read() as session:
            rows = session.scalars(select(LogTreeHead).order_by(LogTreeHead.tree_size.desc()).limit(limit)).all()
            return [logaudit.stored_head(r) for r in rows]

    def inclusion_proof(self, index: int, tree_size: int) -> dict[str, Any]:
        """Leaf hash and audit path (hex) of leaf ``index`` in the tree of ``tree_size`` leaves.

        One query of O(log n) primary-key lookups on a kept connection (see :meth:`_proof_pieces`).

        Raises:
            LogProofError: a bad index or size, or the log's rows were damaged.
        """
        groups = merkle.inclusion_pieces(index, tree_size) if 0 <= index < tree_size else None
        if groups is None:
            self._proof_size_error(tree_size, "inclusion proof")
            merkle.inclusion_ranges(index, tree_size)  # raises: the index is outside the tree
            raise AssertionError("unreachable")
        found = self._proof_pieces([(0, index), *(p for g in groups for p in g)], tree_size, "inclusion proof")
        return {"leaf_index": index, "tree_size": tree_size, "leaf_hash": found[(0, index)].hex(),
                "audit_path": [h.hex() for h in merkle.proof_from_lookup(groups, found)]}

    def consistency_proof(self, first: int, second: int) -> dict[str, Any]:
        """Consistency proof (hex) from the tree of ``first`` leaves to that of ``second``.

        Raises:
            LogProofError: bad sizes, or the log's rows were damaged.
        """
        if second < 0:
            self._proof_size_error(second, "consistency proof")
        groups = merkle.consistency_pieces(first, second)
        found = self._proof_pieces([p for g in groups for p in g], second, "consistency proof")
        return {"first": first, "second": second,
                "consistency_path": [h.hex() for h in merkle.proof_from_lookup(groups, found)]}

    def _proof_pieces(self, pieces: list[merkle.Piece], size: int, what: str,
                      entries: dict[int, str] | None = None) -> dict[merkle.Piece, bytes]:
        """Stored hashes of ``pieces`` and whether a tree of ``size`` leaves lies inside the log, in one query.

        The size is checked by looking up leaf ``size - 1`` in the same statement (the log is
        contiguous: a missing leaf below it leaves a piece missing, which is an error too), not
        by a separate ``max(leaf_index)``. ``entries``, when given, gets the entry text of each leaf read. Runs on one of the log's kept driver connections
        (:class:`ProofConnections`); an in-memory SQLite database, which a second connection
        would not see, and proofs beyond the kept connections go through the engine.
        """
        if size >= 1 << logaudit.MAX_LEVEL:  # no log holds that many leaves (nor does a 64-bit SQL integer)
            self._proof_size_error(size, what)
        found: dict[merkle.Piece, bytes] = {}
        probed = size == 0
        conns = self._proof_connections()
        answers = None
        if conns is not None:
            answers = conns.run(logstore.piece_queries(pieces, mark=conns.mark, size_probe=size))
        if answers is None:  # in-memory SQLite, or every kept connection busy: the engine's pool
            with self.engine.connect() as conn:
                mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
                answers = [list(conn.exec_driver_sql(sql, tuple(params)))
                           for sql, params in logstore.piece_queries(pieces, mark=mark, size_probe=size)]
        for rows in answers:
            probed |= logstore.collect_pieces(rows, found)
            if entries is not None:
                entries.update((int(idx), str(h)) for level, idx, h in rows if level == 0)
        if not probed:
            self._proof_size_error(size, what)
        logstore.check_pieces(pieces, found)
        return found

    def _proof_size_error(self, size: int, what: str) -> None:
        """Raise the error for a tree size outside the log (the log's size read as before)."""
        with self.engine.connect() as conn:
            current = logstore.log_size(conn)
        if size < 0 or size > current:
            raise LogProofError(f"{what}: tree size {size} is outside 0..{current} (the log's size)")

    def _proof_connections(self) -> ProofConnections | None:
        url = self.url
        if url.startswith("sqlite") and (":memory:" in url or url in {"sqlite://", "sqlite:///"}):
            return None
        with _BATCH_LOCK:
            if self._proof_conns is None:
                self._proof_conns = ProofConnections(self.engine)
            return self._proof_conns

    def close(self) -> None:
        """Close the kept proof connections and every pooled connection."""
        if self._proof_conns is not None:
            self._proof_conns.close()
        super().close()

    def log_leaves(self, start: int, end: int) -> list[LeafInfo]:
        """Leaves ``[start, end)`` (at most :data:`MAX_LEAVES_PER_PAGE`).

        Raises:
            LogProofError: a bad range.
        """
        if start < 0 or end < start or end - start > MAX_LEAVES_PER_PAGE:
            raise LogProofError(f"leaves [{start}, {end}): need 0 <= start <= end <= start + {MAX_LEAVES_PER_PAGE}")
        with self._read() as session:
            rows = session.scalars(select(LogLeaf).where(LogLeaf.leaf_index >= start, LogLeaf.leaf_index < end)
                                   .order_by(LogLeaf.leaf_index)).all()
            out = []
            for r in rows:  # kind, subject and hash are recomputed from the entry served, never read beside it
                kind, subject = entry_subject(r.entry_json)
                out.append(LeafInfo(int(r.leaf_index), kind, subject, r.entry_json,
                                    merkle.leaf_hash(r.entry_json.encode()).hex()))
            return out

    def report_leaves(self, digest: str) -> dict[str, int | None]:
        """Index of the latest ``report`` and ``verdict`` leaf of a report (None when not logged)."""
        with self._read() as session:
            rows = session.execute(select(LogLeaf.kind, func.max(LogLeaf.leaf_index))
                                   .where(LogLeaf.subject == digest, LogLeaf.kind.in_(("report", "verdict")))
                                   .group_by(LogLeaf.kind)).all()
        found = {k: int(i) for k, i in rows}
        return {"report_leaf": found.get("report"), "verdict_leaf": found.get("verdict")}

    def audit_log_tree(self, *, max_problems: int = 20, chunk: int = AUDIT_CHUNK) -> list[str]:
        """The operator's own check that nobody edited the database (``registry log-verify``).

        See :func:`computegov.registry.logaudit.audit_log_tree`: the whole tree rebuilt in one
        streaming pass and compared with every stored hash, tree head and checkpoint at its size.

        Returns:
            The problems found, at most ``max_problems`` (empty: the log is intact).
        """
        with self.engine.connect() as conn:
            return logaudit.audit_log_tree(conn, self.log_private_key().public_key(),
                                           max_problems=max_problems, chunk=chunk)
