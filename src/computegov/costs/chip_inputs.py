"""What a :class:`~computegov.costs.model.CostModel` reads from a chip: price, TDP, peak, rent.

The chip-side inputs of the cost model, apart from its arithmetic: the price of the accelerator
alone (a whole-server price per chip, from the catalogue or marked by the user, is divided by
1 + ``server_fraction``), the TDP, the dense peak that counts, and the rental price. Each says
where it came from and raises :class:`~computegov.errors.MissingCostDataError` naming the missing
field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from computegov.costs.assumptions import Range, default_assumptions
from computegov.errors import InputError, MissingCostDataError

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["ChipInputs"]


class ChipInputs:
    """Mixin of :class:`~computegov.costs.model.CostModel`: the inputs it reads from a chip."""

    chip_price_usd: float | None
    price_includes_server: bool
    tdp_w: float | None
    rent_usd_per_chip_hour: Range | None
    precision: str | None
    server_fraction: Range
    dollar_year: int

    def chip_price(self, chip: Chip) -> tuple[float, str]:
        """Price of the accelerator alone in USD of :attr:`dollar_year`, and where it came from.

        A price that includes the chip's server share (marked in the catalogue, or
        ``price_includes_server`` for a user price) is divided by 1 + ``server_fraction`` (central).

        Raises:
            MissingCostDataError: no override and no launch price in the catalogue.
        """
        price, source = self._listed_price(chip)
        if self.server_included(chip) is None:
            return price, source + "; chip alone (server, network and storage shares added)"
        share = self.server_fraction.central
        alone = price / (1.0 + share)
        return alone, (
            f"{source}; a whole-server price per chip (see price_includes_server in "
            f"cost_assumptions.yaml), so the chip alone is {price:,.0f} / (1 + server_fraction "
            f"{share:g}) = {alone:,.0f}"
        )

    def _listed_price(self, chip: Chip) -> tuple[float, str]:
        from computegov.costs.money import usd

        if self.chip_price_usd is not None:
            return self.chip_price_usd, "user-supplied price"
        if chip.launch_price_usd is None:
            raise MissingCostDataError(
                f"{chip.name}: no launch price (field launch_price_usd) in the catalogue, so the cost "
                "of buying it is unknown; rent instead (CLI --rent, CostModel(mode='rent')) or give a "
                "price (CLI --price-usd, CostModel(chip_price_usd=...))",
                chip_name=chip.name,
                field="launch_price_usd",
            )
        year = chip.launch_price_year or (chip.release_date.year if chip.release_date else None)
        if year is None:
            year = self.dollar_year
        source = chip.source_of("launch_price_usd") or "catalogue"
        price = usd(chip.launch_price_usd, year, self.dollar_year)
        return price, f"launch price {chip.launch_price_usd:,.0f} USD {year} ({source})"

    def chip_tdp_w(self, chip: Chip) -> float:
        """TDP in W (override first).

        Raises:
            MissingCostDataError: no override and no TDP in the catalogue.
        """
        if self.tdp_w is not None:
            return self.tdp_w
        if chip.tdp_w is None:
            raise MissingCostDataError(
                f"{chip.name}: no TDP (field tdp_w) in the catalogue, so its power and electricity "
                "cost are unknown; give one (CLI --tdp-w, CostModel(tdp_w=...)) or rent instead "
                "(CLI --rent) for the cost alone",
                chip_name=chip.name,
                field="tdp_w",
            )
        return chip.tdp_w

    def peak_flop_per_s(self, chip: Chip) -> tuple[str, float]:
        """The dense peak that counts, as (precision, FLOP/s).

        Raises:
            MissingCostDataError: the chip has no rate at the precision (or no training precision).
        """
        if self.precision is not None:
            try:
                value = chip.peak(self.precision)
            except KeyError as err:
                raise InputError(f"unknown precision {self.precision!r}") from err
            if value:
                return self.precision, value
            raise MissingCostDataError(
                f"{chip.name}: no dense peak at precision {self.precision!r} in the catalogue",
                chip_name=chip.name,
                field=f"peak_flop_per_s.{self.precision}",
            )
        best = chip.training_peak()
        if best is None:
            raise MissingCostDataError(
                f"{chip.name}: no BF16, TF32 or FP32 peak in the catalogue (field peak_flop_per_s)",
                chip_name=chip.name,
                field="peak_flop_per_s",
            )
        return best

    def rent(self, chip: Chip) -> tuple[Range, str]:
        """Rental price per chip-hour (USD of :attr:`dollar_year`) and its source.

        Raises:
            MissingCostDataError: no override and no bundled quote for the chip.
        """
        from computegov.costs.rental import rental_range

        if self.rent_usd_per_chip_hour is not None:
            return self.rent_usd_per_chip_hour, "user-supplied rental price"
        found = rental_range(chip, self.dollar_year)
        if found is None:
            raise MissingCostDataError(
                f"{chip.name}: no rental price in the bundled table (data/rental_prices.csv); give one "
                "(CLI --rent-usd-per-hour, CostModel(rent_usd_per_chip_hour=...)) or buy instead",
                chip_name=chip.name,
                field="rental price",
            )
        value, quotes = found
        newest = max(q.quoted_on for q in quotes)
        return (
            value,
            f"{len(quotes)} public quotes up to {newest.isoformat()} (data/rental_prices.csv)",
        )

    def server_included(self, chip: Chip) -> str | None:
        """Why the price in use already includes the chip's server share, or None.

        A user price includes it when ``price_includes_server`` is set; a catalogue price when
        ``price_includes_server`` in ``data/cost_assumptions.yaml`` lists the chip. Such a price is
        turned into a chip-alone price by :meth:`chip_price`, so the same rule applies to both.
        """
        if self.chip_price_usd is not None:
            return "user-supplied price marked as including the server" if (
                self.price_includes_server
            ) else None
        entry = default_assumptions().server_included((chip.name, *chip.aliases))
        return entry.source if entry else None
