"""TPP and performance density against hand-worked and published values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.catalog.chip import PRECISION_BITS, Chip
from computegov.errors import InputError
from computegov.policy.tpp import performance_density, tpp_from_peaks, tpp_from_rate, tpp_of_chip

T = 1e12


def test_bis_worked_example_600_tops_int8_and_300_tflops_fp16_are_both_4800() -> None:
    # 88 FR 73458, Technical Notes to 3A090: TPP 4800 = 600 TOPS at 8 bits = 300 TFLOPS at 16 bits.
    assert tpp_from_rate(600 * T, 8) == pytest.approx(4800, rel=1e-12)
    assert tpp_from_rate(300 * T, 16) == pytest.approx(4800, rel=1e-12)


# Published dense rates (NVIDIA datasheets) and Epoch AI's "Total processing performance
# (bit-OP/s)" column of ml_hardware.csv (snapshot 2025-12-05) as the independent reference.
@pytest.mark.parametrize(
    ("name", "peaks_tera", "expected_tpp", "expected_precision"),
    [
        # H100 SXM: BF16 989.4 TFLOP/s dense x 16 = 15,830; FP8 1,979 x 8 = 15,832 (Epoch: 1.5832e16).
        ("H100 SXM", {"bf16": 989.4, "fp8": 1979.0, "tf32": 494.7, "fp64": 67.0}, 15832.0, "fp8"),
        # A100: INT8 624 TOPS x 8 = 4,992 = BF16 312 x 16 (Epoch: 4.992e15).
        ("A100", {"bf16": 312.0, "int8": 624.0, "tf32": 156.0, "fp64": 19.5}, 4992.0, "int8"),
        # H20: FP8 296 TFLOP/s x 8 = 2,368 (Epoch: 2.368e15).
        ("H20", {"bf16": 148.0, "fp8": 296.0, "tf32": 74.0}, 2368.0, "fp8"),
        # RTX 4090: FP8 660.6 TFLOP/s dense x 8 = 5,284.8 (Epoch: 5.2848e15).
        ("RTX 4090", {"bf16": 330.3, "fp8": 660.6, "fp32": 82.6}, 5284.8, "fp8"),
    ],
)
def test_tpp_matches_published_values(
    name: str, peaks_tera: dict[str, float], expected_tpp: float, expected_precision: str
) -> None:
    result = tpp_from_peaks({k: v * T for k, v in peaks_tera.items()})
    assert result is not None, name
    assert result.tpp == pytest.approx(expected_tpp, rel=1e-9)
    assert result.precision == expected_precision
    assert result.bits == PRECISION_BITS[expected_precision]


def test_tpp_is_the_maximum_over_precisions_not_the_training_precision() -> None:
    # FP64 67 x 64 = 4,288 is lower than FP8 1979 x 8 = 15,832: the maximum wins.
    result = tpp_from_peaks({"fp64": 67 * T, "fp8": 1979 * T})
    assert result is not None
    assert result.tpp == pytest.approx(15832)
    assert result.by_precision["fp64"] == pytest.approx(4288)


def test_tpp_ties_report_the_narrowest_operand() -> None:
    result = tpp_from_peaks({"bf16": 312 * T, "int8": 624 * T})
    assert result is not None and result.precision == "int8"


def test_tpp_of_chip_uses_dense_catalogue_rates_and_skips_unknown_or_zero() -> None:
    chip = Chip(name="x", peak_flop_per_s={"bf16": 100 * T, "fp8": 0.0, "int4": float("nan")})
    result = tpp_of_chip(chip)
    assert result is not None
    assert result.tpp == pytest.approx(1600) and result.precision == "bf16"
    assert tpp_of_chip(Chip(name="none")) is None


def test_performance_density_is_tpp_per_mm2() -> None:
    # H20: 2,368 / 814 mm^2 (GH100 die) = 2.91, reported publicly as "only 2.9".
    assert performance_density(2368, 814) == pytest.approx(2.909, abs=5e-4)


@pytest.mark.parametrize("area", [0.0, -600.0, float("nan"), float("inf")])
def test_performance_density_rejects_impossible_die_areas(area: float) -> None:
    with pytest.raises(InputError, match="die area"):
        performance_density(4800, area)


def test_negative_rate_is_rejected() -> None:
    with pytest.raises(InputError):
        tpp_from_rate(-1.0, 8)


@given(
    rate=st.floats(min_value=1e9, max_value=1e17),
    precision=st.sampled_from(sorted(PRECISION_BITS)),
    factor=st.floats(min_value=0.01, max_value=100),
)
def test_tpp_scales_linearly_with_the_rate(rate: float, precision: str, factor: float) -> None:
    one = tpp_from_peaks({precision: rate})
    scaled = tpp_from_peaks({precision: rate * factor})
    assert one is not None and scaled is not None
    assert scaled.tpp == pytest.approx(one.tpp * factor, rel=1e-9)


@given(
    st.dictionaries(
        st.sampled_from(sorted(PRECISION_BITS)),
        st.floats(min_value=1e9, max_value=1e17),
        min_size=1,
    )
)
def test_tpp_is_at_least_every_precisions_value(peaks: dict[str, float]) -> None:
    result = tpp_from_peaks(peaks)
    assert result is not None
    for precision, rate in peaks.items():
        assert result.tpp >= rate / T * PRECISION_BITS[precision] * (1 - 1e-12)
