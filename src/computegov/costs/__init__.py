"""Total cost of ownership of accelerators, price-performance over it, and the cost of compute.

- :class:`CostModel` — named, cited assumptions (``data/cost_assumptions.yaml``) turned into USD
  per chip-hour (hardware amortised with a cost of capital, datacenter, electricity; or rental)
  and per FLOP, each as low / central / high in USD of :data:`TCO_DOLLAR_YEAR`.
- :func:`tco_flop_per_usd` / :func:`tco_flop_per_joule` — the trend metrics (central case).
- :func:`cost_of_compute` / :func:`compute_cost` — what N FLOP cost on a chip.
- :func:`tco_summary` / :func:`tco_table` — one chip's or every chip's TCO.
- :func:`rental_prices` — the bundled, dated public rental quotes.
- :func:`cottier_chip_hour` / :func:`cottier_run_cost` — the amortisation preset of Cottier et al.
  (2024, arXiv:2405.21015), beside :class:`CostModel`.
- :func:`format_usd` — the one money formatter of the CLI, the report and the pages.
"""

from __future__ import annotations

from computegov.costs.assumptions import (
    Assumption,
    Assumptions,
    GenerationMfu,
    Range,
    default_assumptions,
)
from computegov.costs.cottier import CottierCost, cottier_chip_hour, cottier_run_cost
from computegov.costs.model import (
    COST_ASSUMPTION_NAMES,
    HOURS_PER_YEAR,
    TCO_DOLLAR_YEAR,
    ChipHourCost,
    CostModel,
    MissingCostDataError,
    capital_recovery_factor,
    chip_hour_price,
)
from computegov.costs.money import format_usd
from computegov.costs.rental import RentalPrice, rental_prices, rental_range
from computegov.costs.tco import (
    ComputeCost,
    TcoSummary,
    compute_cost,
    cost_of_compute,
    default_cost_model,
    tco_flop_per_joule,
    tco_flop_per_usd,
    tco_summary,
    tco_table,
)

__all__ = [
    "COST_ASSUMPTION_NAMES",
    "HOURS_PER_YEAR",
    "TCO_DOLLAR_YEAR",
    "Assumption",
    "Assumptions",
    "ChipHourCost",
    "ComputeCost",
    "CostModel",
    "CottierCost",
    "GenerationMfu",
    "MissingCostDataError",
    "Range",
    "RentalPrice",
    "TcoSummary",
    "capital_recovery_factor",
    "chip_hour_price",
    "compute_cost",
    "cost_of_compute",
    "cottier_chip_hour",
    "cottier_run_cost",
    "default_assumptions",
    "default_cost_model",
    "format_usd",
    "rental_prices",
    "rental_range",
    "tco_flop_per_joule",
    "tco_flop_per_usd",
    "tco_summary",
    "tco_table",
]
