"""Fakes for the emerging tests: a tiny catalogue."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.catalog import Chip


@pytest.fixture
def chips() -> list[Chip]:
    """Three chips released on 1 January: BF16 FLOP/J 1e11 (2016), 4e11 (2018), 1e12 (2022)."""
    return [
        Chip(name="Old", release_date=dt.date(2016, 1, 1), peak_flop_per_s={"bf16": 3e13}, tdp_w=300),
        Chip(name="Mid", release_date=dt.date(2018, 1, 1), peak_flop_per_s={"bf16": 1.2e14, "int8": 2.4e14}, tdp_w=300),
        Chip(name="New", release_date=dt.date(2022, 1, 1), peak_flop_per_s={"bf16": 5e14, "int8": 1e15, "int4": 4e15},
             tdp_w=500),
    ]
