"""US dollars of one year in dollars of another, with the CPI-U annual averages bundled.

Source of the index: U.S. Bureau of Labor Statistics, Consumer Price Index for All Urban Consumers
(CPI-U), U.S. city average, all items, 1982-84=100, series CUUR0000SA0, annual averages
(data/cpi_u.csv; see its header). Every price-performance figure in computegov names the year
of its dollars ("USD 2024").
"""

from __future__ import annotations

import csv
import functools
from importlib import resources

from computegov.errors import InputError

__all__ = ["CPI_SOURCE", "DOLLAR_YEAR", "FIRST_YEAR", "LATEST_YEAR", "cpi", "cpi_table", "to_usd"]

#: The year whose US dollars computegov's money figures are in: the price-performance metrics
#: (re-exported as ``computegov.trends.metrics.PRICE_DOLLAR_YEAR``) and the cost model
#: (``computegov.costs.TCO_DOLLAR_YEAR``). A project convention, not a sourced number; kept here,
#: in a cheap module, so that naming the year does not import the cost model.
DOLLAR_YEAR: int = 2024

CPI_SOURCE = (
    "U.S. Bureau of Labor Statistics, CPI-U, U.S. city average, all items (CUUR0000SA0), annual average"
)


@functools.cache
def cpi_table() -> dict[int, float]:
    """Year -> CPI-U annual average index (1982-84 = 100)."""
    text = resources.files("computegov.data").joinpath("cpi_u.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {int(row["year"]): float(row["cpi_u"]) for row in rows}


FIRST_YEAR = min(cpi_table())
LATEST_YEAR = max(cpi_table())


def cpi(year: int) -> float:
    """CPI-U annual average of ``year``.

    Raises:
        InputError: the year is outside the bundled table.
    """
    table = cpi_table()
    if year not in table:
        raise InputError(
            f"no CPI-U figure for {year}: the bundled table covers {FIRST_YEAR}-{LATEST_YEAR}"
        )
    return table[year]


def to_usd(amount_usd: float, from_year: int, to_year: int) -> float:
    """Convert nominal USD of ``from_year`` into USD of ``to_year``.

    Args:
        amount_usd: amount in dollars of ``from_year``.
        from_year: the year the amount was paid or quoted in.
        to_year: the year whose dollars the result is in.

    Returns:
        ``amount_usd x CPI(to_year) / CPI(from_year)``, USD of ``to_year``.
    """
    return amount_usd * cpi(to_year) / cpi(from_year)
