"""Inverse questions: what does an amount of compute (say 10^26 FLOP) mean in practice?

For each chip (:func:`flop_equivalents`) or each future year (:func:`flop_equivalents_by_year`,
a typical new datacenter accelerator of that year from a log-linear fit of catalogue peaks):
chip-days at a utilisation, how many chips finish it in a given number of days, the energy at
the chip's TDP times the datacenter PUE, and the total cost of ownership from
:func:`computegov.costs.compute_cost` at the same precision and utilisation.

Energy is an upper-end proxy: every chip draws its TDP for the whole run, times PUE for cooling
and power delivery; host CPUs, networking and storage are not counted separately.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from computegov.compute.hardware import chip_peak, precision_key, resolve_chip
from computegov.compute.run import DEFAULT_UTILISATION, Utilisation
from computegov.errors import ComputegovError, InputError
from computegov.units import J_PER_MWH, S_PER_DAY

if TYPE_CHECKING:
    import numpy as np

    from computegov.catalog.chip import Chip

__all__ = [
    "DEFAULT_PUE",
    "FORECAST_YEARS",
    "FlopEquivalent",
    "YearEquivalent",
    "flop_equivalent",
    "flop_equivalents",
    "flop_equivalents_by_year",
    "with_flop_interval",
]

log = logging.getLogger(__name__)

#: Power usage effectiveness. Assumption: 1.2, between hyperscale fleets (Google reports a
#: fleet-wide trailing-twelve-month PUE of about 1.10 in its 2023 environmental report) and the
#: industry average of about 1.58 in the Uptime Institute Global Data Center Survey 2023. The same
#: central value as the cost model's ``pue`` assumption (data/cost_assumptions.yaml; a test keeps
#: the two equal).
DEFAULT_PUE = 1.2
#: Years a by-year equivalent may be asked for (first, last) and how many at once. The catalogue
#: starts in the 2000s and a log-linear hardware trend carried past 2100 says nothing (and
#: overflows to infinite FLOP/s); 50 rows is already more than a table can show.
FORECAST_YEARS: tuple[int, int] = (2000, 2100)
#: Largest PUE accepted: the Uptime Institute survey's averages fell from about 2.5 (2007) to
#: 1.58 (2023); 5 leaves room for the worst single sites and refuses typos.
MAX_PUE = 5.0
MAX_FORECAST_YEARS = 50


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
        cost_usd_low: low end of the cost range, USD.
        cost_usd_high: high end of the cost range, USD.
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
    cost_usd_low: float | None
    cost_usd_high: float | None
    cost_note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (SI units, unit in each key)."""
        return dataclasses.asdict(self)


def _cost(
    flop: float, chip: Chip, util: Utilisation, precision: str, pue: float | None, mode: str
) -> tuple[tuple[float, float, float] | None, str]:
    """Cost from :func:`computegov.costs.compute_cost` at the same precision (and PUE if given).

    A chip the cost model cannot price (no launch price or TDP, say) gives no cost and a note
    naming what is missing; it does not fail the inverse question.
    """
    from computegov.costs import CostModel, MissingCostDataError, Range, compute_cost

    try:
        extra: dict[str, Any] = {} if pue is None else {"pue": Range.point(pue)}
        model = CostModel(mode=mode, precision=precision, **extra)  # type: ignore[arg-type]
        result = compute_cost(flop, chip, (util.low, util.central, util.high), model)
    except MissingCostDataError as err:
        log.info("no cost for %s: %s", chip.name, err)
        return None, f"no cost: {err}"
    cost = result.cost_usd
    pue_note = f"PUE {pue:g}" if pue is not None else f"PUE {model.pue.low:g}-{model.pue.high:g}"
    label = (
        "computegov.costs.compute_cost: "
        + ("total cost of ownership (buy)" if mode == "buy" else "bundled cloud rental quotes (rent)")
        + f", USD of {result.dollar_year}"
        + (f", {pue_note}" if mode == "buy" else "")
        + "; range puts every cost assumption and the utilisation at its low / high end"
    )
    return (cost.low, cost.central, cost.high), label


def _check_inputs(flop: float, days: float | None, pue: float | None, precision: str | None = None) -> None:
    """Refuse inputs that no chip can make sense of (before any per-chip work)."""
    if precision is not None:
        precision_key(precision)
    from computegov.compute.uncertain import MAX_FLOP

    if not (math.isfinite(flop) and 0 < flop <= MAX_FLOP):
        raise InputError(f"compute must be a positive number of FLOP up to {MAX_FLOP:g}, got {flop!r}")
    if days is not None and not (math.isfinite(days) and 0 < days <= 36_525):
        raise InputError(f"days must be a positive number of days up to 100 years, got {days!r}")
    if pue is not None and not (math.isfinite(pue) and 1 <= pue <= MAX_PUE):
        raise InputError(f"PUE must be in 1-{MAX_PUE:g} (facility energy / IT energy), got {pue!r}")


def flop_equivalent(
    flop: float,
    chip: Chip | str,
    *,
    days: float | None = None,
    utilisation: float | tuple[float, float, float] | Utilisation | None = None,
    precision: str | None = None,
    pue: float | None = None,
    with_cost: bool = True,
    cost_mode: str = "buy",
) -> FlopEquivalent:
    """Chip-days, chips for ``days``, energy and cost of ``flop`` on one chip.

    Args:
        flop: compute, FLOP (> 0).
        chip: a Chip or a catalogue name.
        days: wall-clock days to finish in (for ``chips_needed``).
        utilisation: point or (low, central, high); default range cited in ``compute.run``.
        precision: training precision; default the chip's best training precision.
        pue: power usage effectiveness (>= 1); None: :data:`DEFAULT_PUE` for the energy and the
            cost model's own PUE range for the cost.
        with_cost: ask ``computegov.costs`` for a cost (same precision and utilisation).
        cost_mode: ``"buy"`` (own the chips: total cost of ownership) or ``"rent"`` (bundled
            cloud rental quotes).

    Raises:
        InputError: non-positive flop or days, PUE below 1, utilisation out of (0, 1], chip
            without the precision.
        UnknownNameError: a chip name the catalogue does not know.
    """
    _check_inputs(flop, days, pue)
    if cost_mode not in ("buy", "rent"):
        raise InputError(f"cost mode {cost_mode!r}: expected 'buy' or 'rent'")
    util = Utilisation.of(utilisation) if utilisation is not None else DEFAULT_UTILISATION
    resolved = resolve_chip(chip)
    prec, peak = chip_peak(resolved, precision)
    energy_pue = DEFAULT_PUE if pue is None else pue
    chip_seconds = flop / (peak * util.central)
    energy_j = resolved.tdp_w * chip_seconds * energy_pue if resolved.tdp_w else None
    cost, note = _cost(flop, resolved, util, prec, pue, cost_mode) if with_cost else (None, "not asked")
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
        pue=energy_pue,
        cost_usd=cost[1] if cost else None,
        cost_usd_low=cost[0] if cost else None,
        cost_usd_high=cost[2] if cost else None,
        cost_note=note,
    )


def flop_equivalents(
    flop: float,
    chips: Iterable[Chip | str],
    **kwargs: Any,
) -> tuple[FlopEquivalent, ...]:
    """:func:`flop_equivalent` for several chips, skipping chips without the needed peak.

    Inputs that are wrong for every chip (flop, days, PUE, utilisation) raise at once; a chip
    *name* that is unknown or lacks the precision raises too (it was asked for by name).

    Raises:
        InputError: see :func:`flop_equivalent`.
    """
    _check_inputs(flop, kwargs.get("days"), kwargs.get("pue"), kwargs.get("precision"))
    if kwargs.get("utilisation") is not None:
        Utilisation.of(kwargs["utilisation"])
    out = []
    for chip in chips:
        try:
            out.append(flop_equivalent(flop, chip, **kwargs))
        except InputError as err:
            if isinstance(chip, str):
                raise
            log.info("skipping %s: %s", getattr(chip, "name", chip), err)
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class YearEquivalent:
    """What ``flop`` FLOP takes on a typical new datacenter accelerator of ``year``.

    Attributes:
        year: calendar year (chips released mid-year).
        flop: the compute, FLOP.
        peak_flop_per_s: median forecast dense training peak of a new datacenter chip that
            year, FLOP/s.
        peak_flop_per_s_low: 5th percentile of a single chip of that year, FLOP/s.
        peak_flop_per_s_high: 95th percentile, FLOP/s.
        utilisation: utilisation used (central).
        chip_days: chip-days at the median peak.
        chip_days_low: at the 95th-percentile chip.
        chip_days_high: at the 5th-percentile chip.
        chips_needed: chips to finish in ``days`` (None if not asked).
        growth_per_year: fitted growth of the peak per year (factor).
        basis: what the forecast was made on.
        cost_usd: median cost at that year's forecast FLOP per USD of total cost of ownership
            (None when the cost trend cannot be fitted), USD of ``cost_dollar_year``.
        cost_usd_low: at the 95th-percentile FLOP per USD.
        cost_usd_high: at the 5th-percentile FLOP per USD.
        cost_dollar_year: the year of the USD.
        cost_note: where the cost came from, or why it is missing.
    """

    year: int
    flop: float
    peak_flop_per_s: float
    peak_flop_per_s_low: float
    peak_flop_per_s_high: float
    utilisation: float
    chip_days: float
    chip_days_low: float
    chip_days_high: float
    chips_needed: float | None
    growth_per_year: float
    basis: str
    cost_usd: float | None = None
    cost_usd_low: float | None = None
    cost_usd_high: float | None = None
    cost_dollar_year: int | None = None
    cost_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


#: Monte Carlo paths of the by-year forecasts (quantiles to well under 1 %).
_YEAR_PATHS = 20_000


def flop_equivalents_by_year(
    flop: float,
    years: Iterable[int],
    chips: Iterable[Chip],
    *,
    days: float | None = None,
    utilisation: float | tuple[float, float, float] | Utilisation | None = None,
    since: int = 2016,
    chip_set: str = "datacenter",
    scenario: str = "trend",
    rng: np.random.Generator | None = None,
) -> tuple[YearEquivalent, ...]:
    """Chip-days, chips for ``days`` and cost of ``flop`` on a typical new accelerator of each year.

    Uses the hardware trends module: :func:`computegov.trends.fit_trend` of the dense training
    peak (metric ``training_flop_per_s``) over ``chip_set`` chips released since ``since``, and
    :func:`computegov.trends.forecast` under ``scenario`` (with the residual scatter of single
    chips and the bundled physical limits) at mid-year; the peak's 5th-95th percentiles give the
    chip-day range. The cost uses the same forecast of ``flop_per_usd_tco`` (FLOP per USD over the
    whole cost of ownership, computed by :mod:`computegov.costs` at its default utilisation and
    rescaled to ``utilisation``).

    Args:
        flop: compute, FLOP (> 0).
        years: calendar years.
        chips: the catalogue (or any chips) to fit.
        days: wall-clock days to finish in (for ``chips_needed``).
        utilisation: point or (low, central, high); the central value is used.
        since: first release year fitted.
        chip_set: ``datacenter``, ``ml``, ``all`` or ``frontier`` (see ``computegov.trends``).
        scenario: forecast scenario name (``data/trend_scenarios.yaml``).
        rng: random generator (default: seeded 0, so that tables are reproducible).

    Raises:
        InputError: fewer than three chips to fit, a year before the data, bad flop / days.
        UnknownNameError: unknown chip set or scenario.
    """
    import numpy as np

    from computegov.trends import fit_trend, forecast

    _check_inputs(flop, days, None)
    util = Utilisation.of(utilisation) if utilisation is not None else DEFAULT_UTILISATION
    rng = rng if rng is not None else np.random.default_rng(0)
    pool = list(chips)
    wanted = [int(y) for y in years]
    first, last = FORECAST_YEARS
    if not wanted or len(wanted) > MAX_FORECAST_YEARS or not all(first <= y <= last for y in wanted):
        raise InputError(
            f"years: expected 1 to {MAX_FORECAST_YEARS} years within {first}-{last}, got "
            + (f"{min(wanted)}-{max(wanted)} ({len(wanted)} years)" if wanted else "none")
        )
    mid_years = [y + 0.5 for y in wanted]
    peak_fit = fit_trend(pool, "training_flop_per_s", chip_set, since=since, rng=rng)
    peaks = forecast(peak_fit, mid_years, scenario, rng=rng, n_paths=_YEAR_PATHS)
    levels = peaks.quantile_levels
    lo_i, mid_i, hi_i = levels.index(0.05), levels.index(0.5), levels.index(0.95)
    costs, cost_note, dollar_year = _cost_by_year(pool, mid_years, util, chip_set, since, scenario, rng)
    basis = (
        f"computegov.trends forecast ('{peaks.scenario}') of the dense training peak of {peak_fit.n} "
        f"'{chip_set}' chips released since {since}"
    )
    out = []
    for i, year in enumerate(wanted):
        peak, low, high = (float(peaks.quantiles[i, j]) for j in (mid_i, lo_i, hi_i))
        chip_days = flop / (peak * util.central) / S_PER_DAY
        cost = costs[i] if costs is not None else None
        out.append(
            YearEquivalent(
                year=year,
                flop=flop,
                peak_flop_per_s=peak,
                peak_flop_per_s_low=low,
                peak_flop_per_s_high=high,
                utilisation=util.central,
                chip_days=chip_days,
                chip_days_low=flop / (high * util.central) / S_PER_DAY,
                chip_days_high=flop / (low * util.central) / S_PER_DAY,
                chips_needed=chip_days / days if days else None,
                growth_per_year=float(peak_fit.growth_per_year),
                basis=basis,
                cost_usd=flop / cost[1] if cost else None,
                cost_usd_low=flop / cost[2] if cost else None,
                cost_usd_high=flop / cost[0] if cost else None,
                cost_dollar_year=dollar_year,
                cost_note=cost_note,
            )
        )
    return tuple(out)


def _cost_by_year(
    chips: list[Chip],
    mid_years: list[float],
    util: Utilisation,
    chip_set: str,
    since: int,
    scenario: str,
    rng: np.random.Generator,
) -> tuple[list[tuple[float, float, float]] | None, str, int | None]:
    """Forecast FLOP per USD of TCO (5th, 50th, 95th percentiles) by year, at ``util``."""
    from computegov.costs import TCO_DOLLAR_YEAR, default_cost_model
    from computegov.trends import fit_trend, forecast

    try:
        fit = fit_trend(chips, "flop_per_usd_tco", chip_set, since=since, rng=rng)
        fc = forecast(fit, mid_years, scenario, rng=rng, n_paths=_YEAR_PATHS)
    except ComputegovError as err:
        log.info("no cost by year: %s", err)
        return None, f"no cost by year: {err}", None
    scale = util.central / default_cost_model().utilisation.central  # FLOP/USD grow with MFU
    levels = fc.quantile_levels
    cols = (levels.index(0.05), levels.index(0.5), levels.index(0.95))
    rows = [tuple(float(fc.quantiles[i, j]) * scale for j in cols) for i in range(len(mid_years))]
    note = (
        f"cost = FLOP / forecast FLOP per USD of total cost of ownership ({fit.n} '{chip_set}' chips "
        f"with a price since {since}, computegov.costs at utilisation {util.central:g}), USD of {TCO_DOLLAR_YEAR}"
    )
    return [(r[0], r[1], r[2]) for r in rows], note, TCO_DOLLAR_YEAR


def with_flop_interval(row: Any, flop_low: float, flop_high: float) -> Any:
    """A :class:`FlopEquivalent` or :class:`YearEquivalent` whose ranges also span an uncertain FLOP figure.

    Chip-days and cost are proportional to the FLOP, so the low end is scaled by
    ``flop_low / flop`` and the high end by ``flop_high / flop`` (the FLOP and utilisation/peak
    uncertainties put at the same end: the widest range, comonotone).

    Raises:
        InputError: not ``0 < flop_low <= row.flop <= flop_high``.
    """
    if not (0 < flop_low <= row.flop <= flop_high and math.isfinite(flop_high)):
        raise InputError(f"expected 0 < flop_low <= flop <= flop_high, got {flop_low:g}, {row.flop:g}, {flop_high:g}")
    down, up = flop_low / row.flop, flop_high / row.flop
    changes: dict[str, Any] = {"chip_days_low": row.chip_days_low * down, "chip_days_high": row.chip_days_high * up}
    if row.cost_usd_low is not None and row.cost_usd_high is not None:
        changes.update(cost_usd_low=row.cost_usd_low * down, cost_usd_high=row.cost_usd_high * up)
    return dataclasses.replace(row, **changes)
