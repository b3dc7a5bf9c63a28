"""Signed tree heads (STH) of the transparency log, and the registry's Ed25519 log key.

The signed bytes are RFC 6962 section 3.5's ``TreeHeadSignature``
(https://www.rfc-editor.org/rfc/rfc6962#section-3.5, read 2026-12-04)::

    version (1 byte, v1 = 0) || signature_type (1 byte, tree_hash = 1)
    || timestamp (uint64, ms since the epoch) || tree_size (uint64) || sha256_root_hash (32 bytes)

signed with Ed25519 (RFC 8032) instead of ECDSA. The key id is RFC 6962 section 3.2's LogID: the
SHA-256 of the public key's DER SubjectPublicKeyInfo. The private key is created on first use,
written with mode 0600 next to the SQLite database (or in the data dir), and never leaves it.
Pure apart from :func:`load_or_create_key`; usable on the core install.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from computegov.durable import fsync_directory
from computegov.registry.errors import LogProofError

__all__ = [
    "TreeHead",
    "key_id",
    "load_or_create_key",
    "parse_public_key",
    "public_key_pem",
    "sign_tree_head",
    "verify_tree_head",
]

_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 6962 LogID: SHA-256 (hex) of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_key.public_bytes(*_SPKI)).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    """PEM (SubjectPublicKeyInfo) of the key."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclasses.dataclass(frozen=True)
class TreeHead:
    """A signed tree head: ``tree_size`` leaves with root ``root_hash`` at ``timestamp_ms`` (UTC)."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    keyid: str
    signature: bytes

    def signed_bytes(self) -> bytes:
        """RFC 6962 ``TreeHeadSignature`` bytes (v1, tree_hash)."""
        return struct.pack(">BBQQ", 0, 1, self.timestamp_ms, self.tree_size) + self.root_hash

    def to_dict(self) -> dict[str, Any]:
        """JSON form: hashes in hex, the signature in base64."""
        return {"tree_size": self.tree_size, "root_hash": self.root_hash.hex(), "timestamp_ms": self.timestamp_ms,
                "keyid": self.keyid, "signature": base64.b64encode(self.signature).decode()}

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "tree head") -> TreeHead:
        """Parse the JSON form.

        Raises:
            LogProofError: a field is missing or malformed.
        """
        if not isinstance(data, dict):
            raise LogProofError(f"{where}: expected a JSON object, got {type(data).__name__}")
        try:
            size, ts = data["tree_size"], data["timestamp_ms"]
            root = bytes.fromhex(data["root_hash"])
            sig = base64.b64decode(data["signature"], validate=True)
            keyid = data["keyid"]
        except (KeyError, TypeError, ValueError, binascii.Error) as err:
            raise LogProofError(f"{where}: malformed field ({err.__class__.__name__}: {err})") from None
        if not (isinstance(size, int) and isinstance(ts, int) and 0 <= size < 2**63 and 0 <= ts < 2**63):
            raise LogProofError(f"{where}: tree_size and timestamp_ms must be non-negative integers")
        if len(root) != 32 or not isinstance(keyid, str):
            raise LogProofError(f"{where}: root_hash must be 32 bytes (64 hex digits) and keyid a string")
        return cls(size, root, ts, keyid, sig)


def sign_tree_head(key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, timestamp_ms: int) -> TreeHead:
    """Sign a tree head with the registry's log key."""
    unsigned = TreeHead(tree_size, root_hash, timestamp_ms, key_id(key.public_key()), b"")
    return dataclasses.replace(unsigned, signature=key.sign(unsigned.signed_bytes()))


def verify_tree_head(head: TreeHead, public_key: Ed25519PublicKey) -> None:
    """Check a tree head's signature against the pinned log key.

    Raises:
        LogProofError: the key id is not the pinned key's, or the signature does not verify.
    """
    expected = key_id(public_key)
    if head.keyid != expected:
        raise LogProofError(f"tree head of size {head.tree_size} is signed by key {head.keyid[:16]}..., "
                            f"not the pinned log key {expected[:16]}...")
    from computegov.errors import SignatureError
    from computegov.ledger.signing import verify_signature

    try:  # strict (libsodium): small-order keys and R, S >= L refused
        verify_signature(public_key, head.signature, head.signed_bytes())
    except (InvalidSignature, SignatureError):
        raise LogProofError(f"tree head of size {head.tree_size}: bad signature (pinned key {expected[:16]}...)") from None


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from 64 hex digits, PEM text, or a file holding either.

    Raises:
        LogProofError: not an Ed25519 public key.
    """
    value = text.strip()
    if len(value) < 512 and not value.startswith("-----") and Path(value).is_file():
        value = Path(value).read_text().strip()
    try:
        if len(value) == 64:
            return _strict(Ed25519PublicKey.from_public_bytes(bytes.fromhex(value)))
        key = serialization.load_pem_public_key(value.encode())
    except ValueError as err:
        raise LogProofError(f"log key: expected an Ed25519 public key (PEM, 64 hex digits or a file): {err}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LogProofError(f"log key: expected an Ed25519 public key, got {type(key).__name__}")
    return _strict(key)


def _strict(key: Ed25519PublicKey) -> Ed25519PublicKey:
    """``key`` unless it is small-order, mixed-order or non-canonical (then LogProofError)."""
    from computegov.ledger.signing import public_key_problem

    why = public_key_problem(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    if why:
        raise LogProofError(f"log key: Ed25519 public key refused: {why}")
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The log key at ``path`` (PEM, PKCS#8), created with mode 0600 when missing.

    Raises:
        LogProofError: the file exists but is not an Ed25519 private key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # write a complete 0600 file under a temporary name, then link it into place: a second
        # process starting at the same moment either wins the link or reads the winner's whole file
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        created = False
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)
            created = True
        except FileExistsError:
            pass  # another process created it first: use theirs
        finally:
            Path(tmp).unlink(missing_ok=True)
        if created:
            # the key's name must outlive a crash as surely as the checkpoints it will sign
            fsync_directory(path.parent)
            return key
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as err:
        raise LogProofError(f"{path}: not a PEM private key ({err})") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise LogProofError(f"{path}: expected an Ed25519 private key, got {type(loaded).__name__}")
    return loaded
