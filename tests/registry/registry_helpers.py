"""Helpers for the registry tests: DSSE envelopes signed by hand, a fake verifier."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PG_URL = os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL")
PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding (DSSE v1 spec, protocol.md)."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclasses.dataclass
class Keys:
    private: Ed25519PrivateKey

    @property
    def public_pem(self) -> str:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


def make_statement(flop: float = 1.2e18, model: str = "tiny-gpt", **predicate: Any) -> dict[str, Any]:
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "checkpoint-final", "digest": {"sha256": "ab" * 32}}],
        "predicateType": "https://example.invalid/computegov/ComputeReport/v1",
        "predicate": {
            "method": "measured",
            "totals": {"flop": flop, "steps": 100, "duration_s": 3600.0, "chip_hours": 8.0},
            "hardware": {"chip": "H100 SXM5", "chip_count": 8},
            "run": {"model": model},
            **predicate,
        },
    }


def make_envelope(statement: dict[str, Any], keys: Keys | None = None) -> dict[str, Any]:
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    keys = keys or Keys(Ed25519PrivateKey.generate())
    sig = keys.private.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": "test-key", "sig": base64.b64encode(sig).decode()}],
    }


@dataclasses.dataclass(frozen=True)
class FakeVerdict:
    ok: bool
    checks: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": list(self.checks)}


class FakeVerifier:
    """Passes every report whose total FLOP is below 1e30; counts its calls."""

    __name__ = "fake"

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, submission: Any) -> FakeVerdict:
        self.calls += 1
        ok = (submission.total_flop or 0) < 1e30
        return FakeVerdict(ok, ({"name": "signatures", "ok": ok, "evidence": "fake verifier"},))


