"""Data out: the API's CSV form, the charts' text alternatives and downloads, the report's CSV links,
and numbers that name what they count (shares, defaults)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")

from computegov.web.csv_export import flatten_row, rows_to_csv, wants_csv


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _decode_data_uri(href: str) -> str:
    import base64

    head, _, body = href.partition(",")
    assert head.startswith("data:")
    return base64.b64decode(body).decode() if head.endswith(";base64") else urllib.parse.unquote(body)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    from computegov.web.app import create_app

    db = tmp_path_factory.mktemp("csv") / "registry.sqlite3"
    with TestClient(create_app(f"sqlite:///{db}")) as c:
        yield c


# the CSV writer -----------------------------------------------------------------------------

cells = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                  st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b_w", "c,d", 'q"x', "n\nl"]), cells, min_size=1),
                min_size=1, max_size=6))
def test_csv_round_trips_any_cells_through_a_standard_reader(rows: list[dict[str, Any]]) -> None:
    text = rows_to_csv(rows)
    assert text.endswith("\r\n")
    back = _read_csv(text)
    assert len(back) == len(rows)
    for row, got in zip(rows, back, strict=True):
        for key, value in row.items():
            if value is None:
                assert got[key] == ""
            elif isinstance(value, bool):
                assert got[key] == ("true" if value else "false")
            elif isinstance(value, float):
                assert float(got[key]) == value  # repr: no digit lost
            elif isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(value):
                assert got[key] == "'" + value  # never run as a spreadsheet formula
            else:
                assert got[key] == str(value)


def test_a_formula_from_a_submitter_is_written_as_text_and_numbers_stay_numbers() -> None:
    text = rows_to_csv([{"title": "=HYPERLINK(\"http://x\")", "margin": "-1.5", "n": -2, "org": "@lab"}])
    row = _read_csv(text)[0]
    assert row == {"title": "'=HYPERLINK(\"http://x\")", "margin": "-1.5", "n": "-2", "org": "'@lab"}


def test_nested_objects_become_dotted_columns_and_lists_join() -> None:
    flat = flatten_row({"name": "H100", "peak_flop_per_s": {"bf16": 9.89e14, "fp8": None},
                        "aliases": ["H100 SXM", "H100"], "sources": [{"f": "x"}]})
    assert flat == {"name": "H100", "peak_flop_per_s.bf16": "989000000000000.0", "peak_flop_per_s.fp8": "",
                    "aliases": '["H100 SXM","H100"]', "sources": '[{"f":"x"}]'}


@pytest.mark.parametrize(("query", "accept", "expected"), [
    ("format=csv", "", True),
    ("limit=3&format=CSV", "application/json", True),
    ("", "text/csv", True),
    ("", "text/csv;q=0.9, application/json;q=0.5", True),
    ("", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
    ("", "application/json, text/csv", False),
    ("format=json", "", False),
])
def test_csv_is_answered_only_when_asked_for(query: str, accept: str, expected: bool) -> None:
    assert wants_csv(query, accept) is expected


# the API ----------------------------------------------------------------------------------------


def test_chips_csv_holds_the_json_rows_with_unit_named_columns(client: Any) -> None:
    rows = client.get("/api/v1/chips?limit=40&sort=name&order=asc").json()["chips"]
    for response in (client.get("/api/v1/chips?limit=40&sort=name&order=asc&format=csv"),
                     client.get("/api/v1/chips?limit=40&sort=name&order=asc", headers={"accept": "text/csv"})):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        got = _read_csv(response.text)
        assert [r["name"] for r in got] == [r["name"] for r in rows]
        assert {"memory_bytes", "tdp_w", "peak_flop_per_s.bf16"} <= set(got[0])
        for mine, theirs in zip(got, rows, strict=True):
            for key in ("memory_bytes", "tdp_w"):
                assert (mine[key] == "") == (theirs[key] is None)
                if theirs[key] is not None:
                    assert float(mine[key]) == pytest.approx(theirs[key], rel=1e-12)
            bf16 = theirs["peak_flop_per_s"].get("bf16")
            assert mine.get("peak_flop_per_s.bf16", "") == ("" if bf16 is None else repr(float(bf16)))


def test_nested_rows_of_a_time_series_carry_their_date(client: Any) -> None:
    url = "/api/v1/clusters/stocks?dates=2022-01-01,2024-01-01"
    data = client.get(url).json()
    response = client.get(url + "&format=csv&table=stocks[].rows")
    assert response.status_code == 200 and response.headers["x-csv-table"] == "stocks[].rows"
    got = _read_csv(response.text)
    expected = [(t["date"], r["group"], r["share"]) for t in data["stocks"] for r in t["rows"]]
    date_column = "parent.date" if "parent.date" in got[0] else "date"
    assert [(r[date_column], r["group"], float(r["share"])) for r in got] == expected


def test_errors_stay_json_and_a_wrong_table_names_the_choices(client: Any) -> None:
    missing = client.get("/api/v1/chip?name=no-such-chip-zz&format=csv")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")
    wrong = client.get("/api/v1/chips?format=csv&table=nope")
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "table" and "chips" in wrong.json()["detail"]


def test_one_record_is_one_row(client: Any) -> None:
    chip = client.get("/api/v1/chip?name=H100").json()
    got = _read_csv(client.get("/api/v1/chip?name=H100&format=csv").text)
    assert len(got) == 1 and got[0]["name"] == chip["name"]
    assert float(got[0]["memory_bytes"]) == chip["memory_bytes"]


def test_the_api_reference_is_never_csv(client: Any) -> None:
    response = client.get("/api/v1/openapi.json?format=csv")
    assert response.headers["content-type"].startswith("application/json")


# charts: text alternative, downloads, axes -----------------------------------------------------


def _toy_chart(width: int = 300) -> Any:
    import altair as alt
    import pandas as pd

    from computegov.charts.base import chart_title

    frame = pd.DataFrame({"year": [2019.0, 2020.5, 2023.0], "value_flop": [1e20, 3e21, 2e23],
                          "name": ["a, b", 'say "x"', "c"]})
    return alt.Chart(frame).mark_point().encode(x="year:Q", y="value_flop:Q").properties(
        width=width, title=chart_title("Toy", "one line " * 30))


def test_chart_html_carries_a_summary_a_data_table_and_csv_of_the_same_rows() -> None:
    from computegov.charts.base import chart_html

    fragment = chart_html(_toy_chart(), "toy")
    summary = re.search(r'<p class="visually-hidden" id="toy-summary">([^<]+)</p>', fragment)
    assert summary and "Toy" in summary.group(1) and "3 data rows" in summary.group(1)
    assert 'aria-describedby="toy-summary"' in fragment
    table = fragment[fragment.index("<details"):]
    assert table.count("<tr>") == 1 + 3  # header + rows
    href = re.search(r'<a download="toy-data.csv" href="([^"]+)"', fragment)
    assert href
    rows = _read_csv(_decode_data_uri(href.group(1).replace("&amp;", "&")))
    assert [r["name"] for r in rows] == ["a, b", 'say "x"', "c"]
    assert [float(r["value_flop"]) for r in rows] == [1e20, 3e21, 2e23]


def test_year_axes_read_as_whole_years_and_single_views_fill_their_container() -> None:
    import altair as alt

    from computegov.charts.base import chart_html, tidy_spec

    spec = json.loads(re.search(r'data-chart-for="toy">(.*?)</script>', chart_html(_toy_chart(), "toy"))
                      .group(1).replace("<\\/", "</"))
    assert spec["encoding"]["x"]["axis"]["format"] == "d" and spec["encoding"]["x"]["axis"]["tickMinStep"] == 1
    assert "format" not in spec["encoding"]["y"].get("axis", {})
    assert spec["width"] == "container"
    assert all(len(line) <= 60 for line in spec["title"]["subtitle"])  # wrapped for a phone, not cut
    concat = tidy_spec(alt.hconcat(_toy_chart(), _toy_chart()).to_dict(), responsive=True)
    assert "width" not in concat or concat["width"] != "container"


def test_report_tables_embed_their_cells_as_downloadable_csv() -> None:
    from computegov.report.section import fmt_number, html_table

    fragment = html_table(["chip", "price (USD)"], [["H100, SXM", 25000.0], ["A100", None]], caption="Prices")
    href = re.search(r'<a download="prices.csv" href="([^"]+)"', fragment)
    assert href
    rows = list(csv.reader(io.StringIO(_decode_data_uri(href.group(1).replace("&amp;", "&")), newline="")))
    assert rows == [["chip", "price (USD)"], ["H100, SXM", fmt_number(25000.0)], ["A100", "–"]]


# one number, one meaning ------------------------------------------------------------------------


def test_each_share_names_its_metric_population_and_date() -> None:
    from computegov.clusters.summary import headline

    out = headline(n_boot=50)
    text = out["share_population"]
    assert "16-bit FLOP/s" in text and out["date"] in text and f"{out['country_stocks']['n_systems']} " in text
    if out["country_stocks"]["n_without_metric"]:
        assert f"{out['country_stocks']['n_without_metric']} without" in text


def test_the_planner_form_shows_the_deadline_the_planner_uses() -> None:
    from computegov.costs import default_assumptions
    from computegov.web.features import plan_form

    days = default_assumptions().planning["default_max_days"].value.central
    deadline = next(f for f in plan_form().fields if f.name == "deadline_days")
    assert f"default: {days:g}" in deadline.help


def test_the_tco_note_agrees_with_its_table() -> None:
    from computegov.catalog import load_catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections import tco

    html = tco.build(ReportContext(load_catalog())).html
    assert "counted twice" not in html
    assert "chip price, chip alone" in html
    assert "counted once" in html  # the H100's catalogue price includes a DGX server share
