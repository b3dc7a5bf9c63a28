"""Hand-made chips for trend tests (no dependence on the bundled catalogue's details)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from computegov.catalog import Chip


def year_date(year: float) -> dt.date:
    """A date at a decimal year (to the day)."""
    whole = int(year)
    start = dt.date(whole, 1, 1)
    days = (dt.date(whole + 1, 1, 1) - start).days
    return start + dt.timedelta(days=round((year - whole) * days))


def chip(name: str, year: float | None, **fields: object) -> Chip:
    """A chip released at a decimal year with the given fields."""
    return Chip(name=name, release_date=year_date(year) if year is not None else None, **fields)  # type: ignore[arg-type]


def synthetic_chips(
    doubling_time_years: float,
    *,
    n: int = 40,
    noise_log10: float = 0.1,
    seed: int = 0,
    start: float = 2010.0,
    span: float = 14.0,
) -> list[Chip]:
    """Chips whose bf16 FLOP/s grow with a known doubling time plus log-normal noise."""
    rng = np.random.default_rng(seed)
    years = np.sort(start + span * rng.random(n))
    slope = np.log10(2) / doubling_time_years
    log_values = 13 + slope * (years - start) + noise_log10 * rng.standard_normal(n)
    return [
        chip(
            f"chip{i}",
            float(y),
            manufacturer="Acme",
            kind="gpu",
            peak_flop_per_s={"bf16": float(10**v)},
        )
        for i, (y, v) in enumerate(zip(years, log_values, strict=True))
    ]
