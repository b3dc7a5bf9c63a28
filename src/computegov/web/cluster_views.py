"""The numbers behind the AI-supercomputer page and its JSON API, the same as the CLI's ``--json``.

Each ``*_view`` function takes the raw query values (strings or None), checks them (a bad value
raises :class:`~computegov.errors.InputError` whose message starts with the field name), and
calls the same public functions with the same arguments as the matching CLI command:

============================  ==========================================================
``stocks_view``               ``computegov clusters stocks --dates ... --json``
``forecast_view``             ``computegov clusters thresholds --json`` (one metric)
``exposure_view``             ``computegov clusters exposure --json``
``supply_view``               ``computegov supply estimate --json``
============================  ==========================================================

The slow parts (the table, the calibrated forecasts, their hindcasts) are cached per input.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from computegov.errors import InputError
from computegov.web.forms import Field, parse_value

__all__ = [
    "DEFAULT_TARGETS",
    "MAX_DATES",
    "MAX_SAMPLES",
    "defaults",
    "exposure_view",
    "forecast_view",
    "parse_float",
    "stocks_view",
    "summary",
    "supply_view",
]

#: Inclusive range of dates the table covers sensibly (systems start in 2012; snapshot in 2025).
FIRST_DATE, LAST_DATE = dt.date(2015, 1, 1), dt.date(2030, 12, 31)
#: Most stock dates in one request.
MAX_DATES = 40
#: Most Monte Carlo draws the web supply calculator runs (the CLI allows more).
MAX_SAMPLES = 100_000
#: Default size forecast per metric: 1e6 H100-equivalents, 1 GW.
DEFAULT_TARGETS: dict[str, float] = {"h100e": 1e6, "power_w": 1e9}
#: Metrics the forecast endpoint answers for.
FORECAST_METRICS = ("h100e", "power_w", "flop_per_s_16bit", "hardware_cost_usd", "chip_count")


def default_seed() -> int:
    """The CLI's and the report's seed (same seed, same numbers)."""
    from computegov.report.section import DEFAULT_SEED

    return DEFAULT_SEED


@functools.lru_cache(maxsize=16)
def summary(date: str, set_: str, seed: int) -> dict[str, Any]:
    """The headline for one (date, set, seed), cached: the bootstrap takes about a second.

    Raises:
        InputError: a malformed date or set, or a date outside 2015-2030.
    """
    from computegov.clusters.summary import headline

    day = parse_date(date)
    if set_ not in ("standard", "all"):
        raise InputError(f"set: expected 'standard' or 'all', got {set_!r}")
    return headline(date=day, set_=set_, seed=seed)


def defaults() -> tuple[str, int]:
    """(default stock date, default seed): the CLI's and the report's."""
    from computegov.clusters.summary import DEFAULT_DATE

    return DEFAULT_DATE.isoformat(), default_seed()


def parse_float(value: str | float | None, name: str, *, positive: bool = False,
                low: float | None = None, high: float | None = None) -> float | None:
    """A finite number from a query value (None or '' stays None), checked as a form field is.

    Raises:
        FieldErrors: not a number, NaN or infinite, or outside the bounds (named ``name``).
    """
    number: float | None = parse_value(Field(name, name, "float", low=0.0 if positive else low, high=high,
                                             low_open=positive), value)
    return number


def parse_date(value: str | None, name: str = "date", default: dt.date | None = None) -> dt.date:
    """A date from 2015 to 2030 (``default`` when empty)."""
    from computegov.clusters.summary import DEFAULT_DATE

    if value is None or not value.strip():
        return default or DEFAULT_DATE
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{name}: expected YYYY-MM-DD, got {value!r}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(f"{name}: expected a date from {FIRST_DATE} to {LAST_DATE}, got {day}")
    return day


def _choice(value: str | None, name: str, options: tuple[str, ...] | list[str], default: str) -> str:
    if value is None or not value.strip():
        return default
    if value not in options:
        raise InputError(f"{name}: expected one of {', '.join(options)}, got {value!r}")
    return value


def _countries(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


@functools.lru_cache(maxsize=1)
def _table() -> Any:
    from computegov.clusters import load_clusters

    return load_clusters()


@functools.lru_cache(maxsize=32)
def selected_systems(set_: str, countries: tuple[str, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(systems, filter steps) as the CLI's ``--set`` and ``--country`` select them."""
    from computegov.clusters import filter_systems

    return filter_systems(_table(), standard=set_ == "standard", countries=list(countries) or None)


def stock_dates(day: dt.date) -> tuple[dt.date, ...]:
    """The page chart's dates: each 1 January from 2016 to ``day``'s year, then ``day``."""
    return (*(dt.date(y, 1, 1) for y in range(2016, day.year + 1) if dt.date(y, 1, 1) < day), day)


def stocks_view(*, set_: str | None = None, date: str | None = None, dates: str | None = None,
                by: str | None = None, metric: str | None = None, country: str | None = None) -> dict[str, Any]:
    """Stocks by country/owner/sector on each date: ``clusters stocks [--dates] --json``.

    Raises:
        InputError: a bad set, date, grouping, metric or country, or more than :data:`MAX_DATES` dates.
    """
    from computegov.clusters import CLUSTERS_ATTRIBUTION

    if dates and dates.strip():
        parts = [d for d in dates.split(",") if d.strip()]
        if len(parts) > MAX_DATES:
            raise InputError(f"dates: at most {MAX_DATES} dates, got {len(parts)}")
        days = tuple(parse_date(d, "dates") for d in parts)
    else:
        days = (parse_date(date),)
    tables, steps = stock_tables(set_=set_, days=days, by=by, metric=metric, country=country)
    return {"filters": [s.to_dict() for s in steps], "stocks": [t.to_dict() for t in tables],
            "attribution": CLUSTERS_ATTRIBUTION}


def stock_tables(*, set_: str | None, days: tuple[dt.date, ...], by: str | None = None, metric: str | None = None,
                 country: str | None = None) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(stock tables, filter steps) for checked dates; the other values checked here."""
    from computegov.clusters import GROUPINGS, METRICS, stocks_over_time

    chosen = _choice(set_, "set", ("standard", "all"), "standard")
    group = _choice(by, "by", GROUPINGS, "country")
    measure = _choice(metric, "metric", tuple(METRICS), "h100e")
    systems, steps = selected_systems(chosen, _countries(country))
    return tuple(stocks_over_time(systems, list(days), by=group, metric=measure)), steps


@functools.lru_cache(maxsize=16)
def _fan(metric: str, set_: str, seed: int, method: str | None) -> Any:
    from computegov.clusters.reaching import leading_forecast

    return leading_forecast(selected_systems(set_, ())[0], metric, seed=seed, method=method)


@functools.lru_cache(maxsize=16)
def _hindcast(metric: str, set_: str, seed: int, method: str | None) -> Any:
    from computegov.clusters.reaching import hindcast_first_reaching

    return hindcast_first_reaching(selected_systems(set_, ())[0], metric, seed=seed, method=method)


def forecast_parts(metric: str, target: float, set_: str, seed: int,
                   method: str | None = None) -> tuple[Any, Any, Any]:
    """(record fan, first reaching, hindcast) objects, cached, for the page's chart and tables."""
    from computegov.clusters.reaching import first_reaching
    from computegov.trends.methods import METHODS

    if method is not None and method not in METHODS:
        raise InputError(f"method: unknown method {method!r}; choose one of {', '.join(METHODS)}")
    systems = selected_systems(set_, ())[0]
    planned = [s for s in _table() if s.status == "planned"]
    fan = _fan(metric, set_, seed, method)
    reach = first_reaching(systems, metric, target, seed=seed, planned_systems=planned, fan=fan)
    return fan, reach, _hindcast(metric, set_, seed, method)


def forecast_view(*, metric: str | None = None, target: str | float | None = None, set_: str | None = None,
                  seed: int | None = None, method: str | None = None) -> dict[str, Any]:
    """The leading-system record forecast and when it first reaches ``target``: ``clusters thresholds --json``.

    Raises:
        InputError: unknown metric, set or method, a target that is not a positive finite number.
    """
    from computegov.clusters import CLUSTERS_ATTRIBUTION

    measure = _choice(metric, "metric", FORECAST_METRICS, "h100e")
    size = parse_float(target, "target", positive=True)
    if size is None:
        if measure not in DEFAULT_TARGETS:
            raise InputError(f"target: give a size for {measure}")
        size = DEFAULT_TARGETS[measure]
    chosen = _choice(set_, "set", ("standard", "all"), "standard")
    fan, reach, check = forecast_parts(measure, size, chosen, default_seed() if seed is None else seed,
                                       method or None)
    return {"first_reaching": reach.to_dict(), "record_forecast": fan.to_dict(), "hindcast": check.to_dict(),
            "attribution": CLUSTERS_ATTRIBUTION}


def exposure_view(*, set_: str | None = None, date: str | None = None, metric: str | None = None,
                  whatif_tpp: str | float | None = None, whatif_pd: str | float | None = None,
                  country: str | None = None) -> dict[str, Any]:
    """Export-control exposure by country: ``clusters exposure [--whatif-tpp --whatif-pd] --json``.

    Raises:
        InputError: a bad set, date, metric or country; a what-if threshold that is not positive
            and finite; a performance density without a TPP.
    """
    from computegov.clusters import CLUSTERS_ATTRIBUTION, METRICS, WhatIfThreshold, exposure

    chosen = _choice(set_, "set", ("standard", "all"), "standard")
    measure = _choice(metric, "metric", tuple(METRICS), "h100e")
    tpp = parse_float(whatif_tpp, "whatif_tpp", positive=True)
    pd_ = parse_float(whatif_pd, "whatif_pd", positive=True)
    if pd_ is not None and tpp is None:
        raise InputError("whatif_pd: give whatif_tpp too")
    day = parse_date(date)
    systems, steps = selected_systems(chosen, _countries(country))
    wi = WhatIfThreshold(tpp, pd_) if tpp is not None else None
    ex = exposure(systems, day, metric=measure, whatif=wi)
    return {**ex.to_dict(), "filters": [s.to_dict() for s in steps], "attribution": CLUSTERS_ATTRIBUTION}


def supply_view(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accelerators per year with its interval and binding stage: ``supply estimate --json``.

    ``raw`` holds ``preset``, ``yield_model``, ``samples``, ``seed`` and any parameter of
    :data:`computegov.supply.PARAMETERS` (overrides).

    Raises:
        InputError: unknown preset or yield model; a parameter that is not a finite number or is
            out of its domain; samples outside 100 to :data:`MAX_SAMPLES`.
    """
    import numpy as np

    from computegov.supply import PARAMETERS, PRESETS, YIELD_MODELS, get_preset, simulate

    preset = _choice(raw.get("preset"), "preset", tuple(PRESETS), "tsmc-n4-reticle")
    model = raw.get("yield_model") or None
    if model is not None:
        model = _choice(model, "yield_model", tuple(YIELD_MODELS), "")
    overrides = {key: parse_float(raw.get(key), key, low=0.0) for key in PARAMETERS}
    samples = parse_value(Field("samples", "samples", "int", default=10_000, low=100, high=MAX_SAMPLES),
                          raw.get("samples"))
    seed = parse_value(Field("seed", "seed", "int", default=default_seed(), low=0, high=2**63 - 1), raw.get("seed"))
    params = get_preset(preset).override(yield_model=model, **overrides)
    sim = simulate(params, rng=np.random.default_rng(seed), n_samples=samples)
    return sim.to_dict()
