"""Fixtures for the registry tests: a store on SQLite (always) and PostgreSQL (when
``COMPUTEGOV_TEST_POSTGRES_URL`` is set), signed envelopes made by hand, a fake verifier."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
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


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="COMPUTEGOV_TEST_POSTGRES_URL not set"),
            ],
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert PG_URL
    _reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def store(database_url: str) -> Iterator[Any]:
    from computegov.registry.store import Store

    s = Store(database_url)
    yield s
    s.close()


@pytest.fixture
def verifier() -> FakeVerifier:
    return FakeVerifier()


@pytest.fixture
def client(store: Any, verifier: FakeVerifier) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.registry import create_app

    app = create_app(store=store, verifier=verifier, max_body_bytes=256 * 1024)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keys() -> Keys:
    return Keys(Ed25519PrivateKey.generate())


@pytest.fixture
def page_client(tmp_path: Any) -> Iterator[Any]:
    """A client on a fresh SQLite registry, for tests that do not depend on the database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.registry import create_app

    app = create_app(f"sqlite:///{tmp_path / 'pages.sqlite3'}", verifier=FakeVerifier())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
