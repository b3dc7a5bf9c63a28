"""Browser test of /emerging: Playwright drives Debian's Chromium against a server on loopback.

The claims chart draws, the scenario form submits and its fan chart draws, and a bad value shows
its message beside the field. Screenshots go to ``artifacts/screenshots/``. Skipped when
/usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from registry_helpers import BROWSER_MARKS, SCREENSHOTS, FakeVerifier, chromium

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from computegov.web.server import running

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.web import create_app
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('emerging') / 'registry.sqlite3'}", verifier=FakeVerifier())
    with running(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[tuple[Any, list[str]]]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        problems: list[str] = []
        tab.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        tab.on("pageerror", lambda err: problems.append(str(err)))
        yield tab, problems


def test_claims_chart_and_scenario_fan_draw(server: str, page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    tab.goto(server + "/emerging")
    tab.wait_for_selector("#emerging-claims-chart svg", timeout=30_000)
    assert tab.locator("#emerging-claims-chart svg path, #emerging-claims-chart svg .mark-symbol").count() > 0
    assert tab.locator("#register-table .ev-vendor_claim").count() >= 1
    tab.select_option("#f-s_paradigm", "photonic")
    tab.fill("#f-s_probability", "0.5")
    tab.fill("#f-s_multiplier", "10")
    tab.fill("#f-s_multiplier_high", "100")
    tab.fill("#f-s_to", "2035")
    tab.click("#scenario-form button[type=submit]")
    tab.wait_for_selector("#emerging-scenario-chart svg", timeout=30_000)
    assert tab.locator("#scenario-table tbody tr").count() > 0
    assert "s_probability=0.5" in tab.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "emerging.png"), full_page=True)
    assert problems == [], problems


def test_a_bad_probability_is_shown_beside_its_field(server: str, page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    tab.goto(server + "/emerging")
    tab.select_option("#f-s_paradigm", "photonic")
    tab.fill("#f-s_probability", "1.5")
    tab.click("#scenario-form button[type=submit]")
    error = tab.locator("#e-s_probability")
    assert error.is_visible() and "at most 1" in error.inner_text()
