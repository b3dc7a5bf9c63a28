"""The emerging-hardware API gives the CLI's JSON, and the /emerging page shows it with clear errors."""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from registry_helpers import FakeVerifier
from typer.testing import CliRunner

from computegov.cli import app as cli_app
from computegov.emerging import EVIDENCE_KINDS, MATURITY_LEVELS, PARADIGMS, load_register
from computegov.web.emerging_pages import duration, figure

runner = CliRunner()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app for the module: these pages read the register and the catalogue, never the database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('emerging') / 'pages.sqlite3'}", verifier=FakeVerifier())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c

#: (CLI arguments after ``emerging``, the same inputs as an API query).
SAME_INPUTS: list[tuple[list[str], str]] = [
    (["register"], "/api/v1/emerging/register"),
    (["register", "--paradigm", "photonic", "--evidence", "peer_reviewed_measurement"],
     "/api/v1/emerging/register?paradigm=photonic&evidence=peer_reviewed_measurement"),
    (["compare"], "/api/v1/emerging/compare"),
    (["compare", "--history-only", "--paradigm", "analog_in_memory"],
     "/api/v1/emerging/compare?history_only=true&paradigm=analog_in_memory"),
    (["compare", "--id", "ibm_analog_pcm_nature_2023", "--seed", "3"],
     "/api/v1/emerging/compare?id=ibm_analog_pcm_nature_2023&seed=3"),
    (["watch", "--p", "photonic=0.2", "--p", "analog_in_memory=0.3", "--relevance", "neuromorphic=0.5"],
     "/api/v1/emerging/watch?p=photonic%3D0.2&p=analog_in_memory%3D0.3&relevance=neuromorphic%3D0.5"),
    (["watch", "--metric", "training_flop_per_s"], "/api/v1/emerging/watch?metric=training_flop_per_s"),
    (["watch", "--p", "photonic=0.5", "--evidence", "peer_reviewed_measurement", "--evidence", "vendor_claim"],
     "/api/v1/emerging/watch?p=photonic%3D0.5&evidence=peer_reviewed_measurement&evidence=vendor_claim"),
    (["quantum"], "/api/v1/emerging/quantum"),
    (["quantum", "--toffolis", "2600", "--degree", "3", "--parallel", "1e6", "--distillation-speedup", "10",
      "--precision", "bf16", "--top", "2", "--classical-call-s", "7e-9"],
     "/api/v1/emerging/quantum?toffolis=2600&degree=3&parallel=1e6&distillation_speedup=10&precision=bf16"
     "&top=2&classical_call_s=7e-9"),
    (["scenario", "--paradigm", "analog_in_memory", "-p", "0.3", "--year", "2030", "--to", "2035"],
     "/api/v1/emerging/scenario?paradigm=analog_in_memory&probability=0.3&year=2030&to=2035"),
    (["scenario", "--paradigm", "quantum", "-p", "1", "--multiplier", "10", "--multiplier-high", "100",
      "--metric", "training_flop_per_s", "--to", "2034", "--seed", "5"],
     "/api/v1/emerging/scenario?paradigm=quantum&probability=1&multiplier=10&multiplier_high=100"
     "&metric=training_flop_per_s&to=2034&seed=5"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "url"), SAME_INPUTS, ids=[" ".join(a[:3]) for a, _ in SAME_INPUTS])
def test_api_returns_exactly_the_cli_json(client: Any, args: list[str], url: str) -> None:
    result = runner.invoke(cli_app, ["emerging", *args, "--json"])
    assert result.exit_code == 0, result.output
    api = client.get(url)
    assert api.status_code == 200, api.text
    assert api.json() == json.loads(result.stdout)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/emerging/scenario?paradigm=alchemy&probability=0.5", "paradigm"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=1.5", "probability"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=-0.1", "probability"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=nan", "probability"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=0.5&multiplier=0", "multiplier"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=0.5&multiplier=-3", "multiplier"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=0.5&multiplier=inf", "multiplier"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=0.5&multiplier_high=5", "multiplier_high"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=0.5&multiplier=5&multiplier_high=2",
         "multiplier_high"),
        ("/api/v1/emerging/scenario?paradigm=photonic&probability=0.5&metric=joules", "metric"),
        ("/api/v1/emerging/register?paradigm=alchemy", "paradigm"),
        ("/api/v1/emerging/register?maturity=vapourware", "maturity"),
        ("/api/v1/emerging/compare?id=no_such_entry", "id"),
        ("/api/v1/emerging/watch?p=photonic%3D2", "p"),
        ("/api/v1/emerging/watch?p=alchemy%3D0.5", "p"),
        ("/api/v1/emerging/watch?p=photonic", "p"),
        ("/api/v1/emerging/watch?relevance=photonic%3D-1", "relevance"),
        ("/api/v1/emerging/watch?evidence=rumour", "evidence"),
        ("/api/v1/emerging/quantum?degree=9", "degree"),
        ("/api/v1/emerging/quantum?precision=int3", "precision"),
        ("/api/v1/emerging/quantum?toffolis=0", "toffolis"),
    ],
)
def test_bad_api_query_is_422_naming_the_field(client: Any, url: str, field: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    body = r.json()
    named = body.get("field") == field or any(e["loc"][-1] == field for e in body.get("errors", []))
    assert named and field in body["detail"], body


def test_scenario_without_a_register_multiplier_asks_for_one(client: Any) -> None:
    rows = client.get("/api/v1/emerging/compare?history_only=true").json()["comparisons"]
    for metric in ("flop_per_j", "training_flop_per_s"):
        have = {r["paradigm"] for r in rows if r["comparable"] and r["trend_metric"] == metric and r["ratio_to_record"]}
        missing = [p for p in PARADIGMS if p not in have]
        if missing:
            break
    else:
        pytest.skip("every paradigm has a comparable register entry on both metrics")
    r = client.get("/api/v1/emerging/scenario", params={"paradigm": missing[0], "probability": 0.5,
                                                             "metric": metric})
    assert r.status_code == 422 and r.json()["field"] == "multiplier"
    page = client.get("/emerging", params={"s_paradigm": missing[0], "s_probability": "0.5", "s_metric": metric})
    assert page.status_code == 422 and 'id="e-s_multiplier"' in page.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"s_paradigm": "alchemy", "s_probability": "0.5"}, "s_paradigm"),
        ({"s_paradigm": "photonic", "s_probability": "1.5"}, "s_probability"),
        ({"s_paradigm": "photonic", "s_probability": "nan"}, "s_probability"),
        ({"s_paradigm": "photonic", "s_probability": "0.5", "s_multiplier": "0"}, "s_multiplier"),
        ({"s_paradigm": "photonic", "s_probability": "0.5", "s_multiplier": "-2"}, "s_multiplier"),
        ({"s_paradigm": "photonic", "s_probability": "0.5", "s_multiplier": "NaN"}, "s_multiplier"),
        ({"s_paradigm": "photonic", "s_probability": "0.5", "s_multiplier": "3", "s_multiplier_high": "1"},
         "s_multiplier_high"),
        ({"s_paradigm": "photonic"}, "s_probability"),
        ({"w_p_photonic": "2"}, "w_p_photonic"),
        ({"w_relevance_quantum": "-1"}, "w_relevance_quantum"),
        ({"w_evidence_projection": "maybe"}, "w_evidence_projection"),
        ({"w_evidence_given": "1"}, "w_evidence_peer_reviewed_measurement"),  # every box unticked
        ({"q_degree": "2,9"}, "q_degree"),
        ({"q_degree": "two"}, "q_degree"),
        ({"q_toffolis": "nan"}, "q_toffolis"),
        ({"q_precision": "int3"}, "q_precision"),
        ({"paradigm": "alchemy"}, "paradigm"),
    ],
)
def test_bad_form_value_is_422_with_the_message_beside_its_field(
    client: Any, query: dict[str, str], field: str
) -> None:
    r = client.get("/emerging", params=query)
    assert r.status_code == 422
    assert "Traceback" not in r.text
    assert re.search(rf'<p class="error" id="e-{field}" role="alert">[^<]+</p>', r.text), field
    assert 'id="errors"' in r.text  # the summary at the top
    assert 'id="register-table"' in r.text  # the rest of the page still renders
    assert ", ," not in r.text and ": ," not in r.text  # no empty choice in the list of allowed values


def test_page_lists_every_register_entry_with_evidence_and_source(client: Any) -> None:
    reg = load_register()
    r = client.get("/emerging")
    assert r.status_code == 200
    text = r.text
    rows = re.findall(r'<tr id="entry-([^"]+)">', text)
    assert rows == [c.id for c in reg.claims]
    for claim in reg.claims:
        row = re.search(rf'<tr id="entry-{re.escape(claim.id)}">.*?</tr>', text, re.S)
        assert row is not None
        assert f'class="ev ev-{claim.evidence}"' in row.group(0)
        href = f"https://doi.org/{claim.source.doi}" if claim.source.doi else claim.source.url
        assert f'href="{html.escape(href)}"' in row.group(0)
        shown = html.unescape(row.group(0))
        for metric in claim.metrics:
            assert metric.quote in shown
            assert f"{metric.name}: {figure(metric.name, metric.value)}" in shown
    for level, definition in reg.maturity_levels.items():
        assert definition in html.unescape(text), level
    assert f"({len(reg.claims)} entries)" in text
    assert 'href="/emerging"' in text and 'aria-current="page"' in text


def test_filters_narrow_the_register_and_the_comparisons(client: Any) -> None:
    reg = load_register()
    for paradigm in PARADIGMS:
        for kind in EVIDENCE_KINDS:
            wanted = [c.id for c in reg.claims if c.paradigm == paradigm and c.evidence == kind]
            if wanted:
                break
        else:
            continue
        break
    r = client.get("/emerging", params={"paradigm": paradigm, "evidence": kind})
    assert r.status_code == 200
    assert re.findall(r'<tr id="entry-([^"]+)">', r.text) == wanted
    assert re.findall(r'<(?:tr|li) id="compare-([^"]+)">', r.text) == _comparable_first(r.text, wanted)
    maturity = reg.claims[0].maturity
    r = client.get("/emerging", params={"maturity": maturity})
    assert re.findall(r'<tr id="entry-([^"]+)">', r.text) == [c.id for c in reg.claims if c.maturity == maturity]
    assert set(MATURITY_LEVELS) >= {c.maturity for c in reg.claims}


def _comparable_first(text: str, ids: list[str]) -> list[str]:
    """``ids`` in the page's order: the comparable ones (in the table), then the others (in the list)."""
    table = re.search(r'id="compare-table">(.*?)</table>', text, re.S).group(1)
    return [i for i in ids if f'id="compare-{i}"' in table] + [i for i in ids if f'id="compare-{i}"' not in table]


def test_comparison_table_shows_ratio_interval_and_caveat_badges(client: Any) -> None:
    api = client.get("/api/v1/emerging/compare").json()["comparisons"]
    text = client.get("/emerging").text
    rows = dict(re.findall(r'<(?:tr|li) id="compare-([^"]+)">(.*?)</(?:tr|li)>', text, re.S))
    assert list(rows) == [c["claim_id"] for c in api if c["comparable"]] + [
        c["claim_id"] for c in api if not c["comparable"]]
    comparable = [c for c in api if c["comparable"]]
    assert comparable, "the register has comparable claims"
    for c in api:
        row = rows[c["claim_id"]]
        assert f'class="ev ev-{c["evidence"]}"' in row
        if not c["comparable"]:
            assert c["reason"] in html.unescape(row)
            continue
        assert f"{c['ratio_to_record']:.3g}" in row
        if c["years_ahead"] is not None:
            assert f"{c['years_ahead']:+.1f}" in row
        for key, why in c["caveats"].items():
            assert f'<span class="caveat" title="{why}">{key}</span>' in html.unescape(row)


def test_claims_chart_carries_every_comparable_energy_claim(client: Any) -> None:
    api = client.get("/api/v1/emerging/compare").json()["comparisons"]
    text = client.get("/emerging").text
    spec_text = re.search(r'data-chart-for="emerging-claims-chart">(.*?)</script>', text, re.S)
    assert spec_text is not None
    spec = json.loads(spec_text.group(1).replace("<\\/", "</"))
    drawn = {row["claim"] for rows in spec["datasets"].values() for row in rows if "claim" in row}
    expected = {c["claim_id"] for c in api if c["comparable"] and c["quantity"] == "energy_efficiency"
                and c["bf16_equivalent"]}
    assert drawn == expected


def test_watch_form_changes_every_weight_like_the_cli(client: Any) -> None:
    query = {"w_metric": "flop_per_j", "w_p_photonic": "0.2", "w_p_analog_in_memory": "0.3",
             "w_relevance_neuromorphic": "0.5", "w_relevance_photonic": "2"}
    page = client.get("/emerging", params=query)
    assert page.status_code == 200
    api = client.get("/api/v1/emerging/watch", params=[
        ("p", "photonic=0.2"), ("p", "analog_in_memory=0.3"), ("relevance", "neuromorphic=0.5"),
        ("relevance", "photonic=2")]).json()
    table = re.search(r'<table class="data" id="watch-table">(.*?)</table>', page.text, re.S)
    assert table is not None
    order = re.findall(r"<tr><td>([a-z_0-9]+)</td>", table.group(1))
    assert order == [i["paradigm"] for i in api["watch_list"]]
    top = api["watch_list"][0]
    assert top["paradigm"] == "photonic" and top["relevance"] == 2.0
    assert f"{top['expected_uplift']:.3g}" in table.group(1)
    assert 'name="w_p_photonic" type="text" value="0.2"' in page.text  # the form keeps what was typed


def test_quantum_form_shows_the_break_even(client: Any) -> None:
    page = client.get("/emerging", params={"q_toffolis": "2600", "q_degree": "2, 3", "q_top": "1"})
    api = client.get("/api/v1/emerging/quantum?toffolis=2600&degree=2&degree=3&top=1").json()
    assert page.status_code == 200
    table = re.search(r'id="quantum-table">(.*?)</table>', page.text, re.S)
    assert table is not None
    for b in api["yours"] + api["against_chips"]:
        assert f'data-seconds="{b["break_even_s"]}">{duration(b["break_even_s"])}<' in table.group(1)
    assert len(re.findall(r"<tr>", table.group(1))) == len(api["yours"]) + len(api["against_chips"]) + 1


def test_scenario_form_draws_the_mixture_fan_and_its_table(client: Any) -> None:
    query = {"s_paradigm": "quantum", "s_probability": "1", "s_multiplier": "100", "s_to": "2034",
             "s_year": "2030", "paradigm": "photonic"}
    page = client.get("/emerging", params=query)
    assert page.status_code == 200
    api = client.get("/api/v1/emerging/scenario?paradigm=quantum&probability=1&multiplier=100&to=2034"
                          "&year=2030").json()
    rows = re.findall(r"<tr><td>(\d{4})</td>", re.search(r'id="scenario-table">(.*?)</table>', page.text,
                                                          re.S).group(1))
    assert rows == [f"{r['year']:.0f}" for r in api["by_year"]]
    assert 'data-chart-for="emerging-scenario-chart"' in page.text
    # the register filter travels with the scenario form and vice versa
    scenario_form = re.search(r'<form id="scenario-form".*?</form>', page.text, re.S).group(0)
    assert '<input type="hidden" name="paradigm" value="photonic">' in scenario_form
    register_form = re.search(r'<form id="register-form".*?</form>', page.text, re.S).group(0)
    assert '<input type="hidden" name="s_multiplier" value="100">' in register_form


def test_emerging_api_is_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for name in ("register", "compare", "watch", "quantum", "scenario"):
        assert f"/api/v1/emerging/{name}" in paths


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (12.0, "12 s"), (90.0, "1.5 minutes"), (7200.0, "2 hours"), (8.64e6, "100 days"),
     (3.15576e9, "100 years")],
)
def test_duration_picks_the_largest_fitting_unit(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [("op_per_j", 1.24e13, "12.4 TOP/J"), ("power_w", 8.25, "8.25 W"), ("relative_energy_efficiency", 25.0, "25x"),
     ("model_parameters", 3e9, "3e+09")],
)
def test_register_figures_carry_their_units(name: str, value: float, text: str) -> None:
    assert figure(name, value) == text


def test_every_register_metric_name_is_shown_with_its_unit() -> None:
    from computegov.emerging.register import METRIC_NAMES
    from computegov.web.emerging_pages import SI_UNITS

    assert set(SI_UNITS) <= set(METRIC_NAMES)
    for name, unit in METRIC_NAMES.items():
        shown = figure(name, 2.0)
        assert shown.startswith("2")
        assert name in SI_UNITS or name.startswith("relative_") or unit == "count" or unit in shown


def test_watch_form_can_leave_out_vendor_claims_and_projections(client: Any) -> None:
    page = client.get("/emerging", params={"w_p_photonic": "0.5", "w_evidence_given": "1",
                                                "w_evidence_peer_reviewed_measurement": "on"})
    assert page.status_code == 200
    api = client.get("/api/v1/emerging/watch?p=photonic%3D0.5&evidence=peer_reviewed_measurement").json()
    table = re.search(r'id="watch-table">(.*?)</table>', page.text, re.S).group(1)
    for item in api["watch_list"]:
        assert set(item["evidence"]) <= {"peer_reviewed_measurement"}
        if item["multiplier"] is not None:
            assert f"<td class=\"num\">{item['multiplier']:.3g}</td>" in table
    assert "VENDOR CLAIM" not in table and "PROJECTION" not in table
    boxes = re.search(r'id="watch-evidence">(.*?)</fieldset>', page.text, re.S).group(1)
    assert re.search(r'name="w_evidence_peer_reviewed_measurement" value="on" checked', boxes)
    assert re.search(r'name="w_evidence_vendor_claim" value="on">', boxes)
