"""Fixtures for the registry tests: a store on SQLite (always) and PostgreSQL (when
``COMPUTEGOV_TEST_POSTGRES_URL`` is set), a client, keys.

Each test process (each pytest-xdist worker, each run) keeps its PostgreSQL tables in a database
of its own, made at its first PostgreSQL test and dropped at its end; the URL names only the
server and the credentials. Without CREATEDB it uses a schema of its own in that database."""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, FakeVerifier, Keys, page_client

__all__ = ["page_client"]  # a fixture shared with tests/web

PG_URL = os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL")


@dataclasses.dataclass(frozen=True)
class _PrivatePostgres:
    """Where this test process keeps its PostgreSQL tables: a database of its own, or (when the
    test role may not create databases) a schema of its own in the shared one."""

    url: str
    schema: str


def _private_name() -> str:
    """A name no other test process uses: this run's id (shared by its xdist workers) and the
    worker's, so that two runs on one machine, or two workers of one run, never share tables."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"computegov_test_{run[:12]}_{re.sub(r'[^a-z0-9]', '', worker.lower())}"


def _make_private_postgres(base_url: str) -> tuple[_PrivatePostgres, Callable[[], None]]:
    """Create this process's database (or schema); return it and a function that drops it."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ProgrammingError

    name = _private_name()
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except ProgrammingError as err:  # no CREATEDB: a schema in the shared database instead
        if "permission denied" not in str(err):
            raise
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})

        def drop_schema() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            admin.dispose()

        return _PrivatePostgres(url.render_as_string(hide_password=False), name), drop_schema
    url = make_url(base_url).set(database=name)

    def drop_database() -> None:
        with admin.connect() as conn:  # FORCE: a server a test killed may have left a session
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return _PrivatePostgres(url.render_as_string(hide_password=False), "public"), drop_database


@pytest.fixture(scope="session")
def _private_postgres() -> Iterator[_PrivatePostgres]:
    """This test process's own PostgreSQL database (see :func:`_make_private_postgres`)."""
    assert PG_URL
    private, drop = _make_private_postgres(PG_URL)
    try:
        yield private
    finally:
        try:
            drop()
        except Exception as err:  # a leftover database must not fail the run
            warnings.warn(f"could not drop the test database or schema: {err}", stacklevel=1)


def _reset_postgres(private: _PrivatePostgres) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(private.url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{private.schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{private.schema}"')
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
    private = request.getfixturevalue("_private_postgres")
    _reset_postgres(private)
    return str(private.url)


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
