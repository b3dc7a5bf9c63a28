"""Dollars of one year in another: a thin, forgiving wrapper over :mod:`computegov.inflation`."""

from __future__ import annotations

import functools
import logging

from computegov.errors import InputError

__all__ = ["usd"]

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
