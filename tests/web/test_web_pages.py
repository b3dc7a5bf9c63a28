"""The dashboard pages: they render with the catalogue, and bad input shows a message next to
its field (never a stack trace)."""

from __future__ import annotations

from typing import Any

import pytest


def test_dashboard_links_every_tool(page_client: Any) -> None:
    page = page_client.get("/")
    assert page.status_code == 200
    for href in ("/catalog", "/trends", "/policy", "/compute", "/plan", "/registry"):
        assert f'href="{href}"' in page.text


def test_catalogue_filters_sorts_and_links_chip_detail(page_client: Any) -> None:
    page = page_client.get("/catalog", params={"q": "H100", "sort": "name", "order": "asc"})
    assert page.status_code == 200
    assert "H100" in page.text
    chip = page_client.get("/catalog/chip", params={"name": "H100"})
    assert chip.status_code == 200
    assert "Source" in chip.text and "epoch.ai" in chip.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "last year"}, "since"),
        ({"until": "3000"}, "until"),
        ({"kind": "quantum"}, "kind"),
        ({"sort": "price; DROP"}, "sort"),
        ({"datacenter": "maybe"}, "datacenter"),
    ],
)
def test_catalogue_field_errors_show_next_to_the_field(page_client: Any, params: dict[str, str], field: str) -> None:
    page = page_client.get("/catalog", params=params)
    assert page.status_code == 200
    assert f'id="e-{field}"' in page.text or f"{field}:" in page.text
    assert "Traceback" not in page.text


def test_unknown_chip_page_suggests_names(page_client: Any) -> None:
    page = page_client.get("/catalog/chip", params={"name": "H10"})
    assert page.status_code in {200, 404}
    assert 'id="e-name"' in page.text or "H100" in page.text


def test_chip_api_matches_the_catalogue(page_client: Any) -> None:
    from computegov.catalog import load_catalog

    chip = load_catalog().get("H100")
    data = page_client.get("/api/v1/chip", params={"name": "h100 sxm"}).json()
    assert data["name"] == chip.name
    assert data["peak_flop_per_s"]["bf16"] == chip.peak("bf16")
    listing = page_client.get("/api/v1/chips", params={"kind": "tpu", "sort": "name", "order": "asc"}).json()
    names = [c["name"] for c in listing["chips"]]
    assert names == sorted(names, key=str.lower) and all(c["kind"] == "tpu" for c in listing["chips"])
    assert listing["total"] == len(load_catalog().filter(kind="tpu"))
    assert page_client.get("/api/v1/chip", params={"name": "no such chip zz"}).status_code == 404


def test_compute_calculator_renders_estimate_and_thresholds(page_client: Any) -> None:
    pytest.importorskip("computegov.compute")
    page = page_client.get("/compute", params={"params": "70B", "tokens": "15T"})
    assert page.status_code == 200
    assert "6.3e+24" in page.text  # 6 x 70e9 x 15e12 (Kaplan et al. 2020 / Hoffmann et al. 2022)
    assert "eu-ai-act-art51-systemic-risk" in page.text
    assert 'data-chart-for="compute-chart"' in page.text
    api = page_client.get("/api/v1/compute/check", params={"params": "70B", "tokens": "15T"}).json()
    assert api["estimate"]["flop"] == pytest.approx(6 * 70e9 * 15e12, rel=1e-9)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"params": "7b", "tokens": "1T"}, "params"),
        ({"params": "7B", "tokens": "-5"}, "tokens"),
        ({"params": "7B", "tokens": "1T", "utilisation": "1.5"}, "utilisation"),
        ({"params": "7B", "tokens": "1T", "date": "yesterday"}, "date"),
        ({"params": "7B", "tokens": "1T", "precision": "fp3"}, "precision"),
    ],
)
def test_compute_field_errors_show_next_to_the_field(page_client: Any, params: dict[str, str], field: str) -> None:
    pytest.importorskip("computegov.compute")
    page = page_client.get("/compute", params=params)
    assert page.status_code == 422
    assert f'id="e-{field}"' in page.text
    assert "Traceback" not in page.text
    api = page_client.get("/api/v1/compute/check", params=params)
    assert api.status_code == 422 and field in api.json()["errors"]


def test_compute_library_errors_are_shown_as_a_message(page_client: Any) -> None:
    pytest.importorskip("computegov.compute")
    page = page_client.get("/compute", params={"chip": "no such chip zz", "chip_count": "8", "days": "1"})
    assert page.status_code == 422
    assert 'class="error-box"' in page.text


@pytest.mark.parametrize("path", ["/trends", "/policy", "/plan"])
def test_tool_pages_render_whether_or_not_their_module_is_built(page_client: Any, path: str) -> None:
    page = page_client.get(path)
    assert page.status_code == 200
    assert "Traceback" not in page.text


def test_unknown_pages_get_a_small_404_page(page_client: Any) -> None:
    page = page_client.get("/no/such/page")
    assert page.status_code == 404 and "<html" in page.text


def test_classifier_page_classifies_and_draws_the_region_chart(page_client: Any) -> None:
    pytest.importorskip("computegov.policy.export_control")
    from computegov.catalog import load_catalog
    from computegov.policy import classify

    expected = classify(load_catalog().get("H100")).outcome
    page = page_client.get("/policy", params={"mode": "classify", "chip": "H100"})
    assert page.status_code == 200
    assert expected in page.text
    assert 'data-chart-for="region-chart"' in page.text
    assert "/static/vega-bundle.js" in page.text
    api = page_client.get("/api/v1/policy/classify", params={"chip": "H100"}).json()
    assert api["classification"]["outcome"] == expected
    assert len(api["history"]) == len(page_client.get("/api/v1/policy/rules").json())


def test_whatif_gives_each_rule_version(page_client: Any) -> None:
    pytest.importorskip("computegov.policy.whatif")
    page = page_client.get("/policy", params={"mode": "whatif", "tpp": "5000", "die_area_mm2": "800"})
    assert page.status_code == 200
    params = {"tpp": "5000", "die_area_mm2": "800", "io_bandwidth_gb_per_s": "900"}
    api = page_client.get("/api/v1/policy/whatif", params=params).json()
    # TPP >= 4800 is 3A090.a under every version (the 2022 rule also needs I/O >= 600 GB/s)
    assert [c["eccn"] for c in api["classifications"]] == ["3A090.a"] * len(api["classifications"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mode": "classify", "chip": "no such chip zz"}, "chip"),
        ({"mode": "classify", "chip": "H100", "tpp": "-3"}, "tpp"),
        ({"mode": "classify", "chip": "H100", "rule": "1999-01"}, "rule"),
        ({"mode": "whatif", "tpp": "lots"}, "tpp"),
        ({"mode": "whatif", "tpp": "100", "die_area_mm2": "0"}, "die_area_mm2"),
        # a form sent without its required field says so instead of showing nothing
        ({"mode": "whatif", "tpp": "", "die_area_mm2": "800"}, "tpp"),
        ({"mode": "classify", "chip": "", "tpp": "5000"}, "chip"),
    ],
)
def test_classifier_field_errors_show_next_to_the_field(page_client: Any, params: dict[str, str], field: str) -> None:
    pytest.importorskip("computegov.policy.export_control")
    page = page_client.get("/policy", params=params)
    assert page.status_code == 422
    assert f'id="e-{field}"' in page.text
    assert "Traceback" not in page.text


def test_trends_page_fits_forecasts_and_charts(page_client: Any) -> None:
    pytest.importorskip("computegov.trends")
    import numpy as np

    from computegov.catalog import load_catalog
    from computegov.trends import fit_trend

    params = {"metric": "peak_flop_per_s_bf16", "chip_set": "ml", "scenario": "trend", "to_year": "2030", "seed": "3"}
    api = page_client.get("/api/v1/trends/forecast", params=params).json()
    fit = fit_trend(load_catalog(), "peak_flop_per_s_bf16", "ml", rng=np.random.default_rng(3))
    assert api["fit"]["doubling_time_years"] == pytest.approx(fit.doubling_time_years, rel=1e-12)
    assert api["forecasts"][0]["by_year"][-1]["year"] == 2030
    page = page_client.get("/trends", params=params)
    assert page.status_code == 200
    assert 'data-chart-for="trend-chart"' in page.text and 'data-chart-for="forecast-chart"' in page.text


def test_trends_page_selects_the_chip_set_the_fit_uses(page_client: Any) -> None:
    """With no query, the selector shows the default set (ml), not the first option (all)."""
    pytest.importorskip("computegov.trends")
    import re

    page = page_client.get("/trends")
    assert page.status_code == 200
    select = re.search(r'<select id="f-chip_set".*?</select>', page.text, re.S)
    assert select is not None
    assert re.findall(r'<option value="([^"]*)" selected>', select.group(0)) == ["ml"]


@pytest.mark.parametrize(
    ("metric", "wanted", "unwanted"),
    [("flop_per_j", "irds_2022", "irds_2022_density"), ("memory_bytes", "trend", "irds_2022")],
)
def test_all_scenarios_means_those_meant_for_the_metric(
    page_client: Any, metric: str, wanted: str, unwanted: str
) -> None:
    pytest.importorskip("computegov.trends")
    params = {"metric": metric, "chip_set": "ml", "scenario": "all", "to_year": "2030"}
    api = page_client.get("/api/v1/trends/forecast", params=params).json()
    names = [f["scenario"] for f in api["forecasts"]]
    assert wanted in names and unwanted not in names
    assert api["skipped_scenarios"] == {}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"metric": "speed"}, "metric"), ({"since": "soon"}, "since"), ({"to_year": "1800"}, "to_year"),
     ({"since": "2024", "until": "2020"}, "until")],
)
def test_trends_field_errors_show_next_to_the_field(page_client: Any, params: dict[str, str], field: str) -> None:
    pytest.importorskip("computegov.trends")
    page = page_client.get("/trends", params=params)
    assert page.status_code == 422 and f'id="e-{field}"' in page.text


def test_planner_ranks_options_and_explains_infeasibility(page_client: Any) -> None:
    pytest.importorskip("computegov.planning")
    api = page_client.get("/api/v1/plan", params={"flop": "1e24", "top": "3", "rank_by": "cost"}).json()
    costs = [o["cost_usd_2024"]["central"] for o in api["options"]]
    assert len(costs) <= 3 and costs == sorted(costs)
    page = page_client.get("/plan", params={"flop": "1e24", "top": "3"})
    assert page.status_code == 200 and 'id="plans"' in page.text
    bad = page_client.get("/plan", params={"flop": "1e27", "deadline_days": "1", "max_chips": "8"})
    assert bad.status_code == 422 and "deadline" in bad.text
    field = page_client.get("/plan", params={"flop": "7b"})
    assert field.status_code == 422 and 'id="e-flop"' in field.text


def test_planner_page_shows_goodput_and_interruptions_beside_cost(page_client: Any) -> None:
    pytest.importorskip("computegov.planning")
    import html
    import re

    params = {"flop": "3e25", "deadline_days": "90", "top": "2"}
    api = page_client.get("/api/v1/plan", params=params).json()
    first = api["options"][0]["reliability"]
    page = page_client.get("/plan", params=params)
    assert page.status_code == 200
    cells = [html.unescape(c) for c in re.findall(r'<td class="num goodput">(.*?)</td>', page.text, re.S)]
    assert len(cells) == len(api["options"])
    assert cells[0].startswith(f"{100 * first['goodput']['central']:.1f}%")
    interruptions = re.findall(r'<td class="num goodput-interruptions">(\d+)', page.text)
    assert interruptions[0] == f"{first['expected_unexpected_interruptions']['central']:.0f}"
    assert "Days without failures" in page.text
    from computegov.costs.money import format_usd

    cost = format_usd(api["options"][0]["cost_usd_2024"]["central"], compact=True)
    assert f'<td class="num">{cost}</td>' in page.text  # the one money formatter, as in the CLI


@pytest.mark.parametrize(
    "path", ["/", "/catalog", "/catalog/chip?name=H100", "/trends", "/policy?chip=H100", "/compute", "/plan",
             "/registry", "/registry/audit", "/api/docs"],
)
def test_pages_load_nothing_from_other_origins(page_client: Any, path: str) -> None:
    import re

    page = page_client.get(path)
    assert page.status_code == 200
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text)
    assert assets, "every page loads the stylesheet"
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn" not in page.text.lower()


def test_catalogue_column_headers_sort_and_flip_the_order(page_client: Any) -> None:
    import re

    page = page_client.get("/catalog", params={"kind": "gpu", "sort": "tdp_w", "order": "desc"})
    head = page.text[page.text.index("<thead>") : page.text.index("</thead>")]
    links = {key: url for url, key in re.findall(r'<a href="(/catalog\?[^"]*sort=(\w+)[^"]*)"', head)}
    assert "order=asc" in links["tdp_w"].replace("&amp;", "&")  # clicking the current key flips it
    assert "order=desc" in links["name"].replace("&amp;", "&") and "kind=gpu" in links["name"]
    rows = re.findall(r'<td class="num">([\d.]+) (k?)W</td>', page.text)
    watts = [float(v) * (1e3 if k else 1) for v, k in rows]
    assert watts == sorted(watts, reverse=True)


def test_chip_page_gives_values_with_units_and_sources(page_client: Any) -> None:
    from computegov.catalog import load_catalog

    chip = load_catalog().get("H100")
    page = page_client.get("/catalog/chip", params={"name": "H100"})
    assert page.status_code == 200
    assert chip.memory_bytes is not None and chip.tdp_w is not None
    from computegov.web.pages import si

    assert si(chip.memory_bytes, "B") in page.text  # e.g. "80 GB", not "80000000000.0"
    assert si(chip.tdp_w, "W") in page.text
    assert "Memory bandwidth" in page.text and "Epoch AI" in page.text


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [("memory_bytes", 8e10, "80 GB"), ("memory_bandwidth_bytes_per_s", 3.35e12, "3.35 TB/s"), ("tdp_w", 700.0, "700 W"),
     ("die_area_mm2", 814.0, "814 mm²"), ("process_nm", 5.0, "5 nm"), ("transistors", 8e10, "80 billion"),
     ("launch_price_usd", 33600.0, "33,600 USD"), ("launch_price_year", 2023, "2023"), ("datacenter", True, "yes"),
     ("memory_bytes", None, "—")],
)
def test_spec_values_carry_their_unit(key: str, value: Any, shown: str) -> None:
    from computegov.web.pages import spec_value

    assert spec_value(key, value) == shown
