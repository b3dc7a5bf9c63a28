"""TCO price-performance, the trend metric and rental prices."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.catalog import Chip
from computegov.costs import (
    TCO_DOLLAR_YEAR,
    CostModel,
    rental_prices,
    rental_range,
    tco_flop_per_joule,
    tco_flop_per_usd,
    tco_summary,
    tco_table,
)
from computegov.costs.money import usd


def make_chip(**changes: object) -> Chip:
    base = {
        "name": "NVIDIA H100 SXM5 80GB",
        "aliases": ("H100",),
        "kind": "gpu",
        "release_date": dt.date(2022, 9, 20),
        "peak_flop_per_s": {"bf16": 9.894e14},
        "tdp_w": 700.0,
        "launch_price_usd": 30_000.0,
        "launch_price_year": TCO_DOLLAR_YEAR,
    }
    base.update(changes)
    return Chip(**base)  # type: ignore[arg-type]


def test_tco_metric_is_the_central_flop_per_usd() -> None:
    chip = make_chip()
    assert tco_flop_per_usd(chip) == pytest.approx(CostModel().flop_per_usd(chip).central)
    assert tco_flop_per_joule(chip) == pytest.approx(CostModel().flop_per_joule(chip).central)


@pytest.mark.parametrize(
    "changes", [{"launch_price_usd": None}, {"tdp_w": None}, {"peak_flop_per_s": {}}]
)
def test_tco_metric_is_none_without_inputs(changes: dict) -> None:
    assert tco_flop_per_usd(make_chip(**changes)) is None


def test_whole_cost_is_dearer_than_chip_price_alone() -> None:
    summary = tco_summary(make_chip())
    assert summary.tco_over_sticker is not None
    assert summary.tco_over_sticker > 1.0
    # hand check of the sticker figure: peak x MFU x lifetime seconds / price of the chip alone
    # (this name's catalogue price is a whole-server price per chip: divided by 1 + server share)
    model = CostModel()
    seconds = model.lifetime_years.central * 365.25 * 86400
    alone = 30_000.0 / (1 + model.server_fraction.central)
    assert summary.sticker_flop_per_usd == pytest.approx(
        9.894e14 * model.utilisation.central * seconds / alone
    )
    payload = summary.to_dict()
    assert payload["dollar_year"] == TCO_DOLLAR_YEAR
    assert f"tco_flop_per_usd_{TCO_DOLLAR_YEAR}" in payload


def test_tco_table_skips_chips_without_data_and_sorts_by_release() -> None:
    chips = [
        make_chip(name="B", release_date=dt.date(2024, 1, 1)),
        make_chip(name="no price", launch_price_usd=None),
        make_chip(name="A", release_date=dt.date(2020, 1, 1)),
    ]
    assert [row.chip_name for row in tco_table(chips)] == ["A", "B"]


def test_every_rental_quote_is_dated_sourced_and_positive() -> None:
    quotes = rental_prices()
    assert len(quotes) >= 15
    for quote in quotes:
        assert quote.usd_per_chip_hour > 0
        assert quote.kind in {"list", "market"}
        assert len(quote.source) > 15
        assert quote.quoted_on <= dt.date(2026, 12, 31)


def test_rental_range_uses_recent_quotes_market_median_and_list_maximum() -> None:
    found = rental_range(make_chip(), 2025)
    assert found is not None
    value, used = found
    recent = list(used)
    # quotes of 2026 count as the latest CPI year; older ones are converted with CPI-U
    market = sorted(
        usd(q.usd_per_chip_hour, q.quoted_on.year, 2025) for q in recent if q.kind == "market"
    )
    listed = [usd(q.usd_per_chip_hour, q.quoted_on.year, 2025) for q in recent if q.kind == "list"]
    assert value.low <= value.central <= value.high
    assert value.high == pytest.approx(max(listed))
    assert value.low == pytest.approx(min(market + listed))
    assert market[0] <= value.central <= market[-1]
    # the 2023 AWS list price is history, not today's price
    assert all(q.quoted_on.year >= 2024 for q in used)


def test_rental_range_is_none_for_an_unquoted_chip() -> None:
    assert rental_range(make_chip(name="Unknown Chip 9000", aliases=()), 2024) is None


def test_every_rental_quote_names_a_dated_source_and_none_is_made_up() -> None:
    from computegov.costs import rental_prices

    for quote in rental_prices():
        assert quote.source.strip(), quote
        assert "assumption" not in quote.source.lower(), quote  # a quote, not a guess
        assert quote.quoted_on.year >= 2020


def test_renting_a_chip_without_a_verified_quote_says_so() -> None:
    from computegov.costs import CostModel, MissingCostDataError

    v100 = make_chip(name="NVIDIA V100", aliases=("Tesla V100",))
    with pytest.raises(MissingCostDataError, match="rental price"):
        CostModel(mode="rent").chip_hour_cost(v100)
