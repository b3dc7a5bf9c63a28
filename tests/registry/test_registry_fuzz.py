"""API fuzzing with schemathesis against the app's own OpenAPI schema (in-process ASGI):
no generated input may produce a 5xx. Bounded: a few examples per operation."""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeVerifier

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from computegov.registry import Store, create_app

_DB_DIR = Path(tempfile.mkdtemp(prefix="computegov-fuzz-"))
_STORE = Store(f"sqlite:///{_DB_DIR / 'fuzz.sqlite3'}")
_TOKEN, _ = _STORE.create_token("fuzzer")
APP = create_app(store=_STORE, verifier=FakeVerifier(), max_body_bytes=256 * 1024)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.fixture(autouse=True)
def _quiet_app_logs() -> Any:
    logging.getLogger("computegov.registry").setLevel(logging.CRITICAL)
    yield


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_generated_request_causes_a_server_error(case: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case.call_and_validate(
            headers={"Authorization": f"Bearer {_TOKEN}"}, checks=[not_a_server_error]
        )
