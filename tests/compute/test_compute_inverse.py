"""Inverse questions: chip-days, chips for a duration, energy."""

from __future__ import annotations

import pytest

from computegov.catalog.chip import Chip
from computegov.compute import flop_equivalent, flop_equivalents
from computegov.errors import InputError

CHIP = Chip(name="Test GPU", peak_flop_per_s={"bf16": 1e15}, tdp_w=1000.0)


def test_chip_days_chips_and_energy_by_hand() -> None:
    eq = flop_equivalent(1e24, CHIP, days=10, utilisation=0.5, pue=1.5, with_cost=False)
    chip_seconds = 1e24 / (1e15 * 0.5)  # 2e9 chip-s
    assert eq.chip_seconds == pytest.approx(chip_seconds)
    assert eq.chip_days == pytest.approx(chip_seconds / 86_400)
    assert eq.chips_needed == pytest.approx(chip_seconds / (10 * 86_400))
    assert eq.energy_j == pytest.approx(1000 * chip_seconds * 1.5)
    assert eq.energy_mwh == pytest.approx(1000 * chip_seconds * 1.5 / 3.6e9)


def test_default_utilisation_range_brackets_chip_days() -> None:
    eq = flop_equivalent(1e24, CHIP, with_cost=False)
    assert eq.chip_days_low < eq.chip_days < eq.chip_days_high
    assert eq.chip_days_high / eq.chip_days_low == pytest.approx(0.5 / 0.3)


def test_chip_without_tdp_has_no_energy() -> None:
    eq = flop_equivalent(1e24, Chip(name="x", peak_flop_per_s={"bf16": 1e15}), with_cost=False)
    assert eq.energy_j is None and eq.energy_mwh is None


@pytest.mark.parametrize(("kwargs", "match"), [({"pue": 0.9}, "PUE"), ({"days": 0}, "days"), ({"utilisation": 2.0}, "utilisation")])
def test_bad_inverse_inputs_are_refused(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        flop_equivalent(1e24, CHIP, with_cost=False, **kwargs)  # type: ignore[arg-type]


def test_chips_without_training_peak_are_skipped() -> None:
    bare = Chip(name="no peak")
    assert [e.chip for e in flop_equivalents(1e24, [CHIP, bare], with_cost=False)] == ["Test GPU"]


PRICED = Chip(
    name="Priced GPU",
    peak_flop_per_s={"bf16": 1e15, "fp8": 2e15},
    tdp_w=1000.0,
    launch_price_usd=30_000.0,
    launch_price_year=2024,
)


def test_cost_is_the_cost_models_at_the_same_precision_and_utilisation() -> None:
    from computegov.costs import CostModel, compute_cost

    eq = flop_equivalent(1e24, PRICED, precision="fp8", utilisation=(0.3, 0.4, 0.5))
    ref = compute_cost(1e24, PRICED, (0.3, 0.4, 0.5), CostModel(precision="fp8")).cost_usd
    assert (eq.cost_usd_low, eq.cost_usd, eq.cost_usd_high) == pytest.approx(tuple(ref), rel=1e-12)
    bf16 = flop_equivalent(1e24, PRICED, precision="bf16", utilisation=(0.3, 0.4, 0.5))
    assert bf16.cost_usd == pytest.approx(2 * eq.cost_usd, rel=1e-9)  # half the peak, twice the chip-hours
    assert "USD of 2024" in eq.cost_note


def test_a_given_pue_reaches_the_cost_model() -> None:
    from computegov.costs import CostModel, Range, compute_cost

    eq = flop_equivalent(1e24, PRICED, pue=1.5, utilisation=0.4)
    ref = compute_cost(1e24, PRICED, 0.4, CostModel(pue=Range.point(1.5))).cost_usd
    assert eq.cost_usd == pytest.approx(ref.central, rel=1e-12)
    assert eq.energy_j == pytest.approx(1000 * 1e24 / (1e15 * 0.4) * 1.5)


def test_default_pue_is_the_cost_models_central_pue() -> None:
    from computegov.compute import DEFAULT_PUE
    from computegov.costs import default_cost_model

    assert default_cost_model().pue.central == DEFAULT_PUE


def test_a_chip_without_a_price_has_no_cost_and_says_why() -> None:
    eq = flop_equivalent(1e24, CHIP)
    assert eq.cost_usd is None and eq.cost_usd_low is None
    assert "launch_price_usd" in eq.cost_note
    assert eq.chip_days > 0  # the rest of the answer is still there


def test_rent_mode_asks_for_rental_quotes() -> None:
    eq = flop_equivalent(1e24, PRICED, cost_mode="rent", utilisation=0.4)
    assert eq.cost_usd is None and "rental price" in eq.cost_note  # no quote for a made-up chip
    with pytest.raises(InputError, match="cost mode"):
        flop_equivalent(1e24, PRICED, cost_mode="lease")


def test_shared_inputs_are_refused_before_any_chip_is_skipped() -> None:
    for kwargs in ({"days": 0}, {"pue": 0.5}, {"utilisation": 2.0}):
        with pytest.raises(InputError):
            flop_equivalents(1e24, [CHIP], with_cost=False, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="positive"):
        flop_equivalents(0.0, [CHIP], with_cost=False)


def test_by_year_extrapolates_an_exact_exponential_of_peaks() -> None:
    import datetime as dt

    from computegov.compute import flop_equivalents_by_year

    chips = [
        Chip(name=f"g{y}", kind="gpu", datacenter=True, release_date=dt.date(y, 7, 2), peak_flop_per_s={"bf16": 1e14 * 2 ** (y - 2016)})
        for y in range(2016, 2025)
    ]
    (eq,) = flop_equivalents_by_year(1e24, [2030], chips, days=10, utilisation=0.5)
    assert eq.growth_per_year == pytest.approx(2.0, rel=1e-3)
    assert eq.peak_flop_per_s == pytest.approx(1e14 * 2 ** (2030 - 2016), rel=1e-2)
    assert eq.chip_days == pytest.approx(1e24 / (eq.peak_flop_per_s * 0.5) / 86_400)
    assert eq.chips_needed == pytest.approx(eq.chip_days / 10)


def test_by_year_needs_enough_chips() -> None:
    from computegov.compute import flop_equivalents_by_year

    with pytest.raises(InputError, match="at least 3"):
        flop_equivalents_by_year(1e24, [2030], [CHIP])


def _priced_generations() -> list[Chip]:
    import datetime as dt

    return [
        Chip(
            name=f"p{y}", kind="gpu", datacenter=True, release_date=dt.date(y, 7, 2),
            peak_flop_per_s={"bf16": 1e14 * 2 ** (y - 2016)}, tdp_w=500.0,
            launch_price_usd=20_000.0, launch_price_year=2024,
        )
        for y in range(2016, 2025)
    ]


def test_by_year_cost_follows_the_tco_forecast_and_scales_with_utilisation() -> None:
    import numpy as np

    from computegov.compute import flop_equivalents_by_year

    chips = _priced_generations()
    (at_04,) = flop_equivalents_by_year(1e25, [2026], chips, utilisation=0.4, rng=np.random.default_rng(5))
    (at_02,) = flop_equivalents_by_year(1e25, [2026], chips, utilisation=0.2, rng=np.random.default_rng(5))
    assert at_04.cost_usd is not None and at_04.cost_usd_low is not None and at_04.cost_usd_high is not None
    assert at_04.cost_usd_low <= at_04.cost_usd <= at_04.cost_usd_high
    assert at_02.cost_usd == pytest.approx(2 * at_04.cost_usd, rel=1e-9)  # half the MFU, twice the cost
    assert at_04.cost_dollar_year == 2024 and "total cost of ownership" in at_04.cost_note


def test_by_year_without_prices_has_chip_days_but_no_cost() -> None:
    import dataclasses

    from computegov.compute import flop_equivalents_by_year

    chips = [dataclasses.replace(c, launch_price_usd=None) for c in _priced_generations()]
    (eq,) = flop_equivalents_by_year(1e25, [2026], chips)
    assert eq.chip_days > 0 and eq.cost_usd is None
    assert eq.cost_note.startswith("no cost by year")
