"""Who signed a report, and whether the submitting organisation registered that key.

A report belongs to its signer: the registry accepts a report only from an organisation that
has *registered* the Ed25519 public key that signed its DSSE envelope. Keys are registered by
the registry operator (``computegov registry key add ORG KEY.pub`` or
:meth:`~computegov.registry.keys.SigningKeys.add_key`), never by a request field, so nobody can
claim a report signed by another lab (squatting) or make the registry trust a key they supplied.

Pure functions here; the store looks keys up. Key ids are securesystemslib's default for
Ed25519 (SHA-256 of the canonical key JSON), the same as :func:`computegov.ledger.signing.key_id`
(copied so that the registry also runs in a build without the ledger module; a test keeps the two
equal).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from computegov.registry.errors import ForbiddenError, SubmissionError

__all__ = [
    "SignerKey",
    "envelope_keyids",
    "key_id",
    "parse_key",
    "resolve_signer",
    "signed_by",
    "unverified_signatures",
]

_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclasses.dataclass(frozen=True)
class SignerKey:
    """A registered signing key, as the resolver sees it.

    Attributes:
        keyid: key id (64 hex).
        organisation: the organisation it is registered to.
        public_key_pem: the key, PEM (SubjectPublicKeyInfo).
        live: False once revoked.
        registered_unix_s: when it was registered, Unix s (None: not known); a run recorded
            before it is not verified (the verifier's ``key_registered_unix_s``).
    """

    keyid: str
    organisation: str
    public_key_pem: str
    live: bool = True
    registered_unix_s: float | None = None


def key_id(raw_public_key: bytes) -> str:
    """securesystemslib's default key id of an Ed25519 key from its 32 raw bytes (64 hex)."""
    canonical = json.dumps(
        {"keytype": "ed25519", "keyval": {"public": raw_public_key.hex()}, "scheme": "ed25519"},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_key(text: str, field: str = "public_key") -> tuple[str, str]:
    """An Ed25519 public key given as PEM or as 64 hex digits: its key id and its PEM.

    Args:
        text: PEM (``-----BEGIN PUBLIC KEY-----``) or the raw key as 64 hex digits.
        field: named in the error.

    Returns:
        ``(keyid, pem)``.

    Raises:
        SubmissionError: not an Ed25519 public key in either form.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(text, str):
        raise SubmissionError(field, "expected an Ed25519 public key (PEM or 64 hex digits)")
    stripped = text.strip()
    try:
        if _HEX_KEY.fullmatch(stripped):
            key: Any = Ed25519PublicKey.from_public_bytes(bytes.fromhex(stripped))
        elif stripped.startswith("-----BEGIN PUBLIC KEY-----"):
            key = serialization.load_pem_public_key(stripped.encode("ascii"))
        else:
            raise SubmissionError(field, "expected an Ed25519 public key: PEM (-----BEGIN PUBLIC KEY-----) "
                                  "or the raw key as 64 hex digits")
    except (ValueError, UnicodeEncodeError, TypeError) as err:
        raise SubmissionError(field, "not a loadable public key (PEM or 64 hex digits)") from err
    if not isinstance(key, Ed25519PublicKey):
        raise SubmissionError(field, f"expected an Ed25519 key, got {type(key).__name__}")
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    from computegov.ledger.signing import public_key_problem

    why = public_key_problem(raw)  # small-order, mixed-order, non-canonical: refused
    if why:
        raise SubmissionError(field, f"Ed25519 public key refused: {why}")
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key_id(raw), pem.decode("ascii")


def _pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding (DSSE spec, protocol.md)."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(t), t, len(payload), payload)


def signed_by(envelope: Mapping[str, Any], public_key_pem: str) -> bool:
    """True when some signature of the DSSE ``envelope`` verifies under ``public_key_pem``.

    Every signature is tried, whatever ``keyid`` it claims (the keyid is only a hint).
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key: Any = load_pem_public_key(public_key_pem.encode("ascii"))
        payload = base64.b64decode(str(envelope["payload"]), validate=True)
        message = _pae(str(envelope["payloadType"]), payload)
        signatures = list(envelope["signatures"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return False
    from computegov.errors import SignatureError
    from computegov.ledger.signing import verify_signature

    for sig in signatures:
        try:  # strict (libsodium): small-order keys and R, S >= L refused
            verify_signature(key, base64.b64decode(str(sig["sig"]), validate=True), message)
        except (InvalidSignature, SignatureError, KeyError, TypeError, ValueError, binascii.Error):
            continue
        return True
    return False


def unverified_signatures(envelope: Mapping[str, Any], public_keys_pem: Iterable[str]) -> list[tuple[int, str]]:
    """The signatures of ``envelope`` that no key in ``public_keys_pem`` verifies: ``(index, keyid)``.

    A submission is accepted only when this is empty for the submitter's live keys: every
    signature on it must verify and be the submitter's, so nobody can append a signature to
    another organisation's envelope, or carry along one that does not verify. A signature that
    names a ``keyid`` counts only under the key with that id (a mislabelled signature would
    pass here yet fail ``computegov verify --key``, which picks signatures by key id).
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys: list[tuple[Any, str]] = []
    for pem in public_keys_pem:
        try:
            key = load_pem_public_key(pem.encode("ascii"))
            raw_key = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        except (ValueError, TypeError, UnicodeEncodeError):
            continue
        keys.append((key, key_id(raw_key)))
    signatures = envelope.get("signatures")
    signatures = signatures if isinstance(signatures, list) else []
    try:
        message = _pae(str(envelope["payloadType"]), base64.b64decode(str(envelope["payload"]), validate=True))
    except (KeyError, TypeError, ValueError, binascii.Error):
        return [(i, "") for i in range(len(signatures))]
    out: list[tuple[int, str]] = []
    for i, sig in enumerate(signatures):
        keyid = str(sig.get("keyid", "")) if isinstance(sig, Mapping) else ""
        try:
            raw = base64.b64decode(str(sig["sig"]), validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            out.append((i, keyid))
            continue
        for key, kid in keys:
            if keyid and keyid != kid:  # a signature labelled with another key's id is not this key's
                continue
            try:
                key.verify(raw, message)
            except (InvalidSignature, TypeError, ValueError):
                continue
            break
        else:
            out.append((i, keyid))
    return out


def envelope_keyids(envelope: Mapping[str, Any], statement: Mapping[str, Any] | None = None) -> list[str]:
    """Key ids a report names for its signer, the real one first.

    Each signature's ``keyid`` and the predicate's ``signer.keyid``, plus (first) the id of
    ``signer.public_key_pem`` when that key really signed the envelope.
    """
    out: list[str] = [
        sig["keyid"] for sig in envelope.get("signatures") or []
        if isinstance(sig, Mapping) and isinstance(sig.get("keyid"), str) and sig["keyid"]
    ]
    predicate = (statement or {}).get("predicate")
    signer = predicate.get("signer") if isinstance(predicate, Mapping) else None
    if isinstance(signer, Mapping):
        pem = signer.get("public_key_pem")
        if isinstance(pem, str):
            try:
                kid, pem_norm = parse_key(pem)
            except SubmissionError:
                pass
            else:
                if signed_by(envelope, pem_norm):
                    out.insert(0, kid)  # the id it really has, first
        if isinstance(signer.get("keyid"), str) and signer["keyid"]:
            out.append(signer["keyid"])
    return list(dict.fromkeys(out))


def resolve_signer(
    organisation: str,
    envelope: Mapping[str, Any],
    statement: Mapping[str, Any],
    own_keys: Iterable[SignerKey],
    lookup: Mapping[str, SignerKey],
    hint_pem: str | None = None,
) -> SignerKey:
    """The submitting organisation's registered key that signed ``envelope``.

    Args:
        organisation: the submitting organisation (from its API token).
        envelope: the DSSE envelope.
        statement: its decoded Statement (for the signer the report names, in messages).
        own_keys: the organisation's *live* registered keys.
        lookup: registered keys (live or revoked, any organisation) by key id, for every key
            id the report names (:func:`envelope_keyids`); used only to explain a refusal.
        hint_pem: the request's ``public_key``: only narrows the search to that key, which
            must be one of ``own_keys``.

    Returns:
        The registered key whose signature verifies.

    Raises:
        ForbiddenError: (HTTP 403) no live key registered to ``organisation`` signed the
            envelope; the message names the signer's key id and why (unregistered, revoked,
            registered to another organisation, or the hint is not a registered key).
        SubmissionError: ``hint_pem`` is not a loadable Ed25519 key (HTTP 422).
    """
    keys = list(own_keys)
    if hint_pem is not None:
        hint_id, _pem = parse_key(hint_pem)
        keys = [k for k in keys if k.keyid == hint_id]
        if not keys:
            raise ForbiddenError(
                f"public_key: key {hint_id} is not registered to organisation {organisation!r}; "
                "the body's public_key only names a registered key, it never makes one trusted "
                "(the registry operator registers keys: computegov registry key add ORG KEY.pub)",
                keyid=hint_id,
            )
    for key in keys:
        if signed_by(envelope, key.public_key_pem):
            return key
    named = envelope_keyids(envelope, statement)
    signer = named[0] if named else "(none named)"
    for kid in named:
        known = lookup.get(kid)
        if known is None or not signed_by(envelope, known.public_key_pem):
            continue
        if known.organisation != organisation:
            raise ForbiddenError(
                f"report signed by key {kid}, which is registered to another organisation; "
                f"{organisation!r} can submit only reports signed by its own registered keys",
                keyid=kid,
            )
        if not known.live:
            raise ForbiddenError(
                f"report signed by key {kid}, which was revoked for {organisation!r}; "
                "reports signed by a revoked key are not accepted",
                keyid=kid,
            )
    raise ForbiddenError(
        f"report signed by unregistered key {signer}: no key registered to {organisation!r} "
        "verifies its signature (the registry operator registers keys: "
        "computegov registry key add ORG KEY.pub)",
        keyid=named[0] if named else None,
    )
