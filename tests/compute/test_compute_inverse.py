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


def test_cost_comes_from_the_cost_model_when_available() -> None:
    pytest.importorskip("computegov.costs")
    from computegov.catalog import load_catalog

    eq = flop_equivalent(1e26, load_catalog().get("H100"))
    if eq.cost_usd is None:
        pytest.skip(f"cost model gave no cost: {eq.cost_note}")
    assert eq.cost_usd_low <= eq.cost_usd <= eq.cost_usd_high
    assert 1e6 < eq.cost_usd < 1e10  # 1e26 FLOP on H100s: tens to hundreds of millions of USD


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

    with pytest.raises(InputError, match="need 3"):
        flop_equivalents_by_year(1e24, [2030], [CHIP])
