"""The dashboard's AI-supercomputer page and API give the CLI's numbers."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

pytest.importorskip("computegov.clusters")


def test_api_and_page_give_the_cli_numbers(page_client: Any) -> None:
    from typer.testing import CliRunner

    from computegov.cli import app

    cli = json.loads(CliRunner().invoke(app, ["clusters", "summary", "--json"]).stdout)
    api = page_client.get("/api/v1/clusters/summary")
    assert api.status_code == 200
    body = api.json()
    for key in ("leading_performance", "leading_power", "leading_hardware_cost"):
        assert body[key]["doubling_time_months"] == pytest.approx(cli[key]["doubling_time_months"], rel=1e-12)
        assert body[key]["doubling_time_ci_months"] == pytest.approx(cli[key]["doubling_time_ci_months"], rel=1e-12)
    assert body["country_shares"] == pytest.approx(cli["country_shares"])
    page = page_client.get("/clusters")
    assert page.status_code == 200
    text = html.unescape(page.text)
    months = f"{body['leading_performance']['doubling_time_months']:.1f}"
    row = re.search(r"<td>16-bit FLOP/s</td>.*?</tr>", text, re.S)
    assert row is not None and f"<td class=\"num\">{months}</td>" in row.group(0)
    us = body["country_stocks"]["rows"][0]
    assert f"<td>{us['group']}</td><td class=\"num\">{100 * us['share']:.1f} %</td>" in text
    assert "Epoch AI" in text  # the CC-BY attribution
    assert 'href="/clusters"' in text  # in the navigation


@pytest.mark.parametrize(
    ("params", "word"),
    [({"date": "2025-13-01"}, "date"), ({"date": "1990-01-01"}, "date"), ({"set": "mine"}, "set")],
)
def test_bad_input_is_422_naming_the_field(page_client: Any, params: dict[str, str], word: str) -> None:
    api = page_client.get("/api/v1/clusters/summary", params=params)
    assert api.status_code == 422 and word in api.json()["detail"]
    page = page_client.get("/clusters", params=params)
    assert page.status_code == 422 and "Traceback" not in page.text


def test_the_api_is_in_the_openapi_document(page_client: Any) -> None:
    assert "/api/v1/clusters/summary" in page_client.get("/api/v1/openapi.json").json()["paths"]
