"""Strict Ed25519 for the log's keys and signatures, in the log's own error type.

The checks themselves are :mod:`computegov.ed25519` (libsodium: small-order, mixed-order and
non-canonical keys refused, ``S >= L`` and small-order ``R`` refused), the same as for every other
key the package takes in; here they raise :class:`~computegov.tlog.errors.LogProofError`.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.ed25519 import public_key_problem, verify_strict
from computegov.tlog.errors import LogProofError

__all__ = ["check_public_key", "verify"]


def check_public_key(raw: bytes, *, what: str = "public key") -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 bytes, refusing the keys :mod:`computegov.ed25519` refuses.

    Raises:
        LogProofError: the key is refused; the message names ``what`` and why.
    """
    why = public_key_problem(bytes(raw))
    if why:
        raise LogProofError(f"{what}: Ed25519 public key refused: {why}")
    return Ed25519PublicKey.from_public_bytes(bytes(raw))


def verify(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is a strict Ed25519 signature of ``message`` under ``public_key``."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return verify_strict(raw, signature, message) is None
