"""A cold ``/clusters`` typed into a browser shows a note at once, then the page by itself.

The page's first load computes stock tables and two calibrated forecasts (seconds of CPU). A
browser navigation to a cold page gets a self-reloading "computing" note and starts the warm-up;
scripts and test clients (no ``Sec-Fetch-Mode: navigate``) always wait for the real page.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from registry_helpers import BROWSER_MARKS, FakeVerifier, chromium

from computegov.web import cluster_page

NAVIGATE = {"sec-fetch-mode": "navigate", "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's /clusters is cold again (the views' caches may stay filled: only the flag is reset)."""
    monkeypatch.setattr(cluster_page, "_WARM", threading.Event())
    monkeypatch.setattr(cluster_page, "_warm_thread", None)


def _client(tmp_path: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    return TestClient(create_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", verifier=FakeVerifier(), **kwargs))


def _wait_warm(timeout_s: float = 120.0) -> None:
    end = time.monotonic() + timeout_s
    while not cluster_page.is_warm():
        assert time.monotonic() < end, "the warm-up did not finish"
        time.sleep(0.1)


def test_cold_navigation_gets_a_reloading_note_and_starts_the_warm_up(cold: None, tmp_path: Any) -> None:
    with _client(tmp_path) as c:
        started = time.perf_counter()
        answer = c.get("/clusters", headers=NAVIGATE)
        took_s = time.perf_counter() - started
        assert answer.status_code == 200
        assert took_s < 2.0, f"the note took {took_s:.1f} s"
        assert 'http-equiv="refresh"' in answer.text
        assert 'role="status"' in answer.text and "Computing the AI-supercomputer" in answer.text
        assert cluster_page._warm_thread is not None  # the navigation started the warm-up
        _wait_warm()
        again = c.get("/clusters", headers=NAVIGATE)
        assert again.status_code == 200
        assert 'http-equiv="refresh"' not in again.text
        assert "clusters-stocks-chart" in again.text


def test_a_script_on_a_cold_page_waits_for_the_page_itself(cold: None, tmp_path: Any) -> None:
    with _client(tmp_path) as c:
        answer = c.get("/clusters")
        assert answer.status_code == 200
        assert "clusters-stocks-chart" in answer.text and 'http-equiv="refresh"' not in answer.text
    assert cluster_page.is_warm()  # the default page was computed: the next navigation is served directly


def test_a_non_default_query_does_not_count_as_warm(cold: None, tmp_path: Any) -> None:
    with _client(tmp_path) as c:
        assert c.get("/clusters?set=all").status_code == 200
    assert not cluster_page.is_warm()


def test_serve_warms_the_page_when_the_server_starts(cold: None, tmp_path: Any) -> None:
    with _client(tmp_path, warm_pages=True):
        assert cluster_page._warm_thread is not None
        _wait_warm()


@pytest.fixture
def cold_server(cold: None, tmp_path: Any) -> Iterator[str]:
    from computegov.web import create_app
    from computegov.web.server import running

    with running(create_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", verifier=FakeVerifier())) as url:
        yield url


def _browser(test: Any) -> Any:
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@_browser
def test_chromium_typing_a_cold_url_sees_the_note_then_the_page(cold_server: str) -> None:
    with chromium() as browser:
        tab = browser.new_page(viewport={"width": 390, "height": 800})
        started = time.perf_counter()
        tab.goto(cold_server + "/clusters")
        assert time.perf_counter() - started < 3.0
        assert "Computing the AI-supercomputer" in tab.locator("#first-load-note").inner_text()
        tab.wait_for_selector("[aria-labelledby=clusters-stocks-chart-summary]", timeout=120_000)  # the note reloads into the page
        assert tab.locator("#first-load-note").count() == 0
