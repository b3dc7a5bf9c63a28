"""Strict Ed25519 (RFC 8032) checks for the log's keys and signatures, on top of ``cryptography``.

``cryptography`` (OpenSSL) verifies RFC 8032 signatures but accepts public keys of small order,
for which a signature can verify on many messages (Chalkias, Garillot, Nikolaenko, "Taming the
many EdDSAs", SSR 2020, https://eprint.iacr.org/2020/1244, read 2026-12-07). A log, witness or
monitor key must be a canonical point of large order, and a signature's ``S`` must be below the
group order ``L`` (RFC 8032 section 5.1.7). ``computegov.ledger.signing`` sits above ``tlog`` in
the package floors, so the same checks live here, pure Python (three point doublings per key).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.tlog.errors import LogProofError

__all__ = ["check_public_key", "verify"]

#: RFC 8032 section 5.1: the field prime, the curve constant d, and the group order L.
_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_L = 2**252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _decode(raw: bytes) -> tuple[int, int] | None:
    """The affine point of a 32-byte encoding (RFC 8032 section 5.1.3), or None when not canonical."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    sign = raw[31] >> 7
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P or (x == 0 and sign):
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _double(pt: tuple[int, int]) -> tuple[int, int]:
    x, y = pt
    t = _D * x * x * y * y % _P
    return ((2 * x * y) * pow(1 + t, _P - 2, _P) % _P, (y * y + x * x) * pow(1 - t, _P - 2, _P) % _P)


def check_public_key(raw: bytes, *, what: str = "public key") -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 bytes, refusing non-canonical and small-order points.

    Raises:
        LogProofError: not 32 bytes, not a canonical point, or of small order.
    """
    if len(raw) != 32:
        raise LogProofError(f"{what}: an Ed25519 public key is 32 bytes, got {len(raw)}")
    point = _decode(raw)
    if point is None:
        raise LogProofError(f"{what}: not a canonical Ed25519 point")
    for _ in range(3):
        point = _double(point)
    if point == (0, 1):
        raise LogProofError(f"{what}: an Ed25519 key of small order (it would accept forged signatures)")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is a strict RFC 8032 signature of ``message`` (``S < L``)."""
    if len(signature) != 64 or int.from_bytes(signature[32:], "little") >= _L:
        return False
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
