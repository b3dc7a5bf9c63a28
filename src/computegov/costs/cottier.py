"""The amortisation preset of Cottier et al. (2024), beside the project's own :class:`CostModel`.

Cottier, Rahman, Fattorini, Maslej, Besiroglu and Owen, "The rising costs of training frontier AI
models", arXiv:2405.21015 (v1 2024-05-31), method 1 ("amortized hardware CapEx + energy"), as
implemented in Epoch AI's code (github.com/epoch-research/training-cost-trends, files
``training_cost_trends/cost_estimation.py``, ``hardware.py`` and ``constants.py`` at commit
62d66d8f997e9168d43df848467567757818fad9, read 2026-12-04):

- hardware per chip-hour = server price per chip x r ln 10 / hours per year, where the server
  price per chip is the chip price x a server cost overhead, depreciated from the hardware's
  availability to the start of training at r = 0.14 orders of magnitude per year (the ML GPU
  price-performance trend);
- cluster interconnect = 19 % of the cluster's cost: hardware x 0.19 / (1 - 0.19);
- energy = chip TDP x server power / chip power x average share of server TDP x PUE x the US
  industrial electricity price of the year.

Every constant below is theirs; our catalogue supplies the TDP and, unless given, the price.
Unlike :class:`CostModel`, there is no datacenter capex and no cost of capital: the hardware is
"used up" at the rate its value falls.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from computegov.errors import InputError

__all__ = [
    "COTTIER_2024",
    "CottierCost",
    "cottier_beside",
    "cottier_chip_hour",
    "cottier_run_cost",
    "server_cost_overhead",
]

#: Source of every constant in this module.
COTTIER_2024 = (
    "Cottier et al. 2024, arXiv:2405.21015, method 1; constants from "
    "github.com/epoch-research/training-cost-trends@62d66d8f (constants.py, hardware.py)"
)
#: ML GPU price-performance, orders of magnitude per year (constants.py, citing Epoch's
#: "Trends in machine learning hardware").
DEPRECIATION_OOMS_PER_YEAR = 0.14
#: Cluster-level interconnect, fraction of the total cluster cost (constants.py).
INTERCONNECT_FRACTION = 0.19
#: Hours per year, 365.25 days (constants.py).
HOURS_PER_YEAR = 24 * 365.25
#: Server cost / chip cost by chip (hardware.py, get_server_cost_overhead); 1.64 otherwise.
_SERVER_COST_OVERHEAD = (("A100", 1.66), ("V100", 1.69), ("P100", 1.54))
_SERVER_COST_OVERHEAD_DEFAULT = 1.64
#: Server power per chip / chip TDP (hardware.py, chip_to_server_power): DGX H100 10.2 kW / 8 /
#: 0.7 kW; DGX A100 6.5 kW / 8 / 0.4 kW; V100 mean of DGX-2 and DGX Station; TPU v2/v3 from
#: Jouppi et al. 2021; 1.56 other TPUs; 1.8 other GPUs.
_SERVER_POWER_RATIO = (
    ("H100", (10.2 / 8) / 0.7),
    ("A100", (6.5 / 8) / 0.4),
    ("V100", ((10 / 16) / 0.3 + (1.5 / 4) / 0.3) / 2),
    ("TPU v1", 2.93),
    ("TPU v2", 1.64),
    ("TPU v3", 1.47),
    ("TPU", 1.56),
)
_SERVER_POWER_RATIO_DEFAULT = 1.8
#: Average server power / server TDP in training: TPUs 0.43, GPUs 0.75 (hardware.py).
_TDP_FRACTION_TPU, _TDP_FRACTION_GPU = 0.43, 0.75
#: PUE: 1.1 for hyperscalers, 1.25 otherwise (hardware.py, power_usage_effectiveness).
PUE_HYPERSCALER, PUE_OTHER = 1.1, 1.25
#: Average US industrial electricity price by year, USD/kWh (hardware.py, energy_price; EIA).
ELECTRICITY_USD_PER_KWH = {
    2015: 0.0691,
    2016: 0.0676,
    2017: 0.0688,
    2018: 0.0692,
    2019: 0.0681,
    2020: 0.0667,
    2021: 0.0718,
    2022: 0.0832,
    2023: 0.0806,
}


def _lookup(name: str, table: tuple[tuple[str, float], ...], default: float) -> float:
    upper = name.upper()
    return next((value for key, value in table if key.upper() in upper), default)


def server_cost_overhead(chip_name: str) -> float:
    """Their server cost / chip cost for ``chip_name`` (A100 1.66, V100 1.69, P100 1.54, else 1.64)."""
    return _lookup(chip_name, _SERVER_COST_OVERHEAD, _SERVER_COST_OVERHEAD_DEFAULT)


@dataclasses.dataclass(frozen=True)
class CottierCost:
    """Cost of one chip-hour (or of a run) by the Cottier et al. method, nominal USD of ``year``.

    Attributes:
        hardware_usd: amortised accelerator and server.
        interconnect_usd: cluster-level interconnect.
        energy_usd: electricity.
        year: electricity-price year.
        chip_hours: chip-hours covered (1 for a chip-hour).
        inputs: the constants used, by name.
    """

    hardware_usd: float
    interconnect_usd: float
    energy_usd: float
    year: int
    chip_hours: float
    inputs: dict[str, float]

    @property
    def total_usd(self) -> float:
        """Hardware + interconnect + energy, USD."""
        return self.hardware_usd + self.interconnect_usd + self.energy_usd

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "method": COTTIER_2024,
            "year": self.year,
            "chip_hours": self.chip_hours,
            "hardware_usd": self.hardware_usd,
            "interconnect_usd": self.interconnect_usd,
            "energy_usd": self.energy_usd,
            "total_usd": self.total_usd,
            "inputs": dict(self.inputs),
        }


def cottier_chip_hour(
    chip_name: str,
    chip_price_usd: float,
    tdp_w: float,
    year: int,
    *,
    hyperscaler: bool = True,
    years_since_available: float = 0.0,
) -> CottierCost:
    """One chip-hour by Cottier et al. (2024), method 1.

    Args:
        chip_name: accelerator name (picks the server cost and power ratios).
        chip_price_usd: price of the chip alone, USD.
        tdp_w: chip TDP, W.
        year: year of the run (electricity price; 2015-2023 in their table).
        hyperscaler: PUE 1.1 (Google, Meta, Microsoft, Amazon) or 1.25.
        years_since_available: from hardware availability to the start of training, years
            (the value falls 0.14 orders of magnitude per year before it is amortised).

    Raises:
        InputError: a non-positive price or TDP, a negative age, or a year outside the table.
    """
    for value, what in ((chip_price_usd, "chip price (USD)"), (tdp_w, "TDP (W)")):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{what} must be a positive number, got {value!r}")
    if not (math.isfinite(years_since_available) and years_since_available >= 0):
        raise InputError(f"years since available must be >= 0, got {years_since_available!r}")
    if year not in ELECTRICITY_USD_PER_KWH:
        first, last = min(ELECTRICITY_USD_PER_KWH), max(ELECTRICITY_USD_PER_KWH)
        raise InputError(
            f"Cottier et al. give electricity prices for {first}-{last} only, got {year}"
        )
    overhead = server_cost_overhead(chip_name)
    start_value = chip_price_usd * overhead * 10 ** (-DEPRECIATION_OOMS_PER_YEAR * years_since_available)
    hardware = start_value * DEPRECIATION_OOMS_PER_YEAR * math.log(10) / HOURS_PER_YEAR
    interconnect = hardware * INTERCONNECT_FRACTION / (1 - INTERCONNECT_FRACTION)
    power_ratio = _lookup(chip_name, _SERVER_POWER_RATIO, _SERVER_POWER_RATIO_DEFAULT)
    tdp_fraction = _TDP_FRACTION_TPU if "TPU" in chip_name.upper() else _TDP_FRACTION_GPU
    pue = PUE_HYPERSCALER if hyperscaler else PUE_OTHER
    price_kwh = ELECTRICITY_USD_PER_KWH[year]
    energy = tdp_w / 1000.0 * power_ratio * tdp_fraction * pue * price_kwh
    return CottierCost(
        hardware_usd=hardware,
        interconnect_usd=interconnect,
        energy_usd=energy,
        year=year,
        chip_hours=1.0,
        inputs={
            "server_cost_overhead": overhead,
            "depreciation_ooms_per_year": DEPRECIATION_OOMS_PER_YEAR,
            "interconnect_fraction": INTERCONNECT_FRACTION,
            "server_power_ratio": power_ratio,
            "server_tdp_fraction": tdp_fraction,
            "pue": pue,
            "electricity_usd_per_kwh": price_kwh,
            "years_since_available": years_since_available,
        },
    )


def cottier_run_cost(
    chip_name: str,
    chip_price_usd: float,
    tdp_w: float,
    year: int,
    chip_hours: float,
    *,
    hyperscaler: bool = True,
    years_since_available: float = 0.0,
) -> CottierCost:
    """A run of ``chip_hours`` by Cottier et al. (2024), method 1 (see :func:`cottier_chip_hour`).

    Raises:
        InputError: as :func:`cottier_chip_hour`, or non-positive chip-hours.
    """
    if not (math.isfinite(chip_hours) and chip_hours > 0):
        raise InputError(f"chip-hours must be a positive number, got {chip_hours!r}")
    one = cottier_chip_hour(
        chip_name,
        chip_price_usd,
        tdp_w,
        year,
        hyperscaler=hyperscaler,
        years_since_available=years_since_available,
    )
    return dataclasses.replace(
        one,
        hardware_usd=one.hardware_usd * chip_hours,
        interconnect_usd=one.interconnect_usd * chip_hours,
        energy_usd=one.energy_usd * chip_hours,
        chip_hours=chip_hours,
    )


def cottier_beside(
    chip_name: str,
    chip_price_usd: float | None,
    tdp_w: float | None,
    dollar_year: int,
    chip_hours: float = 1.0,
) -> dict[str, Any] | None:
    """The Cottier et al. (2024) cost of ``chip_hours`` on a bought chip, to show beside our own.

    Prices and electricity are taken in 2023, the last year of the paper's electricity table; the
    chip price is converted from ``dollar_year`` to 2023 USD and the result back (CPI-U).

    Args:
        chip_name: the accelerator (picks the paper's server overhead and power ratio).
        chip_price_usd: the chip alone, USD of ``dollar_year`` (None: no price, no figure).
        tdp_w: the chip's TDP, W (None: no figure).
        dollar_year: year of the USD in and out.
        chip_hours: accelerator-hours.

    Returns:
        ``total_usd`` (for ``chip_hours``), ``total_usd_per_chip_hour``, ``dollar_year`` and
        ``method``; None when the chip lacks a price or a TDP.
    """
    from computegov.costs.money import usd

    if chip_price_usd is None or tdp_w is None:
        return None
    price_2023 = usd(chip_price_usd, dollar_year, 2023)
    hour = cottier_chip_hour(chip_name, price_2023, tdp_w, 2023)
    per_hour = usd(hour.total_usd, 2023, dollar_year)
    return {
        "total_usd": per_hour * chip_hours,
        "total_usd_per_chip_hour": per_hour,
        "dollar_year": dollar_year,
        "method": COTTIER_2024,
    }
