"""Strict Ed25519: which public keys and signatures are refused, and a strict verify.

One definition for every place a key or signature enters (the ledger's reports and heads, the
registry's keys, the transparency log's notes, checkpoints and cosignatures, location
landmarks). OpenSSL's Ed25519, as ``cryptography`` calls it, accepts small-order public keys, for
which signatures can be made without any private key (the all-zero key is one); libsodium
(PyNaCl) refuses them, and a signature with ``S >= L`` or a small-order ``R`` (Chalkias, Garillot,
Nikolaenko, "Taming the many EdDSAs", SSR 2020, https://eprint.iacr.org/2020/1244; RFC 8032
section 5.1.7). Refused keys: a length other than 32 bytes, a non-canonical encoding
(``y >= p``), a point off the curve, a small-order point, a mixed-order point.
"""

from __future__ import annotations

import functools

from nacl import bindings as _sodium
from nacl.exceptions import BadSignatureError as _BadSignature

__all__ = ["is_hex_key", "public_key_problem", "signature_problem", "small_order_encodings", "verify_strict"]

#: The field prime of Curve25519, p = 2^255 - 19 (RFC 8032 section 5.1).
_P = 2**255 - 19
#: The order of the prime-order subgroup, L = 2^252 + 27742317777372353535851937790883648493
#: (RFC 8032 section 5.1).
_L = 2**252 + 27742317777372353535851937790883648493
#: The encoding of the identity point (0, 1).
_IDENTITY = b"\x01" + bytes(31)
_Y_MASK = (1 << 255) - 1


def is_hex_key(text: str) -> bool:
    """Whether ``text`` (spaces around it aside) is 64 hex digits, a raw key written out.

    What tells a key given as text from a file name: a path that happens to be 64 characters
    long (``/tmp/pytest-of-root/pytest-76/popen-gw0/evidence0/computegov.pub``) is a path.
    """
    t = text.strip()
    return len(t) == 64 and all(c in "0123456789abcdefABCDEF" for c in t)


@functools.lru_cache(maxsize=256)
def public_key_problem(raw: bytes) -> str | None:
    """Why a 32-byte Ed25519 public key is refused, or None when it is acceptable."""
    if len(raw) != 32:
        return f"a public key is 32 bytes, got {len(raw)}"
    y = int.from_bytes(raw, "little") & _Y_MASK
    if y >= _P:
        return "non-canonical encoding (y >= p = 2^255 - 19)"
    small = _small_order(raw)
    if small is None:
        return "not a point on the curve"
    if small:
        return (
            "a small-order point (8A is the identity): signatures for it can be made "
            "without any private key"
        )
    if not _sodium.crypto_core_ed25519_is_valid_point(raw):
        return "a mixed-order point (not in the prime-order subgroup) or a non-canonical encoding"
    return None


def _small_order(point: bytes) -> bool | None:
    """Whether 8P is the identity; None when ``point`` does not decode to a curve point."""
    try:
        p2 = _sodium.crypto_core_ed25519_add(point, point)
        p4 = _sodium.crypto_core_ed25519_add(p2, p2)
        p8 = _sodium.crypto_core_ed25519_add(p4, p4)
    except RuntimeError:  # nacl.exceptions.RuntimeError: not a point on the curve
        return None
    return p8 == _IDENTITY


def _sqrt_mod_p(a: int) -> int | None:
    """A square root of ``a`` modulo p, or None (p = 5 mod 8: RFC 8032 section 5.1.3's method)."""
    a %= _P
    x = pow(a, (_P + 3) // 8, _P)
    if x * x % _P == a:
        return x
    x = x * pow(2, (_P - 1) // 4, _P) % _P
    return x if x * x % _P == a else None


@functools.cache
def small_order_encodings() -> frozenset[bytes]:
    """Every 32-byte string that decodes to a point of order 1, 2, 4 or 8 (14 of them).

    The eight torsion points have y in {1, -1, 0, y8, -y8} (mod p), where y8^2 = (-1 + sqrt(1 + d))/d
    solves the doubling ``y(2P) = 0`` (RFC 8032's twisted Edwards curve, a = -1); a string decodes to
    one of them only with one of those y (or y + p, where that still fits in 255 bits) and either sign
    bit. Each candidate is kept only when :func:`_small_order` (libsodium's point arithmetic) agrees,
    so membership is the same test as ``_small_order(point) is True``, without three point
    additions per signature.
    """
    d = -121665 * pow(121666, _P - 2, _P) % _P
    ys = {0, 1, _P - 1}
    root = _sqrt_mod_p(1 + d)
    for s in () if root is None else (root, _P - root):
        y8 = _sqrt_mod_p((s - 1) * pow(d, _P - 2, _P))
        if y8 is not None:
            ys |= {y8, _P - y8}
    candidates = {
        (value | sign << 255).to_bytes(32, "little")
        for y in ys for value in (y, y + _P) if value < 1 << 255 for sign in (0, 1)
    }
    return frozenset(c for c in candidates if _small_order(c) is True)


def signature_problem(signature: bytes) -> str | None:
    """Why a 64-byte Ed25519 signature is refused before verifying (length, S >= L, small-order R), or None."""
    if len(signature) != 64:
        return f"a signature is 64 bytes, got {len(signature)}"
    if int.from_bytes(signature[32:], "little") >= _L:
        return "S >= L (the scalar is not reduced: a non-canonical signature)"
    if bytes(signature[:32]) in small_order_encodings():
        return "R is a small-order point"
    return None


def verify_strict(public_key: bytes, signature: bytes, message: bytes) -> str | None:
    """None when ``signature`` is a strict signature of ``message`` under the 32-byte key; else why not."""
    why = public_key_problem(bytes(public_key))
    if why:
        return f"Ed25519 public key refused: {why}"
    why = signature_problem(bytes(signature))
    if why:
        return f"Ed25519 signature refused: {why}"
    try:
        _sodium.crypto_sign_open(bytes(signature) + bytes(message), bytes(public_key))
    except _BadSignature:
        return "Ed25519 signature does not verify with the given public key"
    return None
