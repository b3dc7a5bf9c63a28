"""The verifier's trust file: which TPM attestation keys and which location landmarks it trusts.

A JSON file the auditor writes (never the party being audited)::

    {
      "tpm_ak_sha256": ["<sha256 hex of the AK's DER SubjectPublicKeyInfo>", ...],
      "landmarks": [
        {"name": "sin-1", "lat": 1.29, "lon": 103.85,
         "public_key": "<Ed25519 raw public key, 64 hex digits>"}, ...
      ]
    }

An AK fingerprint is what ``computegov attest tpm`` prints (``ak_sha256``); how the auditor came
to trust it (an EK certificate chain and TPM2_ActivateCredential, or enrolment on site) is
outside this file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from computegov.errors import InputError

__all__ = ["Landmark", "TrustList", "key_fingerprint", "load_trust"]

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
class TrustList:
    """What the verifier trusts: AK fingerprints and landmarks by name."""

    tpm_ak_sha256: frozenset[str] = frozenset()
    landmarks: tuple[Landmark, ...] = ()

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
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > bound:
            raise InputError(f"{where}.{field}: expected degrees within ±{bound:g}, got {value!r}")
    if not _HEX64.match(key):
        raise InputError(f"{where}.public_key: expected an Ed25519 key as 64 hex digits")
    return Landmark(name, float(lat), float(lon), key)  # type: ignore[arg-type]


def parse_trust(data: Any, path: Path = Path("<trust>")) -> TrustList:
    """A :class:`TrustList` from the decoded JSON of a trust file.

    Raises:
        InputError: a field is missing or malformed (the message names it).
    """
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object with tpm_ak_sha256 and/or landmarks")
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
    return TrustList(frozenset(f.lower() for f in fps), landmarks)


def load_trust(path: str | Path) -> TrustList:
    """Read a trust file.

    Raises:
        InputError: the file is missing, too large, not JSON, or malformed.
    """
    p = Path(path)
    try:
        if p.stat().st_size > MAX_TRUST_FILE_BYTES:
            raise InputError(f"{p}: trust file over {MAX_TRUST_FILE_BYTES} bytes")
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"cannot read trust file {p}: {err.strerror or err}") from err
    except ValueError as err:
        raise InputError(f"{p}: not valid JSON ({err})") from err
    return parse_trust(data, p)
