"""The delay-based location protocol: landmarks time signed nonces; evidence for ``location-rtt``.

One round, for each landmark (a trusted station with a known position and an Ed25519 key):

1. the landmark draws a fresh 32-byte random value and sends the nonce
   ``SHA-256(ledger_head || random)`` (so the measurement is tied to this run);
2. the prover signs the nonce with the chip's key and answers: a TPM quote with the nonce as
   qualifying data, signed by the TPM's attestation key, where the chip has a TPM
   (:class:`computegov.attest.tpm_producer.TpmProver`), else an Ed25519 signature by the ledger
   key (:class:`Ed25519Prover`);
3. the landmark stops its clock, checks the answer's signature over *its* nonce (a replayed
   answer signs another nonce and is refused), and signs the measurement: landmark, nonce,
   ledger head, prover key, the prover's signature, RTT and time.

The transport is a callable, so the same code runs over a real network, a test fake, or the
physical simulation (:class:`SimulatedLink`), whose clock advances by the light-in-fibre time
plus whatever delay the prover adds.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.attest.geo import FIBRE_KM_PER_S, great_circle_km, rtt_for_distance_s
from computegov.errors import InputError
from computegov.ledger.records import canonical_json
from computegov.ledger.signing import Signer, pae, public_key_hex

__all__ = [
    "EVIDENCE_FORMAT",
    "MEASUREMENT_TYPE",
    "RESPONSE_TYPE",
    "Ed25519Prover",
    "LandmarkStation",
    "Prover",
    "SimulatedLink",
    "measurement_message",
    "nonce_for",
    "response_message",
    "run_session",
    "verify_answer",
]

EVIDENCE_FORMAT = "computegov/location-rtt/1"
#: DSSE-style payload types (PAE, see computegov.ledger.signing.pae) of the two signatures.
RESPONSE_TYPE = "application/vnd.computegov.location-response+nonce"
MEASUREMENT_TYPE = "application/vnd.computegov.location-measurement+json"

Transport = Callable[[bytes], bytes]  # nonce -> the prover's signature over it


def nonce_for(ledger_head: bytes, salt: bytes) -> bytes:
    """A landmark's nonce: SHA-256(ledger_head || salt), so any verifier can see it names this run."""
    return hashlib.sha256(ledger_head + salt).digest()


def response_message(nonce: bytes) -> bytes:
    """What the prover signs: PAE of the nonce."""
    return pae(RESPONSE_TYPE, nonce)


def measurement_message(measurement: dict[str, object]) -> bytes:
    """What the landmark signs: PAE of the canonical JSON of the measurement (sans its signature)."""
    body = {k: v for k, v in measurement.items() if k != "landmark_sig"}
    return pae(MEASUREMENT_TYPE, canonical_json(body))


class Prover(Protocol):
    """The chip's side: who it is (``identity``, recorded in each measurement) and how it answers."""

    identity: dict[str, str]

    def answer(self, nonce: bytes) -> bytes:
        """The chip's signature over ``nonce``."""
        ...


class Ed25519Prover:
    """A prover answering with an Ed25519 key (the ledger key when the chip has no TPM)."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.identity = {"kind": "ed25519", "public_key": public_key_hex(signer.public_key)}

    def answer(self, nonce: bytes) -> bytes:
        """Ed25519 signature over PAE(nonce)."""
        return self.signer.sign(response_message(nonce))


def verify_answer(identity: Mapping[str, Any], nonce: bytes, answer: bytes) -> str | None:
    """None when ``answer`` is the identified prover's signature over ``nonce``; else why not.

    ``ed25519``: a signature over PAE(nonce). ``tpm2-ak``: canonical JSON of a TPM quote
    (``{"quote", "signature", "scheme"}``, base64) whose qualifying data is the nonce, signed by
    the AK ``ak_public_pem``.
    """
    kind = identity.get("kind")
    if kind == "ed25519":
        from computegov.errors import SignatureError
        from computegov.ledger.signing import verify_signature

        try:
            verify_signature(bytes.fromhex(str(identity.get("public_key"))), answer, response_message(nonce))
        except (ValueError, SignatureError):  # a bad key or hex, a refused or wrong signature
            return "Ed25519 signature over the nonce does not verify"
        return None
    if kind == "tpm2-ak":
        import json

        from computegov.attest.tpm_checker import ACCEPTED_SCHEMES, verify_quote_signature
        from computegov.attest.tpm_format import QuoteFormatError, parse_quote

        try:
            doc = json.loads(answer)
            quote = base64.b64decode(doc["quote"], validate=True)
            signature = base64.b64decode(doc["signature"], validate=True)
            scheme = str(doc["scheme"])
            info = parse_quote(quote)
        except (ValueError, KeyError, TypeError, QuoteFormatError) as err:
            return f"TPM answer is not a quote ({err})"
        if scheme not in ACCEPTED_SCHEMES:
            return f"TPM answer uses scheme {scheme!r}, not accepted"
        if info.extra_data != nonce:
            return "TPM quote's qualifying data is not this nonce"
        return verify_quote_signature(str(identity.get("ak_public_pem")), scheme, signature, quote)
    return f"unknown prover kind {kind!r}"


@dataclass
class LandmarkStation:
    """A measuring station: name, position (degrees) and its Ed25519 private key."""

    name: str
    lat_deg: float
    lon_deg: float
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    clock: Callable[[], float] = time.perf_counter

    @property
    def public_key_hex(self) -> str:
        """The station's public key as 64 hex digits (for the verifier's trust file)."""
        return public_key_hex(self.key.public_key())

    def trust_entry(self) -> dict[str, object]:
        """This landmark as a trust-file entry."""
        return {"name": self.name, "lat": self.lat_deg, "lon": self.lon_deg,
                "public_key": self.public_key_hex}

    def measure(self, ledger_head: bytes, prover: Prover, transport: Transport) -> dict[str, object]:
        """Run one timed challenge and return the signed measurement.

        Raises:
            InputError: the answer is not the prover's signature over this nonce.
        """
        salt = os.urandom(32)
        nonce = nonce_for(ledger_head, salt)
        start = self.clock()
        answer = transport(nonce)
        rtt_s = self.clock() - start
        why = verify_answer(prover.identity, nonce, answer)
        if why is not None:
            raise InputError(
                f"landmark {self.name}: the answer is not the prover's signature over this "
                f"nonce (replayed or forged: {why}); no measurement recorded"
            )
        m: dict[str, object] = {
            "landmark": self.name,
            "nonce": nonce.hex(),
            "nonce_salt": salt.hex(),
            "ledger_head": ledger_head.hex(),
            "prover": dict(prover.identity),
            "answer": base64.b64encode(answer).decode("ascii"),
            "rtt_s": rtt_s,
            "measured_unix_s": time.time(),
        }
        m["landmark_sig"] = base64.b64encode(self.key.sign(measurement_message(m))).decode("ascii")
        return m


@dataclass
class SimulatedLink:
    """Physics for tests and simulation: a chip at (lat, lon) that may add delay.

    The shared clock advances by the least fibre round-trip time to the landmark plus
    ``added_delay_s`` (>= 0: a prover can slow an answer but never speed it up).
    """

    lat_deg: float
    lon_deg: float
    prover: Prover
    added_delay_s: float = 0.0
    speed_km_per_s: float = FIBRE_KM_PER_S
    now_s: float = 0.0

    def clock(self) -> float:
        """The simulated clock, s."""
        return self.now_s

    def transport_to(self, station: LandmarkStation) -> Transport:
        """The link from ``station`` to the chip."""

        def send(nonce: bytes) -> bytes:
            d = great_circle_km(station.lat_deg, station.lon_deg, self.lat_deg, self.lon_deg)
            self.now_s += rtt_for_distance_s(d, signal_speed_km_per_s=self.speed_km_per_s)
            self.now_s += max(0.0, self.added_delay_s)
            return self.prover.answer(nonce)

        return send


def run_session(
    stations: list[LandmarkStation],
    ledger_head: bytes,
    prover: Prover,
    transports: dict[str, Transport],
    claim: dict[str, object],
) -> dict[str, object]:
    """Every station measures once; returns ``location-rtt`` evidence for the report's slot.

    Args:
        stations: the landmarks taking part.
        ledger_head: the ledger's head hash (binds the session to the run).
        prover: the chip's key: :class:`Ed25519Prover` (the ledger key) or a TPM AK
            (:class:`computegov.attest.tpm_producer.TpmProver`).
        transports: the link to the prover, by station name.
        claim: where the chip is claimed to be: ``{"site": {"lat", "lon", "radius_km"}}`` or
            ``{"country": "ISO alpha-3"}``.
    """
    return {
        "format": EVIDENCE_FORMAT,
        "claim": dict(claim),
        "measurements": [s.measure(ledger_head, prover, transports[s.name]) for s in stations],
    }
