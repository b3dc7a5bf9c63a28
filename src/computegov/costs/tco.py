"""Price-performance over the whole cost of ownership, and the cost of a given amount of compute.

:func:`tco_flop_per_usd` is the metric the trend fits use (``flop_per_usd_tco``): it is called for
every chip, so it evaluates only the central case of a cached default :class:`CostModel`.
:func:`cost_of_compute` answers "what does 1e26 FLOP cost on this chip?".
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from computegov.costs.assumptions import Range
from computegov.costs.model import HOURS_PER_YEAR, ChipHourCost, CostModel, MissingCostDataError
from computegov.errors import InputError
from computegov.units import J_PER_MWH, S_PER_HOUR

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "ComputeCost",
    "TcoSummary",
    "compute_cost",
    "cost_of_compute",
    "default_cost_model",
    "tco_flop_per_joule",
    "tco_flop_per_usd",
    "tco_summary",
    "tco_table",
]


@functools.cache
def default_cost_model() -> CostModel:
    """The cost model with every bundled default (buy mode), built once."""
    return CostModel()


def _has_tco_inputs(chip: Chip, model: CostModel) -> bool:
    if chip.training_peak() is None and model.precision is None:
        return False
    if model.mode == "rent":
        return True
    has_price = model.chip_price_usd is not None or chip.launch_price_usd is not None
    has_tdp = model.tdp_w is not None or chip.tdp_w is not None
    return has_price and has_tdp


def tco_flop_per_usd(chip: Chip, model: CostModel | None = None) -> float | None:
    """Useful FLOP per USD (of ``TCO_DOLLAR_YEAR``) over the whole cost of ownership.

    Central case of ``model`` (default: bundled assumptions, buy mode) at its default utilisation:
    dense training peak x MFU x 3600 / USD per chip-hour. Cheap enough to call for every chip.

    Args:
        chip: the accelerator.
        model: cost model; None uses :func:`default_cost_model`.

    Returns:
        FLOP per USD, or None when the chip lacks a price, a TDP or a training peak.
    """
    model = model or default_cost_model()
    if not _has_tco_inputs(chip, model):
        return None
    try:
        _, peak = model.peak_flop_per_s(chip)
        hour_usd = model.chip_hour_usd(chip, "central")
    except MissingCostDataError:
        return None
    if not hour_usd > 0:
        return None
    return peak * model.utilisation.central * S_PER_HOUR / hour_usd


def tco_flop_per_joule(chip: Chip, model: CostModel | None = None) -> float | None:
    """Useful FLOP per joule of facility energy (central case), or None without TDP or peak."""
    model = model or default_cost_model()
    if (model.tdp_w is None and chip.tdp_w is None) or (
        chip.training_peak() is None and model.precision is None
    ):
        return None
    try:
        return model.flop_per_joule(chip).central
    except MissingCostDataError:
        return None


@dataclasses.dataclass(frozen=True)
class ComputeCost:
    """What a given amount of compute costs on one chip.

    Attributes:
        flop: useful (model) FLOP.
        chip_name: the accelerator.
        mode: ``buy`` or ``rent``.
        dollar_year: year of the USD.
        utilisation: MFU used, low / central / high.
        chip_hours: accelerator-hours needed, low / central / high (low at high MFU).
        cost_usd: USD, low / central / high.
        energy_j: facility energy, J (None without TDP).
        peak_flop_per_s: the dense peak used, FLOP/s.
        precision: its precision.
    """

    flop: float
    chip_name: str
    mode: str
    dollar_year: int
    utilisation: Range
    chip_hours: Range
    cost_usd: Range
    energy_j: Range | None
    peak_flop_per_s: float
    precision: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        year = self.dollar_year
        return {
            "flop": self.flop,
            "chip": self.chip_name,
            "mode": self.mode,
            "dollar_year": year,
            "precision": self.precision,
            "peak_flop_per_s": self.peak_flop_per_s,
            "utilisation": self.utilisation.to_dict(),
            "chip_hours": self.chip_hours.to_dict(),
            f"cost_usd_{year}": self.cost_usd.to_dict(),
            "energy_mwh": self.energy_j.scale(1 / J_PER_MWH).to_dict() if self.energy_j else None,
        }


def compute_cost(
    flop: float,
    chip: Chip,
    utilisation: float | Range | tuple[float, float, float] | None = None,
    model: CostModel | None = None,
) -> ComputeCost:
    """Chip-hours, cost and energy of ``flop`` useful FLOP on ``chip``.

    Args:
        flop: model FLOP to perform (> 0).
        chip: the accelerator.
        utilisation: MFU as a fraction or (low, central, high); None uses the model's default.
        model: cost model; None uses the bundled defaults (buy).

    Raises:
        InputError: flop not positive, utilisation outside (0, 1].
        MissingCostDataError: missing price/TDP (buy), quote (rent) or peak; names the field.
    """
    if not flop > 0:
        raise InputError(f"compute must be a positive number of FLOP, got {flop!r}")
    model = model or default_cost_model()
    precision, peak = model.peak_flop_per_s(chip)
    util = model._utilisation(utilisation)
    chip_hours = Range(
        flop / (peak * util.high * S_PER_HOUR),
        flop / (peak * util.central * S_PER_HOUR),
        flop / (peak * util.low * S_PER_HOUR),
    )
    hour: ChipHourCost = model.chip_hour_cost(chip)
    cost = hour.total_usd.times(chip_hours)
    energy = hour.energy_j.times(chip_hours) if hour.energy_j is not None else None
    return ComputeCost(
        flop=flop,
        chip_name=chip.name,
        mode=model.mode,
        dollar_year=model.dollar_year,
        utilisation=util,
        chip_hours=chip_hours,
        cost_usd=cost,
        energy_j=energy,
        peak_flop_per_s=peak,
        precision=precision,
    )


def cost_of_compute(
    flop: float,
    chip: Chip,
    utilisation: float | Range | tuple[float, float, float] | None = None,
    model: CostModel | None = None,
) -> Range:
    """USD (of the model's dollar year, ``TCO_DOLLAR_YEAR`` by default) to perform ``flop``.

    ``low, central, high = cost_of_compute(1e26, cat.get("H100"))``. See :func:`compute_cost`
    for chip-hours and energy as well.

    Raises:
        InputError: flop not positive, utilisation outside (0, 1].
        MissingCostDataError: missing price/TDP (buy), quote (rent) or peak; names the field.
    """
    return compute_cost(flop, chip, utilisation, model).cost_usd


@dataclasses.dataclass(frozen=True)
class TcoSummary:
    """One chip's total cost of ownership and price-performance.

    Attributes:
        chip_name: the accelerator.
        release_year: decimal year (None if unknown).
        dollar_year: year of the USD.
        precision: precision of the peak used.
        peak_flop_per_s: dense peak, FLOP/s.
        price_usd: purchase price, USD of ``dollar_year`` (None when renting).
        chip_hour: cost per chip-hour and its parts.
        lifetime_cost_usd: cost of one chip over the central lifetime (buy), USD.
        sticker_flop_per_usd: peak x lifetime seconds x MFU / price: price-performance that counts
            only the chip's price (None when renting).
        tco_flop_per_usd: the same over the whole cost, low / central / high.
        tco_flop_per_j: useful FLOP per facility joule (None without TDP).
    """

    chip_name: str
    release_year: float | None
    dollar_year: int
    precision: str
    peak_flop_per_s: float
    price_usd: float | None
    chip_hour: ChipHourCost
    lifetime_cost_usd: Range | None
    sticker_flop_per_usd: float | None
    tco_flop_per_usd: Range
    tco_flop_per_j: Range | None

    @property
    def tco_over_sticker(self) -> float | None:
        """Whole cost per FLOP / chip-price-only cost per FLOP (central), e.g. 2.1."""
        if self.sticker_flop_per_usd is None or not self.tco_flop_per_usd.central > 0:
            return None
        return self.sticker_flop_per_usd / self.tco_flop_per_usd.central

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        year = self.dollar_year
        return {
            "chip": self.chip_name,
            "release_year": self.release_year,
            "dollar_year": year,
            "precision": self.precision,
            "peak_flop_per_s": self.peak_flop_per_s,
            f"price_usd_{year}": self.price_usd,
            "chip_hour": self.chip_hour.to_dict(),
            f"lifetime_cost_usd_{year}": self.lifetime_cost_usd.to_dict()
            if self.lifetime_cost_usd
            else None,
            f"sticker_flop_per_usd_{year}": self.sticker_flop_per_usd,
            f"tco_flop_per_usd_{year}": self.tco_flop_per_usd.to_dict(),
            "tco_flop_per_j": self.tco_flop_per_j.to_dict() if self.tco_flop_per_j else None,
            "tco_over_sticker": self.tco_over_sticker,
        }


def tco_summary(chip: Chip, model: CostModel | None = None) -> TcoSummary:
    """Total cost of ownership of ``chip`` and its price-performance, low / central / high.

    Raises:
        MissingCostDataError: the chip lacks price or TDP (buy), a rental quote (rent) or a peak.
    """
    model = model or default_cost_model()
    precision, peak = model.peak_flop_per_s(chip)
    hour = model.chip_hour_cost(chip)
    flop_per_usd = model.flop_per_usd(chip)
    per_joule = None
    if model.tdp_w is not None or chip.tdp_w is not None:
        per_joule = model.flop_per_joule(chip)
    lifetime_cost = sticker = None
    if model.mode == "buy" and hour.price_usd is not None:
        hours = model.lifetime_years.central * HOURS_PER_YEAR
        lifetime_cost = hour.total_usd.scale(hours)
        sticker = peak * model.utilisation.central * hours * S_PER_HOUR / hour.price_usd
    return TcoSummary(
        chip_name=chip.name,
        release_year=chip.release_year,
        dollar_year=model.dollar_year,
        precision=precision,
        peak_flop_per_s=peak,
        price_usd=hour.price_usd,
        chip_hour=hour,
        lifetime_cost_usd=lifetime_cost,
        sticker_flop_per_usd=sticker,
        tco_flop_per_usd=flop_per_usd,
        tco_flop_per_j=per_joule,
    )


def tco_table(chips: Iterable[Chip], model: CostModel | None = None) -> list[TcoSummary]:
    """:func:`tco_summary` for every chip that has the data (the others are skipped), by release date."""
    model = model or default_cost_model()
    out = []
    for chip in chips:
        if not _has_tco_inputs(chip, model):
            continue
        try:
            out.append(tco_summary(chip, model))
        except MissingCostDataError:
            continue
    return sorted(out, key=lambda s: (s.release_year or 0.0, s.chip_name))
