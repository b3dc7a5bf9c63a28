"""Helpers for the registry tests: DSSE envelopes signed by hand, a fake verifier, Chromium."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PG_URL = os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL")
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
#: Marks of every browser test module (``pytestmark = BROWSER_MARKS``).
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, started as the project's browser tests start it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()
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

    @property
    def public_hex(self) -> str:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ).hex()

    @property
    def keyid(self) -> str:
        """securesystemslib's key id (the same definition as computegov.ledger.signing.key_id)."""
        canonical = json.dumps(
            {"keytype": "ed25519", "keyval": {"public": self.public_hex}, "scheme": "ed25519"},
            sort_keys=True, separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


#: The key every helper-made envelope is signed with unless a test passes another; a test
#: registers it for the organisation that submits (see the ``registered`` fixture).
DEFAULT_KEYS = Keys(Ed25519PrivateKey.generate())


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


def make_envelope(statement: dict[str, Any], keys: Keys | None = None, keyid: str | None = None) -> dict[str, Any]:
    """A DSSE envelope signed by ``keys`` (default :data:`DEFAULT_KEYS`), claiming ``keyid``
    (default the key's real id)."""
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    keys = keys or DEFAULT_KEYS
    sig = keys.private.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": keys.keyid if keyid is None else keyid, "sig": base64.b64encode(sig).decode()}],
    }


@dataclasses.dataclass(frozen=True)
class FakeVerdict:
    ok: bool
    checks: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": list(self.checks)}


@dataclasses.dataclass(frozen=True)
class FakeThreeStateVerdict:
    """A verdict with an outcome, as computegov.ledger.verdict.Verdict has."""

    outcome: str
    partial: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == "verified"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "outcome": self.outcome, "partial": self.partial, "missing": ["ledger"],
                "checks": [{"name": "ledger_format", "status": "missing", "summary": "no ledger"}]}


class FakeVerifier:
    """Passes every report whose total FLOP is below 1e30; counts its calls and records the
    trusted key it was given. With ``outcome`` set, every verdict has that outcome."""

    __name__ = "fake"

    def __init__(self, outcome: str | None = None) -> None:
        self.calls = 0
        self.outcome = outcome
        self.trusted_keys: list[str | None] = []

    def __call__(self, submission: Any) -> Any:
        self.calls += 1
        self.trusted_keys.append(submission.public_key_pem)
        if self.outcome is not None:
            return FakeThreeStateVerdict(self.outcome)
        ok = (submission.total_flop or 0) < 1e30
        return FakeVerdict(ok, ({"name": "signatures", "ok": ok, "evidence": "fake verifier"},))


@pytest.fixture
def page_client(tmp_path: Any) -> Iterator[Any]:
    """A client on a fresh SQLite registry, for tests that do not depend on the database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    app = create_app(f"sqlite:///{tmp_path / 'pages.sqlite3'}", verifier=FakeVerifier())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
