"""Quotes made in software, shaped exactly like a TPM's: for tests and benchmarks without a TPM.

A verifier cannot tell such a quote from a TPM's by its bytes. What separates them is the AK's
provenance: an EK certificate issued by a manufacturer CA the verifier trusts, and credential
activation against that EK. :class:`SoftwareTpm` plays a whole manufacturer (its own CA, an EK
certified by it, an AK claiming TPM attributes), so its evidence verifies only for a verifier
who trusts that made-up CA: which no real verifier's trust file lists.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from computegov.attest.tpm_checker import EVIDENCE_FORMAT
from computegov.attest.tpm_format import ClockInfo, PcrBank, QuoteInfo, encode_quote, pcr_digest
from computegov.attest.trust import key_fingerprint

__all__ = ["SoftwareTpm", "ek_certificate", "make_test_ca", "software_quote_evidence"]

#: TCG EK Credential Profile v2.5 §3.2.16: tcg-kp-EKCertificate.
_EK_EKU = "2.23.133.8.1"


def software_quote_evidence(
    nonce: bytes,
    ak: Any,
    *,
    pcr_values: dict[int, bytes] | None = None,
    bank: str = "sha256",
    scheme: str = "ecdsa-sha256",
) -> dict[str, Any]:
    """``tpm2-quote`` evidence signed by ``ak`` (a cryptography EC P-256 or RSA private key).

    The evidence carries no AK public area, EK chain or activation (see :class:`SoftwareTpm`
    for those), so a verifier fails it with "no AK public area" after checking the quote.

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


def _pem(cert: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return str(cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))


def make_test_ca(common_name: str = "computegov test EK CA", days: int = 30) -> tuple[Any, Any]:
    """(private key, self-signed CA certificate) of a throw-away EK CA (RSA 2048, SHA-256).

    For tests: generated at run time, never written anywhere but a test's own directory.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def ek_certificate(ca_key: Any, ca_cert: Any, ek_public: Any, *, key_usage: str = "keyEncipherment",
                    not_after: dt.datetime | None = None) -> Any:
    """An EK certificate in the TCG profile's shape, issued by ``ca_cert``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ObjectIdentifier

    now = dt.datetime.now(dt.UTC)
    usage = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
    usage[{"keyEncipherment": "key_encipherment", "keyAgreement": "key_agreement",
           "digitalSignature": "digital_signature"}[key_usage]] = True
    tpm_name = x509.Name([
        x509.NameAttribute(ObjectIdentifier("2.23.133.2.1"), "id:00001014"),
        x509.NameAttribute(ObjectIdentifier("2.23.133.2.2"), "software"),
        x509.NameAttribute(ObjectIdentifier("2.23.133.2.3"), "id:20191023"),
    ])
    return (
        x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca_cert.subject)
        .public_key(ek_public).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DirectoryName(tpm_name)]), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ObjectIdentifier(_EK_EKU)]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )


@dataclass
class SoftwareTpm:
    """A TPM and its manufacturer played in software: CA, certified RSA 2048 EK, ECDSA P-256 AK.

    Attributes:
        ca_key, ca_cert: the made-up manufacturer's EK CA.
        ek_key, ek_cert: the endorsement key and its certificate.
        ak: the attestation key (private).
        ak_attributes: the TPMA_OBJECT bits its public area claims.
    """

    ca_key: Any
    ca_cert: Any
    ek_key: Any
    ek_cert: Any
    ak: Any
    ak_attributes: tuple[str, ...]

    @classmethod
    def create(cls, ca: tuple[Any, Any] | None = None, *,
               ak_attributes: tuple[str, ...] | None = None, ek_key_usage: str = "keyEncipherment",
               ek_not_after: dt.datetime | None = None) -> SoftwareTpm:
        """A fresh software TPM, certified by ``ca`` (default: a new :func:`make_test_ca`)."""
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        from computegov.attest.tpm_public import AK_REQUIRED_ATTRIBUTES

        ca_key, ca_cert = ca or make_test_ca()
        ek = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = ek_certificate(ca_key, ca_cert, ek.public_key(), key_usage=ek_key_usage,
                               not_after=ek_not_after)
        attrs = ak_attributes if ak_attributes is not None else (*AK_REQUIRED_ATTRIBUTES, "userWithAuth")
        return cls(ca_key, ca_cert, ek, cert, ec.generate_private_key(ec.SECP256R1()), attrs)

    @property
    def ca_pem(self) -> str:
        """The CA certificate, PEM (what a verifier who trusts this "manufacturer" lists)."""
        return _pem(self.ca_cert)

    @property
    def ek_pem(self) -> str:
        """The EK certificate, PEM."""
        return _pem(self.ek_cert)

    @property
    def ak_public_area(self) -> bytes:
        """The AK's TPMT_PUBLIC."""
        from computegov.attest.tpm_public import encode_public

        return encode_public(self.ak.public_key(), attributes=self.ak_attributes)

    def activation_request(self) -> dict[str, Any]:
        """The request a prover sends a challenger (:func:`computegov.attest.tpm_activation.activation_request`)."""
        from computegov.attest.tpm_activation import activation_request

        return activation_request(self.ek_pem, [], self.ak_public_area)

    def activate(self, challenge: dict[str, Any]) -> dict[str, Any]:
        """TPM2_ActivateCredential in software: the activation proof for the evidence."""
        from computegov.attest.tpm_credential import Credential, activate_credential_software
        from computegov.attest.tpm_public import parse_public

        raw = base64.b64decode(challenge["credential"])
        n = int.from_bytes(raw[8:10], "big")
        credential = Credential(raw[10 : 10 + n], raw[12 + n :])
        name = parse_public(self.ak_public_area).name
        secret = activate_credential_software(self.ek_key, name, credential)
        return {"statement": challenge["statement"], "signature": challenge["signature"], "secret": secret.hex()}

    def evidence(self, nonce: bytes, activation: dict[str, Any] | None = None, **quote: Any) -> dict[str, Any]:
        """Full ``tpm2-quote`` evidence: quote, AK public area, EK certificate, activation proof."""
        ev = software_quote_evidence(nonce, self.ak, **quote)
        ev["ak_tpm_public"] = base64.b64encode(self.ak_public_area).decode("ascii")
        ev["ek"] = {"certificate_pem": self.ek_pem, "chain_pem": []}
        if activation is not None:
            ev["activation"] = activation
        return ev
