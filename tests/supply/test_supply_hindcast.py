"""Supply presets cite a year for every input; the headline is the Monte Carlo median; hindcasts."""

from __future__ import annotations

import numpy as np
import pytest

from computegov.supply import PRESETS, get_preset, simulate
from computegov.supply.hindcast import HINDCASTS, run_hindcasts


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_input_has_a_year_and_a_source(name: str) -> None:
    for key, param in PRESETS[name].params().items():
        if key in {"wafer_diameter_mm", "edge_exclusion_mm", "alpha", "packaging_yield"}:
            continue  # generic defaults, not figures of a year
        assert param.year is not None and 2019 <= param.year <= 2026, (name, key)
        assert param.source.strip(), (name, key)
        assert param.estimate or not param.source.startswith("estimate"), (name, key)


def test_tsmc_preset_uses_the_trade_reports_29_interposers_per_wafer() -> None:
    preset = get_preset("tsmc-n4-reticle")
    assert preset.interposers_per_wafer is not None and preset.interposers_per_wafer.value == 29
    assert "29" in preset.interposers_per_wafer.source
    sim = simulate(preset, rng=np.random.default_rng(1), n_samples=1000)
    packaging = sim.central.capacity_per_year["packaging"]
    assert packaging == pytest.approx(preset.packaging_wafers_per_month.value * 12 * 29 * preset.packaging_yield.value)


def test_smic_preset_agrees_with_the_commerce_figure() -> None:
    sim = simulate(get_preset("smic-7nm"), rng=np.random.default_rng(0), n_samples=5000)
    assert sim.median <= 200_000 <= sim.quantiles["0.95"]


def test_hindcasts_cover_h100_2023_2024_and_ascend_2025_and_are_consistent() -> None:
    assert [(h.name, h.year) for h in HINDCASTS] == [
        ("H100-class 2023", 2023), ("H100-class 2024", 2024), ("Ascend 2025", 2025)]
    for result in run_hindcasts(seed=0, n_samples=2000):
        assert result.case.published_source
        assert result.consistent, result.case.name
        assert 0.5 < result.ratio < 2.0, (result.case.name, result.ratio)
