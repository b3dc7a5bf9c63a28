"""The report page's "inclusion verified in your browser" mark, computed by Chromium with WebCrypto."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import (
    BROWSER_MARKS,
    DEFAULT_KEYS,
    FakeVerifier,
    chromium,
    make_envelope,
    make_statement,
)
from sqlalchemy import text

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    from computegov.web.server import running

    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.web import create_app
    app = create_app(f"sqlite:///{tmp_path / 'registry.sqlite3'}", verifier=FakeVerifier())
    with running(app) as url:
        yield url, app


def test_inclusion_mark_passes_then_fails_after_the_verdict_is_edited(server: tuple[str, Any]) -> None:
    import httpx

    url, app = server
    store = app.state.store
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    token = store.create_token("acme")[0]
    resp = httpx.post(f"{url}/api/v1/reports", json={"envelope": make_envelope(make_statement(model="b1"))},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    digest = resp.json()["report"]["digest_sha256"]
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{url}/registry/{digest}")
        page.wait_for_selector("#log-inclusion-mark[data-verified]", timeout=20_000)
        assert page.get_attribute("#log-inclusion-mark", "data-verified") == "true"
        assert "inclusion verified in your browser" in page.inner_text("#log-inclusion-mark")
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE verdicts SET outcome = 'failed', ok = FALSE"))
        page.goto(f"{url}/registry/{digest}")
        page.wait_for_selector("#log-inclusion-mark[data-verified]", timeout=20_000)
        assert page.get_attribute("#log-inclusion-mark", "data-verified") == "false"
        assert "NOT verified" in page.inner_text("#log-inclusion-mark")


@pytest.mark.parametrize("edit", ["UPDATE reports SET total_flop = total_flop / 100",
                                  "UPDATE reports SET title = 'other'"])
def test_inclusion_mark_turns_red_when_the_served_report_was_edited(server: tuple[str, Any], edit: str) -> None:
    """The report leaf is recomputed from the served report, so FLOP cut by 100 is no longer 'verified'."""
    import httpx

    url, app = server
    store = app.state.store
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    token = store.create_token("acme")[0]
    resp = httpx.post(f"{url}/api/v1/reports", json={"envelope": make_envelope(make_statement(model="b2",
                                                                                          flop=3.7e25))},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    digest = resp.json()["report"]["digest_sha256"]
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{url}/registry/{digest}")
        page.wait_for_selector("#log-inclusion-mark[data-verified]", timeout=20_000)
        assert page.get_attribute("#log-inclusion-mark", "data-verified") == "true", \
            page.inner_text("#log-inclusion-mark")
        with store.engine.begin() as conn:
            conn.execute(text(edit))
        page.goto(f"{url}/registry/{digest}")
        page.wait_for_selector("#log-inclusion-mark[data-verified]", timeout=20_000)
        assert page.get_attribute("#log-inclusion-mark", "data-verified") == "false"
