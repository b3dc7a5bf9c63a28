"""Verifier keys (c2sp.org/signed-note "Verifier keys"): ``<name>+<hex key ID>+base64(type || public key)``.

Type ``0x01`` gives an Ed25519 note verifier, ``0x04`` a cosignature/v1 verifier; the key ID must
match the one computed from the name, type and key.
"""

from __future__ import annotations

import base64
import binascii

from computegov.tlog.cosignature import CosignatureVerifier
from computegov.tlog.errors import LogProofError
from computegov.tlog.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Ed25519Verifier,
    Verifier,
    check_key_name,
)

__all__ = ["parse_vkey", "witness_verifiers"]


def parse_vkey(vkey: str) -> Verifier:
    """A verifier from its vkey string (type 0x01 Ed25519 or 0x04 cosignature/v1).

    Raises:
        LogProofError: malformed, an unknown type, or the key ID does not match.
    """
    name, _, rest = vkey.strip().partition("+")
    hexid, _, b64 = rest.partition("+")
    try:
        kid = int(hexid, 16)
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        raise LogProofError(f"verifier key {vkey[:60]!r}: expected name+hexid+base64") from None
    if len(hexid) != 8 or not raw:
        raise LogProofError(f"verifier key {vkey[:60]!r}: expected name+8 hex digits+base64")
    verifier: Verifier
    if raw[0] == ALG_ED25519:
        verifier = Ed25519Verifier(check_key_name(name), raw[1:])
    elif raw[0] == ALG_COSIGNATURE_V1:
        verifier = CosignatureVerifier(check_key_name(name), raw[1:])
    else:
        raise LogProofError(f"verifier key {name}: unknown signature type 0x{raw[0]:02x}")
    if verifier.key_id != kid:
        raise LogProofError(f"verifier key {name}: key ID {hexid} does not match its key")
    return verifier


def witness_verifiers(vkeys: list[str]) -> list[CosignatureVerifier]:
    """The cosignature verifiers of witness vkeys (type ``0x04``).

    Raises:
        LogProofError: a vkey that does not parse or is not a cosignature/v1 key (named).
    """
    out = []
    for text in vkeys:
        v = parse_vkey(text)
        if not isinstance(v, CosignatureVerifier):
            raise LogProofError(f"--witness {text[:40]}: a witness vkey must be of type 0x04 (cosignature/v1)")
        out.append(v)
    return out
