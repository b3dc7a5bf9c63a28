"""The verifier's trust file: which TPM manufacturers, challengers and location landmarks it trusts.

A JSON file the auditor writes (never the party being audited)::

    {
      "tpm_ek_ca_pem": ["-----BEGIN CERTIFICATE-----...", "cas/vendor-ek-ca.pem", ...],
      "tpm_activation_challengers": [
        {"name": "auditor-1", "public_key": "<Ed25519 raw public key, 64 hex digits>"}, ...
      ],
      "tpm_ak_sha256": ["<sha256 hex of an AK's DER SubjectPublicKeyInfo>", ...],
      "landmarks": [
        {"name": "sin-1", "lat": 1.29, "lon": 103.85,
         "public_key": "<Ed25519 raw public key, 64 hex digits>"}, ...
      ]
    }

``tpm_ek_ca_pem`` holds the TPM manufacturers' EK CA certificates, as PEM text or as paths to PEM
files (relative paths are read beside the trust file): the roots an EK certificate chain must
end at. ``tpm_activation_challengers`` are the parties (normally the auditor itself) whose signed
credential-activation challenges the verifier accepts (:mod:`computegov.attest.tpm_activation`).
A quote counts only when its AK was activated against an EK whose chain ends at one of these CAs.
``tpm_ak_sha256`` no longer makes an AK trusted on its own: when non-empty it *also* restricts
which activated AKs are accepted (a pin list).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from computegov.errors import InputError

__all__ = ["Challenger", "Landmark", "TrustList", "key_fingerprint", "load_trust", "parse_trust"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: Trust files are small; refuse anything larger than this (bytes).
MAX_TRUST_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class Landmark:
    """A trusted measuring station: its name, position (degrees) and Ed25519 public key (hex)."""

    name: str
    lat_deg: float
    lon_deg: float
    public_key_hex: str


@dataclass(frozen=True)
class Challenger:
    """A party whose credential-activation challenges the verifier accepts: name and Ed25519 key (hex)."""

    name: str
    public_key_hex: str


@dataclass(frozen=True)
class TrustList:
    """What the verifier trusts: EK CA certificates, activation challengers, AK pins, landmarks.

    Attributes:
        tpm_ak_sha256: AK fingerprints; when non-empty, only these (activated) AKs are accepted.
        landmarks: trusted location landmarks.
        tpm_ek_cas: trusted EK CA certificates (``cryptography`` ``Certificate`` objects).
        challengers: trusted credential-activation challengers.
    """

    tpm_ak_sha256: frozenset[str] = frozenset()
    landmarks: tuple[Landmark, ...] = ()
    tpm_ek_cas: tuple[Any, ...] = ()
    challengers: tuple[Challenger, ...] = ()

    def challenger(self, public_key_hex: str) -> Challenger | None:
        """The trusted challenger with this Ed25519 key (None if not trusted)."""
        key = public_key_hex.lower()
        return next((c for c in self.challengers if c.public_key_hex == key), None)

    def landmark(self, name: str) -> Landmark | None:
        """The trusted landmark called ``name`` (None if not trusted)."""
        return next((lm for lm in self.landmarks if lm.name == name), None)


def key_fingerprint(public_key_der: bytes) -> str:
    """SHA-256 hex of a public key's DER SubjectPublicKeyInfo (the trust list's key id)."""
    return hashlib.sha256(public_key_der).hexdigest()


def _landmark(i: int, item: Any, path: Path) -> Landmark:
    where = f"{path}: landmarks[{i}]"
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected an object with name, lat, lon, public_key")
    name, key = item.get("name"), str(item.get("public_key", "")).lower()
    lat, lon = item.get("lat"), item.get("lon")
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}.name: expected a non-empty string, got {name!r}")
    for field, value, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        # ``not <=`` also refuses NaN (every comparison with NaN is false); inf is over the bound
        if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= bound:
            raise InputError(f"{where}.{field}: expected degrees within ±{bound:g}, got {value!r}")
    if not _HEX64.match(key):
        raise InputError(f"{where}.public_key: expected an Ed25519 key as 64 hex digits")
    return Landmark(name, float(lat), float(lon), key)  # type: ignore[arg-type]


def _ek_cas(items: Any, path: Path) -> tuple[Any, ...]:
    """EK CA certificates from PEM texts or PEM file paths (relative to the trust file)."""
    from computegov.attest.ek_chain import load_certificates

    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InputError(f"{path}: tpm_ek_ca_pem must be a list of PEM certificates or PEM file paths")
    out: list[Any] = []
    for i, item in enumerate(items):
        where = f"{path}: tpm_ek_ca_pem[{i}]"
        if "-----BEGIN" in item:
            text = item.encode("ascii", "replace")
        else:
            from computegov.errors import DataError
            from computegov.inputfiles import read_input_bytes

            file = Path(item) if Path(item).is_absolute() else path.parent / item
            try:
                text = read_input_bytes(file, what="EK CA certificate", max_bytes=MAX_TRUST_FILE_BYTES)
            except DataError as err:
                raise InputError(f"{where}: {err}") from err
        try:
            certs = load_certificates(text)
        except ValueError as err:
            raise InputError(f"{where}: not a PEM X.509 certificate ({err})") from err
        out += certs
    return tuple(out)


def _challenger(i: int, item: Any, path: Path) -> Challenger:
    where = f"{path}: tpm_activation_challengers[{i}]"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        raise InputError(f"{where}: expected an object with a non-empty name and a public_key")
    key = str(item.get("public_key", "")).lower()
    if not _HEX64.match(key):
        raise InputError(f"{where}.public_key: expected an Ed25519 key as 64 hex digits")
    from computegov.ledger.signing import load_public_key

    try:
        load_public_key(key)  # refuses small-order and non-canonical keys, naming why
    except InputError as err:
        raise InputError(f"{where}.public_key: {err}") from err
    return Challenger(item["name"], key)


def parse_trust(data: Any, path: Path = Path("<trust>")) -> TrustList:
    """A :class:`TrustList` from the decoded JSON of a trust file.

    Raises:
        InputError: a field is missing or malformed (the message names it).
    """
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: expected a JSON object with tpm_ek_ca_pem, tpm_activation_challengers, "
            "tpm_ak_sha256 and/or landmarks"
        )
    fps = data.get("tpm_ak_sha256", [])
    if not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
        raise InputError(f"{path}: tpm_ak_sha256 must be a list of 64-hex-digit strings")
    bad = [f for f in fps if not _HEX64.match(f.lower())]
    if bad:
        raise InputError(f"{path}: tpm_ak_sha256 entry {bad[0]!r} is not 64 hex digits")
    items = data.get("landmarks", [])
    if not isinstance(items, list):
        raise InputError(f"{path}: landmarks must be a list")
    landmarks = tuple(_landmark(i, item, path) for i, item in enumerate(items))
    challengers = data.get("tpm_activation_challengers", [])
    if not isinstance(challengers, list):
        raise InputError(f"{path}: tpm_activation_challengers must be a list")
    return TrustList(
        frozenset(f.lower() for f in fps),
        landmarks,
        _ek_cas(data.get("tpm_ek_ca_pem", []), path),
        tuple(_challenger(i, c, path) for i, c in enumerate(challengers)),
    )


def load_trust(path: str | Path) -> TrustList:
    """Read a trust file (a regular file of at most :data:`MAX_TRUST_FILE_BYTES`, depth-limited JSON).

    Raises:
        InputError: the file is missing, not a regular file (a FIFO, device or directory is
            refused, never read), too large, not JSON, or malformed.
    """
    from computegov.errors import DataError
    from computegov.inputfiles import read_input_json

    p = Path(path)
    try:
        data = read_input_json(p, what="trust file", max_bytes=MAX_TRUST_FILE_BYTES)
    except DataError as err:  # the message names the file and what was expected
        raise InputError(str(err)) from err
    return parse_trust(data, p)
