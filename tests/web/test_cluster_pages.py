"""The /clusters page and its JSON API give the CLI's --json numbers; bad values are 422 naming the field."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

pytest.importorskip("computegov.clusters")


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from computegov.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _page(client: Any, **params: str) -> str:
    page = client.get("/clusters", params=params)
    assert page.status_code == 200, page.text[:500]
    return html.unescape(page.text)


def _row(text: str, table_id: str, first_cell: str) -> str:
    table = re.search(rf'id="{table_id}".*?</table>', text, re.S)
    assert table is not None, table_id
    row = re.search(rf"<tr><td>{re.escape(first_cell)}</td>.*?</tr>", table.group(0), re.S)
    assert row is not None, (table_id, first_cell)
    return row.group(0)


def test_stocks_api_equals_cli_and_page(page_client: Any) -> None:
    cli = _cli("clusters", "stocks", "--date", "2025-03-01", "--json")
    api = page_client.get("/api/v1/clusters/stocks", params={"date": "2025-03-01"})
    assert api.status_code == 200
    assert api.json() == cli
    top = cli["stocks"][0]["rows"][0]
    row = _row(_page(page_client), "stocks-table", top["group"])
    assert f"{top['value']:,.0f}" in row and f"{100 * top['share']:.1f} %" in row
    series = page_client.get("/api/v1/clusters/stocks", params={"dates": "2020-01-01,2025-03-01"}).json()
    assert [t["date"] for t in series["stocks"]] == ["2020-01-01", "2025-03-01"]
    assert series["stocks"][1] == cli["stocks"][0]


@pytest.mark.slow
def test_forecast_api_equals_cli_thresholds_and_page(page_client: Any) -> None:
    cli = _cli("clusters", "thresholds", "--json")
    by_metric = {s["metric"]: s for s in cli["first_reaching"]}
    text = _page(page_client)
    for metric, label in (("h100e", "1e6 H100e"), ("power_w", "1 GW")):
        api = page_client.get("/api/v1/clusters/leading/forecast", params={"metric": metric})
        assert api.status_code == 200
        body = api.json()
        assert body["first_reaching"] == by_metric[metric]
        assert body["record_forecast"] == cli["record_forecasts"][metric]
        hind = next(h for h in cli["hindcast"] if h["metric"] == metric)
        assert body["hindcast"] == hind
        row = _row(text, "reaching", label)
        p2030 = next(p["probability"] for p in body["first_reaching"]["p_reached_by_end_of_year"] if p["year"] == 2030)
        assert f">{p2030:.0%}<" in row
        assert body["first_reaching"]["forecast_method"] in row
        assert f"{hind['held']} of {hind['n']} cases" in text
    assert text.count('class="vega-chart"') >= 2


def test_exposure_api_equals_cli_and_page_with_a_whatif(page_client: Any) -> None:
    cli = _cli("clusters", "exposure", "--whatif-tpp", "2400", "--json")
    api = page_client.get("/api/v1/clusters/exposure", params={"whatif_tpp": 2400})
    assert api.status_code == 200
    assert api.json()["countries"] == cli["countries"]
    us = next(c for c in cli["countries"] if c["country"] == "US")
    row = _row(_page(page_client, whatif_tpp="2400"), "exposure-table", "US")
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[0] == str(us["n_systems"])
    assert cells[2] == f"{100 * us['licence_share_today']:.1f} %"
    assert cells[-1] == f"{100 * us['whatif']['controlled']:.1f} %"


def test_supply_api_equals_cli_and_page_with_overrides(page_client: Any) -> None:
    args = {"preset": "smic-7nm", "die_area_mm2": "500", "yield_model": "poisson", "samples": "2000"}
    cli = _cli("supply", "estimate", "--preset", "smic-7nm", "--die-area-mm2", "500", "--yield-model", "poisson",
               "--samples", "2000", "--json")
    api = page_client.get("/api/v1/supply/estimate", params=args)
    assert api.status_code == 200
    assert api.json() == cli
    text = _page(page_client, **args)
    result = re.search(r'id="supply-result">(.*?)</p>', text, re.S)
    assert result is not None
    assert f"{cli['accelerators_per_year']:,.0f} accelerators/yr" in result.group(1)
    assert f"bound by <strong>{cli['binding']}</strong>" in result.group(1)
    assert f"{cli['quantiles']['0.05']:,.0f}–{cli['quantiles']['0.95']:,.0f}" in result.group(1)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/supply/estimate", {"die_area_mm2": "nan"}, "die_area_mm2"),
        ("/api/v1/supply/estimate", {"wafer_starts_per_month": "-5"}, "wafer_starts_per_month"),
        ("/api/v1/supply/estimate", {"preset": "tsmc-a16"}, "preset"),
        ("/api/v1/supply/estimate", {"yield_model": "bose"}, "yield_model"),
        ("/api/v1/supply/estimate", {"die_area_mm2": "5000"}, "die_area_mm2"),
        ("/api/v1/supply/estimate", {"packaging_yield": "1.5"}, "packaging_yield"),
        ("/api/v1/clusters/exposure", {"whatif_tpp": "nan"}, "whatif_tpp"),
        ("/api/v1/clusters/exposure", {"whatif_tpp": "-1"}, "whatif_tpp"),
        ("/api/v1/clusters/exposure", {"whatif_pd": "2"}, "whatif_pd"),
        ("/api/v1/clusters/exposure", {"country": "Atlantis"}, "country"),
        ("/api/v1/clusters/stocks", {"country": "Atlantis"}, "country"),
        ("/api/v1/clusters/stocks", {"metric": "vibes"}, "metric"),
        ("/api/v1/clusters/stocks", {"dates": "2020-01-01,2099-01-01"}, "dates"),
        ("/api/v1/clusters/leading/forecast", {"target": "nan"}, "target"),
        ("/api/v1/clusters/leading/forecast", {"target": "-1e6"}, "target"),
        ("/api/v1/clusters/leading/forecast", {"metric": "vibes"}, "metric"),
    ],
)
def test_bad_api_values_are_422_naming_the_field(page_client: Any, path: str, params: dict[str, str],
                                                  field: str) -> None:
    api = page_client.get(path, params=params)
    assert api.status_code == 422
    assert field in json.dumps(api.json()["detail"])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"whatif_tpp": "nan"}, "whatif_tpp"), ({"whatif_tpp": "-3"}, "whatif_tpp"), ({"die_area_mm2": "abc"}, "die_area_mm2"),
     ({"preset": "zzz"}, "preset"), ({"samples": "1e9"}, "samples"), ({"alpha": "0"}, "alpha")],
)
def test_bad_page_values_show_a_message_and_422(page_client: Any, params: dict[str, str], field: str) -> None:
    page = page_client.get("/clusters", params=params)
    assert page.status_code == 422
    text = html.unescape(page.text)
    box = re.search(r'class="error-box"[^>]*>(.*?)</p>', text, re.S)
    assert box is not None and f"{field}:" in box.group(1)
    assert "Traceback" not in text
    assert 'id="leading"' in text  # the other sections still render


def test_the_new_apis_are_in_the_openapi_document(page_client: Any) -> None:
    paths = page_client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/clusters/stocks", "/api/v1/clusters/leading/forecast", "/api/v1/clusters/exposure",
                 "/api/v1/supply/estimate"):
        assert path in paths and "422" in paths[path]["get"]["responses"]


@pytest.mark.slow
def test_a_named_method_gives_the_cli_numbers(page_client: Any) -> None:
    cli = _cli("clusters", "thresholds", "--method", "random_walk_drift+cal", "--json")
    api = page_client.get("/api/v1/clusters/leading/forecast", params={"method": "random_walk_drift+cal"}).json()
    assert api["first_reaching"] == cli["first_reaching"][0]
    assert api["first_reaching"]["forecast_method"] == "random_walk_drift+cal"
    assert api["hindcast"] == cli["hindcast"][0]
    bad = page_client.get("/api/v1/clusters/leading/forecast", params={"method": "crystal_ball"})
    assert bad.status_code == 422 and "method" in bad.json()["detail"]
