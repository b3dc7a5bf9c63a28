"""The append-only, hash-chained ledger file: crash-safe writing and torn-tail recovery.

Durability contract: a record is *committed* once its line has been written and the file
``fsync``-ed (``fsync_every=1``, the default, commits every record). With batching
(``fsync_every=N``) records are buffered and committed N at a time; :attr:`Ledger.committed_seq`
always says how far the file is durable. After a crash (SIGKILL, power loss) the file ends in at
most one partial line; :meth:`Ledger.open` detects it, truncates it and says what was dropped.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from computegov.errors import ChainBrokenError, InputError, LedgerError
from computegov.ledger.evidence import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_RECORD_BYTES,
    read_regular_file,
)
from computegov.ledger.records import (
    FORMAT_VERSION,
    GENESIS_HASH,
    HASH_ALG,
    Record,
    canonical_json,
    encode_record,
)
from computegov.ledger.scan import (  # re-exported: the chain's readers predate scan.py
    ChainProblem,
    ChainScan,
    gc_paused,
    scan_ledger,
)
from computegov.ledger.signing import Signer, pae

__all__ = [
    "HEAD_PAYLOAD_TYPE",
    "ChainProblem",
    "ChainScan",
    "Ledger",
    "Recovery",
    "gc_paused",
    "head_message",
    "scan_ledger",
]

logger = logging.getLogger(__name__)

#: DSSE payload type of a signed chain head (the signature covers PAE(type, payload)).
HEAD_PAYLOAD_TYPE = "application/vnd.computegov.ledger-head+json"


def head_message(head_hash: str, head_seq: int) -> bytes:
    """The bytes a ``head`` record signs: PAE of ``{"hash": head_hash, "seq": head_seq}``."""
    return pae(HEAD_PAYLOAD_TYPE, canonical_json({"hash": head_hash, "seq": head_seq}))


@dataclass(frozen=True)
class Recovery:
    """What :meth:`Ledger.open` found at the end of an existing ledger.

    Attributes:
        records_kept: committed records kept.
        dropped_bytes: bytes of a torn tail truncated away (0 if none).
        dropped_offset_bytes: where the torn tail started (None if none).
    """

    records_kept: int
    dropped_bytes: int
    dropped_offset_bytes: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "records_kept": self.records_kept,
            "dropped_bytes": self.dropped_bytes,
            "dropped_offset_bytes": self.dropped_offset_bytes,
        }


@dataclass
class Ledger:
    """An open ledger file to which records are appended.

    Create with :meth:`create` or reopen with :meth:`open`; do not construct directly.

    Attributes:
        path: the ledger file.
        signer: Ed25519 key used for ``head`` records (None: unsigned ledger).
        fsync_every: commit (write + fsync) every this many records; 1 commits each record.
        fsync: False skips ``fsync`` (flush to the OS only: survives a process kill, not power loss).
        sign_every: append a signed ``head`` record every this many records (0: only on request).
    """

    path: Path
    signer: Signer | None = None
    fsync_every: int = 1
    fsync: bool = True
    sign_every: int = 0
    clock: Callable[[], float] = time.time
    _fd: int = -1
    _seq: int = 0
    _head: str = GENESIS_HASH
    _buffer: bytearray = field(default_factory=bytearray)
    _pending: int = 0
    _since_sign: int = 0
    committed_seq: int = -1
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        path: str | Path,
        metadata: dict[str, Any],
        *,
        signer: Signer | None = None,
        fsync_every: int = 1,
        fsync: bool = True,
        sign_every: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> Ledger:
        """Start a new ledger at ``path`` with a ``meta`` record holding ``metadata``.

        Raises:
            LedgerError: ``path`` already exists.
        """
        p = Path(path)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        except FileExistsError as err:
            raise LedgerError(f"{p} already exists; open it with Ledger.open to append") from err
        ledger = cls(p, signer, max(1, fsync_every), fsync, sign_every, clock, fd)
        meta = {
            "format": FORMAT_VERSION,
            "hash_alg": HASH_ALG,
            "metadata": metadata,
            "keyid": signer.keyid if signer else None,
            "public_key_pem": signer.public_pem() if signer else None,
        }
        ledger.meta = meta
        ledger.append("meta", meta)
        ledger.commit()
        return ledger

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        signer: Signer | None = None,
        fsync_every: int = 1,
        fsync: bool = True,
        sign_every: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> tuple[Ledger, Recovery]:
        """Reopen a ledger for appending, dropping a torn tail left by a crash.

        Raises:
            LedgerError: the file is missing, or is damaged before its last line (tampering or
                corruption that is not a torn tail).
        """
        p = Path(path)
        try:
            data = read_regular_file(p, DEFAULT_MAX_FILE_BYTES, "ledger")
        except InputError as err:
            raise LedgerError(str(err)) from err
        scan = scan_ledger(data)
        bad = [q for q in scan.problems if q.kind != "torn"]
        if bad:
            raise ChainBrokenError(f"{p}: {bad[0]}; not a torn tail, refusing to append")
        if not scan.records or scan.records[0].kind != "meta":
            raise LedgerError(f"{p}: no committed meta record; start a new ledger")
        dropped = scan.size_bytes - scan.committed_bytes
        if dropped:
            logger.warning(
                "%s: dropped a torn tail of %d bytes at offset %d", p, dropped, scan.committed_bytes
            )
            with open(p, "r+b") as fh:
                fh.truncate(scan.committed_bytes)
                fh.flush()
                os.fsync(fh.fileno())
        fd = os.open(p, os.O_WRONLY | os.O_APPEND)
        ledger = cls(p, signer, max(1, fsync_every), fsync, sign_every, clock, fd)
        ledger._seq = len(scan.records)
        ledger._head = scan.head_hash
        ledger.committed_seq = len(scan.records) - 1
        ledger.meta = scan.records[0].data
        return ledger, Recovery(
            len(scan.records), dropped, scan.committed_bytes if dropped else None
        )

    @property
    def head_hash(self) -> str:
        """Hash of the last appended record."""
        return self._head

    @property
    def next_seq(self) -> int:
        """The ``seq`` the next record will get (= number of records appended)."""
        return self._seq

    def append(
        self, kind: str, data: dict[str, Any], *, time_unix_s: float | None = None
    ) -> Record:
        """Append one record; it is committed when the batch is fsynced (see :attr:`fsync_every`).

        Raises:
            LedgerError: the ledger is closed, ``data`` is not JSON-safe, or the record is over
                the 1 MiB per-record cap verifiers read by default
                (:data:`~computegov.ledger.evidence.DEFAULT_MAX_RECORD_BYTES`).
        """
        if self._fd < 0:
            raise LedgerError(f"{self.path} is closed")
        t = self.clock() if time_unix_s is None else time_unix_s
        rec, line = encode_record(self._seq, kind, t, self._head, data)
        if len(line) - 1 > DEFAULT_MAX_RECORD_BYTES:
            raise LedgerError(
                f"{self.path}: a {kind} record of {len(line) - 1} bytes is over the "
                f"{DEFAULT_MAX_RECORD_BYTES}-byte cap a verifier reads by default; keep large "
                "data in files and record their digests"
            )
        self._buffer += line
        self._seq += 1
        self._head = rec.hash
        self._pending += 1
        if self._pending >= self.fsync_every:
            self.commit()
        if kind != "head" and self.sign_every and self.signer is not None:
            self._since_sign += 1
            if self._since_sign >= self.sign_every:
                self.sign_head()
        return rec

    def sign_head(self) -> Record:
        """Append a ``head`` record signing the current head hash, and commit.

        Raises:
            LedgerError: the ledger has no signer.
        """
        if self.signer is None:
            raise LedgerError("this ledger has no signing key; pass signer= to sign its head")
        head_seq = self._seq - 1
        sig = self.signer.sign(head_message(self._head, head_seq))
        rec = self.append(
            "head",
            {
                "signed_hash": self._head,
                "signed_seq": head_seq,
                "keyid": self.signer.keyid,
                "sig": base64.b64encode(sig).decode("ascii"),
            },
        )
        self._since_sign = 0
        self.commit()
        return rec

    def commit(self) -> None:
        """Write buffered records and fsync: after this returns they survive a crash."""
        if self._buffer:
            view = memoryview(self._buffer)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            self._buffer = bytearray()
        if self.fsync:
            os.fsync(self._fd)
        self._pending = 0
        self.committed_seq = self._seq - 1

    def close(self) -> None:
        """Commit and close the file."""
        if self._fd >= 0:
            self.commit()
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
