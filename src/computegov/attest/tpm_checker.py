"""Check ``tpm2-quote`` evidence: a TPM 2.0 quote bound to this report's ledger head.

The evidence (written by :mod:`computegov.attest.tpm_producer`)::

    {"format": "computegov/tpm2-quote/2",
     "quote": "<base64 TPMS_ATTEST>",
     "signature": {"scheme": "ecdsa-sha256" | "rsassa-sha256" | "rsapss-sha256",
                   "value": "<base64; DER for ECDSA>"},
     "ak_public_pem": "<the attestation key, PEM SubjectPublicKeyInfo>",
     "pcrs": {"sha256": {"0": "<hex>", ...}},
     "ak_tpm_public": "<base64 TPM2B_PUBLIC of the AK: its attributes and name>",
     "ek": {"certificate_pem": "<the TPM's EK certificate>", "chain_pem": ["<intermediate>", ...]},
     "activation": {"statement": {...}, "signature": "<base64>", "secret": "<hex>"},
     "clock": {...}, "tpm": {...}}          # informational; the checker reads the quote itself

A quote counts only when every link holds, each named when it fails: the quote's signature by
the AK, the PCR digest, the binding to this ledger's head; the AK's TPM public area matches the
signing key and has an AK's attributes (:mod:`.tpm_public`); the EK certificate chains to an EK
CA in the verifier's trust file (:mod:`.ek_chain`); and the AK was activated against that EK by
a challenger the verifier trusts (:mod:`.tpm_activation`). Evidence in the older format
``computegov/tpm2-quote/1`` carries none of the last three and fails, saying so.

What passing proves: a TPM certified by a trusted manufacturer, holding the private half of the
AK, signed, after the ledger's head hash existed, that its PCRs held these values. It does not
prove the PCR values describe a good platform (compare them with your reference values), nor
anything about the FLOP counted.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping
from typing import Any

from computegov.attest.tpm_format import QuoteFormatError, parse_quote, pcr_digest
from computegov.attest.tpm_public import ak_attribute_problem, parse_public
from computegov.attest.trust import TrustList, key_fingerprint
from computegov.ledger.attestation import AttestationResult

__all__ = [
    "ACCEPTED_BANKS",
    "ACCEPTED_SCHEMES",
    "EVIDENCE_FORMAT",
    "LEGACY_FORMAT",
    "TYPE",
    "TpmQuoteChecker",
    "ak_fingerprint",
    "verify_quote_signature",
]

TYPE = "tpm2-quote"
EVIDENCE_FORMAT = "computegov/tpm2-quote/2"
#: The first format: an AK and a quote, with no proof that the AK lives in a TPM.
LEGACY_FORMAT = "computegov/tpm2-quote/1"
#: PCR banks accepted: SHA-1 is refused (chosen-prefix collisions, Leurent & Peyrin 2020,
#: https://eprint.iacr.org/2020/014).
ACCEPTED_BANKS = frozenset({"sha256", "sha384", "sha512"})
#: Signature schemes accepted (hash after the dash).
ACCEPTED_SCHEMES = frozenset(
    {"ecdsa-sha256", "ecdsa-sha384", "rsassa-sha256", "rsassa-sha384", "rsapss-sha256"}
)
#: NIST SP 800-57 Part 1 rev. 5 (https://doi.org/10.6028/NIST.SP.800-57pt1r5), table 2:
#: RSA below 2048 bits is not acceptable for signatures.
MIN_RSA_BITS = 2048


def _fail(why: str) -> AttestationResult:
    return AttestationResult("checked", False, TYPE, why)


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what} missing or not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as err:
        raise ValueError(f"{what} is not base64 ({err})") from err


def verify_quote_signature(pem: str, scheme: str, signature: bytes, message: bytes) -> str | None:
    """None when the signature verifies; otherwise why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    try:
        key = _load_key(pem)
    except (ValueError, UnicodeEncodeError) as err:
        return f"AK public key is not a PEM public key ({err})"
    kind, _, hash_name = scheme.partition("-")
    algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384()}[hash_name]
    try:
        if kind == "ecdsa":
            if not isinstance(key, ec.EllipticCurvePublicKey):
                return f"signature scheme {scheme} needs an EC key, the AK is {type(key).__name__}"
            if key.curve.name not in ("secp256r1", "secp384r1"):
                return f"AK curve {key.curve.name} is not accepted (P-256 or P-384)"
            key.verify(signature, message, ec.ECDSA(algorithm))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                return f"signature scheme {scheme} needs an RSA key, the AK is {type(key).__name__}"
            if key.key_size < MIN_RSA_BITS:
                return f"AK is RSA-{key.key_size}; at least {MIN_RSA_BITS} bits are required"
            pad = (
                padding.PKCS1v15()
                if kind == "rsassa"
                else padding.PSS(padding.MGF1(algorithm), padding.PSS.AUTO)
            )
            key.verify(signature, message, pad, algorithm)
    except InvalidSignature:
        return "quote signature does not verify with the AK in the evidence"
    return None


@functools.lru_cache(maxsize=256)
def _load_key(pem: str) -> Any:
    """The public key of a PEM text (cached: one verifier sees the same few AKs again and again)."""
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_public_key(pem.encode("ascii"))


@functools.lru_cache(maxsize=256)
def _ak_der(pem: str) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return _load_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ak_fingerprint(pem: str) -> str:
    """The trust-list fingerprint of an AK given as PEM (SHA-256 of its DER SubjectPublicKeyInfo).

    Raises:
        ValueError: not a PEM public key.
    """
    return key_fingerprint(_ak_der(pem))


class TpmQuoteChecker:
    """Checker for ``tpm2-quote`` evidence (see the module docstring).

    Args:
        trust: the verifier's trust list (EK CA certificates, activation challengers, optional AK
            pins); None (as when loaded through the entry point without a trust file) trusts no
            key, so every quote fails with that reason.
    """

    type = TYPE

    def __init__(self, trust: TrustList | None = None) -> None:
        self.trust = trust

    def check(self, evidence: Any, statement: Mapping[str, Any]) -> AttestationResult:
        """Verify the quote's signature, PCR digest, binding to the ledger head and AK trust."""
        if not isinstance(evidence, Mapping) or evidence.get("format") not in (
            EVIDENCE_FORMAT, LEGACY_FORMAT
        ):
            return _fail(f"evidence is not a {EVIDENCE_FORMAT} object")
        try:
            quote_bytes = _b64(evidence.get("quote"), "quote")
            raw_sig = evidence.get("signature")
            sig: Mapping[str, Any] = raw_sig if isinstance(raw_sig, Mapping) else {}
            signature = _b64(sig.get("value"), "signature.value")
        except ValueError as err:
            return _fail(str(err))
        scheme, pem = sig.get("scheme"), evidence.get("ak_public_pem")
        if scheme not in ACCEPTED_SCHEMES:
            return _fail(
                f"wrong algorithm: signature scheme {scheme!r} is not accepted "
                f"({', '.join(sorted(ACCEPTED_SCHEMES))})"
            )
        if not isinstance(pem, str):
            return _fail("ak_public_pem missing")
        try:
            quote = parse_quote(quote_bytes)
        except QuoteFormatError as err:
            return _fail(f"malformed quote: {err}")
        for bank in quote.banks:
            if bank.hash_alg not in ACCEPTED_BANKS:
                return _fail(
                    f"wrong algorithm: PCR bank {bank.hash_alg} is not accepted "
                    f"({', '.join(sorted(ACCEPTED_BANKS))})"
                )
        why = verify_quote_signature(pem, str(scheme), signature, quote_bytes)
        if why is not None:
            return _fail(why)
        why = self._pcr_problem(quote, evidence.get("pcrs"), str(scheme))
        if why is not None:
            return _fail(why)
        ledger = (statement.get("predicate") or {}).get("ledger") or {}
        head = ledger.get("head_hash") if isinstance(ledger, Mapping) else None
        try:
            expected = bytes.fromhex(head) if isinstance(head, str) else None
        except ValueError:
            expected = None
        if expected is None or not isinstance(head, str):
            return _fail("the report names no ledger head hash to bind the quote to")
        if quote.extra_data != expected:
            return _fail(
                f"quote is not bound to this ledger: its qualifying data is "
                f"{quote.extra_data.hex()[:16]}..., this report's ledger head is {head[:16]}... "
                "(replayed evidence from another run?)"
            )
        fingerprint = key_fingerprint(_ak_der(pem))
        if self.trust is None:
            return _fail(
                f"AK {fingerprint[:16]}... cannot be trusted: no TPM trust list was given "
                "(computegov verify --attest-trust FILE)"
            )
        if evidence.get("format") == LEGACY_FORMAT:
            return _fail(
                f"evidence format {LEGACY_FORMAT} carries no EK certificate chain and no credential "
                "activation, so nothing shows the AK lives in a TPM (no EK chain); re-attest with "
                "computegov attest tpm --activation"
            )
        why, proof = _tpm_residency(evidence, fingerprint, self.trust)
        if why is not None:
            return _fail(why)
        banks = "; ".join(f"{b.hash_alg}:{','.join(map(str, b.pcrs))}" for b in quote.banks)
        c = quote.clock
        return AttestationResult(
            "checked",
            True,
            TYPE,
            f"TPM quote by trusted AK {fingerprint[:16]}... ({proof}) over PCRs {banks} is bound "
            f"to ledger head {head[:16]}...; TPM clock {c.clock_ms} ms, resets {c.reset_count}, "
            f"restarts {c.restart_count}",
        )

    @staticmethod
    def _pcr_problem(quote: Any, pcrs: Any, scheme: str) -> str | None:
        """None when the PCR values hash to the quoted digest; otherwise why not.

        The digest is taken with the signing scheme's hash over every selected PCR, bank by bank
        in selection order (TPM 2.0 Library Part 3, TPM2_Quote; Part 1 §17.6.3 PCR digest).
        """
        if not isinstance(pcrs, Mapping):
            return "evidence lacks the PCR values ('pcrs')"
        chunks: list[bytes] = []
        for bank in quote.banks:
            values = pcrs.get(bank.hash_alg)
            if not isinstance(values, Mapping):
                return f"evidence lacks the {bank.hash_alg} PCR values the quote covers"
            try:
                chunks += [bytes.fromhex(str(values[str(i)])) for i in bank.pcrs]
            except (KeyError, ValueError):
                return f"evidence lacks a readable value for a quoted {bank.hash_alg} PCR"
            extra = sorted(set(values) - {str(i) for i in bank.pcrs})
            if extra:
                return f"evidence lists {bank.hash_alg} PCRs {extra} the quote does not cover"
        if pcr_digest(scheme.partition("-")[2], chunks) != quote.pcr_digest:
            listed = "; ".join(f"{b.hash_alg}:{list(b.pcrs)}" for b in quote.banks)
            return f"PCR values do not match the quoted digest ({listed}): a PCR value was edited"
        return None


def _tpm_residency(evidence: Mapping[str, Any], fingerprint: str, trust: TrustList) -> tuple[str | None, str]:
    """(None, how it was proven) when the AK is shown to live in a certified TPM; else (the missing link, "")."""
    from computegov.attest.ek_chain import check_ek_chain
    from computegov.attest.tpm_activation import check_activation

    try:
        ak = parse_public(_b64(evidence.get("ak_tpm_public"), "ak_tpm_public"))
    except (ValueError, QuoteFormatError) as err:
        return f"no AK public area to show a TPM key: {err}", ""
    try:
        key_der = ak.public_der()
    except ValueError as err:  # an ECC point off its curve, or the identity
        return f"AK public area holds an invalid key ({err})", ""
    if key_fingerprint(key_der) != fingerprint:
        return "AK public area is not the key that signed the quote", ""
    why = ak_attribute_problem(ak)
    if why:
        return why, ""
    ek = evidence.get("ek")
    ek = ek if isinstance(ek, Mapping) else {}
    chain = check_ek_chain(ek.get("certificate_pem"), ek.get("chain_pem"), trust.tpm_ek_cas)
    if chain.problem:
        return chain.problem, ""
    why = check_activation(evidence.get("activation"), str(ek["certificate_pem"]), ak.name, trust)
    if why:
        return why, ""
    if trust.tpm_ak_sha256 and fingerprint not in trust.tpm_ak_sha256:
        return f"AK {fingerprint[:16]}... is activated but not in the trust list's AK pins (tpm_ak_sha256)", ""
    statement = evidence["activation"]["statement"]
    challenger = trust.challenger(str(statement["challenger_public_key"]))
    return None, (
        f"activated by {challenger.name if challenger else '?'} against EK {chain.ek_serial[:16]} "
        f"certified by {chain.ca_subject}"
    )
