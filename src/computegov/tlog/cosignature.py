r"""Timestamped Ed25519 cosignatures of checkpoints (https://c2sp.org/tlog-cosignature, read 2026-12-07).

A cosignature is a signed-note signature of type ``0x04``: ``key ID || u64 timestamp || Ed25519
signature`` over ``"cosignature/v1\\ntime <POSIX seconds>\\n" || checkpoint text``. Witnesses
sign with it after checking a checkpoint is consistent with the last one they saw; the log also
signs its own checkpoints this way (besides a plain ``0x01`` note signature) so a checkpoint
carries a signed time that monitors and clients check for freshness.
"""

from __future__ import annotations

import base64
import dataclasses

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.tlog import ed25519
from computegov.tlog.errors import LogProofError
from computegov.tlog.note import ALG_COSIGNATURE_V1, NoteSignature, key_id

__all__ = ["CosignatureSigner", "CosignatureVerifier", "cosigned_message", "signature_timestamp"]

_MAX_TIMESTAMP = 2**63 - 1


def cosigned_message(text: str, timestamp_s: int) -> bytes:
    """The bytes a cosignature signs: header, time line, then the checkpoint text."""
    return f"cosignature/v1\ntime {timestamp_s}\n{text}".encode()


def signature_timestamp(sig: NoteSignature) -> int:
    """The POSIX timestamp (s) of a cosignature.

    Raises:
        LogProofError: not 8 + 64 bytes, or the timestamp exceeds 2**63 - 1.
    """
    if len(sig.signature) != 72:
        raise LogProofError(f"cosignature by {sig.name}: expected 72 bytes (timestamp + Ed25519), "
                            f"got {len(sig.signature)}")
    ts = int.from_bytes(sig.signature[:8], "big")
    if ts > _MAX_TIMESTAMP:
        raise LogProofError(f"cosignature by {sig.name}: timestamp {ts} exceeds 2**63 - 1")
    return ts


@dataclasses.dataclass(frozen=True)
class CosignatureVerifier:
    """Checks ``cosignature/v1`` signatures by ``name`` with a 32-byte Ed25519 public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() or c == "+" for c in self.name):
            raise LogProofError(f"cosigner name {self.name!r}: must be non-empty, without spaces or '+'")
        ed25519.check_public_key(self.public_key, what=f"cosigner {self.name}")

    @property
    def key_id(self) -> int:
        """``SHA-256(name || 0x0A || 0x04 || key)[:4]``."""
        return key_id(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: str, signature: bytes) -> bool:
        """True when ``signature`` (timestamp + Ed25519) cosigns ``text``."""
        if len(signature) != 72:
            return False
        ts = int.from_bytes(signature[:8], "big")
        if ts > _MAX_TIMESTAMP:
            return False
        return ed25519.verify(ed25519.check_public_key(self.public_key), signature[8:], cosigned_message(text, ts))

    def vkey(self) -> str:
        """``name+hexid+base64(0x04 || key)``."""
        return f"{self.name}+{self.key_id:08x}+{base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode()}"


@dataclasses.dataclass(frozen=True)
class CosignatureSigner:
    """Makes ``cosignature/v1`` signatures as ``name`` with an Ed25519 private key."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        """The 32-byte public key."""
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)

    def sign(self, text: str, timestamp_s: int) -> NoteSignature:
        """Cosign checkpoint ``text`` at ``timestamp_s`` (POSIX seconds, > 0)."""
        if not 0 < timestamp_s <= _MAX_TIMESTAMP:
            raise LogProofError(f"cosignature timestamp {timestamp_s}: must be 1..2**63-1")
        sig = self.private_key.sign(cosigned_message(text, timestamp_s))
        return NoteSignature(self.name, self.verifier().key_id, timestamp_s.to_bytes(8, "big") + sig)
