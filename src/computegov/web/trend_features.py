"""The trends adapters of the web, shared by API and pages.

Fit and forecast (with the record by the best calibrated method and its hindcast coverage), and
the probability questions.

Split from :mod:`computegov.web.features` (which re-exports these names) to keep each module
small.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from computegov.web.forms import Field, Form, parse_form
from computegov.web.views import jsonsafe

__all__ = ["add_trend_routes", "trend_forecast", "trends_form", "trends_prob"]


#: The library function whose presence means this build has trends (as in ``features``).
_TRENDS = ("computegov.trends", "fit_trend")


def _feature(name: str) -> Any | None:
    """The trends package, or None when this build lacks it (``name`` is always "trends")."""
    try:
        module = importlib.import_module(_TRENDS[0])
    except ImportError:
        return None
    return module if hasattr(module, _TRENDS[1]) else None


def _require(name: str) -> Any:
    module = _feature(name)
    if module is None:
        raise HTTPException(501, f"not available in this build ({_TRENDS[0]}.{_TRENDS[1]} is missing)")
    return module


def trends_form() -> Form:
    """The trend fit and forecast fields (metrics, chip sets and scenarios from the library)."""
    module = _feature("trends")
    metrics = tuple(module.METRICS) if module else ("training_flop_per_s",)
    chip_sets = tuple(module.CHIP_SETS) if module else ("ml",)
    scenarios = tuple(module.load_scenarios()) if module else ("trend",)
    methods = tuple(module.METHODS) if module else ()
    return Form(
        id="trends",
        fields=(
            Field("metric", "Metric", "choice", choices=metrics, default="training_flop_per_s",
                  help="what to trend (unit in the name)"),
            Field("chip_set", "Chips", "choice", choices=chip_sets, default="ml",
                  help="all, ML accelerators, datacenter, or record-setting (frontier)"),
            Field("manufacturer", "Manufacturer", help="only this maker (optional)", placeholder="NVIDIA"),
            Field("since", "Released from", "int", low=1950, high=2100, help="year (optional)"),
            Field("until", "Released until", "int", low=1950, high=2100, help="year (optional)"),
            Field("scenario", "Forecast scenario", "choice", choices=("all", *scenarios), default="all"),
            Field("to_year", "Forecast to", "int", low=2000, high=2100, default=2030, help="year"),
            Field("method", "Record forecast method", "choice", choices=("best", "none", *methods),
                  default="best", help="best: the best calibrated method in hindcasts (by 90 % interval score)"),
            Field("above", "P(record above)", "quantity", low=0, help="metric units, e.g. 1e15 (optional)"),
            Field("seed", "Random seed", "int", low=0, high=2**31 - 1, default=0,
                  help="bootstrap and Monte Carlo draws (same seed, same numbers)"),
        ),
    )


def trend_forecast(raw: Mapping[str, Any], catalog: Any) -> tuple[dict[str, Any], Any, list[Any]]:
    """``trends.fit_trend`` then ``trends.forecast`` per scenario, yearly to ``to_year``.

    Returns:
        The JSON-ready result, the TrendFit and the Forecasts (for the charts).

    Raises:
        FieldErrors: a field cannot be parsed.
        InputError: too few chips with the metric, years before the data...
    """
    trends = _require("trends")
    import numpy as np

    from computegov.errors import InputError

    values = parse_form(trends_form(), raw)
    if values["since"] is not None and values["until"] is not None and values["since"] > values["until"]:
        from computegov.web.forms import FieldErrors

        raise FieldErrors({"until": "must not be before 'Released from'"})
    rng = np.random.default_rng(values["seed"])
    fit = trends.fit_trend(
        catalog, values["metric"], values["chip_set"], manufacturer=values["manufacturer"] or None,
        since=values["since"], until=values["until"], rng=rng,
    )
    first = int(np.floor(fit.year_max)) + 1
    last = max(values["to_year"], first)
    years = list(range(first, last + 1))
    if values["scenario"] == "all":
        names = [s.name for s in trends.scenarios_for(fit.metric)]
    else:
        names = [values["scenario"]]
    forecasts = []
    skipped: dict[str, str] = {}
    for name in names:
        try:
            forecasts.append(trends.forecast(fit, years, name, rng=rng, n_paths=20_000))
        except InputError as err:
            skipped[name] = str(err)
    if not forecasts and skipped:
        raise InputError("; ".join(f"{k}: {v}" for k, v in skipped.items()))
    try:
        record, probability = _record_part(values, catalog, years[1:])
    except InputError as err:
        if (values.get("method") or "best") != "best":
            raise
        record, probability = None, None
        skipped["record forecast"] = str(err)
    if record is not None:
        forecasts.insert(0, record.as_forecast())
    return jsonsafe({
        "fit": fit.to_dict(),
        "forecasts": [f.to_dict() for f in forecasts],
        "skipped_scenarios": skipped,
        "record_forecast": record.to_dict() if record is not None else None,
        "probability": probability,
    }), fit, forecasts


def _record_part(values: Mapping[str, Any], catalog: Any, years: list[int]) -> tuple[Any, Any]:
    """The record forecast by the chosen method (and P(record above) when asked), or (None, None)."""
    method = values.get("method") or "best"
    if method == "none" or not years:
        return None, None
    from computegov.trends.record import record_forecast

    record = record_forecast(
        catalog, values["metric"], values["chip_set"], method=None if method == "best" else method,
        years=years, seed=values["seed"], manufacturer=values["manufacturer"] or None,
        since=values["since"], until=values["until"],
    )
    above = values.get("above")
    if not above:
        return record, None
    return record, {
        "above": above,
        "unit": record.unit,
        "by_year": [{"year": y, "probability": float(p)} for y, p in zip(record.years, record.prob_above(above), strict=True)],
        "coverage_note": record.coverage_note,
    }


def trends_prob(raw: Mapping[str, Any], catalog: Any) -> dict[str, Any]:
    """``trends.record.prob_exceeds`` or ``prob_overtakes`` from query parameters.

    Raises:
        FieldErrors: a field cannot be parsed.
        InputError: neither or both questions, years out of range, too few chips.
    """
    _require("trends")
    from computegov.errors import InputError
    from computegov.trends.record import prob_exceeds, prob_overtakes
    from computegov.web.forms import FieldErrors

    values = parse_form(trends_form(), {k: v for k, v in raw.items() if k in {f.name for f in trends_form().fields}})
    try:
        years = [int(y) for y in str(raw.get("years") or values["to_year"]).split(",") if y.strip()]
    except ValueError as err:
        raise FieldErrors({"years": "comma-separated years, e.g. 2028,2030"}) from err
    options = {"method": None if values["method"] in (None, "best", "none") else values["method"],
               "seed": values["seed"], "since": values["since"], "until": values["until"]}
    a, b = raw.get("group_a"), raw.get("group_b")
    if values["above"] and not (a or b):
        answer = prob_exceeds(catalog, values["metric"], values["above"], years, values["chip_set"], **options)
    elif a and b and not values["above"]:
        answer = prob_overtakes(catalog, values["metric"], str(a), str(b), years, values["chip_set"], **options)
    else:
        raise InputError("ask one question: above=VALUE, or group_a=... and group_b=... (e.g. !NVIDIA and NVIDIA)")
    return jsonsafe(answer.to_dict())


def add_trend_routes(router: APIRouter) -> None:
    """Add ``/trends/forecast`` and ``/trends/prob`` to the API router."""
    @router.get("/trends/forecast", tags=["trends"], responses={
        422: {"description": "invalid input"}, 501: {"description": "not in this build"}})
    def trends_forecast(
        request: Request,
        metric: str = Query("training_flop_per_s", max_length=60),
        chip_set: str = Query("ml", max_length=20),
        manufacturer: str | None = Query(None, max_length=100),
        since: str | None = Query(None, max_length=10),
        until: str | None = Query(None, max_length=10),
        scenario: str = Query("all", max_length=40),
        to_year: str | None = Query(None, max_length=10),
        seed: str | None = Query(None, max_length=12),
    ) -> dict[str, Any]:
        """Trend fit, the record by the best calibrated method (with its hindcast coverage), scenarios."""
        result, _fit, _forecasts = trend_forecast(dict(request.query_params), request.app.state.catalog_loader())
        return result

    @router.get("/trends/prob", tags=["trends"], responses={
        422: {"description": "invalid input"}, 501: {"description": "not in this build"}})
    def trends_probability(
        request: Request,
        metric: str = Query("training_flop_per_s", max_length=60),
        chip_set: str = Query("ml", max_length=20),
        above: str | None = Query(None, max_length=40),
        group_a: str | None = Query(None, max_length=100),
        group_b: str | None = Query(None, max_length=100),
        years: str | None = Query(None, max_length=200),
        method: str | None = Query(None, max_length=40),
        seed: str | None = Query(None, max_length=12),
    ) -> dict[str, Any]:
        """P(record > above) or P(group_a's record > group_b's) on 1 January of each year, with coverage."""
        return trends_prob(dict(request.query_params), request.app.state.catalog_loader())
