"""Emerging-hardware charts: claims drawn by evidence kind on the FLOP/J record, and the scenario fan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from computegov.charts.base import ATTRIBUTION
from computegov.charts.emerging import (
    EVIDENCE_STYLE,
    claims_chart,
    claims_frame,
    paradigm_fan_chart,
)
from computegov.emerging import Comparison, ParadigmScenario, paradigm_forecast
from computegov.emerging.register import EVIDENCE_KINDS


@pytest.fixture(scope="module")
def chips() -> list[Any]:
    import computegov

    return list(computegov.load_catalog())


@pytest.fixture(scope="module")
def record() -> Any:
    import computegov
    from computegov.trends import record_forecast

    return record_forecast(list(computegov.load_catalog()), "flop_per_j", "ml", years=list(range(2028, 2036)),
                           seed=0, n_samples=300, n_boot=60)


def _comparison(claim_id: str, evidence: str, value: float | None, quantity: str | None = "energy_efficiency",
                comparable: bool = True) -> Comparison:
    return Comparison(claim_id=claim_id, paradigm="photonic", evidence=evidence, quantity=quantity,
                      comparable=comparable, reason="", bf16_equivalent=value, ratio_to_record=2.0, years_ahead=1.5)


ROWS = [
    _comparison("measured", "peer_reviewed_measurement", 1e13),
    _comparison("vendor", "vendor_claim", 2e13),
    _comparison("projected", "projection", 5e14),
    _comparison("throughput", "vendor_claim", 1e15, quantity="throughput"),
    _comparison("not_comparable", "peer_reviewed_measurement", None, quantity=None, comparable=False),
]
YEARS = {"measured": 2023.6, "vendor": 2024.2, "projected": 2025.3, "throughput": 2024.0, "not_comparable": 2023.0}


def test_only_comparable_energy_claims_are_drawn_and_only_measurements_are_filled() -> None:
    frame = claims_frame(ROWS, YEARS)
    assert list(frame["claim"]) == ["measured", "vendor", "projected"]
    assert list(frame["filled"]) == [1.0, 0.0, 0.0]
    assert list(frame["evidence"]) == [EVIDENCE_STYLE[k][0] for k in EVIDENCE_KINDS]
    assert list(frame["year"]) == [YEARS["measured"], YEARS["vendor"], YEARS["projected"]]


def test_every_evidence_kind_has_its_own_shape_and_colour() -> None:
    assert set(EVIDENCE_STYLE) == set(EVIDENCE_KINDS)
    assert len({s[1] for s in EVIDENCE_STYLE.values()}) == len(EVIDENCE_KINDS)
    assert len({s[2] for s in EVIDENCE_STYLE.values()}) == len(EVIDENCE_KINDS)


def test_claims_chart_spec_holds_claims_chips_band_and_attribution(chips: list[Any], record: Any) -> None:
    spec = claims_chart(ROWS, YEARS, chips, record, to_year=2030).to_dict()
    rows = [row for data in spec["datasets"].values() for row in data]
    assert {r["claim"] for r in rows if "claim" in r} == {"measured", "vendor", "projected"}
    bands = [r for r in rows if "q05" in r]
    assert bands and max(r["year"] for r in bands) <= 2030
    assert all(r["q05"] <= r["q50"] <= r["q95"] for r in bands)
    assert sum(1 for r in rows if "name" in r) > 10  # catalogue chips
    assert ATTRIBUTION in spec["title"]["subtitle"]
    filled, hollow = spec["layer"][-2:]
    assert filled["mark"]["filled"] is True and hollow["mark"]["filled"] is False
    assert filled["encoding"]["shape"]["scale"]["domain"] == [s[0] for s in EVIDENCE_STYLE.values()]
    by_layer = [{r["claim"] for r in spec["datasets"][layer["data"]["name"]]} for layer in (filled, hollow)]
    assert by_layer == [{"measured"}, {"vendor", "projected"}]


def test_claims_chart_without_a_forecast_or_claims_still_draws_the_catalogue(chips: list[Any]) -> None:
    spec = claims_chart([], {}, chips, None).to_dict()
    assert len(spec["layer"]) == 1
    assert "history only" in " ".join(spec["title"]["subtitle"])


def test_paradigm_fan_chart_draws_the_mixture_and_the_base_median(record: Any) -> None:
    scenario = ParadigmScenario("photonic", "flop_per_j", 1.0, 2030, 100.0, 100.0)
    result = paradigm_forecast(record, scenario, np.random.default_rng(0))
    spec = paradigm_fan_chart(result).to_dict()
    rows = [row for data in spec["datasets"].values() for row in data if "q50" in row]
    assert [r["year"] for r in rows] == [float(y) for y in record.years]
    for r in rows:  # p = 1, M = 100: the median is 100x the base median from 2030 on (Landauer is far above)
        expected = 100.0 if r["year"] >= 2030 else 1.0
        assert r["q50"] / r["base_q50"] == pytest.approx(expected, rel=1e-9)
    rules = [row for data in spec["datasets"].values() for row in data if set(row) == {"year"}]
    assert rules == [{"year": 2030.0}]
    assert "photonic" in spec["title"]["text"]
