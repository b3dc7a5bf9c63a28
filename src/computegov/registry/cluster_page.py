"""The ``/clusters`` dashboard page: headline, stocks chart, calibrated forecast fan, exposure, supply calculator.

Four GET forms (stock date and set; what-if thresholds; supply parameters) share one page: each
form carries the others' current values as hidden fields. A bad value is shown beside its section
with the field's name and the page answers 422; the other sections still render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from computegov.errors import ComputegovError

__all__ = ["FORM_FIELDS", "SIZES", "page", "reaching_rows"]

#: The sizes the page forecasts: (metric, target, label).
SIZES: tuple[tuple[str, float, str], ...] = (("h100e", 1e6, "1e6 H100e"), ("power_w", 1e9, "1 GW"))
#: Years whose P(reached by the end) the page tabulates.
P_YEARS = (2027, 2028, 2030, 2035)


def _supply_fields() -> tuple[str, ...]:
    from computegov.supply import PARAMETERS

    return ("preset", "yield_model", "samples", *PARAMETERS)


#: Query fields of each form on the page.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "main": ("date", "set"),
    "exposure": ("whatif_tpp", "whatif_pd"),
}


def _fields() -> dict[str, tuple[str, ...]]:
    return {**FORM_FIELDS, "supply": _supply_fields()}


def _keep(raw: Mapping[str, str], fields: Mapping[str, tuple[str, ...]]) -> dict[str, list[tuple[str, str]]]:
    """For each form, the other forms' current values (carried as hidden fields)."""
    return {form: [(k, v) for k, v in raw.items() if k not in own and any(k in f for f in fields.values())]
            for form, own in fields.items()}


def _field_of(message: str, known: tuple[str, ...]) -> str | None:
    head = message.split(":", 1)[0].strip()
    return head if head in known else None


def _year(value: float | None, last: int | None) -> str:
    return f"{value:.1f}" if value is not None else f"after {last}"


def reaching_rows(items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Table rows of the first-reaching forecasts: median date, 90 % interval, P by year, method."""
    rows = []
    for label, reach in items:
        if reach.reached_by:
            rows.append({"label": label, "median": f"reached: {reach.reached_by} ({reach.reached_on})",
                         "interval": "", "p": ["100%" for _ in P_YEARS], "method": "", "coverage": ""})
            continue
        last = reach.by_year[-1][0] if reach.by_year else None
        lo, hi = reach.interval or (None, None)
        probs = [reach.p_reached_by(y) for y in P_YEARS]
        cov = reach.method_hindcast_coverage_90
        rows.append({
            "label": label, "median": _year(reach.expected_year, last),
            "interval": f"{_year(lo, last)} to {_year(hi, last)}",
            "p": ["-" if p is None else f"{p:.0%}" for p in probs], "method": reach.forecast_method or "",
            "coverage": "-" if cov is None else f"{cov:.0%} of {reach.method_hindcast_n}",
        })
    return rows


def _section(errors: dict[str, str], name: str, known: tuple[str, ...], compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except ComputegovError as err:
        message = str(err)
        errors[_field_of(message, known) or name] = message
        return None


def page(request: Request) -> Response:
    """Render ``/clusters`` (422 when any given value is bad)."""
    from computegov.charts.base import chart_html
    from computegov.charts.clusters import leading_fan_chart, stock_chart
    from computegov.registry import cluster_views as views
    from computegov.registry.pages import render

    raw = {k: v for k, v in request.query_params.items() if v}
    fields = _fields()
    known = tuple(f for group in fields.values() for f in group)
    default_date, seed = views.defaults()
    errors: dict[str, str] = {}
    set_ = raw.get("set", "standard")
    result = _section(errors, "date", known, lambda: views.summary(raw.get("date", default_date), set_, seed))
    stocks = charts = None
    if result is not None:
        day = views.parse_date(raw.get("date"))
        tables, _ = views.stock_tables(set_=set_, days=views.stock_dates(day))
        stocks = tables[-1]
        charts = {"stocks": Markup(chart_html(stock_chart(tables, title="Compute stock by country (H100-equivalents)"),
                                              "clusters-stocks-chart"))}
        parts = {m: views.forecast_parts(m, target, set_, seed) for m, target, _ in SIZES}
        fan = parts["h100e"][0]
        charts["fan"] = Markup(chart_html(
            leading_fan_chart(fan, views.selected_systems(set_, ())[0], target=1e6,
                              title="Largest AI supercomputer (H100e): calibrated forecast"), "clusters-fan-chart"))
        reaching = reaching_rows([(label, parts[m][1]) for m, _, label in SIZES])
        hindcasts = [parts[m][2] for m, _, _ in SIZES]
    else:
        reaching, hindcasts, fan = [], [], None
    exposure = _section(errors, "exposure", known, lambda: views.exposure_view(
        set_=set_, date=raw.get("date"), whatif_tpp=raw.get("whatif_tpp"), whatif_pd=raw.get("whatif_pd")))
    supply = _section(errors, "supply", known, lambda: views.supply_view(raw))
    from computegov.supply import PARAMETERS, PRESETS, YIELD_MODELS

    preset = PRESETS.get(raw.get("preset", "tsmc-n4-reticle"))
    return render(
        request, "clusters.html", 422 if errors else 200, title="AI supercomputers",
        raw=raw, result=result, errors=errors, error=errors.get("date") or errors.get("set"),
        default_date=default_date, stocks=stocks, charts=charts or {}, reaching=reaching, p_years=P_YEARS,
        hindcasts=hindcasts, fan=fan, exposure=exposure, supply=supply, keep=_keep(raw, fields),
        parameters=PARAMETERS, yield_options=[("", "(preset's)"), *((m, m) for m in YIELD_MODELS)],
        preset_values=preset.params() if preset else {},
    )
