"""Quantity parsing and CPI conversion: exact constants, suffixes, and inverses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.errors import InputError, UnitError
from computegov.inflation import LATEST_YEAR, cpi, to_usd
from computegov.units import J_PER_KWH, S_PER_DAY, decimal_year, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [("7B", 7e9), ("70e9", 70e9), ("15T", 15e12), ("1.5k", 1500.0), (" 3.8e25 ", 3.8e25), ("405 B", 405e9), (12, 12.0)],
)
def test_parse_quantity_accepts_common_suffixes(text: str, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["7b", "3m", "seven", "1e400", "7X", ""])
def test_parse_quantity_rejects_ambiguous_and_garbage(text: str) -> None:
    with pytest.raises(UnitError):
        parse_quantity(text, what="parameters")


@given(st.floats(min_value=1e-3, max_value=1e27), st.sampled_from(["k", "M", "B", "T", "P"]))
def test_suffix_scaling_inverts(value: float, suffix: str) -> None:
    scale = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12, "P": 1e15}[suffix]
    assert parse_quantity(f"{value!r}{suffix}") == pytest.approx(value * scale, rel=1e-12)


def test_exact_constants() -> None:
    assert J_PER_KWH == 3_600_000
    assert S_PER_DAY == 86_400


def test_decimal_year() -> None:
    assert decimal_year(2024, 1, 1) == 2024.0
    assert decimal_year(2023, 7, 2) == pytest.approx(2023 + 182 / 365)


@given(st.floats(min_value=1, max_value=1e9), st.integers(1990, LATEST_YEAR), st.integers(1990, LATEST_YEAR))
def test_constant_dollar_conversion_inverts(amount: float, a: int, b: int) -> None:
    assert to_usd(to_usd(amount, a, b), b, a) == pytest.approx(amount, rel=1e-12)


def test_cpi_known_ratio() -> None:
    # BLS CPI-U annual averages: 2020 = 258.811, 2024 = 313.689.
    assert to_usd(100.0, 2020, 2024) == pytest.approx(100 * 313.689 / 258.811)
    assert cpi(2024) > cpi(2020)


def test_cpi_outside_table_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="covers"):
        to_usd(1.0, 1850, 2024)
