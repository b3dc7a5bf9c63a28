"""The estimation methods' 90 % intervals hold Epoch AI's figures as often as they claim."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.compute import INTERVAL_WIDTHS
from computegov.compute.calibration import (
    CalibrationSample,
    calibrate,
    calibration_samples,
    coverage,
    empirical_interval,
    fitted_widths,
)
from computegov.errors import InputError

#: The fixed subset the coverage test uses: every model with a method's inputs published from
#: 2021-01-01 on (out of sample for the split fit; the bundled snapshot is frozen, so it is fixed).
SUBSET_FROM = dt.date(2021, 1, 1)


@pytest.fixture(scope="module")
def samples() -> tuple[CalibrationSample, ...]:
    return calibration_samples()


def test_constants_are_what_the_data_give(samples: tuple[CalibrationSample, ...]) -> None:
    fitted = fitted_widths(samples)
    assert set(fitted) == set(INTERVAL_WIDTHS)
    for key, (lo, hi) in fitted.items():
        width = INTERVAL_WIDTHS[key]
        assert width.log10_low == pytest.approx(lo, abs=1.01e-3), key  # rounded outward to 3 decimals
        assert width.log10_high == pytest.approx(hi, abs=1.01e-3), key
        assert width.log10_low <= lo and width.log10_high >= hi, key
        assert width.n == sum(1 for s in samples if (s.method, s.case) == key), key


@pytest.mark.parametrize("method", ["architecture", "hardware"])
def test_coverage_on_the_later_models_lies_in_the_target_band(
    samples: tuple[CalibrationSample, ...], method: str
) -> None:
    later = [s for s in samples if s.method == method and s.publication_date >= SUBSET_FROM]
    # per model once: the recorded utilisation where there is one
    chosen: dict[str, CalibrationSample] = {}
    for s in later:
        if s.case != "default_utilisation" or s.model not in chosen:
            chosen[s.model] = s
    assert len(chosen) >= 55
    assert 0.80 <= coverage(chosen.values()) <= 0.97


def test_out_of_sample_coverage_lies_in_the_target_band(samples: tuple[CalibrationSample, ...]) -> None:
    rows = {(c.method, c.case): c for c in calibrate(samples)}
    for key in [*INTERVAL_WIDTHS, ("architecture", "all"), ("hardware", "all")]:
        c = rows[key]
        assert 0.80 <= c.coverage_deployed <= 0.97, key
        assert 0.80 <= c.coverage_leave_one_out <= 0.97, key
        assert 0.80 <= c.coverage_after_split <= 0.97, key
    assert rows[("architecture", "all")].n >= 100
    assert rows[("hardware", "all")].n >= 100


def test_empirical_interval_is_the_5th_and_95th_percentiles() -> None:
    values = [float(v) for v in range(-50, 51)]  # 101 values: type-7 quantiles -45 and 45
    assert empirical_interval(values) == pytest.approx((-45.0, 45.0))
    # always holds 0, so the central estimate lies inside its interval
    assert empirical_interval([1.0, 2.0, 3.0]) == pytest.approx((0.0, 2.9))
    with pytest.raises(InputError):
        empirical_interval([1.0])
    with pytest.raises(InputError):
        empirical_interval([1.0, float("nan")])


def test_coverage_counts_residuals_inside_the_deployed_interval() -> None:
    width = INTERVAL_WIDTHS[("hardware", "given_utilisation")]
    day = dt.date(2024, 1, 1)
    inside = CalibrationSample("a", day, "hardware", "given_utilisation", 1e24, 1e24 * 10 ** (width.log10_low / 2))
    outside = CalibrationSample("b", day, "hardware", "given_utilisation", 1e24, 1e24 * 10 ** (width.log10_high + 0.1))
    assert coverage([inside, outside]) == 0.5
