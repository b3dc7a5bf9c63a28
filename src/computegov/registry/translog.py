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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from computegov.registry import logstore, treehead
from computegov.registry.database import Database
from computegov.registry.errors import LogProofError
from computegov.registry.models import LogCheckpoint, LogLeaf, LogTreeHead
from computegov.tlog import merkle
from computegov.tlog.checkpoint import (
    Checkpoint,
    LogKey,
    open_checkpoint,
    parse_checkpoint_text,
    sign_checkpoint,
)
from computegov.tlog.cosignature import signature_timestamp
from computegov.tlog.note import parse_note
from computegov.tlog.receipt import Receipt
from computegov.tlog.witness_client import WitnessEndpoint, WitnessOutcome, request_cosignatures

__all__ = ["CHECKPOINT_INTERVAL_S", "HEAD_CLOCK_SLACK_S", "MAX_MERGE_DELAY_S", "LeafInfo", "TransparencyLog",
           "entry_subject", "log_key_path"]

#: Leaves :meth:`TransparencyLog.audit_log_tree` reads per page (a few MB of entries at most).
AUDIT_CHUNK = 4096
#: How far (s) a stored tree head's time may fall behind a smaller head's before the operator's
#: check calls it back-dated: two signers racing read sizes and clocks a few ms apart. Our design value.
HEAD_CLOCK_SLACK_S = 60
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
    _proof_conns: _ProofConnections | None = None

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
        batch = self._checkpoint_batch()
        with batch.cond:
            while True:
                known = batch.latest
                if known is not None and known[0] >= size and time.time() - known[1] <= max_age_s:
                    return known[2]
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
        return note

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
        note_text = note_text or self.checkpoint_covering(index + 1)
        size = int(parse_note(note_text).text.split("\n")[1])
        if not 0 <= index < size:
            raise LogProofError(f"leaf {index} is outside the checkpoint's {size} leaves")
        with self.engine.connect() as conn:
            _, path = logstore.read_inclusion(conn, index, size)
            entry = conn.exec_driver_sql(f"SELECT entry_json FROM log_leaves WHERE leaf_index = {int(index)}").scalar()
        return Receipt(str(entry), index, tuple(path), note_text)

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
        head = _head(stored)
        if head.root_hash != root:
            raise LogProofError(f"the log's root at size {size} is {root.hex()}, but the signed tree head says "
                                f"{head.root_hash.hex()}: the log's rows were edited", mismatch=True)
        return head

    def tree_heads(self, *, limit: int = 100) -> list[treehead.TreeHead]:
        """Stored signed tree heads, largest first."""
        with self._read() as session:
            rows = session.scalars(select(LogTreeHead).order_by(LogTreeHead.tree_size.desc()).limit(limit)).all()
            return [_head(r) for r in rows]

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

    def _proof_pieces(self, pieces: list[merkle.Piece], size: int, what: str) -> dict[merkle.Piece, bytes]:
        """Stored hashes of ``pieces`` and whether a tree of ``size`` leaves lies inside the log, in one query.

        The size is checked by looking up leaf ``size - 1`` in the same statement (the log is
        contiguous: a missing leaf below it leaves a piece missing, which is an error too), not
        by a separate ``max(leaf_index)``. Runs on one of the log's kept driver connections
        (:class:`_ProofConnections`); an in-memory SQLite database, which a second connection
        would not see, and proofs beyond the kept connections go through the engine.
        """
        if size >= 1 << _MAX_LEVEL:  # no log holds that many leaves (nor does a 64-bit SQL integer)
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

    def _proof_connections(self) -> _ProofConnections | None:
        url = self.url
        if url.startswith("sqlite") and (":memory:" in url or url in {"sqlite://", "sqlite:///"}):
            return None
        with _BATCH_LOCK:
            if self._proof_conns is None:
                self._proof_conns = _ProofConnections(self.engine)
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
        """Rebuild the tree from every stored entry; compare it with every stored hash, head and checkpoint.

        The operator's own check that nobody edited the database (``registry log-verify``). One
        streaming pass in memory that does not grow with the log: leaves are read ``chunk`` at a
        time in index order (keyset pages), with each page only the subtree hashes, RFC 6962 tree
        heads and C2SP checkpoints that page completes; the walk keeps the O(log n) hashes of the
        tree's right edge (the Merkle frontier) and, as it passes each signed size, compares the
        root it rebuilt with the root that was signed there. So an old entry edited with every
        hash rebuilt, and only the latest head or checkpoint re-signed, is named by the first
        earlier checkpoint whose root disagrees.

        Checked before the walk (:meth:`_audit_checkpoint_rows`): every stored checkpoint is a
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
        public = self.log_private_key().public_key()
        log_key = LogKey(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        problems: list[str] = []
        stack: list[bytes] = []
        size = 0
        first_disagreement = True
        with self.engine.connect() as conn:
            self._audit_checkpoint_rows(conn, problems, max_problems, chunk)
            prev_head: tuple[int, int] | None = None

            def check_signed(at: int, root: bytes, heads: dict[int, Any],
                             checkpoints: dict[int, list[tuple[int, str]]]) -> None:
                nonlocal first_disagreement, prev_head
                head = heads.get(at)
                if head is not None:
                    prev_head = self._audit_head(head, root, public, prev_head, problems)
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

    @staticmethod
    def _audit_head(head: Any, root: bytes, public: Ed25519PublicKey, prev: tuple[int, int] | None,
                    problems: list[str]) -> tuple[int, int]:
        """Check one stored tree head against the rebuilt ``root``; return its (size, time ms) for the next."""
        size, stamp = int(head.tree_size), int(head.timestamp_ms)
        if head.root_hash != root.hex():
            problems.append(f"signed tree head of size {size}: the stored leaves give another root "
                            f"({root.hex()}, the head says {head.root_hash})")
        try:
            treehead.verify_tree_head(_head(head), public)
        except LogProofError as err:
            problems.append(f"signed tree head of size {size}: not signed by the log's key ({err})")
        if prev is not None and stamp < prev[1] - HEAD_CLOCK_SLACK_S * 1000:
            problems.append(f"signed tree head of size {size} is dated {_iso(stamp / 1000)}, "
                            f"{(prev[1] - stamp) / 1000:.0f} s before the smaller head of size {prev[0]} "
                            f"({_iso(prev[1] / 1000)}): heads were back-dated or re-signed out of order")
        return size, stamp if prev is None else max(stamp, prev[1])

    @staticmethod
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


#: Most driver connections a process keeps for transparency-log proofs, beside its pool.
PROOF_CONNECTIONS_PER_PROCESS = 4


class _ProofConnections:
    """A few driver connections kept for proof reads: no pool checkout, ping or transaction per proof.

    Each is taken from the engine's pool once (so it was opened with the engine's settings:
    SQLite's WAL and busy timeout) and detached from it, then kept here: one thread uses one at
    a time, and at most :attr:`KEEP` are open at once in a process (beyond them a proof goes
    through the engine's pool, so a burst of proofs cannot exceed PostgreSQL's connection budget
    by more than that). A connection whose query fails at the driver level is closed and the
    query retried once on a fresh one (a restarted PostgreSQL server costs no failed proof). A
    read is one statement in autocommit mode, so it sees one snapshot and holds no transaction
    open (nor holds back SQLite's WAL checkpoints). After a fork the child opens its own.
    """

    #: Most kept connections per process (our design value: proofs take ~0.2 ms each, so a few
    #: connections serve thousands a second; ``serve --workers N`` may hold N times this many).
    KEEP = PROOF_CONNECTIONS_PER_PROCESS

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._idle: list[Any] = []
        self._open = 0  # kept connections of this process, idle or in use
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._errors: tuple[type[BaseException], ...] = (engine.dialect.loaded_dbapi.Error,)

    def _take(self) -> Any | None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours to use
                self._idle, self._open, self._pid = [], 0, os.getpid()
            if self._idle:
                return self._idle.pop()
            if self._open >= self.KEEP:
                return None
            self._open += 1
        try:
            proxy = self.engine.raw_connection()
            dbapi: Any = proxy.driver_connection
            proxy.detach()
            if self.engine.dialect.name == "postgresql":
                dbapi.rollback()
                dbapi.autocommit = True
        except BaseException:
            self._drop(None)
            raise
        return dbapi

    def _give(self, dbapi: Any) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._idle.append(dbapi)
                return
        _close_quietly(dbapi)

    def _drop(self, dbapi: Any | None) -> None:
        if dbapi is not None:
            _close_quietly(dbapi)
        with self._lock:
            if self._pid == os.getpid():
                self._open = max(self._open - 1, 0)

    def run(self, queries: Sequence[tuple[str, Sequence[int]]]) -> list[list[Any]] | None:
        """The rows of each ``(sql, params)`` on one kept connection; None when all are busy."""
        for attempt in (0, 1):
            dbapi = self._take()
            if dbapi is None:
                return None
            try:
                out = []
                for sql, params in queries:
                    cur = dbapi.cursor()
                    try:
                        cur.execute(sql, tuple(params))
                        out.append(cur.fetchall())
                    finally:
                        cur.close()
            except self._errors:
                self._drop(dbapi)
                if attempt:
                    raise
                continue
            except BaseException:
                self._drop(dbapi)
                raise
            self._give(dbapi)
            return out
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every idle kept connection (they are opened again on the next proof)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._open = max(self._open - len(idle), 0)
        for dbapi in idle:
            _close_quietly(dbapi)


def _close_quietly(dbapi: Any) -> None:
    """Close a driver connection that may be dead already (closing it then can fail; nothing is lost)."""
    try:
        dbapi.close()
    except Exception:
        return


#: Deepest subtree level a log of fewer than 2**62 leaves can hold.
_MAX_LEVEL = 62


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
             for lvl in range(1, _MAX_LEVEL + 1)]
    parts.append(f"SELECT level, node_index FROM log_nodes WHERE level < 1 OR level > {_MAX_LEVEL}")
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


def _head(row: Any) -> treehead.TreeHead:
    """A stored tree head (ORM object or row) as a :class:`~computegov.registry.treehead.TreeHead`."""
    return treehead.TreeHead.from_dict({"tree_size": int(row.tree_size), "root_hash": row.root_hash,
                                        "timestamp_ms": int(row.timestamp_ms), "keyid": row.keyid,
                                        "signature": row.signature}, where="stored tree head")

