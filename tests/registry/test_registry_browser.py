"""Browser tests: Playwright drives Debian's Chromium against a server started on loopback.

Screenshots go to ``artifacts/screenshots/``. Skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from registry_helpers import (
    BROWSER_MARKS,
    DEFAULT_KEYS,
    SCREENSHOTS,
    FakeVerifier,
    chromium,
    make_envelope,
    make_statement,
)

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from computegov.web.server import running

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.web import create_app
    db = tmp_path_factory.mktemp("browser") / "registry.sqlite3"
    app = create_app(f"sqlite:///{db}", verifier=FakeVerifier())
    with running(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _page(browser: Any, *, javascript: bool = True) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    return context, page, problems


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_dashboard_opens(server: tuple[str, Any], browser: Any) -> None:
    url, _ = server
    context, page, problems = _page(browser)
    page.goto(url + "/")
    assert page.locator("h1").inner_text() == "computegov"
    # one card per page in the navigation bar, except the dashboard itself
    from computegov.web.pages import NAV

    assert page.locator(".card").count() == len(NAV) - 1
    assert sorted(page.locator(".card").evaluate_all("cards => cards.map(c => c.getAttribute('href'))")) == \
        sorted(href for href, _ in NAV if href != "/")
    _shot(page, "dashboard")
    assert problems == []
    context.close()


def test_classifier_form_renders_result_and_chart(server: tuple[str, Any], browser: Any) -> None:
    pytest.importorskip("computegov.policy.export_control")
    url, _ = server
    context, page, problems = _page(browser)
    page.goto(url + "/policy")
    page.fill("#classify-form input[name=chip]", "H100")
    page.click("#classify-form button[type=submit]")
    page.wait_for_selector("#result")
    assert "3A090" in page.locator("#result h2").inner_text()
    page.wait_for_selector("#region-chart svg, #region-chart canvas", timeout=20_000)
    assert page.locator("#region-chart svg").count() >= 1
    assert page.locator("#region-chart svg .mark-rect, #region-chart svg path").count() > 0
    _shot(page, "classifier")
    assert problems == [], problems
    context.close()


def test_bad_classifier_input_shows_message_next_to_field(server: tuple[str, Any], browser: Any) -> None:
    pytest.importorskip("computegov.policy.export_control")
    url, _ = server
    context, page, _problems = _page(browser)
    page.goto(url + "/policy")
    page.fill("#classify-form input[name=chip]", "H100")
    page.fill("#classify-form input[name=tpp]", "a lot")
    page.click("#classify-form button[type=submit]")
    error = page.locator("#e-tpp")
    assert error.is_visible() and "number" in error.inner_text()
    _shot(page, "classifier-field-error")
    context.close()


def test_classifier_works_with_javascript_off(server: tuple[str, Any], browser: Any) -> None:
    pytest.importorskip("computegov.policy.export_control")
    url, _ = server
    context, page, _ = _page(browser, javascript=False)
    page.goto(url + "/policy")
    page.fill("#classify-form input[name=chip]", "A100")
    page.click("#classify-form button[type=submit]")
    page.wait_for_selector("#history")
    assert page.locator("#history tbody tr").count() >= 4
    _shot(page, "classifier-no-js")
    context.close()


def test_trend_charts_render(server: tuple[str, Any], browser: Any) -> None:
    pytest.importorskip("computegov.trends")
    url, _ = server
    context, page, problems = _page(browser)
    page.goto(url + "/trends?scenario=trend&to_year=2030")
    page.wait_for_selector("#trend-chart svg", timeout=20_000)
    page.wait_for_selector("#forecast-chart svg", timeout=20_000)
    _shot(page, "trends")
    assert problems == [], problems
    context.close()


def test_report_submitted_through_the_api_appears_in_the_registry(server: tuple[str, Any], browser: Any) -> None:
    import httpx

    url, app = server
    app.state.store.add_key("browser-lab", DEFAULT_KEYS.public_pem)
    token, _ = app.state.store.create_token("browser-lab")
    body = {"envelope": make_envelope(make_statement(flop=2.5e25, model="browser-test-model"))}
    r = httpx.post(url + "/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 201, r.text
    digest = r.json()["report"]["digest_sha256"]
    context, page, problems = _page(browser)
    page.goto(url + "/registry")
    link = page.get_by_role("link", name="browser-test-model")
    assert link.count() == 1
    link.click()
    page.wait_for_url(f"**/registry/{digest}")
    assert "browser-lab" in page.content()
    assert page.locator("#checks tbody tr").count() >= 1
    _shot(page, "registry-report")
    assert problems == [], problems
    context.close()


def test_an_incomplete_report_is_shown_as_incomplete_not_verified(server: tuple[str, Any], browser: Any) -> None:
    import httpx

    url, app = server
    app.state.store.add_key("browser-lab", DEFAULT_KEYS.public_pem)
    token, _ = app.state.store.create_token("browser-lab")
    app.state.verifier, kept = FakeVerifier(outcome="incomplete"), app.state.verifier
    try:
        body = {"envelope": make_envelope(make_statement(flop=3.5e24, model="browser-incomplete-model"))}
        r = httpx.post(url + "/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    finally:
        app.state.verifier = kept
    assert r.status_code == 201, r.text
    context, page, problems = _page(browser)
    page.goto(url + "/registry")
    row = page.locator("tr", has_text="browser-incomplete-model")
    assert row.locator(".badge.warn").inner_text() == "incomplete: not verified"
    row.get_by_role("link", name="browser-incomplete-model").click()
    page.wait_for_selector("#report-incomplete")
    assert "not verified" in page.locator("#report-incomplete").inner_text()
    _shot(page, "registry-incomplete")
    assert problems == [], problems
    context.close()


def test_compute_calculator_form_and_chart(server: tuple[str, Any], browser: Any) -> None:
    pytest.importorskip("computegov.compute")
    url, _ = server
    context, page, problems = _page(browser)
    page.goto(url + "/compute")
    page.fill("#f-params", "70B")
    page.fill("#f-tokens", "15T")
    page.click("#compute-form button[type=submit]")
    page.wait_for_selector("#thresholds")
    assert "6.3e+24" in page.locator("#result h2").inner_text()
    page.wait_for_selector("#compute-chart svg", timeout=20_000)
    _shot(page, "compute")
    assert problems == [], problems
    context.close()
