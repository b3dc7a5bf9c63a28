"""What one accelerator costs per hour: the :class:`ChipHourCost` result and the amortisation behind it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from computegov.costs.assumptions import Range
from computegov.errors import InputError
from computegov.units import S_PER_HOUR, S_PER_YEAR, W_PER_MW

__all__ = ["HOURS_PER_YEAR", "W_PER_MW", "ChipHourCost", "capital_recovery_factor"]

#: Hours in a Julian year (365.25 days), the amortisation convention.
HOURS_PER_YEAR = S_PER_YEAR / S_PER_HOUR


def capital_recovery_factor(rate: float, years: float) -> float:
    """Level annual payment per unit of capital repaid over ``years`` at ``rate`` per year.

    Args:
        rate: cost of capital per year (0.08 = 8 %); 0 gives straight-line 1/years.
        years: amortisation period, years (> 0).

    Returns:
        ``rate / (1 - (1 + rate) ** -years)``, per year.
    """
    if years <= 0:
        raise InputError(f"amortisation period must be positive, got {years} years")
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


@dataclasses.dataclass(frozen=True)
class ChipHourCost:
    """Cost of one accelerator for one hour of wall-clock time, with its parts.

    Attributes:
        chip_name: the chip.
        mode: ``buy`` (ownership, amortised) or ``rent``.
        dollar_year: the year whose USD all money here is in.
        components_usd: part name -> USD per chip-hour (hardware, datacenter, electricity; or rental).
        total_usd: USD per chip-hour.
        energy_j: facility energy per chip-hour (average draw x PUE x 3600 s), J.
        installed_power_w: facility power per chip at full draw (TDP x overhead x PUE), W.
        price_usd: accelerator price used (buy mode), USD of ``dollar_year``; None when renting.
        price_source: where the price or rent came from.
    """

    chip_name: str
    mode: str
    dollar_year: int
    components_usd: Mapping[str, Range]
    total_usd: Range
    energy_j: Range | None
    installed_power_w: Range | None
    price_usd: float | None
    price_source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (SI units, unit and dollar year in each key)."""
        year = self.dollar_year
        return {
            "chip": self.chip_name,
            "mode": self.mode,
            "dollar_year": year,
            f"components_usd_{year}_per_chip_hour": {
                k: v.to_dict() for k, v in self.components_usd.items()
            },
            f"total_usd_{year}_per_chip_hour": self.total_usd.to_dict(),
            "energy_j_per_chip_hour": self.energy_j.to_dict() if self.energy_j else None,
            "installed_power_w_per_chip": (
                self.installed_power_w.to_dict() if self.installed_power_w else None
            ),
            f"chip_price_usd_{year}": self.price_usd,
            "price_source": self.price_source,
        }
