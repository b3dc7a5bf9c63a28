"""Log checkpoints (https://c2sp.org/tlog-checkpoint, read 2026-12-07), signed and opened.

A checkpoint is a signed note whose text is the log's *origin* line, the tree size in decimal,
the RFC 6962 root hash in base64, and optional extension lines. The log signs each checkpoint
twice with one Ed25519 key under its origin: a plain signed-note signature (type ``0x01``,
what generic note clients such as golang.org/x/mod/sumdb/note verify) and a timestamped
``cosignature/v1`` (type ``0x04``) that carries the signing time. The two key IDs differ, as
signed-note requires when one key serves two types, and the cosigned message starts with
``cosignature/v1``, which no checkpoint text can (an origin never holds a newline).

:func:`open_checkpoint` checks the log's signatures against a pinned key, counts witness
cosignatures against a k-of-n policy, and checks freshness: a head older than ``max_age_s``
or signed in the future is refused with ``mismatch=True`` (evidence, not malformed input).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from computegov.ed25519 import is_hex_key
from computegov.tlog import ed25519
from computegov.tlog.cosignature import CosignatureSigner, CosignatureVerifier, signature_timestamp
from computegov.tlog.errors import LogProofError
from computegov.tlog.merkle import EMPTY_ROOT
from computegov.tlog.note import (
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    Verifier,
    format_note,
    open_note,
    parse_note,
)
from computegov.tlog.vkey import parse_vkey

__all__ = [
    "Checkpoint",
    "LogKey",
    "SignedCheckpoint",
    "open_checkpoint",
    "parse_checkpoint_text",
    "parse_log_key",
    "sign_checkpoint",
]

#: Clock skew tolerated on a checkpoint's signed time (a head signed later than now + this is refused).
MAX_FUTURE_SKEW_S = 300


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """Origin, tree size and root hash (32 bytes) of a log, plus extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def parse_checkpoint_text(text: str) -> Checkpoint:
    """The checkpoint in a note's text.

    Raises:
        LogProofError: fewer than three lines, an empty line, a size with leading zeros, or a
            root that is not 32 bytes of base64.
    """
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise LogProofError("checkpoint: expected origin, size and root hash lines (non-empty, newline-terminated)")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or not size_text.isascii() or (size_text != "0" and size_text.startswith("0")):
        raise LogProofError(f"checkpoint: tree size {size_text[:30]!r} is not a decimal without leading zeros")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise LogProofError("checkpoint: root hash is not base64") from None
    if len(root) != 32:
        raise LogProofError(f"checkpoint: root hash is {len(root)} bytes, expected 32")
    size = int(size_text)
    if size >= 2**63:
        raise LogProofError("checkpoint: tree size exceeds 2**63 - 1")
    if size == 0 and root != EMPTY_ROOT:
        raise LogProofError("checkpoint: a tree of size 0 must have the empty root (SHA-256 of nothing)")
    return Checkpoint(origin, size, root, tuple(lines[3:-1]))


@dataclasses.dataclass(frozen=True)
class LogKey:
    """A log's pinned Ed25519 public key (32 bytes), and its origin when known (from a vkey)."""

    public_key: bytes
    origin: str | None = None

    def verifiers(self, origin: str) -> list[Verifier]:
        """The log's two note verifiers (``0x01`` and timestamped ``0x04``) under ``origin``."""
        return [Ed25519Verifier(origin, self.public_key), CosignatureVerifier(origin, self.public_key)]

    def vkey(self, origin: str | None = None) -> str:
        """The log's signed-note vkey (type 0x01) under ``origin`` (default: its own)."""
        name = origin or self.origin
        if not name:
            raise LogProofError("log key: no origin to name it by")
        return Ed25519Verifier(name, self.public_key).vkey()

    def public_key_hex(self) -> str:
        """The 32-byte key as 64 hex digits."""
        return self.public_key.hex()


def parse_log_key(text: str) -> LogKey:
    """A log key from a vkey (``origin+id+base64``), 64 hex digits, PEM, or a file holding one of those.

    Raises:
        LogProofError: none of those, not Ed25519, or a weak (small-order) key.
    """
    value = text.strip()
    if len(value) < 4096 and "\n" not in value and "+" not in value and not value.startswith("-----"):
        path = Path(value)
        if not is_hex_key(value) and path.is_file():  # a 64-character path is a path too
            value = path.read_text(errors="replace")[:8192].strip()
    if "+" in value and not value.startswith("-----"):
        verifier = parse_vkey(value)
        if not isinstance(verifier, Ed25519Verifier):
            raise LogProofError("log key: a log vkey must be of type 0x01 (Ed25519)")
        return LogKey(verifier.public_key, verifier.name)
    try:
        if len(value) == 64:
            raw = bytes.fromhex(value)
        else:
            key = serialization.load_pem_public_key(value.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise LogProofError(f"log key: expected an Ed25519 public key, got {type(key).__name__}")
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    except ValueError as err:
        raise LogProofError(f"log key: expected a vkey, 64 hex digits, PEM or a file of one: {err}") from None
    ed25519.check_public_key(raw, what="log key")
    return LogKey(raw)


def sign_checkpoint(private_key: Ed25519PrivateKey, checkpoint: Checkpoint, timestamp_s: int) -> str:
    """The checkpoint as a signed note: the log's ``0x01`` signature and its timestamped ``0x04`` one."""
    text = checkpoint.text()
    sigs = (Ed25519Signer(checkpoint.origin, private_key).sign(text),
            CosignatureSigner(checkpoint.origin, private_key).sign(text, timestamp_s))
    return format_note(Note(text, sigs))


@dataclasses.dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose log signature verified: its signed time and the witnesses that cosigned it."""

    checkpoint: Checkpoint
    note: str
    timestamp_s: int | None
    cosigners: tuple[tuple[str, int], ...] = ()

    @property
    def size(self) -> int:
        """The tree size."""
        return self.checkpoint.size

    @property
    def root_hash(self) -> bytes:
        """The root hash."""
        return self.checkpoint.root_hash


def open_checkpoint(note_text: str | bytes, log_key: LogKey, *, witnesses: Sequence[CosignatureVerifier] = (),
                    min_witnesses: int = 0, now_s: int | None = None, max_age_s: float | None = None,
                    origin: str | None = None) -> SignedCheckpoint:
    """Verify a checkpoint note against the pinned log key and a witness policy.

    Args:
        note_text: the signed note.
        log_key: the log's pinned key.
        witnesses: the witness cosigners trusted (n).
        min_witnesses: how many of them must have cosigned (k).
        now_s: the current POSIX time, for freshness (needed with ``max_age_s``).
        max_age_s: refuse a checkpoint whose signed time is older than this (seconds).
        origin: the expected origin (default: the key's, else the checkpoint's own first line).

    Raises:
        LogProofError: malformed, not signed by the log key, wrong origin (``mismatch`` False);
            fewer than ``min_witnesses`` cosignatures, stale or from the future (``mismatch`` True).
    """
    note = parse_note(note_text)
    cp = parse_checkpoint_text(note.text)
    want = origin or log_key.origin or cp.origin
    if cp.origin != want:
        raise LogProofError(f"checkpoint origin {cp.origin!r} is not the pinned log's {want!r}")
    log_verifiers = log_key.verifiers(cp.origin)
    opened = open_note(note, [*log_verifiers, *witnesses])
    plain = [s for v, s in opened.verified if v is log_verifiers[0]]
    if not plain:
        raise LogProofError(f"checkpoint of {cp.origin} at size {cp.size} has no signature by the pinned log key")
    stamped = [signature_timestamp(s) for v, s in opened.verified if v is log_verifiers[1]]
    timestamp = max(stamped) if stamped else None
    cosigners = tuple(sorted({(s.name, signature_timestamp(s)) for v, s in opened.verified
                              if v not in log_verifiers}))
    names = {name for name, _ in cosigners}
    if len(names) < min_witnesses:
        raise LogProofError(f"checkpoint of size {cp.size} carries {len(names)} of the {min_witnesses} witness "
                            f"cosignatures required (from {len(witnesses)} trusted witnesses): no quorum has "
                            "checked it is consistent with what they saw", mismatch=True)
    if max_age_s is not None:
        if now_s is None:
            raise LogProofError("checkpoint freshness: no current time given")
        if timestamp is None:
            raise LogProofError(f"checkpoint of size {cp.size} has no timestamped log signature to check its age",
                                mismatch=True)
        if now_s - timestamp > max_age_s:
            raise LogProofError(f"checkpoint of size {cp.size} was signed {now_s - timestamp} s ago, more than the "
                                f"{max_age_s:g} s allowed: the log is stale or hides newer entries", mismatch=True)
    if timestamp is not None and now_s is not None and timestamp > now_s + MAX_FUTURE_SKEW_S:
        raise LogProofError(f"checkpoint of size {cp.size} is dated {timestamp - now_s} s in the future",
                            mismatch=True)
    return SignedCheckpoint(cp, note_text.decode() if isinstance(note_text, bytes) else note_text, timestamp,
                            cosigners)

