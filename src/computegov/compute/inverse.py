"""Inverse questions: what does an amount of compute (say 10^26 FLOP) mean in practice?

For each chip: chip-days at a utilisation, how many chips finish it in a given number of days,
the energy at the chip's TDP times the datacenter PUE, and the cost when the cost model
(``computegov.costs``) is available.

Energy is an upper-end proxy: every chip draws its TDP for the whole run, times PUE for cooling
and power delivery; host CPUs, networking and storage are not counted separately.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from computegov.compute.estimate import chip_peak, resolve_chip
from computegov.compute.run import DEFAULT_UTILISATION, Utilisation
from computegov.errors import InputError
from computegov.units import J_PER_MWH, S_PER_DAY

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = ["DEFAULT_PUE", "FlopEquivalent", "flop_equivalent", "flop_equivalents"]

log = logging.getLogger(__name__)

#: Power usage effectiveness. Assumption: 1.2, between hyperscale fleets (Google reports a
#: fleet-wide trailing-twelve-month PUE of about 1.10 in its 2023 environmental report) and the
#: industry average of about 1.58 in the Uptime Institute Global Data Center Survey 2023.
DEFAULT_PUE = 1.2


@dataclasses.dataclass(frozen=True)
class FlopEquivalent:
    """What ``flop`` FLOP takes on one chip type.

    Attributes:
        flop: the compute, FLOP.
        chip: chip name.
        precision: precision whose dense peak was used.
        peak_flop_per_s: dense peak, FLOP/s.
        utilisation: utilisation used (central value).
        chip_seconds: chip-seconds needed at that utilisation (low/high for the utilisation range).
        chip_days: chip_seconds / 86 400.
        chip_days_low: at the high end of the utilisation range.
        chip_days_high: at the low end of the utilisation range.
        days: the wall-clock duration asked for, days (None if not asked).
        chips_needed: chips to finish within ``days`` (None if not asked).
        energy_j: TDP × chip-seconds × PUE, J (None without a TDP).
        energy_mwh: the same, MWh.
        pue: power usage effectiveness used.
        cost_usd: cost from the cost model, USD (None when unavailable).
        cost_note: where the cost came from, or why it is missing.
    """

    flop: float
    chip: str
    precision: str
    peak_flop_per_s: float
    utilisation: float
    chip_seconds: float
    chip_days: float
    chip_days_low: float
    chip_days_high: float
    days: float | None
    chips_needed: float | None
    energy_j: float | None
    energy_mwh: float | None
    pue: float
    cost_usd: float | None
    cost_note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (SI units, unit in each key)."""
        return dataclasses.asdict(self)


def _cost(flop: float, chip: Chip, utilisation: float, chip_seconds: float) -> tuple[float | None, str]:
    """Ask the cost model, if it has landed; never fail because of it."""
    try:
        from computegov import costs
    except ImportError:
        return None, "cost model (computegov.costs) not available"
    fn = getattr(costs, "cost_of_compute", None)
    if fn is None:
        return None, "computegov.costs has no cost_of_compute()"
    try:
        result = fn(flop=flop, chip=chip, utilisation=utilisation)
    except Exception as err:  # an adapter at the edge of a module built in parallel
        log.info("cost_of_compute failed: %s", err)
        return None, f"cost model failed: {err}"
    if isinstance(result, int | float):
        return float(result), "computegov.costs.cost_of_compute"
    data = result.to_dict() if hasattr(result, "to_dict") else result
    if isinstance(data, dict):
        for key, value in data.items():
            if "usd" in key and isinstance(value, int | float) and math.isfinite(value):
                return float(value), f"computegov.costs.cost_of_compute ({key})"
    return None, "cost model returned no USD figure"


def flop_equivalent(
    flop: float,
    chip: Chip | str,
    *,
    days: float | None = None,
    utilisation: float | tuple[float, float, float] | Utilisation | None = None,
    precision: str | None = None,
    pue: float = DEFAULT_PUE,
    with_cost: bool = True,
) -> FlopEquivalent:
    """Chip-days, chips for ``days``, energy and cost of ``flop`` on one chip.

    Args:
        flop: compute, FLOP (> 0).
        chip: a Chip or a catalogue name.
        days: wall-clock days to finish in (for ``chips_needed``).
        utilisation: point or (low, central, high); default range cited in ``compute.run``.
        precision: training precision; default the chip's best training precision.
        pue: power usage effectiveness (>= 1).
        with_cost: ask ``computegov.costs`` for a cost.

    Raises:
        InputError: non-positive flop or days, PUE below 1, utilisation out of (0, 1], chip
            without the precision.
    """
    if not (math.isfinite(flop) and flop > 0):
        raise InputError(f"compute must be a positive number of FLOP, got {flop!r}")
    if days is not None and not (math.isfinite(days) and days > 0):
        raise InputError(f"days must be positive, got {days!r}")
    if not (math.isfinite(pue) and pue >= 1):
        raise InputError(f"PUE must be >= 1 (facility energy / IT energy), got {pue!r}")
    resolved = resolve_chip(chip)
    prec, peak = chip_peak(resolved, precision)
    util = Utilisation.of(utilisation) if utilisation is not None else DEFAULT_UTILISATION
    chip_seconds = flop / (peak * util.central)
    energy_j = resolved.tdp_w * chip_seconds * pue if resolved.tdp_w else None
    cost, note = _cost(flop, resolved, util.central, chip_seconds) if with_cost else (None, "not asked")
    return FlopEquivalent(
        flop=flop,
        chip=resolved.name,
        precision=prec,
        peak_flop_per_s=peak,
        utilisation=util.central,
        chip_seconds=chip_seconds,
        chip_days=chip_seconds / S_PER_DAY,
        chip_days_low=flop / (peak * util.high) / S_PER_DAY,
        chip_days_high=flop / (peak * util.low) / S_PER_DAY,
        days=days,
        chips_needed=chip_seconds / (days * S_PER_DAY) if days else None,
        energy_j=energy_j,
        energy_mwh=energy_j / J_PER_MWH if energy_j is not None else None,
        pue=pue,
        cost_usd=cost,
        cost_note=note,
    )


def flop_equivalents(
    flop: float,
    chips: Iterable[Chip | str],
    **kwargs: Any,
) -> tuple[FlopEquivalent, ...]:
    """:func:`flop_equivalent` for several chips, skipping those without a training peak."""
    out = []
    for chip in chips:
        try:
            out.append(flop_equivalent(flop, chip, **kwargs))
        except InputError as err:
            if isinstance(chip, str):
                raise
            log.info("skipping %s: %s", getattr(chip, "name", chip), err)
    return tuple(out)
