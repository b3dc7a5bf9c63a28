"""API fuzzing with schemathesis against the app's own OpenAPI schema (in-process ASGI):
no generated input may produce a 5xx. Bounded: a few examples per operation. Plus the
deep-nesting cases schemathesis does not generate: a body nested 50,000 levels deep to every
operation that takes one gets 422, never 500."""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, FakeVerifier

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from computegov.registry import Store
    from computegov.web import create_app

_DB_DIR = Path(tempfile.mkdtemp(prefix="computegov-fuzz-"))
_STORE = Store(f"sqlite:///{_DB_DIR / 'fuzz.sqlite3'}")
_STORE.add_key("fuzzer", DEFAULT_KEYS.public_pem)
_TOKEN, _ = _STORE.create_token("fuzzer")
APP = create_app(store=_STORE, verifier=FakeVerifier(), max_body_bytes=256 * 1024)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
WRITES = [op for op in OPERATIONS if op.method.upper() in {"POST", "PUT", "PATCH"}]
DEEP = 50_000
#: Seconds one generated request may take (schemathesis's default is 10). The property is "no 5xx",
#: not a latency: an honest outlook sensitivity at 50,000 draws takes ~4 s of CPU alone, and over
#: 10 s of wall time on two cores shared with a second pytest-xdist worker.
REQUEST_TIMEOUT_S = 300


@pytest.fixture(autouse=True)
def _quiet_app_logs() -> Any:
    logging.getLogger("computegov.registry").setLevel(logging.CRITICAL)
    yield


def test_every_endpoint_is_fuzzed() -> None:
    paths = {op.path for op in OPERATIONS}
    assert {"/api/v1/reports", "/api/v1/reports/{digest}", "/api/v1/chips", "/api/v1/chip"} <= paths


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_generated_request_causes_a_server_error(operation: Any, mode: Any) -> None:
    """Valid inputs (positive) and schema-breaking ones (negative) never get a 5xx."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def run(case: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case.call_and_validate(headers={"Authorization": f"Bearer {_TOKEN}"}, checks=[not_a_server_error],
                                   timeout=REQUEST_TIMEOUT_S)

    try:
        run()
    except Unsatisfiable:
        assert mode is schemathesis.GenerationMode.NEGATIVE
        pytest.skip("this operation takes no input, so there is nothing to break")


def test_every_write_operation_is_in_the_deep_nesting_cases() -> None:
    assert any(op.path == "/api/v1/reports" for op in WRITES)


@pytest.mark.parametrize("body", [b"[" * DEEP + b"]" * DEEP, b'{"":' * DEEP + b"0" + b"}" * DEEP],
                         ids=["arrays", "objects"])
@pytest.mark.parametrize("operation", WRITES, ids=lambda op: op.label)
def test_a_body_nested_50000_levels_gets_422_on_every_write_operation(operation: Any, body: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    path = operation.path.replace("{digest}", "a" * 64)
    with TestClient(APP, raise_server_exceptions=False) as client:
        r = client.request(operation.method.upper(), path, content=body,
                           headers={"Authorization": f"Bearer {_TOKEN}", "content-type": "application/json"})
    assert r.status_code == 422, (operation.label, r.status_code, r.text[:200])
