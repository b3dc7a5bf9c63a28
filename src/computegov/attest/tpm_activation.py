"""Credential activation: proof that an attestation key (AK) lives in the TPM of a certified EK.

The exchange (TCG "TPM 2.0 Keys for Device Identity and Attestation" v1.0 rev. 12, §6.6,
read 2026-12-07; the same as Keylime's registrar)::

    prover (the lab)                                  challenger (the auditor)
    activation request: EK certificate (+ chain),  ->  checks the EK chain against its EK CAs and
    the AK's TPM public area                            the AK's attributes (fixedTPM, restricted,
                                                        sign); draws a 32-byte secret; TPM2_Make-
                                                        Credential(EK, AK name, secret); signs a
                                                        statement {EK certificate digest, AK name,
                                                   <-   SHA-256(secret)}; keeps no secret
    TPM2_ActivateCredential on its TPM: the TPM
    releases the secret only if an object with
    that exact name is loaded beside that EK
    evidence carries statement + signature + secret

A verifier who trusts the challenger's key then checks, offline: the signature; that the
statement names this EK certificate and this AK's name; that the revealed secret hashes to the
committed digest. A software key cannot pass: its name either lacks ``fixedTPM``/``restricted``
(refused by the challenger and the checker) or claims them, in which case no TPM holding the
certified EK will decrypt the credential for it. The secret, once revealed, proves the binding
for every later quote by the same AK; it grants nothing for any other AK or EK.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from collections.abc import Mapping
from typing import Any

from computegov.attest.ek_chain import check_ek_chain, load_certificates
from computegov.attest.tpm_credential import credential_file, make_credential
from computegov.attest.tpm_format import QuoteFormatError
from computegov.attest.tpm_public import ak_attribute_problem, parse_public
from computegov.attest.trust import TrustList
from computegov.errors import InputError

__all__ = [
    "ACTIVATION_TYPE",
    "PAYLOAD_TYPE",
    "REQUEST_TYPE",
    "activation_request",
    "check_activation",
    "ek_certificate_sha256",
    "make_challenge",
]

ACTIVATION_TYPE = "computegov/tpm2-activation/1"
REQUEST_TYPE = "computegov/tpm2-activation-request/1"
#: DSSE payload type of the challenger's signed statement (signed over PAE, as reports are).
PAYLOAD_TYPE = "application/vnd.computegov.tpm2-activation+json"
#: Bytes of the drawn secret (the EK name algorithm's digest size for SHA-256 EKs).
SECRET_BYTES = 32


def ek_certificate_sha256(ek_pem: str) -> str:
    """SHA-256 hex of the EK certificate's DER (the statement's EK id).

    Raises:
        ValueError: not a PEM certificate.
    """
    from cryptography.hazmat.primitives import serialization

    der = load_certificates(ek_pem)[0].public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def activation_request(ek_pem: str, ek_chain_pem: list[str], ak_tpm_public: bytes) -> dict[str, Any]:
    """What the prover sends the challenger (JSON-ready)."""
    return {
        "type": REQUEST_TYPE,
        "ek_certificate_pem": ek_pem,
        "ek_chain_pem": list(ek_chain_pem),
        "ak_tpm_public": base64.b64encode(ak_tpm_public).decode("ascii"),
    }


def _statement_bytes(statement: Mapping[str, Any]) -> bytes:
    from computegov.ledger.records import canonical_json
    from computegov.ledger.signing import pae

    return pae(PAYLOAD_TYPE, canonical_json(dict(statement)))


def make_challenge(
    request: Mapping[str, Any],
    signer: Any,
    challenger: str,
    trust: TrustList | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The challenger's side: check a request and wrap a fresh secret for the prover's TPM.

    Args:
        request: an :func:`activation_request`.
        signer: the challenger's :class:`computegov.ledger.signing.Signer`.
        challenger: the challenger's name (as verifiers list it in their trust files).
        trust: when given, the EK chain must end at one of its EK CAs (recommended: never spend
            a challenge on a TPM you would not trust).
        now: the time stamped in the statement (default: now, UTC).

    Returns:
        ``{"type", "statement", "signature", "credential"}``: ``credential`` is the file for
        ``tpm2_activatecredential -i`` (base64); the secret itself is not kept.

    Raises:
        InputError: the request is malformed, the AK is not a TPM-resident signing key, or the
            EK chain does not verify (the message names the link).
    """
    from computegov.ledger.signing import public_key_hex

    if not isinstance(request, Mapping) or request.get("type") != REQUEST_TYPE:
        raise InputError(f"activation request: expected a {REQUEST_TYPE} object")
    ek_pem = request.get("ek_certificate_pem")
    try:
        ak = parse_public(base64.b64decode(str(request.get("ak_tpm_public", "")), validate=True))
        ek_cert = load_certificates(str(ek_pem))[0]
    except (ValueError, QuoteFormatError) as err:
        raise InputError(f"activation request: {err}") from err
    why = ak_attribute_problem(ak)
    if why:
        raise InputError(f"activation request refused: {why}")
    if trust is not None:
        chain = check_ek_chain(ek_pem, request.get("ek_chain_pem") or [], trust.tpm_ek_cas, now)
        if chain.problem:
            raise InputError(f"activation request refused: {chain.problem}")
    secret = os.urandom(SECRET_BYTES)
    credential = make_credential(ek_cert.public_key(), ak.name, secret)
    statement = {
        "type": ACTIVATION_TYPE,
        "challenger": challenger,
        "challenger_public_key": public_key_hex(signer.public_key),
        "ek_certificate_sha256": ek_certificate_sha256(str(ek_pem)),
        "ak_name": ak.name.hex(),
        "secret_sha256": hashlib.sha256(secret).hexdigest(),
        "issued_at": (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {
        "type": ACTIVATION_TYPE,
        "statement": statement,
        "signature": base64.b64encode(signer.sign(_statement_bytes(statement))).decode("ascii"),
        "credential": base64.b64encode(credential_file(credential)).decode("ascii"),
    }


def check_activation(activation: Any, ek_pem: str, ak_name: bytes, trust: TrustList) -> str | None:
    """None when ``activation`` proves ``ak_name`` was activated against this EK; else the missing link.

    Args:
        activation: the evidence's ``activation`` object (``statement``, ``signature``, ``secret``).
        ek_pem: the EK certificate whose chain was already checked.
        ak_name: the name of the AK that signed the quote.
        trust: the verifier's trust list (its challengers).
    """
    from computegov.errors import LedgerError
    from computegov.ledger.signing import load_public_key, verify_signature

    if not isinstance(activation, Mapping):
        return "AK not activated against that EK: the evidence carries no credential activation"
    statement, secret_hex = activation.get("statement"), activation.get("secret")
    if not isinstance(statement, Mapping) or statement.get("type") != ACTIVATION_TYPE:
        return f"AK not activated against that EK: activation statement is not a {ACTIVATION_TYPE} object"
    key_hex = str(statement.get("challenger_public_key", ""))
    challenger = trust.challenger(key_hex)
    if challenger is None:
        return (
            f"AK activation was challenged by {str(statement.get('challenger'))[:40]!r} "
            f"(key {key_hex[:16]}...), who is not among the trust file's tpm_activation_challengers"
        )
    try:
        signature = base64.b64decode(str(activation.get("signature", "")), validate=True)
        verify_signature(load_public_key(challenger.public_key_hex), signature, _statement_bytes(statement))
    except (ValueError, InputError, LedgerError) as err:  # SignatureError is a LedgerError
        return f"AK activation statement's signature by challenger {challenger.name} does not verify ({err})"
    try:
        ek_id = ek_certificate_sha256(ek_pem)
    except ValueError:
        return "AK not activated against that EK: the EK certificate does not parse"
    if statement.get("ek_certificate_sha256") != ek_id:
        return "AK was activated against a different EK certificate than the one in the evidence"
    if statement.get("ak_name") != ak_name.hex():
        return "AK not activated: the activation names another AK (its TPM name differs)"
    try:
        secret = bytes.fromhex(str(secret_hex))
    except ValueError:
        secret = b""
    if hashlib.sha256(secret).hexdigest() != statement.get("secret_sha256"):
        return (
            "AK not activated against that EK: the revealed secret does not match the challenge "
            "(no TPM holding that EK decrypted it for this AK)"
        )
    return None
