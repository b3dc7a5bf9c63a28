"""Claims beside the catalogue: hand-computed comparisons for two real register entries."""

from __future__ import annotations

import math

import pytest
from emerging_helpers import geometric_forecast

from computegov.catalog import Chip
from computegov.emerging import compare_claim, load_register
from computegov.emerging.compare import precision_normalisation, years_to_reach


def test_analog_int8_claim_against_a_hand_computed_record_and_forecast(chips: list[Chip]) -> None:
    claim = load_register().get("ibm_analog_pcm_nature_2023")  # 12.4 TOPS/W at 8-bit I/O, 2023-08-23
    forecast = geometric_forecast(start=1e12, origin=2024)
    result = compare_claim(claim, chips, {"flop_per_j": forecast})
    assert result.comparable and result.quantity == "energy_efficiency" and result.precision_key == "int8"
    # same precision: best INT8 OP/J before the claim: New, 1e15 / 500 W = 2e12
    assert result.same_precision_chip == "New"
    assert result.ratio_same_precision == pytest.approx(12.4e12 / 2e12)
    # INT8 / BF16 = 2 on both chips quoting both, so 12.4e12 OP/J = 6.2e12 FLOP/J
    assert result.bf16_equivalent == pytest.approx(6.2e12)
    assert result.record_chip == "New" and result.record_at_date == pytest.approx(1e12)
    assert result.ratio_to_record == pytest.approx(6.2)
    # median 1e12 x 2^(t - 2024) reaches 6.2e12 at 2024 + log2(6.2); 95 %: x2 earlier; 5 %: x2 later
    date = 2023 + (claim.date.toordinal() - 738521) / 365  # 738521 = 2023-01-01
    assert result.years_ahead == pytest.approx(2024 + math.log2(6.2) - date)
    assert result.years_ahead_low == pytest.approx(2025 + math.log2(6.2 / 4) - date)
    assert result.years_ahead_high == pytest.approx(2025 + math.log2(6.2) - date)
    assert {"precision", "phase", "rate"} <= result.caveats.keys()


def test_token_rate_claim_becomes_model_flop_and_is_behind_the_record(chips: list[Chip]) -> None:
    claim = load_register().get("ibm_northpole_llm_hpec_2024")  # 28,356 tok/s, 3e9 params, 672 W
    result = compare_claim(claim, chips, {})
    assert result.precision_key == "model_flop"
    assert result.claim_value == pytest.approx(28356 * 2 * 3e9 / 672)  # = 2.53e11 FLOP/J
    # records: Old 1e11 (2016), Mid 4e11 (2018): first reached 2.53e11 with Mid on 2018-01-01
    assert result.ratio_to_record == pytest.approx(2.5318e11 / 1e12, rel=1e-4)
    date = 2024 + (claim.date.toordinal() - 738886) / 366  # 738886 = 2024-01-01, a leap year
    assert result.years_ahead == pytest.approx(2018 - date)
    assert result.years_ahead < -6
    assert result.caveats["level"].startswith("system-level")


def test_claims_without_precision_or_with_only_ratios_are_not_comparable(chips: list[Chip]) -> None:
    reg = load_register()
    for claim_id, why in [("tsinghua_taichi_science_2024", "no operand precision"),
                          ("tsinghua_accel_nature_2023", "no operand precision"),
                          ("ibm_northpole_science_2023", "only relative_energy_efficiency"),
                          ("google_willow_qec_nature_2024", "no absolute OP/J or OP/s, only"),
                          ("ibm_truenorth_science_2014", "only power_w"),
                          ("stanford_mit_3d_cnfet_rram_2017", "no quantitative figure")]:
        result = compare_claim(reg.get(claim_id), chips, {})
        assert not result.comparable and why in result.reason


def test_a_precision_no_chip_pairs_with_bf16_has_no_normalisation(chips: list[Chip]) -> None:
    assert precision_normalisation(chips, "fp8") is None
    assert precision_normalisation(chips, "int4").ops_per_bf16_flop == pytest.approx(8.0)


def test_a_value_the_forecast_never_reaches_gives_none() -> None:
    forecast = geometric_forecast(start=1e12, origin=2024, years=3)  # median ends at 8e12
    assert years_to_reach(forecast, 1e14, 0.5) is None
    assert years_to_reach(forecast, 1e12, 0.5) == 2024.0
