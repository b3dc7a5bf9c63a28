"""TPM2_MakeCredential in pure Python (the verifier's side of credential activation).

The verifier encrypts a secret to a TPM's endorsement key (EK) so that the TPM releases it
(TPM2_ActivateCredential) only to an object whose *name* is the one given: the attestation key.
Getting the secret back proves that the AK is loaded in the TPM that holds the EK's private half.
Algorithms (TCG TPM 2.0 Library Specification rev. 1.59, https://trustedcomputinggroup.org/
resource/tpm-library-specification/, read 2026-12-07):

* Part 1 §24 "Credential protection": ``symKey = KDFa(ekNameAlg, seed, "STORAGE", name, -,
  ekSymBits)``, ``encIdentity = AES-CFB(symKey, IV = 0, TPM2B_DIGEST(credential))``,
  ``hmacKey = KDFa(ekNameAlg, seed, "INTEGRITY", -, -, digest bits)``,
  ``outerHMAC = HMAC(hmacKey, encIdentity || name)``; the blob is ``TPM2B(outerHMAC) || encIdentity``.
* Part 1 Annex B.10.3 (RSA): ``seed`` is random, RSA-OAEP-encrypted to the EK with label
  ``"IDENTITY"`` plus a NUL byte and the EK's name algorithm.
* Part 1 Annex C.6.4 (ECC): one-pass ECDH with an ephemeral key; ``seed = KDFe(ekNameAlg, Z,
  "IDENTITY", ephemeral.x, ek.x, digest bits)``; the encrypted secret is the ephemeral point.
* KDFa is NIST SP 800-108 counter mode with HMAC (Part 1 §11.4.10.2); KDFe is the SP 800-56A
  concatenation KDF (Part 1 §11.4.10.3).

The EK's name algorithm and cipher are not in its certificate: they come from the TCG EK
Credential Profile v2.5 rev. 2 templates (Annex B: L-1 RSA 2048 and L-2 ECC P-256 use SHA-256
and AES-128-CFB; H-4 ECC P-384 uses SHA-384 and AES-256-CFB; read 2026-12-07).

``tpm2_activatecredential -i FILE`` reads :func:`credential_file` (tpm2-tools 5.x: magic
0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from dataclasses import dataclass
from typing import Any

from computegov.errors import InputError

__all__ = [
    "CREDENTIAL_FILE_MAGIC",
    "Credential",
    "activate_credential_software",
    "credential_file",
    "ek_template",
    "kdfa",
    "kdfe",
    "make_credential",
]

#: tpm2-tools' credential file header (tools/tpm2_makecredential.c, tpm2-tools 5.x).
CREDENTIAL_FILE_MAGIC = 0xBADCC0DE


@dataclass(frozen=True)
class Credential:
    """What TPM2_MakeCredential returns: the TPM2B_ID_OBJECT's body and TPM2B_ENCRYPTED_SECRET's."""

    credential_blob: bytes
    encrypted_secret: bytes


def kdfa(hash_alg: str, key: bytes, label: str, context_u: bytes, context_v: bytes, bits: int) -> bytes:
    """KDFa (SP 800-108 counter-mode HMAC): ``bits`` of key from ``key`` (TPM 2.0 Part 1 §11.4.10.2)."""
    size = hashlib.new(hash_alg).digest_size
    out = b""
    label_b = label.encode("ascii") + b"\x00"
    for i in range(1, (bits + 8 * size - 1) // (8 * size) + 1):
        out += hmac.new(key, struct.pack(">I", i) + label_b + context_u + context_v
                        + struct.pack(">I", bits), hash_alg).digest()
    return out[: (bits + 7) // 8]


def kdfe(hash_alg: str, z: bytes, label: str, party_u: bytes, party_v: bytes, bits: int) -> bytes:
    """KDFe (SP 800-56A concatenation KDF) over the ECDH secret ``z`` (TPM 2.0 Part 1 §11.4.10.3)."""
    size = hashlib.new(hash_alg).digest_size
    out = b""
    label_b = label.encode("ascii") + b"\x00"
    for i in range(1, (bits + 8 * size - 1) // (8 * size) + 1):
        out += hashlib.new(hash_alg, struct.pack(">I", i) + z + label_b + party_u + party_v).digest()
    return out[: (bits + 7) // 8]


def ek_template(ek_public: Any) -> tuple[str, int]:
    """(name algorithm, AES key bits) of an EK from the TCG default templates (module docstring).

    Raises:
        InputError: an EK key type or size with no default template.
    """
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(ek_public, rsa.RSAPublicKey) and ek_public.key_size == 2048:
        return "sha256", 128
    if isinstance(ek_public, ec.EllipticCurvePublicKey):
        if ek_public.curve.name == "secp256r1":
            return "sha256", 128
        if ek_public.curve.name == "secp384r1":
            return "sha384", 256
    raise InputError(
        f"EK key {type(ek_public).__name__} ({getattr(ek_public, 'key_size', '?')} bits) has no "
        "TCG default template (RSA 2048, ECC P-256 or P-384)"
    )


def _aes_cfb(key: bytes, data: bytes, *, decrypt: bool = False) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    try:  # cryptography >= 47 keeps CFB among the "decrepit" modes
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # pragma: no cover - older cryptography
        from cryptography.hazmat.primitives.ciphers.modes import CFB

    cipher = Cipher(algorithms.AES(key), CFB(bytes(16)))
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(data) + op.finalize()


def _coordinate(value: int, curve: Any) -> bytes:
    return value.to_bytes((curve.key_size + 7) // 8, "big")


def _seed(ek_public: Any, name_alg: str) -> tuple[bytes, bytes]:
    """(seed, TPM2B_ENCRYPTED_SECRET body) for ``ek_public`` (Annex B.10.3 / C.6.4)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    size = hashlib.new(name_alg).digest_size
    algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384()}[name_alg]
    if isinstance(ek_public, rsa.RSAPublicKey):
        seed = os.urandom(size)
        pad = padding.OAEP(padding.MGF1(algorithm), algorithm, b"IDENTITY\x00")
        return seed, ek_public.encrypt(seed, pad)
    assert isinstance(ek_public, ec.EllipticCurvePublicKey)
    ephemeral = ec.generate_private_key(ek_public.curve)
    z = ephemeral.exchange(ec.ECDH(), ek_public)
    e_pub, ek_nums = ephemeral.public_key().public_numbers(), ek_public.public_numbers()
    ex, ey = _coordinate(e_pub.x, ek_public.curve), _coordinate(e_pub.y, ek_public.curve)
    seed = kdfe(name_alg, z, "IDENTITY", ex, _coordinate(ek_nums.x, ek_public.curve), 8 * size)
    return seed, struct.pack(">H", len(ex)) + ex + struct.pack(">H", len(ey)) + ey


def make_credential(ek_public: Any, object_name: bytes, secret: bytes) -> Credential:
    """TPM2_MakeCredential: wrap ``secret`` for the TPM holding ``ek_public``, bound to ``object_name``.

    Args:
        ek_public: the EK (cryptography RSA 2048 or EC P-256/P-384 public key, e.g. from its
            certificate).
        object_name: the AK's name (nameAlg || digest of its public area).
        secret: the credential, at most the EK name algorithm's digest size (32 bytes for SHA-256).

    Raises:
        InputError: the EK has no default template, or the secret is too long.
    """
    name_alg, sym_bits = ek_template(ek_public)
    size = hashlib.new(name_alg).digest_size
    if not 0 < len(secret) <= size:
        raise InputError(f"a credential is 1-{size} bytes for a {name_alg} EK, got {len(secret)}")
    seed, encrypted_secret = _seed(ek_public, name_alg)
    sym_key = kdfa(name_alg, seed, "STORAGE", object_name, b"", sym_bits)
    enc_identity = _aes_cfb(sym_key, struct.pack(">H", len(secret)) + secret)
    hmac_key = kdfa(name_alg, seed, "INTEGRITY", b"", b"", 8 * size)
    outer = hmac.new(hmac_key, enc_identity + object_name, name_alg).digest()
    return Credential(struct.pack(">H", len(outer)) + outer + enc_identity, encrypted_secret)


def credential_file(credential: Credential) -> bytes:
    """The bytes ``tpm2_activatecredential -i`` reads (tpm2-tools 5.x format, module docstring)."""
    blob, secret = credential.credential_blob, credential.encrypted_secret
    return (struct.pack(">II", CREDENTIAL_FILE_MAGIC, 1) + struct.pack(">H", len(blob)) + blob
            + struct.pack(">H", len(secret)) + secret)


def activate_credential_software(ek_private: Any, object_name: bytes, credential: Credential) -> bytes:
    """What TPM2_ActivateCredential does, with the EK's private key in software (for tests).

    Raises:
        InputError: the integrity HMAC does not match (wrong EK or wrong object name).
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    name_alg, sym_bits = ek_template(ek_private.public_key())
    size = hashlib.new(name_alg).digest_size
    algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384()}[name_alg]
    if isinstance(ek_private, rsa.RSAPrivateKey):
        seed = ek_private.decrypt(
            credential.encrypted_secret, padding.OAEP(padding.MGF1(algorithm), algorithm, b"IDENTITY\x00")
        )
    else:
        assert isinstance(ek_private, ec.EllipticCurvePrivateKey)
        es = credential.encrypted_secret
        n = int.from_bytes(es[:2], "big")
        ex, ey = es[2 : 2 + n], es[4 + n :]
        point = ec.EllipticCurvePublicKey.from_encoded_point(ek_private.curve, b"\x04" + ex + ey)
        z = ek_private.exchange(ec.ECDH(), point)
        ek_x = _coordinate(ek_private.public_key().public_numbers().x, ek_private.curve)
        seed = kdfe(name_alg, z, "IDENTITY", ex, ek_x, 8 * size)
    blob = credential.credential_blob
    n = int.from_bytes(blob[:2], "big")
    outer, enc_identity = blob[2 : 2 + n], blob[2 + n :]
    hmac_key = kdfa(name_alg, seed, "INTEGRITY", b"", b"", 8 * size)
    if not hmac.compare_digest(outer, hmac.new(hmac_key, enc_identity + object_name, name_alg).digest()):
        raise InputError("credential integrity check failed (TPM_RC_INTEGRITY): wrong EK or object name")
    plain = _aes_cfb(kdfa(name_alg, seed, "STORAGE", object_name, b"", sym_bits), enc_identity, decrypt=True)
    return plain[2 : 2 + int.from_bytes(plain[:2], "big")]
