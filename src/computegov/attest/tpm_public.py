"""TPM 2.0 public areas (TPMT_PUBLIC), parsed and written in pure Python; object names.

A TPM describes a key by its public area: type, name algorithm, object attributes, policy,
parameters and the public key itself (TCG TPM 2.0 Library Specification, Part 2: Structures,
rev. 1.59, §12.2.4 TPMT_PUBLIC, §12.2.3 TPMU_PUBLIC_PARMS, §8.3 TPMA_OBJECT;
https://trustedcomputinggroup.org/resource/tpm-library-specification/, read 2026-12-07).
An object's *name* is ``nameAlg || H_nameAlg(TPMT_PUBLIC)`` (Part 1 §16 Names): credential
activation binds a secret to that name, so the name fixes every attribute below.

What an attestation key must show to be trusted as TPM-resident (TCG "TPM 2.0 Keys for Device
Identity and Attestation" v1.0 rev. 12, §3.6 and §5.1; read 2026-12-07): ``fixedTPM``,
``fixedParent`` and ``sensitiveDataOrigin`` (made inside this TPM and never exportable),
``restricted`` and ``sign`` (it signs only TPM-made structures such as quotes, never an external
digest that starts with TPM_GENERATED), and not ``decrypt``.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from computegov.attest.tpm_format import HASH_ALGS, QuoteFormatError

__all__ = [
    "AK_REQUIRED_ATTRIBUTES",
    "ATTRIBUTE_BITS",
    "CURVES",
    "TpmPublic",
    "ak_attribute_problem",
    "encode_public",
    "parse_public",
]

#: TCG Algorithm Registry rev. 1.34 table 3: object types and the null algorithm.
ALG_RSA, ALG_ECC, ALG_NULL, ALG_AES, ALG_CFB = 0x0001, 0x0023, 0x0010, 0x0006, 0x0043
#: Signature schemes that carry a hash algorithm (RSASSA, RSAPSS, ECDSA) and ECDAA (hash + count).
_SCHEMES_WITH_HASH = {0x0014: "rsassa", 0x0016: "rsapss", 0x0018: "ecdsa"}
_ALG_ECDAA = 0x001A
#: TCG Algorithm Registry rev. 1.34 table 4 (TPM_ECC_CURVE) -> cryptography curve name.
CURVES: dict[int, str] = {0x0003: "secp256r1", 0x0004: "secp384r1", 0x0005: "secp521r1"}
_CURVE_IDS = {name: cid for cid, name in CURVES.items()}
_HASH_IDS = {name: alg for alg, name in HASH_ALGS.items()}

#: TPM 2.0 Part 2 §8.3.2 TPMA_OBJECT bit positions.
ATTRIBUTE_BITS: dict[str, int] = {
    "fixedTPM": 1, "stClear": 2, "fixedParent": 4, "sensitiveDataOrigin": 5, "userWithAuth": 6,
    "adminWithPolicy": 7, "noDA": 10, "encryptedDuplication": 11, "restricted": 16,
    "decrypt": 17, "sign": 18,
}
#: Attributes an AK must have (see the module docstring); ``decrypt`` must be clear.
AK_REQUIRED_ATTRIBUTES = ("fixedTPM", "fixedParent", "sensitiveDataOrigin", "restricted", "sign")


@dataclass(frozen=True)
class TpmPublic:
    """A parsed TPMT_PUBLIC of an RSA or ECC key.

    Attributes:
        raw: the TPMT_PUBLIC bytes (what the name hashes).
        key_type: ``rsa`` or ``ecc``.
        name_alg: the name algorithm (hashlib name).
        attributes: the TPMA_OBJECT bit field.
        symmetric: (algorithm id, key bits) of the storage cipher, or None (TPM_ALG_NULL).
        scheme: the signing scheme name (``ecdsa``, ``rsassa``, ...) or None.
        scheme_hash: the scheme's hash algorithm name, or None.
        curve: cryptography's curve name for ECC keys.
        rsa_bits: the modulus size for RSA keys.
        exponent: the RSA public exponent (0 in the structure means 65537).
        unique: the modulus (RSA) or x || y (ECC, each coordinate as given).
        ecc_point: (x, y) for ECC keys.
    """

    raw: bytes
    key_type: str
    name_alg: str
    attributes: int
    symmetric: tuple[int, int] | None
    scheme: str | None
    scheme_hash: str | None
    curve: str | None = None
    rsa_bits: int = 0
    exponent: int = 65537
    unique: bytes = b""
    ecc_point: tuple[bytes, bytes] | None = None

    @property
    def name(self) -> bytes:
        """The object's name: nameAlg (u16) || H_nameAlg(TPMT_PUBLIC)."""
        return struct.pack(">H", _HASH_IDS[self.name_alg]) + hashlib.new(self.name_alg, self.raw).digest()

    def has(self, attribute: str) -> bool:
        """Whether the TPMA_OBJECT bit ``attribute`` (e.g. ``fixedTPM``) is set."""
        return bool(self.attributes >> ATTRIBUTE_BITS[attribute] & 1)

    def public_key(self) -> Any:
        """The key as a ``cryptography`` public key.

        Raises:
            ValueError: an ECC point that is not on its curve (or is the identity), or an RSA
                modulus cryptography refuses.
        """
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if self.key_type == "rsa":
            return rsa.RSAPublicNumbers(self.exponent, int.from_bytes(self.unique, "big")).public_key()
        assert self.ecc_point is not None and self.curve is not None
        x, y = self.ecc_point
        curves: dict[str, ec.EllipticCurve] = {
            "secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1(), "secp521r1": ec.SECP521R1()
        }
        curve = curves[self.curve]
        # from_encoded_point checks that the point is on the curve (and refuses the identity)
        size = (curve.key_size + 7) // 8
        if len(x) > size or len(y) > size:
            raise ValueError(f"ECC coordinate longer than {size} bytes for {self.curve}")
        point = b"\x04" + x.rjust(size, b"\x00") + y.rjust(size, b"\x00")
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)

    def public_der(self) -> bytes:
        """The key's DER SubjectPublicKeyInfo (what the trust list fingerprints)."""
        from cryptography.hazmat.primitives import serialization

        return self.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int, what: str) -> bytes:
        if self.at + n > len(self.data):
            raise QuoteFormatError(f"public area truncated at byte {self.at}: {what} needs {n} bytes")
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def u(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def sized(self, what: str) -> bytes:
        return self.take(self.u(2, f"{what} size"), what)


def parse_public(data: bytes) -> TpmPublic:
    """Parse a TPMT_PUBLIC, or a TPM2B_PUBLIC (size-prefixed, as ``tpm2_readpublic -f tss`` writes).

    Raises:
        QuoteFormatError: truncated, trailing bytes, or a type, scheme or curve not handled.
    """
    data = bytes(data)
    if len(data) >= 2 and int.from_bytes(data[:2], "big") == len(data) - 2:
        data = data[2:]
    r = _Reader(data)
    kind, name_alg, attributes = r.u(2, "type"), r.u(2, "nameAlg"), r.u(4, "objectAttributes")
    if kind not in (ALG_RSA, ALG_ECC):
        raise QuoteFormatError(f"public area type 0x{kind:04x} is not an RSA or ECC key")
    if name_alg not in HASH_ALGS:
        raise QuoteFormatError(f"public area nameAlg 0x{name_alg:04x} is not a known hash")
    r.sized("authPolicy")
    sym_alg = r.u(2, "symmetric.algorithm")
    symmetric = None
    if sym_alg != ALG_NULL:
        bits = r.u(2, "symmetric.keyBits")
        r.u(2, "symmetric.mode")
        symmetric = (sym_alg, bits)
    scheme_id = r.u(2, "scheme")
    scheme = scheme_hash = None
    if scheme_id == _ALG_ECDAA:
        raise QuoteFormatError("ECDAA signing keys are not handled")
    if scheme_id != ALG_NULL:
        if scheme_id not in _SCHEMES_WITH_HASH:
            raise QuoteFormatError(f"signing scheme 0x{scheme_id:04x} is not handled")
        scheme = _SCHEMES_WITH_HASH[scheme_id]
        scheme_hash = HASH_ALGS.get(r.u(2, "scheme.hashAlg"))
    common = {"raw": data, "name_alg": HASH_ALGS[name_alg], "attributes": attributes,
              "symmetric": symmetric, "scheme": scheme, "scheme_hash": scheme_hash}
    if kind == ALG_RSA:
        bits, exponent = r.u(2, "keyBits"), r.u(4, "exponent")
        out = TpmPublic(key_type="rsa", rsa_bits=bits, exponent=exponent or 65537,
                        unique=r.sized("unique.rsa"), **common)  # type: ignore[arg-type]
    else:
        curve_id = r.u(2, "curveID")
        if curve_id not in CURVES:
            raise QuoteFormatError(f"ECC curve 0x{curve_id:04x} is not handled (P-256, P-384, P-521)")
        if r.u(2, "kdf.scheme") != ALG_NULL:
            r.u(2, "kdf.hashAlg")
        x, y = r.sized("unique.x"), r.sized("unique.y")
        out = TpmPublic(key_type="ecc", curve=CURVES[curve_id], unique=x + y, ecc_point=(x, y),
                        **common)  # type: ignore[arg-type]
    if r.at != len(data):
        raise QuoteFormatError(f"{len(data) - r.at} trailing bytes after the public area")
    return out


def ak_attribute_problem(public: TpmPublic) -> str | None:
    """None when ``public`` has an AK's attributes (module docstring); otherwise what is wrong."""
    if public.name_alg == "sha1":  # a name is what activation binds: no collision-prone hash
        return "AK name algorithm SHA-1 is not accepted (chosen-prefix collisions; SHA-256 or stronger)"
    missing = [a for a in AK_REQUIRED_ATTRIBUTES if not public.has(a)]
    if missing:
        return (
            f"AK public area lacks {', '.join(missing)}: not a TPM-resident restricted signing key"
        )
    if public.has("decrypt"):
        return "AK public area has decrypt set: an attestation key must be a signing-only key"
    return None


def encode_public(
    key: Any,
    *,
    attributes: tuple[str, ...] = (*AK_REQUIRED_ATTRIBUTES, "userWithAuth"),
    name_alg: str = "sha256",
    scheme: str | None = "ecdsa",
    scheme_hash: str = "sha256",
    symmetric_bits: int | None = None,
    auth_policy: bytes = b"",
) -> bytes:
    """TPMT_PUBLIC bytes for ``key`` (a cryptography RSA or EC public key); for software TPMs.

    Args:
        key: the public key.
        attributes: TPMA_OBJECT bits to set (names from :data:`ATTRIBUTE_BITS`).
        name_alg: the name algorithm.
        scheme: ``ecdsa``, ``rsassa``, ``rsapss`` or None (TPM_ALG_NULL, as for an EK).
        scheme_hash: the scheme's hash.
        symmetric_bits: AES-CFB key bits of a storage key (an EK: 128), or None.
        auth_policy: the authPolicy digest.
    """
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    bits = 0
    for a in attributes:
        bits |= 1 << ATTRIBUTE_BITS[a]
    sym = struct.pack(">HHH", ALG_AES, symmetric_bits, ALG_CFB) if symmetric_bits else struct.pack(">H", ALG_NULL)
    scheme_ids = {v: k for k, v in _SCHEMES_WITH_HASH.items()}
    sch = struct.pack(">HH", scheme_ids[scheme], _HASH_IDS[scheme_hash]) if scheme else struct.pack(">H", ALG_NULL)
    head = struct.pack(">HHI", ALG_RSA if isinstance(key, rsa.RSAPublicKey) else ALG_ECC,
                       _HASH_IDS[name_alg], bits) + struct.pack(">H", len(auth_policy)) + auth_policy
    if isinstance(key, rsa.RSAPublicKey):
        n = key.public_numbers()
        modulus = n.n.to_bytes((key.key_size + 7) // 8, "big")
        exponent = 0 if n.e == 65537 else n.e
        return head + sym + sch + struct.pack(">HIH", key.key_size, exponent, len(modulus)) + modulus
    assert isinstance(key, ec.EllipticCurvePublicKey)
    size = (key.curve.key_size + 7) // 8
    nums = key.public_numbers()
    x, y = nums.x.to_bytes(size, "big"), nums.y.to_bytes(size, "big")
    return (head + sym + sch + struct.pack(">HH", _CURVE_IDS[key.curve.name], ALG_NULL)
            + struct.pack(">H", size) + x + struct.pack(">H", size) + y)
