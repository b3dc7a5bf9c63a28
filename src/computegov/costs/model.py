"""`CostModel`: the whole cost of owning (or renting) and running an accelerator, per chip-hour.

Ownership cost per chip-hour, in USD of :data:`TCO_DOLLAR_YEAR`::

    hardware    = price x price_factor x (1 + server + network + storage fractions)

A chip price always means the accelerator alone (:mod:`computegov.costs.chip_inputs` reads price,
TDP, peak and rent from the chip). A price that already includes the chip's share
of its server (the catalogue marks such prices, e.g. H100 SXM = DGX H100 / 8; a user marks theirs
with ``price_includes_server``) is first divided by ``1 + server_fraction`` (central value), so
typed-in and catalogue prices go through the same arithmetic.
                  x CRF(cost_of_capital, lifetime_years) / hours per year
    datacenter  = capex per MW x installed IT power (TDP x server_power_overhead) / 1e6
                  x CRF(cost_of_capital, datacenter_lifetime_years) / hours per year
    electricity = TDP x server_power_overhead x power_draw_fraction x PUE / 1000 x USD per kWh

where CRF(r, n) = r / (1 - (1 + r)^-n) is the capital recovery factor (the level annual payment
that repays 1 USD over n years at rate r; 1/n when r = 0). Renting replaces all three by a price per
chip-hour (power and facility are in the rent). Cost per FLOP divides by dense peak FLOP/s x model
FLOP utilisation x 3600 s.

Low / central / high: each assumption is a :class:`Range`; the low result puts every assumption at
the end that lowers the cost, the high result at the end that raises it (a deliberately wide,
"all ends together" interval, stated as such). Staff, software and failed runs are not included.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from computegov.costs.assumptions import Range, default_assumptions
from computegov.costs.chip_hour import (
    HOURS_PER_YEAR,
    W_PER_MW,
    ChipHourCost,
    capital_recovery_factor,
)
from computegov.costs.chip_inputs import ChipInputs
from computegov.errors import InputError, MissingCostDataError
from computegov.inflation import DOLLAR_YEAR
from computegov.units import J_PER_KWH, S_PER_HOUR

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "COST_ASSUMPTION_NAMES",
    "HOURS_PER_YEAR",
    "MAX_CHIP_PRICE_USD",
    "MAX_RENT_USD_PER_CHIP_HOUR",
    "MAX_TDP_W",
    "TCO_DOLLAR_YEAR",
    "ChipHourCost",
    "CostModel",
    "MissingCostDataError",
    "capital_recovery_factor",
    "chip_hour_price",
]

#: The year whose US dollars every cost result is in (launch prices and quotes are converted with CPI-U);
#: :data:`computegov.inflation.DOLLAR_YEAR`, shared with the price-performance metrics.
TCO_DOLLAR_YEAR: int = DOLLAR_YEAR

# Upper bounds of the per-chip figures a user may give (CostModel refuses larger ones, the CLI
# states them in --help). They are sanity bounds against typos and overflow (a price of 1e308
# makes every cost infinite), not published figures: each is far above any accelerator, package
# or wafer-scale system sold so far, so no real chip is refused.
#: Largest chip price, USD (100 million).
MAX_CHIP_PRICE_USD = 1e8
#: Largest chip TDP, W (1 MW).
MAX_TDP_W = 1e6
#: Largest rental price, USD per chip-hour.
MAX_RENT_USD_PER_CHIP_HOUR = 1e5


Which = Literal["low", "central", "high"]

#: +1 if a higher value of the assumption raises the cost, -1 if it lowers it.
_DIRECTION: Mapping[str, int] = {
    "server_fraction": +1,
    "network_fraction": +1,
    "storage_fraction": +1,
    "chip_price_factor": +1,
    "lifetime_years": -1,
    "cost_of_capital": +1,
    "pue": +1,
    "electricity_usd_per_kwh": +1,
    "power_draw_fraction": +1,
    "server_power_overhead": +1,
    "datacenter_capex_usd_per_mw": +1,
    "datacenter_lifetime_years": -1,
    "utilisation": -1,  # per FLOP: more useful FLOP per hour
}

#: Names of the range-valued assumptions of :class:`CostModel`, in display order.
COST_ASSUMPTION_NAMES: tuple[str, ...] = tuple(_DIRECTION)

#: Assumptions that set energy use (not money): their low end gives the least energy.
_ENERGY_NAMES = ("server_power_overhead", "power_draw_fraction", "pue")


def _default(name: str) -> Range:
    return default_assumptions().costs[name].value


def _assumed(name: str) -> Any:
    """A dataclass field whose default is the bundled assumption ``name`` (read when used)."""
    return dataclasses.field(default_factory=lambda: _default(name))


def _pick(value: Range, direction: int, which: Which) -> float:
    if which == "central":
        return value.central
    want_low_cost = which == "low"
    return value.low if (direction > 0) == want_low_cost else value.high


@dataclasses.dataclass(frozen=True)
class CostModel(ChipInputs):
    """Assumptions of the cost of ownership (or rental) of accelerators.

    Every range-valued field defaults to the bundled, cited assumption of the same name in
    ``data/cost_assumptions.yaml``; pass a number or a (low, central, high) triple to override.

    Attributes:
        mode: ``"buy"`` (own and amortise) or ``"rent"`` (pay a rental price per chip-hour).
        server_fraction: rest of the server per accelerator, fraction of the chip price.
        network_fraction: cluster interconnect per accelerator, fraction of the chip price.
        storage_fraction: storage and other equipment, fraction of the chip price.
        chip_price_factor: price paid / list or launch price.
        lifetime_years: hardware amortisation period, years.
        cost_of_capital: per year.
        pue: facility power / IT power.
        electricity_usd_per_kwh: USD of ``dollar_year`` per kWh.
        power_draw_fraction: average IT power / installed IT power.
        server_power_overhead: installed IT power per accelerator / accelerator TDP.
        datacenter_capex_usd_per_mw: facility build cost per MW of IT load, USD.
        datacenter_lifetime_years: facility amortisation period, years.
        utilisation: model FLOP utilisation for per-FLOP figures (fraction of dense peak).
        chip_price_usd: accelerator price to use instead of the catalogue's, USD of ``dollar_year``
            (the chip alone unless ``price_includes_server``).
        price_includes_server: ``chip_price_usd`` is a whole-server price per accelerator.
        tdp_w: TDP to use instead of the catalogue's, W.
        rent_usd_per_chip_hour: rental price to use instead of the bundled quotes, USD of ``dollar_year``.
        precision: precision whose dense peak counts (None: the chip's best training precision).
        dollar_year: the year whose USD results are in.
    """

    mode: Literal["buy", "rent"] = "buy"
    server_fraction: Range = _assumed("server_fraction")
    network_fraction: Range = _assumed("network_fraction")
    storage_fraction: Range = _assumed("storage_fraction")
    chip_price_factor: Range = _assumed("chip_price_factor")
    lifetime_years: Range = _assumed("lifetime_years")
    cost_of_capital: Range = _assumed("cost_of_capital")
    pue: Range = _assumed("pue")
    electricity_usd_per_kwh: Range = _assumed("electricity_usd_per_kwh")
    power_draw_fraction: Range = _assumed("power_draw_fraction")
    server_power_overhead: Range = _assumed("server_power_overhead")
    datacenter_capex_usd_per_mw: Range = _assumed("datacenter_capex_usd_per_mw")
    datacenter_lifetime_years: Range = _assumed("datacenter_lifetime_years")
    utilisation: Range = _assumed("utilisation")
    chip_price_usd: float | None = None
    price_includes_server: bool = False
    tdp_w: float | None = None
    rent_usd_per_chip_hour: Range | None = None
    precision: str | None = None
    dollar_year: int = TCO_DOLLAR_YEAR

    def __post_init__(self) -> None:
        """Coerce numbers and triples into validated ranges; check values are meaningful."""
        if self.mode not in ("buy", "rent"):
            raise InputError(f"cost model mode must be 'buy' or 'rent', got {self.mode!r}")
        for name in COST_ASSUMPTION_NAMES:
            value = Range.of(getattr(self, name))
            object.__setattr__(self, name, value)
            if value.low < 0:
                raise InputError(f"{name}: must not be negative, got {value.low}")
        for name in ("lifetime_years", "datacenter_lifetime_years", "pue", "server_power_overhead"):
            if getattr(self, name).low <= 0:
                raise InputError(f"{name}: must be positive, got {getattr(self, name).low}")
        util = self.utilisation
        if util.low <= 0 or util.high > 1:
            raise InputError(
                f"utilisation: must be a fraction in (0, 1], got {util.low}..{util.high}"
            )
        if self.rent_usd_per_chip_hour is not None:
            rent = Range.of(self.rent_usd_per_chip_hour)
            if rent.low <= 0 or rent.high > MAX_RENT_USD_PER_CHIP_HOUR:
                raise InputError(
                    "rent_usd_per_chip_hour: must be positive and at most "
                    f"{MAX_RENT_USD_PER_CHIP_HOUR:g}, got {rent.low:g}..{rent.high:g}"
                )
            object.__setattr__(self, "rent_usd_per_chip_hour", rent)
        for name, most in (("chip_price_usd", MAX_CHIP_PRICE_USD), ("tdp_w", MAX_TDP_W)):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0 < value <= most):
                raise InputError(f"{name}: must be positive and at most {most:g}, got {value:g}")

    def replace(self, **changes: Any) -> CostModel:
        """A copy with some fields changed (numbers and triples are coerced to ranges)."""
        return dataclasses.replace(self, **changes)

    # ---- the arithmetic --------------------------------------------------------------------

    def _value(self, name: str, which: Which) -> float:
        return _pick(getattr(self, name), _DIRECTION[name], which)

    def _energy_value(self, name: str, which: Which) -> float:
        value: float = getattr(getattr(self, name), which)
        return value

    def _ownership(self, price_usd: float, tdp_w: float, which: Which) -> dict[str, float]:
        v = self._value
        rate = v("cost_of_capital", which)
        server = v("server_fraction", which)
        hardware_usd = (
            price_usd
            * v("chip_price_factor", which)
            * (1 + server + v("network_fraction", which) + v("storage_fraction", which))
        )
        hardware = (
            hardware_usd
            * capital_recovery_factor(rate, v("lifetime_years", which))
            / HOURS_PER_YEAR
        )
        installed_it_w = tdp_w * v("server_power_overhead", which)
        datacenter = (
            v("datacenter_capex_usd_per_mw", which)
            * installed_it_w
            / W_PER_MW
            * capital_recovery_factor(rate, v("datacenter_lifetime_years", which))
            / HOURS_PER_YEAR
        )
        kwh = (
            installed_it_w
            * v("power_draw_fraction", which)
            * v("pue", which)
            * S_PER_HOUR
            / J_PER_KWH
        )
        electricity = kwh * v("electricity_usd_per_kwh", which)
        return {"hardware": hardware, "datacenter": datacenter, "electricity": electricity}

    def _energy_j(self, tdp_w: float, which: Which) -> float:
        e = self._energy_value
        return (
            tdp_w
            * e("server_power_overhead", which)
            * e("power_draw_fraction", which)
            * e("pue", which)
            * S_PER_HOUR
        )

    def energy_per_chip_hour_j(self, chip: Chip) -> Range:
        """Facility energy of one chip-hour (TDP x overhead x draw x PUE x 3600 s), J.

        Raises:
            MissingCostDataError: no TDP.
        """
        tdp = self.chip_tdp_w(chip)
        return Range(*(self._energy_j(tdp, w) for w in ("low", "central", "high")))

    def installed_power_w(self, chip: Chip) -> Range:
        """Facility power per chip at full draw (TDP x server overhead x PUE), W.

        Raises:
            MissingCostDataError: no TDP.
        """
        return self.server_power_overhead.scale(self.chip_tdp_w(chip)).times(self.pue)

    def chip_hour_usd(self, chip: Chip, which: Which = "central") -> float:
        """Total USD per chip-hour at one end of the assumptions (cheap: one evaluation)."""
        if self.mode == "rent":
            rent, _ = self.rent(chip)
            value: float = getattr(rent, which)
            return value
        price, _ = self.chip_price(chip)
        return sum(self._ownership(price, self.chip_tdp_w(chip), which).values())

    def chip_hour_cost(self, chip: Chip) -> ChipHourCost:
        """USD per chip-hour with its components, low / central / high.

        Raises:
            MissingCostDataError: buying a chip without price or TDP, or renting one without a quote.
        """
        energy = installed = None
        if self.tdp_w is not None or chip.tdp_w is not None:
            energy = self.energy_per_chip_hour_j(chip)
            installed = self.installed_power_w(chip)
        if self.mode == "rent":
            rent, source = self.rent(chip)
            return ChipHourCost(
                chip_name=chip.name,
                mode="rent",
                dollar_year=self.dollar_year,
                components_usd={"rental": rent},
                total_usd=rent,
                energy_j=energy,
                installed_power_w=installed,
                price_usd=None,
                price_source=source,
            )
        price, source = self.chip_price(chip)
        tdp = self.chip_tdp_w(chip)
        ends = {w: self._ownership(price, tdp, w) for w in ("low", "central", "high")}
        components = {
            name: Range(ends["low"][name], ends["central"][name], ends["high"][name])
            for name in ends["central"]
        }
        total = Range(*(sum(ends[w].values()) for w in ("low", "central", "high")))
        return ChipHourCost(
            chip_name=chip.name,
            mode="buy",
            dollar_year=self.dollar_year,
            components_usd=components,
            total_usd=total,
            energy_j=energy,
            installed_power_w=installed,
            price_usd=price,
            price_source=source,
        )

    def _utilisation(self, utilisation: float | Range | tuple[float, float, float] | None) -> Range:
        if utilisation is None:
            return self.utilisation
        value = Range.of(utilisation)
        if value.low <= 0 or value.high > 1:
            raise InputError(f"utilisation must be a fraction in (0, 1], got {utilisation!r}")
        return value

    def cost_per_flop(
        self, chip: Chip, utilisation: float | Range | tuple[float, float, float] | None = None
    ) -> Range:
        """USD (of :attr:`dollar_year`) per useful FLOP: chip-hour cost / (peak x MFU x 3600 s).

        Args:
            chip: the accelerator.
            utilisation: MFU as a fraction or range; None uses :attr:`utilisation`.

        Raises:
            MissingCostDataError: missing price, TDP, rental quote or peak.
        """
        _, peak = self.peak_flop_per_s(chip)
        util = self._utilisation(utilisation)
        hour = self.chip_hour_cost(chip).total_usd
        return Range(
            hour.low / (peak * util.high * S_PER_HOUR),
            hour.central / (peak * util.central * S_PER_HOUR),
            hour.high / (peak * util.low * S_PER_HOUR),
        )

    def flop_per_usd(
        self, chip: Chip, utilisation: float | Range | tuple[float, float, float] | None = None
    ) -> Range:
        """Useful FLOP per USD over the whole cost (the inverse of :meth:`cost_per_flop`)."""
        return self.cost_per_flop(chip, utilisation).inverse()

    def flop_per_joule(
        self, chip: Chip, utilisation: float | Range | tuple[float, float, float] | None = None
    ) -> Range:
        """Useful FLOP per joule of facility energy (peak x MFU / (TDP x overhead x draw x PUE)).

        Raises:
            MissingCostDataError: no TDP or peak.
        """
        _, peak = self.peak_flop_per_s(chip)
        util = self._utilisation(utilisation)
        energy = self.energy_per_chip_hour_j(chip)
        return Range(
            peak * util.low * S_PER_HOUR / energy.high,
            peak * util.central * S_PER_HOUR / energy.central,
            peak * util.high * S_PER_HOUR / energy.low,
        )

    def assumptions_used(self) -> dict[str, dict[str, Any]]:
        """Each range-valued assumption with its source ("user-supplied" when overridden)."""
        defaults = default_assumptions().costs
        out = {}
        for name in COST_ASSUMPTION_NAMES:
            value: Range = getattr(self, name)
            default = defaults[name]
            source = default.source if value == default.value else "user-supplied"
            out[name] = {**value.to_dict(), "unit": default.unit, "source": source}
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description of the model and its assumptions."""
        return {
            "mode": self.mode,
            "dollar_year": self.dollar_year,
            "assumptions": self.assumptions_used(),
            "chip_price_usd": self.chip_price_usd,
            "chip_price_means": "the accelerator alone (a whole-server price per chip is divided "
            "by 1 + server_fraction first)",
            "price_includes_server": self.price_includes_server,
            "tdp_w": self.tdp_w,
            "rent_usd_per_chip_hour": (
                self.rent_usd_per_chip_hour.to_dict() if self.rent_usd_per_chip_hour else None
            ),
            "precision": self.precision,
        }


def chip_hour_price(chip: Chip) -> ChipHourCost:
    """USD per chip-hour of ``chip`` as replays and audits are priced: rental quote, else ownership.

    Both under the bundled assumptions (:class:`CostModel` defaults).

    Raises:
        MissingCostDataError: no rental quote, and no price or TDP to buy it at.
    """
    try:
        return CostModel(mode="rent").chip_hour_cost(chip)
    except MissingCostDataError:
        return CostModel(mode="buy").chip_hour_cost(chip)
