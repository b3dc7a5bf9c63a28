"""Quotes made in software, shaped exactly like a TPM's: for tests and benchmarks without a TPM.

A verifier cannot tell such a quote from a TPM's by its bytes: only the AK's provenance (the
trust list) separates them. That is the point of the trust list, and why it must list only AKs
the auditor enrolled from real TPMs.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from computegov.attest.tpm_checker import EVIDENCE_FORMAT
from computegov.attest.tpm_format import ClockInfo, PcrBank, QuoteInfo, encode_quote, pcr_digest
from computegov.attest.trust import key_fingerprint

__all__ = ["software_quote_evidence"]


def software_quote_evidence(
    nonce: bytes,
    ak: Any,
    *,
    pcr_values: dict[int, bytes] | None = None,
    bank: str = "sha256",
    scheme: str = "ecdsa-sha256",
) -> dict[str, Any]:
    """``tpm2-quote`` evidence signed by ``ak`` (a cryptography EC P-256 or RSA private key).

    Args:
        nonce: the qualifying data (the ledger head).
        ak: the attestation key's private half.
        pcr_values: PCR index -> value (default PCRs 0-7 holding SHA-256 of their index).
        bank: the PCR bank's hash algorithm name.
        scheme: the signature scheme recorded and used.
    """
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    values = pcr_values or {i: hashlib.new(bank, bytes([i])).digest() for i in range(8)}
    selection = tuple(sorted(values))
    info = QuoteInfo(
        qualified_signer=b"\x00\x0b" + hashlib.sha256(b"software-ak").digest(),
        extra_data=nonce,
        clock=ClockInfo(123_456, 1, 0, True),
        firmware_version=0x2019_1023_0016_3636,
        banks=(PcrBank(bank, selection),),
        pcr_digest=pcr_digest(scheme.partition("-")[2], [values[i] for i in selection]),
    )
    quote = encode_quote(info)
    algorithm = hashes.SHA256() if scheme.endswith("sha256") else hashes.SHA384()
    if scheme.startswith("ecdsa"):
        signature = ak.sign(quote, ec.ECDSA(algorithm))
    else:
        signature = ak.sign(quote, padding.PKCS1v15(), algorithm)
    public = ak.public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "format": EVIDENCE_FORMAT,
        "quote": base64.b64encode(quote).decode("ascii"),
        "signature": {"scheme": scheme, "value": base64.b64encode(signature).decode("ascii")},
        "ak_public_pem": pem,
        "ak_sha256": key_fingerprint(der),
        "pcrs": {bank: {str(i): values[i].hex() for i in selection}},
        "clock": {"clock_ms": 123_456, "reset_count": 1, "restart_count": 0, "safe": True},
        "tpm": {"tcti": "software"},
    }
