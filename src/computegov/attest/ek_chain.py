"""The endorsement key's certificate chain, checked against the verifier's EK CA certificates.

A TPM manufacturer certifies each TPM's endorsement key (EK) in an X.509 certificate written to
the TPM's NV memory (TCG EK Credential Profile v2.5 rev. 2, §2.2.1.5: NV index 0x01C00002 for
the RSA 2048 EK certificate, 0x01C0000A for ECC P-256; read 2026-12-07). A verifier trusts the
manufacturers' CA certificates, not individual TPMs. The path is built and checked with
``cryptography``'s X.509 verifier (signatures, validity at the verifier's time, CA basic
constraints and key usage on the issuers; RFC 5280 profile). On the EK certificate itself the
TCG profile applies instead of the web PKI's: key usage ``keyEncipherment`` (RSA) or
``keyAgreement`` (ECC) (profile §3.2.7), and, when an extended key usage is present, it names
``tcg-kp-EKCertificate`` 2.23.133.8.1 (profile §3.2.16).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["TCG_KP_EK_CERTIFICATE", "EkChain", "check_ek_chain", "load_certificates"]

#: TCG EK Credential Profile v2.5 §3.2.16: the EK certificate's extended key usage OID.
TCG_KP_EK_CERTIFICATE = "2.23.133.8.1"


@dataclass(frozen=True)
class EkChain:
    """Outcome of checking an EK certificate chain.

    Attributes:
        problem: None when the chain verifies to a trusted CA; otherwise the missing link.
        ek_public: the EK's public key (cryptography object) when the chain verifies.
        ca_subject: the trusted CA the chain ends at (RFC 4514 text).
        ek_serial: the EK certificate's serial number (hex).
    """

    problem: str | None
    ek_public: Any = None
    ca_subject: str = ""
    ek_serial: str = ""


def load_certificates(pem: str | bytes) -> list[Any]:
    """Every X.509 certificate in PEM text (one or more ``BEGIN CERTIFICATE`` blocks).

    Raises:
        ValueError: no certificate, or a block that does not parse.
    """
    from cryptography import x509

    data = pem.encode("ascii") if isinstance(pem, str) else pem
    certs = x509.load_pem_x509_certificates(data)
    if not certs:
        raise ValueError("no PEM certificate found")
    return certs


def _name(cert: Any) -> str:
    return str(cert.subject.rfc4514_string() or "(empty subject)")


def _leaf_problem(leaf: Any) -> str | None:
    """None when the EK certificate's own extensions fit the TCG EK profile (module docstring)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "EK certificate has no key usage extension (TCG EK profile requires one)"
    key = leaf.public_key()
    if isinstance(key, rsa.RSAPublicKey) and not usage.key_encipherment:
        return "EK certificate's key usage lacks keyEncipherment: not an RSA endorsement key"
    if isinstance(key, ec.EllipticCurvePublicKey) and not usage.key_agreement:
        return "EK certificate's key usage lacks keyAgreement: not an ECC endorsement key"
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return f"EK certificate holds a {type(key).__name__}, not an RSA or ECC key"
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if TCG_KP_EK_CERTIFICATE not in {oid.dotted_string for oid in eku}:
        return f"EK certificate's extended key usage does not name tcg-kp-EKCertificate ({TCG_KP_EK_CERTIFICATE})"
    return None


def _signed_by(cert: Any, issuer: Any) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # InvalidSignature and unsupported algorithms
        return False
    return True


def check_ek_chain(
    ek_pem: Any, chain_pem: Any, roots: Sequence[Any], at: dt.datetime | None = None
) -> EkChain:
    """Check an EK certificate (and intermediates) against trusted EK CA certificates.

    Args:
        ek_pem: the EK certificate, PEM text (from the evidence; may be anything).
        chain_pem: intermediate CA certificates, a list of PEM texts (may be anything).
        roots: the trusted EK CA certificates (cryptography ``Certificate`` objects).
        at: the verification time (default: now, UTC).

    Returns:
        An :class:`EkChain`; its ``problem`` names the missing link when the chain fails.
    """
    from cryptography.x509 import verification as v

    if not isinstance(ek_pem, str) or not ek_pem.strip():
        return EkChain("no EK chain: the evidence carries no EK certificate")
    try:
        leaf = load_certificates(ek_pem)[0]
    except ValueError as err:
        return EkChain(f"no EK chain: the EK certificate is not PEM X.509 ({err})")
    if chain_pem is None:
        chain_pem = []
    if not isinstance(chain_pem, list) or not all(isinstance(c, str) for c in chain_pem):
        return EkChain("EK chain: intermediates must be a list of PEM certificates")
    try:
        intermediates = [c for text in chain_pem for c in load_certificates(text)]
    except ValueError as err:
        return EkChain(f"EK chain: an intermediate certificate is not PEM X.509 ({err})")
    if not roots:
        return EkChain(
            "EK chain cannot be checked: the trust file lists no EK CA certificates (tpm_ek_ca_pem)"
        )
    top = leaf
    by_subject = {c.subject: c for c in intermediates}
    for _ in range(len(intermediates) + 1):  # walk up by names to say where the chain ends
        if top.issuer in {r.subject for r in roots} or top.issuer not in by_subject:
            break
        top = by_subject[top.issuer]
    if top.issuer not in {r.subject for r in roots}:
        return EkChain(
            f"EK chain ends at an untrusted CA: issuer '{top.issuer.rfc4514_string()}' is not "
            "among the trust file's EK CA certificates"
        )
    if not any(_signed_by(top, r) for r in roots if r.subject == top.issuer):
        return EkChain(
            f"EK chain ends at an untrusted CA: '{top.issuer.rfc4514_string()}' is the name of a "
            "trusted EK CA, but no trusted CA of that name signed the certificate"
        )
    when = at or dt.datetime.now(dt.UTC)
    policy = (
        v.PolicyBuilder()
        .store(v.Store(list(roots)))
        .time(when)
        .extension_policies(
            ca_policy=v.ExtensionPolicy.webpki_defaults_ca(), ee_policy=v.ExtensionPolicy.permit_all()
        )
    )
    try:
        verified = policy.build_client_verifier().verify(leaf, intermediates)
    except v.VerificationError as err:
        return EkChain(f"EK chain to a trusted CA name does not verify: {err}")
    why = _leaf_problem(leaf)
    if why:
        return EkChain(why)
    return EkChain(None, leaf.public_key(), _name(verified.chain[-1]), f"{leaf.serial_number:x}")
