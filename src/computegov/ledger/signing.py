"""Ed25519 keys and signatures (RFC 8032) through ``cryptography``.

Key files (``computegov keys new``):

* ``computegov.key`` — the private key, PEM ``-----BEGIN PRIVATE KEY-----``: unencrypted PKCS#8
  (RFC 5208/8410) holding the 32-byte Ed25519 seed, created with ``O_EXCL`` and mode 0600 (never
  readable by others, never replaced unless asked; loading warns if its mode is looser).
* ``computegov.pub`` — the public key, PEM ``-----BEGIN PUBLIC KEY-----``: SubjectPublicKeyInfo
  (RFC 8410). Verifiers also accept the 32 raw public-key bytes as 64 hex digits.

Both are what ``openssl genpkey -algorithm ed25519`` / ``openssl pkey -pubout`` write. A key id is the one securesystemslib computes by default — the
SHA-256 of the canonical JSON ``{"keytype":"ed25519","keyval":{"public":<hex>},"scheme":"ed25519"}``
— so DSSE envelopes we sign verify with the reference in-toto/securesystemslib tooling.

Signatures over structured messages use DSSE's pre-authentication encoding (PAE), see
https://github.com/secure-systems-lab/dsse/blob/master/protocol.md.

Strict keys and signatures. Ed25519 libraries disagree on edge cases (Chalkias, Garillot and
Nikolaenko, "Taming the many EdDSAs", SSR 2020, https://eprint.iacr.org/2020/1244): the
all-zero public key is a point of order 4, and for such *small-order* keys anyone can make
signatures that OpenSSL's verify (what ``cryptography`` calls) accepts, with no private key at
all. So every public key that enters (a key file, ``--key``, the key a report names, a registry
key) goes through :func:`public_key_problem`, and every signature is checked by
:func:`verify_signature` with libsodium (PyNaCl), whose ``crypto_sign_open`` refuses small-order
keys and R, non-canonical keys and S >= L (RFC 8032 section 5.1.7 requires S < L). A key is
refused when its encoding is not canonical (y >= p), when it is not a point on the curve, when
it has small order (8A = identity), and when it is not in the prime-order subgroup (a mixed-order
point: no honest key, aA for a secret scalar a, ever is one). ``tests/ledger/data`` holds the
paper's twelve test vectors; every one is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from computegov.durable import write_atomic
from computegov.ed25519 import is_hex_key, public_key_problem, signature_problem, verify_strict
from computegov.errors import InputError, SignatureError
from computegov.ledger.evidence import read_regular_file

__all__ = [
    "PRIVATE_KEY_NAME",
    "PUBLIC_KEY_NAME",
    "KeyPair",
    "Signer",
    "dsse_envelope",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "pae",
    "public_key_from_bytes",
    "public_key_hex",
    "public_key_problem",
    "signature_problem",
    "verify_signature",
]

logger = logging.getLogger(__name__)

PRIVATE_KEY_NAME = "computegov.key"
PUBLIC_KEY_NAME = "computegov.pub"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding of ``payload`` with ``payload_type``."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(t), t, len(payload), payload)


def dsse_envelope(payload_type: str, payload: bytes, signer: Signer) -> dict[str, Any]:
    """A DSSE envelope of ``payload`` (bytes as signed) with one signature by ``signer``."""
    sig = signer.sign(pae(payload_type, payload))
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": payload_type,
        "signatures": [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode("ascii")}],
    }


def public_key_hex(public_key: Ed25519PublicKey) -> str:
    """The 32 raw public-key bytes as lower-case hex."""
    return _raw(public_key).hex()


def key_id(public_key: Ed25519PublicKey) -> str:
    """securesystemslib's default key id of an Ed25519 public key (64 hex)."""
    canonical = json.dumps(
        {
            "keytype": "ed25519",
            "keyval": {"public": public_key_hex(public_key)},
            "scheme": "ed25519",
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key with its key id.

    Attributes:
        private_key: the ``cryptography`` private key.
        keyid: :func:`key_id` of its public key.
    """

    private_key: Ed25519PrivateKey
    keyid: str

    @classmethod
    def from_private_key(cls, private_key: Ed25519PrivateKey) -> Signer:
        """Wrap a ``cryptography`` key."""
        return cls(private_key, key_id(private_key.public_key()))

    @classmethod
    def generate(cls) -> Signer:
        """A fresh random key (not written anywhere)."""
        return cls.from_private_key(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The matching public key."""
        return self.private_key.public_key()

    def public_pem(self) -> str:
        """The public key as PEM text."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self.private_key.sign(message)


@dataclass(frozen=True)
class KeyPair:
    """Where :func:`generate_keypair` wrote a key pair.

    Attributes:
        private_path: the private key (PEM, mode 0600).
        public_path: the public key (PEM).
        keyid: the key id (64 hex).
    """

    private_path: Path
    public_path: Path
    keyid: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict."""
        return {
            "private_path": str(self.private_path),
            "public_path": str(self.public_path),
            "keyid": self.keyid,
        }


def generate_keypair(out_dir: str | Path, *, overwrite: bool = False) -> KeyPair:
    """Create an Ed25519 key pair in ``out_dir`` (``computegov.key`` 0600, ``computegov.pub``).

    Raises:
        InputError: a key already exists there and ``overwrite`` is False, or the directory
            cannot be written.
    """
    out = Path(out_dir)
    private_path, public_path = out / PRIVATE_KEY_NAME, out / PUBLIC_KEY_NAME
    existing = [p for p in (private_path, public_path) if p.exists() or p.is_symlink()]
    if existing and not overwrite:
        raise InputError(
            f"{existing[0]} already exists; not replacing a key silently (choose another "
            "directory, or pass --force / overwrite=True to replace the pair)"
        )
    try:
        return _write_keypair(out, private_path, public_path)
    except OSError as err:
        raise InputError(f"cannot write keys to {out}: {err.strerror}") from err


def _write_keypair(out: Path, private_path: Path, public_path: Path) -> KeyPair:
    out.mkdir(parents=True, exist_ok=True)
    signer = Signer.generate()
    pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if private_path.exists() or private_path.is_symlink():
        private_path.unlink()
    # O_EXCL + mode 0600: the key is never readable by others, not even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    # Written beside its target and renamed over it (a link there is replaced, never written
    # through), then the directory fsynced: both keys' names are durable from here.
    write_atomic(public_path, signer.public_pem().encode("ascii"))
    return KeyPair(private_path, public_path, signer.keyid)


def load_private_key(path: str | Path) -> Signer:
    """Read an Ed25519 private key (PEM PKCS#8) written by :func:`generate_keypair`.

    Raises:
        InputError: the file is missing or is not an unencrypted Ed25519 private key.
    """
    p = Path(path)
    data = read_regular_file(p, MAX_KEY_FILE_BYTES, "private key")
    try:
        mode = p.stat().st_mode
    except OSError as err:
        raise InputError(f"cannot read private key {p}: {err.strerror}") from err
    if os.name == "posix" and mode & 0o077:
        logger.warning(
            "%s is readable by other users (mode %o); run chmod 600 on it", p, mode & 0o777
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise InputError(
            f"{p} is not an unencrypted PEM private key (expected one from `computegov keys new`)"
        ) from err
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{p} holds a {type(key).__name__}; expected an Ed25519 private key")
    return Signer.from_private_key(key)


#: Largest key file read, bytes (an Ed25519 PEM key is ~120 bytes; a key file is never read
#: past this, so ``--key /dev/zero`` cannot exhaust memory).
MAX_KEY_FILE_BYTES = 64 * 1024


def load_public_key(source: str | bytes | Path | Ed25519PublicKey) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file path, PEM text/bytes, or 64 hex digits.

    Every key is checked strictly (:func:`public_key_problem`): the all-zero and all-ones keys,
    any small-order, mixed-order or non-canonically encoded key are refused.

    Raises:
        InputError: the input is not an Ed25519 public key (wrong format or key type), or the
            key is refused (the message names why).
    """
    if isinstance(source, Ed25519PublicKey):
        return public_key_from_bytes(_raw(source))
    data: bytes
    label = "public key"
    if isinstance(source, Path) or (
        isinstance(source, str) and "-----BEGIN" not in source and not is_hex_key(source)
    ):
        p = Path(source)
        label = str(p)
        data = read_regular_file(p, MAX_KEY_FILE_BYTES, "public key")
    else:
        data = source.encode("ascii", "replace") if isinstance(source, str) else source
    text = data.strip()
    if len(text) == 64:
        try:
            raw = bytes.fromhex(text.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            pass
        else:
            return public_key_from_bytes(raw, label)
    try:
        key = serialization.load_pem_public_key(text)
    except (ValueError, TypeError) as err:
        try:
            private = serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError):
            raise InputError(
                f"{label} is not a PEM public key or 64 hex digits (expected computegov.pub)"
            ) from err
        if isinstance(private, Ed25519PrivateKey):
            raise InputError(
                f"{label} is a private key; pass the public key (computegov.pub) instead"
            ) from err
        raise InputError(f"{label} is not an Ed25519 key") from err
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{label} holds a {type(key).__name__}; expected an Ed25519 public key")
    return public_key_from_bytes(_raw(key), label)


def verify_signature(
    public_key: Ed25519PublicKey | bytes, signature: bytes, message: bytes
) -> None:
    """Check an Ed25519 signature strictly (libsodium; see the module docstring).

    Args:
        public_key: the key, or its 32 raw bytes.
        signature: the 64-byte signature (R || S).
        message: the signed bytes.

    Raises:
        SignatureError: the key or signature is refused (small order, non-canonical, S >= L),
            naming why, or the signature does not verify.
    """
    raw = public_key if isinstance(public_key, bytes) else _raw(public_key)
    why = verify_strict(raw, signature, message)
    if why:
        raise SignatureError(why)


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_bytes(raw: bytes, label: str = "public key") -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 raw bytes, refused unless strict.

    Raises:
        InputError: the bytes are refused (:func:`public_key_problem` names why).
    """
    why = public_key_problem(bytes(raw))
    if why:
        raise InputError(f"{label}: Ed25519 public key refused: {why}")
    return Ed25519PublicKey.from_public_bytes(bytes(raw))
