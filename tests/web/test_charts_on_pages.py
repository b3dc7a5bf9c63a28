"""The web's chart fragments (computegov.charts.web): a spec the page's vega-embed draws, with attribution."""

from __future__ import annotations

import json
import re

import pytest

from computegov.charts.web import compute_chart_html


def _spec(fragment: str, chart_id: str) -> dict:
    match = re.search(rf'<script type="application/json" data-chart-for="{chart_id}">(.*?)</script>', fragment, re.S)
    assert match, fragment[:200]
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_compute_chart_marks_this_run_among_notable_models() -> None:
    pytest.importorskip("computegov.compute.trend")
    result = {"estimate": {"flop": 3.8e25, "flop_low": 3.0e25, "flop_high": 4.8e25}, "date": "2026-07-02"}
    fragment = compute_chart_html(result)
    spec = _spec(fragment, "compute-chart")
    text = json.dumps(spec)
    assert "Epoch AI" in text  # CC-BY 4.0 attribution
    assert "this run" in text and "training compute, FLOP" in text
    run_rows = [row for rows in spec.get("datasets", {}).values() for row in rows if row.get("label") == "this run"]
    assert run_rows and run_rows[0]["training_compute_flop"] == 3.8e25
    assert run_rows[0]["year"] == pytest.approx(2026 + 182 / 365.25)  # 2 July is day 183


def test_registry_features_reuse_the_chart_module() -> None:
    from computegov.charts import web
    from computegov.web import features

    assert features.compute_chart_html is web.compute_chart_html
    assert features.region_chart_html is web.region_chart_html
