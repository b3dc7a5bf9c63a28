"""Public rental prices of accelerators (``data/rental_prices.csv``): list and market, dated, sourced."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import logging
import re
import statistics
from importlib import resources
from typing import TYPE_CHECKING, Any

from computegov.costs.assumptions import Range
from computegov.errors import DataError

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["RENTAL_FILE", "RentalPrice", "rental_prices", "rental_range"]

logger = logging.getLogger(__name__)

RENTAL_FILE = "rental_prices.csv"

#: Quotes older than this many days before a chip's newest quote are history, not today's price.
_RECENT_DAYS = 540


@dataclasses.dataclass(frozen=True)
class RentalPrice:
    """One dated public quote.

    Attributes:
        chip_label: the accelerator as the source names it.
        chip_match: regular expression matched against catalogue names and aliases.
        provider: who offers it, and how the per-chip figure was derived.
        kind: ``list`` (a large cloud's on-demand sheet) or ``market`` (specialist clouds, indices).
        usd_per_chip_hour: nominal USD of ``quoted_on.year`` per chip-hour.
        quoted_on: date of the quote.
        source: citation.
    """

    chip_label: str
    chip_match: str
    provider: str
    kind: str
    usd_per_chip_hour: float
    quoted_on: dt.date
    source: str

    def matches(self, chip: Chip) -> bool:
        """Whether this quote is for ``chip`` (by name or alias)."""
        pattern = re.compile(self.chip_match, re.IGNORECASE)
        return any(pattern.search(name) for name in (chip.name, *chip.aliases))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "chip_label": self.chip_label,
            "provider": self.provider,
            "kind": self.kind,
            "usd_per_chip_hour": self.usd_per_chip_hour,
            "dollar_year": self.quoted_on.year,
            "quoted_on": self.quoted_on.isoformat(),
            "source": self.source,
        }


@functools.cache
def rental_prices() -> tuple[RentalPrice, ...]:
    """Every bundled quote.

    Raises:
        DataError: a row is malformed (names the row and field).
    """
    path = f"computegov/data/{RENTAL_FILE}"
    text = resources.files("computegov.data").joinpath(RENTAL_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    out = []
    for row_number, row in enumerate(csv.DictReader(lines), start=2):
        try:
            price = float(row["usd_per_chip_hour"])
            if not price > 0:
                raise ValueError("must be positive")
            kind = row["kind"].strip()
            if kind not in {"list", "market"}:
                raise ValueError(f"kind must be list or market, got {kind!r}")
            re.compile(row["chip_match"])
            out.append(
                RentalPrice(
                    chip_label=row["chip_label"],
                    chip_match=row["chip_match"],
                    provider=row["provider"],
                    kind=kind,
                    usd_per_chip_hour=price,
                    quoted_on=dt.date.fromisoformat(row["quoted_on"]),
                    source=row["source"],
                )
            )
        except (KeyError, ValueError, re.error) as err:
            raise DataError(f"bad rental price row: {err}", path=path, row=row_number) from err
    return tuple(out)


def quotes_for(chip: Chip) -> list[RentalPrice]:
    """Every bundled quote for ``chip``, newest first."""
    found = [quote for quote in rental_prices() if quote.matches(chip)]
    return sorted(found, key=lambda q: q.quoted_on, reverse=True)


def rental_range(chip: Chip, dollar_year: int) -> tuple[Range, list[RentalPrice]] | None:
    """Today's rental price of ``chip`` per chip-hour as low / central / high, in ``dollar_year`` USD.

    Uses quotes within about 18 months of the chip's newest quote. Central is the median market
    quote (the median of all recent quotes when none is a market quote); low the cheapest recent
    quote; high the dearest recent list price (or market quote when there is no list price).

    Returns:
        (range, the quotes used), or None when no quote matches the chip.
    """
    from computegov.costs.money import usd

    quotes = quotes_for(chip)
    if not quotes:
        return None
    newest = quotes[0].quoted_on
    recent = [q for q in quotes if (newest - q.quoted_on).days <= _RECENT_DAYS]

    def value(q: RentalPrice) -> float:
        return usd(q.usd_per_chip_hour, q.quoted_on.year, dollar_year)

    market = [value(q) for q in recent if q.kind == "market"]
    listed = [value(q) for q in recent if q.kind == "list"]
    everything = market + listed
    central = statistics.median(market or everything)
    low = min(everything)
    high = max(listed or market)
    return Range(min(low, central), central, max(high, central)), recent
