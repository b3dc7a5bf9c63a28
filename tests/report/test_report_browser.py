"""Open the report in headless Chromium: no JavaScript errors, every chart rendered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


@pytest.fixture()
def chromium() -> str:
    """Chromium's path; skips (before the report is built) when it or Playwright is missing."""
    pytest.importorskip("playwright.sync_api")
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if not found:
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    return found


def test_every_chart_renders_offline_without_errors(chromium: str, full_report: Path) -> None:
    from playwright import sync_api

    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(full_report.resolve().as_uri())
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('div.vega-chart'))"
                ".every(d => d.querySelector('svg, canvas'))",
                timeout=30_000,
            )
            charts = page.eval_on_selector_all(
                "div.vega-chart", "els => els.map(e => [e.id, !!e.querySelector('svg, canvas')])"
            )
            page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing scrolls sideways
            page.wait_for_timeout(500)
            phone_width = page.evaluate("document.documentElement.scrollWidth")
            described = page.eval_on_selector_all(
                "div.vega-chart", "els => els.filter(e => e.getAttribute('aria-describedby')).length"
            )
        finally:
            browser.close()
    assert errors == []
    assert len(charts) >= 10
    assert all(rendered for _, rendered in charts), charts
    assert phone_width <= 390
    assert described == len(charts)  # every chart has its text alternative
    assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests
