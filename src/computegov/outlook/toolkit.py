"""The ``toolkit`` preset: the outlook's inputs as computegov's own rooms answer them.

Nothing is fitted or forecast here; each derived input calls the room that owns it:

* ``power_w`` (and its growth): :func:`computegov.clusters.reaching.leading_forecast` of the
  largest operational AI supercomputer's power (Epoch's standard systems), calibrated record fan;
* ``flop_per_j``, ``flop_per_s_per_accelerator`` (NVIDIA packages), ``flop_per_usd``:
  :func:`computegov.trends.record.forecast_series`, the calibrated record forecasts of the
  catalogue's ML accelerators (``flop_per_usd_tco``: useful FLOP per USD of ownership,
  :func:`computegov.costs.tco.tco_flop_per_usd`);
* ``facility_overhead``: PUE x server power overhead from the cost assumptions
  (:func:`computegov.costs.default_assumptions`);
* ``utilisation``: :func:`computegov.planning.utilisation.kernel_mfu_for` of the H100;
* ``duration_s``: the training time of the ten largest notable models of the three years before
  the origin (:func:`computegov.compute.trend.load_notable_models`);
* ``accelerators_per_year``: :func:`computegov.supply.capacity.simulate` of the TSMC N4 reticle
  preset with two logic dies per package (Blackwell-class).

A fan is the record at 1 January of the year after each outlook year (what exists by the end of
that year). With ``origin`` the rooms see only data before 1 January of that year (hindcasts);
supply, utilisation evidence and cost assumptions have no dated history and stay as today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from computegov.errors import ComputegovError, InputError
from computegov.outlook.inputs import Z90, Fan, Input
from computegov.outlook.presets import Preset, load_preset
from computegov.units import S_PER_HOUR

if TYPE_CHECKING:
    from computegov.catalog import Chip
    from computegov.clusters.table import ClusterSystem
    from computegov.trends.record import RecordForecast

__all__ = ["ToolkitSources", "toolkit_preset"]

logger = logging.getLogger(__name__)

#: Least spread of the run-length interval either side of the median (estimate: few runs report a time).
DURATION_SPREAD = 2.0

#: Method used when the calibrated choice cannot be made (too little history before an origin).
FALLBACK_METHOD = "random_walk_drift"


@dataclasses.dataclass(frozen=True)
class ToolkitSources:
    """What the toolkit preset reads (defaults: the bundled data).

    Attributes:
        chips: catalogue chips (None: the bundled catalogue).
        systems: AI supercomputers (None: Epoch's standard set from the bundled table).
        n_samples: members per record forecast.
        n_boot: bootstrap resamples per log-linear fit.
        seed: seeds the record forecasts and the supply simulation.
    """

    chips: tuple[Chip, ...] | None = None
    systems: tuple[ClusterSystem, ...] | None = None
    n_samples: int = 600
    n_boot: int = 150
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class _Record:
    """Quantiles of a record at 1 January after each outlook year: observed where the data reach, else forecast."""

    levels: tuple[float, ...]
    rows: tuple[tuple[float, ...], ...]
    note: str


#: Levels of an all-observed record (no forecast to take them from).
_OBSERVED_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def _record(x: npt.NDArray[np.float64], v: npt.NDArray[np.float64], years: Sequence[int], origin: int | None,
            forecast: Callable[[list[int]], RecordForecast]) -> _Record:
    """The record at 1 January of each ``year + 1``: the data's own record up to the origin, the fan after it."""
    start = origin if origin is not None else math.floor(float(x.max())) + 1
    targets = [y + 1 for y in years]
    future = [t for t in targets if t > start]
    fan = forecast(future) if future else None
    levels = tuple(float(q) for q in fan.quantile_levels) if fan is not None else _OBSERVED_LEVELS
    rows = []
    for t in targets:
        if fan is not None and t > start:
            rows.append(tuple(float(q) for q in fan.quantiles[future.index(t)]))
            continue
        before = v[x < t]
        if before.size == 0:
            raise InputError(f"no data point before {t} to read the record from")
        rows.append((float(before.max()),) * len(levels))
    parts = [] if fan is None else [f"{fan.method}, origin {fan.origin}; {fan.coverage_note}"]
    if len(future) < len(targets):
        parts.append(f"1 January {targets[0]}-{start}: the observed record (the data reach it)")
    return _Record(levels, tuple(rows), "; ".join(parts))


def _fan_input(base: Input, growth: Input, record: _Record, years: Sequence[int], how: str
               ) -> tuple[Input, Input]:
    """The level input carrying the fan (and its first year as the override point) and its growth."""
    rows, levels = record.rows, record.levels
    mid, lo, hi = levels.index(0.5), 0, len(levels) - 1
    method = f"{how}: {record.note}"
    first, last = rows[0], rows[-1]
    span = max(len(years) - 1, 1)
    g = (last[mid] / first[mid]) ** (1 / span) if len(years) > 1 else growth.value
    sd_first = math.log10(first[hi] / first[lo]) / (2 * Z90)
    sd_last = math.log10(last[hi] / last[lo]) / (2 * Z90)
    g_sd = math.sqrt(max(sd_last**2 - sd_first**2, 0.0)) / span
    g = max(g, 1e-3)
    level = dataclasses.replace(
        base, value=first[mid], low=first[lo] if first[hi] > first[lo] else None,
        high=first[hi] if first[hi] > first[lo] else None,
        at_year=years[0], fan=Fan(tuple(years), levels, rows, method), derived_from=how, estimate=False,
        source=f"{how} ({record.note}); quantiles of the record at 1 January of the year after each year",
    )
    grown = dataclasses.replace(
        growth, value=g, low=g * 10 ** (-Z90 * g_sd), high=g * 10 ** (Z90 * g_sd), derived_from=how,
        estimate=False, source=f"{how}: median growth of the fan {years[0]}-{years[-1]}, interval from its widening "
                               "(used only when the level or its growth is overridden)",
    )
    return level, grown


def _chip_fan(chips: Sequence[Chip], metric: str, years: Sequence[int], origin: int | None, src: ToolkitSources,
              manufacturer: str | None = None) -> _Record:
    from computegov.trends.chipsets import metric_points
    from computegov.trends.record import forecast_series

    until = None if origin is None else dt.date(origin - 1, 12, 31)
    points = metric_points(chips, metric, "ml", manufacturer=manufacturer, until=until)
    label = "ml" + (f", {manufacturer}" if manufacturer else "")

    def forecast(targets: list[int]) -> RecordForecast:
        for method in (None, FALLBACK_METHOD):
            try:
                fan, _ = forecast_series(points.years, points.values, metric=points.metric.name,
                                         unit=points.metric.unit, chip_set=label, method=method, to_years=targets,
                                         seed=src.seed, n_samples=src.n_samples, n_boot=src.n_boot, origin=origin)
                return fan
            except ComputegovError as err:
                if method is not None:
                    raise
                logger.info("outlook toolkit: %s uncalibrated (%s)", metric, err)
        raise AssertionError("unreachable")

    x, v = np.asarray(points.years, dtype=float), np.asarray(points.values, dtype=float)
    return _record(x, v, years, origin, forecast)


def _duration(origin: int | None, base: Input) -> Input:
    from computegov.compute.trend import load_notable_models

    df = load_notable_models()
    end = float(origin) if origin is not None else math.floor(float(df["year"].max()))
    recent = df[(df["year"] >= end - 3) & (df["year"] < end) & (df["training_compute_flop"] > 0)]
    top = recent.nlargest(10, "training_compute_flop")
    hours = top["training_time_hours"].dropna().to_numpy(float)
    hours = hours[hours > 0]
    if hours.size < 3:
        raise InputError(f"fewer than 3 of the largest models of {end - 3:.0f}-{end:.0f} report a training time")
    q05, q50, q95 = (float(x) * S_PER_HOUR for x in np.quantile(hours, [0.05, 0.5, 0.95]))
    return dataclasses.replace(
        base, value=q50, low=min(q05, q50 / DURATION_SPREAD), high=max(q95, q50 * DURATION_SPREAD), estimate=False,
        derived_from="compute.load_notable_models(training_time_hours)",
        source=f"Epoch AI notable models (bundled snapshot): median training time of the {hours.size} of the ten "
               f"largest models of {end - 3:.0f}-{end:.0f} that report one; the 90 % interval is their 5th-95th "
               f"percentiles widened to at least /{DURATION_SPREAD:g} and x{DURATION_SPREAD:g} (estimate: a handful "
               "of runs says little about the next one)",
    )


def _overhead(base: Input) -> Input:
    from computegov.costs import default_assumptions

    costs = default_assumptions().costs
    pue, server = costs["pue"].value, costs["server_power_overhead"].value
    return dataclasses.replace(
        base, value=pue.central * server.central, low=pue.low * server.low, high=pue.high * server.high,
        estimate=False, derived_from="costs.default_assumptions(pue x server_power_overhead)",
        source=f"PUE ({pue.low:g}-{pue.high:g}, central {pue.central:g}) x server power per accelerator TDP "
               f"({server.low:g}-{server.high:g}, central {server.central:g}) from the cost assumptions; their ranges "
               "read as 90 % intervals",
    )


def _utilisation(chips: Sequence[Chip], base: Input) -> Input:
    from computegov.planning.utilisation import kernel_mfu_for

    h100 = next((c for c in chips if "h100" in c.name.lower() and "sxm" in c.name.lower()), None)
    if h100 is None:
        raise InputError("no H100 SXM in the catalogue")
    mfu = kernel_mfu_for(h100)
    v = mfu.value
    return dataclasses.replace(
        base, value=v.central, low=min(v.low, v.central), high=max(v.high, v.central), estimate=False,
        derived_from="planning.kernel_mfu_for(H100 SXM)",
        source=f"{mfu.note} (kernel-level MFU: at-scale runs lose more to communication and failures)",
    )


def _accelerators(base: Input, seed: int) -> Input:
    from computegov.supply import get_preset, simulate

    params = get_preset("tsmc-n4-reticle").override(dies_per_package=2.0)
    sim = simulate(params, rng=np.random.default_rng(seed), n_samples=2000, quantiles=(0.05, 0.5, 0.95))
    q = sim.quantiles
    return dataclasses.replace(
        base, value=q["0.5"], low=min(q["0.05"], q["0.5"]), high=max(q["0.95"], q["0.5"]), estimate=False,
        derived_from="supply.simulate(tsmc-n4-reticle, dies_per_package=2)",
        source=f"supply model, TSMC N4 reticle preset with two dies per package: {q['0.5']:,.0f} packages/yr "
               f"(5-95 %: {q['0.05']:,.0f}-{q['0.95']:,.0f}), bound by {sim.central.binding} at 2025-26 capacity",
    )


def toolkit_preset(years: Sequence[int], *, origin: int | None = None,
                   sources: ToolkitSources | None = None) -> Preset:
    """The ``toolkit`` preset for ``years``, every derivable input computed by its room.

    Args:
        years: the outlook years (each after the data: the fans forecast the record at 1 January
            of the following year).
        origin: use only data before 1 January of this year (None: all bundled data).
        sources: chips, systems, ensemble sizes and seed (None: bundled data, defaults).

    Returns:
        The preset; an input whose room could not answer keeps its static fallback and says so in
        its ``source`` (logged as a warning).

    Raises:
        InputError: no year.
    """
    src = sources or ToolkitSources()
    ys = tuple(sorted({int(y) for y in years}))
    if not ys:
        raise InputError("give at least one outlook year")
    if src.chips is None and src.systems is None:
        # bundled data only: the same arguments give the same preset (frozen), so one process derives it once
        return _bundled_toolkit(ys, origin, src.n_samples, src.n_boot, src.seed)
    return _derive(ys, origin, src)


@functools.lru_cache(maxsize=16)
def _bundled_toolkit(years: tuple[int, ...], origin: int | None, n_samples: int, n_boot: int, seed: int) -> Preset:
    return _derive(years, origin, ToolkitSources(n_samples=n_samples, n_boot=n_boot, seed=seed))


def _derive(ys: Sequence[int], origin: int | None, src: ToolkitSources) -> Preset:
    """Every derivable input from its room (see :func:`toolkit_preset`)."""
    base = load_preset("toolkit")
    inputs = base.input_map()
    chips = list(src.chips) if src.chips is not None else list(_catalog())
    new: list[Input] = []

    def attempt(name: str, call: Callable[[], Any]) -> None:
        try:
            got = call()
        except ComputegovError as err:
            logger.warning("outlook toolkit: %s keeps its fallback (%s)", name, err)
            fallback = inputs[name]
            new.append(dataclasses.replace(fallback, source=f"{fallback.source} [fallback: {err}]"))
            return
        new.extend(got if isinstance(got, tuple) else (got,))

    def fan_pair(level: str, how: str, make: Callable[[], _Record]) -> tuple[Input, Input]:
        growth = inputs[level].growth
        assert growth is not None
        return _fan_input(inputs[level], inputs[growth], make(), ys, how)

    def power() -> tuple[Input, Input]:
        try:
            return fan_pair("power_w", "clusters.leading_forecast(power_w)", lambda: _power_fan(ys, origin, src))
        except ComputegovError as err:
            # Too little history before an early origin to backtest the record methods: the leading
            # systems' log-linear trend (clusters.fit_leading) from the record at the origin instead.
            logger.info("outlook toolkit: power_w from the leading-systems trend (%s)", err)
            return _power_trend(inputs["power_w"], inputs["power_w_growth"], origin, src)

    attempt("power_w", power)
    attempt("flop_per_j", lambda: fan_pair("flop_per_j", "trends.forecast_series(flop_per_j, ml)",
                                            lambda: _chip_fan(chips, "flop_per_j", ys, origin, src)))
    attempt("flop_per_s_per_accelerator", lambda: fan_pair(
        "flop_per_s_per_accelerator", "trends.forecast_series(training_flop_per_s, ml, NVIDIA)",
        lambda: _chip_fan(chips, "training_flop_per_s", ys, origin, src, manufacturer="nvidia")))
    attempt("flop_per_usd", lambda: fan_pair("flop_per_usd", "trends.forecast_series(flop_per_usd_tco, ml)",
                                              lambda: _chip_fan(chips, "flop_per_usd_tco", ys, origin, src)))
    attempt("facility_overhead", lambda: _overhead(inputs["facility_overhead"]))
    attempt("utilisation", lambda: _utilisation(chips, inputs["utilisation"]))
    attempt("duration_s", lambda: _duration(origin, inputs["duration_s"]))
    attempt("accelerators_per_year", lambda: _accelerators(inputs["accelerators_per_year"], src.seed))
    preset = base.with_inputs([])
    # with_inputs drops fans when a growth is replaced; here the growth comes with its fan, so set directly.
    current = preset.input_map()
    current.update({i.name: i for i in new})
    title = base.title + (f", data before {origin}" if origin is not None else "")
    return dataclasses.replace(preset, inputs=tuple(current[i.name] for i in base.inputs), title=title)


def _catalog() -> Any:
    from computegov.catalog import load_catalog

    return load_catalog()


def _power_fan(years: Sequence[int], origin: int | None, src: ToolkitSources) -> _Record:
    from computegov.clusters.reaching import leading_forecast, record_points

    systems = _systems(src)
    x, v = record_points(systems, "power_w", before=None if origin is None else dt.date(origin, 1, 1))
    if x.size == 0:
        raise InputError("no AI supercomputer with a power figure before the origin")

    def forecast(targets: list[int]) -> RecordForecast:
        return leading_forecast(systems, "power_w", origin=origin, years=targets, seed=src.seed,
                                n_samples=src.n_samples, n_boot=src.n_boot)

    return _record(x, v, years, origin, forecast)


def _power_trend(level: Input, growth: Input, origin: int | None, src: ToolkitSources) -> tuple[Input, Input]:
    """Record power before the origin, grown by the leading systems' fitted trend (no fan)."""
    from computegov.clusters.leading import fit_leading
    from computegov.clusters.reaching import record_points

    systems = _systems(src)
    before = dt.date(origin, 1, 1) if origin is not None else None
    x, v = record_points(systems, "power_w", before=before)
    if x.size == 0:
        raise InputError("no AI supercomputer with a power figure before the origin")
    trend = fit_leading(systems, "power_w", since=dt.date(2010, 1, 1),
                        until=None if before is None else before - dt.timedelta(days=1),
                        rng=np.random.default_rng(src.seed), n_boot=max(src.n_boot, 200), confidence=0.90)
    g, (g_lo, g_hi) = trend.fit.growth_per_year, trend.fit.growth_per_year_ci
    at = math.floor(float(x.max()))
    how = "clusters.fit_leading(power_w, top-10 since 2010)"
    new_level = dataclasses.replace(
        level, value=float(v.max()), low=None, high=None, at_year=at, fan=None, derived_from=how, estimate=False,
        source=f"largest AI supercomputer power operational before {origin}: {v.max() / 1e6:.3g} MW "
               f"(first operational {x.max():.1f}), grown by the leading systems' trend",
    )
    new_growth = dataclasses.replace(
        growth, value=g, low=min(g_lo, g), high=max(g_hi, g), derived_from=how, estimate=False,
        source=f"{how}: x{g:.2f}/yr (90 % bootstrap interval {g_lo:.2f}-{g_hi:.2f}, n = {trend.fit.n})",
    )
    return new_level, new_growth


def _systems(src: ToolkitSources) -> tuple[ClusterSystem, ...]:
    if src.systems is not None:
        return src.systems
    from computegov.clusters import filter_systems, load_clusters

    systems, _ = filter_systems(load_clusters().systems, standard=True)
    return tuple(systems)
