"""FLOP figures with their uncertainty, the precision mix, and the bounds on a run's inputs."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from computegov.catalog.chip import Chip
from computegov.compute import TrainingRun, effective_peak, hardware_estimate, parse_precision_mix
from computegov.compute.result import Z90
from computegov.compute.uncertain import rounding_interval, uncertain_flop
from computegov.errors import InputError

CHIP = Chip(name="Test GPU", peak_flop_per_s={"bf16": 1e15, "fp8": 2e15, "fp32": 6e13}, tdp_w=700.0)


def test_dex_is_one_standard_deviation_of_log10() -> None:
    est = uncertain_flop("2e25", dex=0.1)
    assert est.flop == 2e25
    assert math.log10(est.flop_high / est.flop) == pytest.approx(Z90 * 0.1)
    assert math.log10(est.flop / est.flop_low) == pytest.approx(Z90 * 0.1)
    assert est.distribution == "lognormal"
    assert est.quantile(NormalDist().cdf(1.0)) == pytest.approx(2e25 * 10**0.1)  # +1 sigma


@pytest.mark.parametrize(
    ("value", "figures", "lower", "upper"),
    [
        (1e25, 1, 9.5e24, 1.5e25),  # below a power of ten the last place is ten times smaller
        (3e24, 1, 2.5e24, 3.5e24),
        (2.5e25, 2, 2.45e25, 2.55e25),
        (1.0e25, 2, 9.95e24, 1.05e25),
    ],
)
def test_rounding_interval(value: float, figures: int, lower: float, upper: float) -> None:
    assert rounding_interval(value, figures) == pytest.approx((lower, upper))


def test_sig_figs_is_uniform_on_the_rounding_interval() -> None:
    est = uncertain_flop(3e24, sig_figs=1)
    assert est.distribution == "uniform"
    assert est.quantile(0.25) == pytest.approx(2.5e24 + 0.25 * 1e24)
    assert (est.flop_low, est.flop_high) == pytest.approx((2.55e24, 3.45e24))


def test_a_figure_with_more_digits_than_its_sig_figs_is_refused() -> None:
    with pytest.raises(InputError, match="more than 1 significant figure"):
        uncertain_flop("1.001e25", sig_figs=1)


def test_interval_text_gives_a_lognormal_through_it() -> None:
    est = uncertain_flop("8.2e24..4.4e25")
    assert est.flop == pytest.approx(math.sqrt(8.2e24 * 4.4e25))
    assert est.quantile(0.05) == pytest.approx(8.2e24)
    assert est.quantile(0.95) == pytest.approx(4.4e25)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"flop": "1e25", "dex": 0.1, "sig_figs": 1},
        {"flop": "4e25..8e24"},
        {"flop": "1e25", "low": "1e24"},
        {"flop": "1e25", "low": "2e25", "high": "3e25"},
        {"flop": "1e25", "dex": 0.0},
        {"flop": "1e25", "dex": float("nan")},
        {"flop": "1e45"},
        {"flop": "-1e25"},
        {"flop": "1e25", "sig_figs": 0},
    ],
)
def test_bad_uncertainty_is_an_input_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        uncertain_flop(**kwargs)  # type: ignore[arg-type]


def test_no_uncertainty_is_exact_and_says_so() -> None:
    est = uncertain_flop("1.001e25")
    assert est.flop_low == est.flop == est.flop_high
    assert "exact" in est.uncertainty


def test_precision_mix_peak_is_the_time_weighted_harmonic_mean() -> None:
    mix = parse_precision_mix("fp8=0.7, bfloat16=0.3")
    assert mix == {"fp8": 0.7, "bf16": 0.3}
    # by hand: 0.7 of the FLOP at 2e15 take 0.35e-15 s/FLOP, 0.3 at 1e15 take 0.3e-15 s/FLOP
    assert effective_peak(CHIP, mix) == pytest.approx(1 / 0.65e-15)
    run = TrainingRun.from_days(2.0, chip=CHIP, chip_count=100, utilisation=0.5, precision_mix=mix)
    est = hardware_estimate(run)
    assert est.flop == pytest.approx(100 * 2 * 86_400 * 0.5 / 0.65e-15)
    fp8 = hardware_estimate(TrainingRun.from_days(2.0, chip=CHIP, chip_count=100, utilisation=0.5, precision="fp8"))
    bf16 = hardware_estimate(TrainingRun.from_days(2.0, chip=CHIP, chip_count=100, utilisation=0.5))
    assert bf16.flop < est.flop < fp8.flop


@pytest.mark.parametrize("text", ["fp8=0.7,bf16=0.2", "fp8=0.7", "fp8=1.2,bf16=-0.2", "fp8", "fp8=0.5,fp8=0.5", "xyz=1"])
def test_bad_precision_mix_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_precision_mix(text)


def test_precision_mix_needs_peaks_the_chip_has() -> None:
    run = TrainingRun.from_days(1.0, chip=CHIP, chip_count=1, precision_mix={"fp64": 0.5, "bf16": 0.5})
    with pytest.raises(InputError, match="fp64"):
        hardware_estimate(run)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"chip_count": 1.5},
        {"chip_count": 1e9},
        {"n_layers": 99999999999999999999},
        {"n_layers": 2.5},
        {"params": 1e16},
        {"tokens": 1e18},
        {"epochs": float("inf")},
        {"duration_s": 1e12},
        {"precision": "bf16", "precision_mix": {"fp8": 1.0}},
    ],
)
def test_implausible_run_inputs_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        TrainingRun(**kwargs)  # type: ignore[arg-type]
