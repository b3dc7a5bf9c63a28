"""The training-compute report section and its charts."""

from __future__ import annotations

from computegov.catalog.chip import Chip


def test_section_has_order_50_charts_and_attribution() -> None:
    from computegov.catalog import Catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections.compute import build

    section = build(ReportContext(catalog=Catalog([Chip(name="x")])))
    assert section.order == 50
    assert 'id="compute-models-over-time"' in section.html
    assert 'id="compute-crossings-forecast"' in section.html
    assert "CC-BY 4.0" in section.html
    assert "EO 14110" in section.html


def test_models_chart_draws_one_rule_per_threshold_value() -> None:
    from computegov.charts.compute import models_over_time_chart
    from computegov.compute.trend import load_notable_models
    from computegov.policy.thresholds import load_thresholds

    thresholds = load_thresholds()
    spec = models_over_time_chart(load_notable_models(), thresholds).to_dict()
    rule_layer = spec["layer"][1]
    values = spec["datasets"][rule_layer["data"]["name"]]
    assert sorted(v["flop"] for v in values) == sorted({t.value_flop for t in thresholds})


def test_section_states_the_interval_coverage() -> None:
    from computegov.catalog import Catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections.compute import build

    html = build(ReportContext(catalog=Catalog([Chip(name="x")]))).html
    assert "90% intervals hold Epoch AI" in html
    assert "default utilisation" in html and "epochs stated" in html
