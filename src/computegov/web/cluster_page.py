"""The ``/clusters`` dashboard page: headline, stocks chart, calibrated forecast fan, exposure, supply calculator.

Four GET forms (stock date and set; what-if thresholds; supply parameters) share one page: each
form carries the others' current values as hidden fields. A bad value is shown beside its section
with the field's name and the page answers 422; the other sections still render.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from computegov.errors import ComputegovError

__all__ = ["FORM_FIELDS", "SIZES", "is_warm", "page", "reaching_rows", "start_warming", "warm"]

logger = logging.getLogger(__name__)

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


def _context(raw: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """The page's template context for the query ``raw``, and whether any value was bad."""
    from computegov.charts.base import chart_html
    from computegov.charts.clusters import leading_fan_chart, stock_chart
    from computegov.web import cluster_views as views

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
    return {
        "raw": raw, "result": result, "errors": errors, "error": errors.get("date") or errors.get("set"),
        "default_date": default_date, "stocks": stocks, "charts": charts or {}, "reaching": reaching,
        "p_years": P_YEARS, "hindcasts": hindcasts, "fan": fan, "exposure": exposure, "supply": supply,
        "keep": _keep(raw, fields),
        "parameters": PARAMETERS, "yield_options": [("", "(preset's)"), *((m, m) for m in YIELD_MODELS)],
        "preset_values": preset.params() if preset else {},
    }, bool(errors)


# Warm-up: the first load computes the stock tables, two calibrated forecasts and their hindcasts
# (about 7 s of CPU). ``computegov serve`` starts it in the background when the server starts, and a
# browser that opens a still-cold /clusters gets a short self-reloading note instead of a blank wait.
_WARM = threading.Event()
_WARM_LOCK = threading.Lock()
_warm_thread: threading.Thread | None = None
#: About how long the first load takes, s: 3.7 s of CPU, 7.7 s wall on the shared 2-core test machine
#: (measured 2026-12-07 with `cluster_page.warm()`); shown to the user as an estimate, not a limit.
FIRST_LOAD_S = 10


def warm() -> None:
    """Compute the default page once, filling the cluster views' caches; then mark the page warm.

    A failure is logged and still marks the page warm, so the page itself shows the error.
    """
    try:
        _context({})
    except Exception:  # pragma: no cover - shown by the page itself on the next request
        logger.exception("warming /clusters failed")
    finally:
        _WARM.set()


def start_warming() -> None:
    """Start :func:`warm` in a daemon thread, once per process."""
    global _warm_thread
    with _WARM_LOCK:
        if _warm_thread is None and not _WARM.is_set():
            _warm_thread = threading.Thread(target=warm, name="computegov-warm-clusters", daemon=True)
            _warm_thread.start()


def is_warm() -> bool:
    """Whether the default page's parts are computed in this process."""
    return _WARM.is_set()


def _is_navigation(request: Request) -> bool:
    """A browser loading the page (not a script or a test client asking for it)."""
    return request.headers.get("sec-fetch-mode") == "navigate" and "text/html" in request.headers.get("accept", "")


def page(request: Request) -> Response:
    """Render ``/clusters`` (422 when any given value is bad).

    While the page is still cold, a browser's navigation starts the warm-up (if the server did
    not) and gets a self-reloading "computing" note; scripts and API clients always wait for the page.
    """
    from computegov.web.pages import render

    raw = {k: v for k, v in request.query_params.items() if v}
    if not is_warm() and _is_navigation(request):
        start_warming()
        return render(request, "loading.html", 200, title="AI supercomputers", what="the AI-supercomputer "
                      "stocks and forecasts", expected_s=FIRST_LOAD_S, retry_s=3)
    context, bad = _context(raw)
    if not raw:
        _WARM.set()
    return render(request, "clusters.html", 422 if bad else 200, title="AI supercomputers", **context)
