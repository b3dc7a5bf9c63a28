"""Fixtures for the integration tests: a signing key pair, and a registry on loopback."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    """(private key, public key) made as `computegov keys new` makes them."""
    from computegov.ledger.signing import PRIVATE_KEY_NAME, PUBLIC_KEY_NAME, generate_keypair

    generate_keypair(tmp_path / "keys")
    return tmp_path / "keys" / PRIVATE_KEY_NAME, tmp_path / "keys" / PUBLIC_KEY_NAME


@pytest.fixture
def registry_url(tmp_path: Path, keypair: tuple[Path, Path]) -> Iterator[tuple[str, str]]:
    """A real registry (SQLite, the ledger's own verifier) served on loopback: (URL, lab token)."""
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.registry.store import Store
        from computegov.web import create_app
        from computegov.web.server import running

    store: Any = Store(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    store.add_key("lab-a", keypair[1].read_text())
    token = store.create_token("lab-a")[0]
    app = create_app(store=store)
    with running(app) as url:
        yield url, token
    store.close()
