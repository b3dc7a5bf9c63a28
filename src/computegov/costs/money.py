"""Money: dollars of one year in another, and the one formatter of USD amounts.

:func:`usd` is a thin, forgiving wrapper over :mod:`computegov.inflation`; :func:`format_usd` is
used by the CLI, the report and the pages alike.
"""

from __future__ import annotations

import functools
import logging
import math

from computegov.errors import InputError

__all__ = ["format_usd", "format_usd_range", "usd"]

logger = logging.getLogger(__name__)


@functools.cache
def _cpi_years() -> tuple[int, int]:
    from computegov.inflation import FIRST_YEAR, LATEST_YEAR

    return FIRST_YEAR, LATEST_YEAR


def usd(amount_usd: float, from_year: int, to_year: int) -> float:
    """Convert nominal USD of ``from_year`` into USD of ``to_year`` with CPI-U.

    A year past the bundled CPI table is treated as the latest year in it (a quote from the
    current year, before BLS publishes its annual average); this is logged.

    Raises:
        InputError: a year before the CPI table starts.
    """
    from computegov.inflation import to_usd

    first, latest = _cpi_years()
    if from_year < first or to_year < first:
        raise InputError(
            f"no CPI-U data before {first}; cannot convert USD of {from_year} to {to_year}"
        )
    if from_year > latest:
        logger.info("USD of %d treated as USD of %d (latest CPI-U year)", from_year, latest)
        from_year = latest
    if to_year > latest:
        to_year = latest
    if from_year == to_year:
        return float(amount_usd)
    return float(to_usd(amount_usd, from_year, to_year))


def format_usd(value_usd: float, *, compact: bool = False) -> str:
    """The one money formatter of the CLI, the report and the pages.

    Args:
        value_usd: an amount in USD.
        compact: short form for tables of large sums ($1.23B, $45.6M, $7.8k, $950); otherwise
            cents below $1,000 ($1.663), whole dollars below a million ($34,591), then $12.35M.
    """
    if not math.isfinite(value_usd):
        return f"${value_usd}"
    sign, value = ("-", -value_usd) if value_usd < 0 else ("", value_usd)
    if compact:
        if value >= 1e9:
            text = f"{value / 1e9:,.2f}B"
        elif value >= 1e6:
            text = f"{value / 1e6:,.1f}M"
        elif value >= 1e3:
            text = f"{value / 1e3:,.1f}k"
        else:
            text = f"{value:,.0f}"
    elif value >= 1e6:
        text = f"{value / 1e6:,.2f}M"
    elif value >= 1e3:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.3f}"
    return f"{sign}${text}"


def format_usd_range(low_usd: float, high_usd: float) -> str:
    """A compact low-high span with one unit chosen from the high end ('5.93-42.8M')."""
    scale, unit = next(
        ((v, u) for v, u in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if high_usd >= v), (1.0, "")
    )
    return f"{low_usd / scale:.3g}-{high_usd / scale:.3g}{unit}"
