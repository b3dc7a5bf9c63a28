"""Fixtures for the registry tests: a store on SQLite (always) and PostgreSQL (when
``COMPUTEGOV_TEST_POSTGRES_URL`` is set), a client, keys."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, FakeVerifier, Keys, page_client

__all__ = ["page_client"]  # a fixture shared with tests/web

PG_URL = os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL")


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
    from computegov.web import create_app

    app = create_app(store=store, verifier=verifier, max_body_bytes=256 * 1024)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keys() -> Keys:
    return Keys(Ed25519PrivateKey.generate())


@pytest.fixture
def lab_b() -> Keys:
    """A second lab's signing keys (lab-a signs with the helpers' default keys)."""
    return Keys(Ed25519PrivateKey.generate())


@pytest.fixture
def tokens(store: Any, lab_b: Keys) -> dict[str, dict[str, str]]:
    """Authorization headers of lab-a and lab-b, each with its own registered key."""
    store.add_key("lab-a", DEFAULT_KEYS.public_pem)
    store.add_key("lab-b", lab_b.public_pem)
    return {org: {"Authorization": f"Bearer {store.create_token(org)[0]}"} for org in ("lab-a", "lab-b")}
