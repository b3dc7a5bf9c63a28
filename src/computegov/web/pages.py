"""Server-rendered pages (Jinja2): they work with JavaScript off; only the charts need it.

Every page reads its query string as raw text and validates it itself, so a bad value shows a
message next to its field instead of an error page. Forms use GET, so every result has a URL.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from computegov.compute.measured import measured_threshold_positions
from computegov.costs.money import format_usd
from computegov.errors import ComputegovError, UnknownNameError
from computegov.registry.store import Store
from computegov.web import features
from computegov.web.forms import FieldErrors
from computegov.web.page_format import SPEC_LABELS, sci, si, spec_value
from computegov.web.views import CHIP_KINDS, SORT_KEYS, ChipQuery, query_chips

__all__ = ["error_page", "router", "templates"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NAV = (
    ("/", "Dashboard"),
    ("/catalog", "Catalogue"),
    ("/trends", "Trends"),
    ("/policy", "Export control"),
    ("/compute", "Compute & thresholds"),
    ("/plan", "Planner"),
    ("/clusters", "AI supercomputers"),
    ("/emerging", "Emerging"),
    ("/registry", "Registry"),
)


templates.env.filters["si"] = si
templates.env.filters["usd"] = lambda v, compact=False: (  # the one money formatter (costs.money)
    format_usd(v, compact=compact) if isinstance(v, int | float) and math.isfinite(v) else "—"
)
templates.env.filters["sci"] = sci
templates.env.filters["urlquote"] = lambda s: urllib.parse.quote(str(s), safe="")
templates.env.globals["NAV"] = NAV


def sort_url(raw: dict[str, str], key: str) -> str:
    """The catalogue URL sorted by ``key``, flipping the order when it is already the sort key."""
    current = raw.get("sort", "release_date") or "release_date"
    order = "asc" if current == key and raw.get("order", "desc") != "asc" else "desc"
    params = {k: v for k, v in raw.items() if k not in {"sort", "order", "offset"}}
    return "/catalog?" + urllib.parse.urlencode({**params, "sort": key, "order": order})


templates.env.globals["sort_url"] = sort_url


def api_url(path: str, raw: Mapping[str, Any] | None = None, *, keys: Sequence[str] | None = None,
            prefix: str = "", **fixed: Any) -> str:
    """The JSON API URL behind a page's table: ``/api/v1/<path>`` with the page's non-empty inputs.

    Args:
        path: the endpoint under ``/api/v1/`` (``"chips"``, ``"plan"``).
        raw: the page's query values; those starting with ``prefix`` are passed on without it.
        keys: pass on only these (after removing ``prefix``); None passes every one.
        prefix: the page's prefix of this form's fields (e.g. ``"w_"``).
        **fixed: values that override the page's (None drops the key).
    """
    params: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if not key.startswith(prefix) or value is None or not str(value).strip():
            continue
        name = key[len(prefix):]
        if keys is None or name in keys:
            params[name] = str(value).strip()
    for key, value in fixed.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    query = urllib.parse.urlencode(params, doseq=True)  # a list value repeats its key
    return f"/api/v1/{path}" + (f"?{query}" if query else "")


templates.env.globals["api_url"] = api_url


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the common context."""
    context.setdefault("title", "computegov")
    return templates.TemplateResponse(request, template, context, status_code=http_status)


def error_page(request: Request, status_code: int, message: str) -> Response:
    """A small HTML page for an error, never a stack trace."""
    return render(request, "error.html", http_status=status_code, title=f"Error {status_code}",
                  status_code=status_code, message=message)


def api_docs_page(request: Request, schema: dict[str, Any]) -> Response:
    """The API reference rendered from the OpenAPI schema (no JavaScript, nothing from a CDN)."""
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            params = [
                (p.get("name"), p.get("in"), p.get("required", False), p.get("description", ""))
                for p in op.get("parameters", [])
            ]
            operations.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tags": op.get("tags", []), "params": params,
                "body": "requestBody" in op, "auth": bool(op.get("security")),
                "responses": {code: r.get("description", "") for code, r in op.get("responses", {}).items()},
            })
    return render(request, "api_docs.html", title="API", schema=schema, operations=operations)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _raw(request: Request) -> dict[str, str]:
    return dict(request.query_params.items())


# dashboard -------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """Links to every tool, what this build has, the latest registered reports."""
    reports, total = _store(request).list_reports(limit=5)
    try:
        n_chips: int | None = len(request.app.state.catalog_loader())
    except ComputegovError:
        n_chips = None
    return render(request, "dashboard.html", title="computegov", features=features.available(),
                  reports=reports, total_reports=total, n_chips=n_chips)


# catalogue -------------------------------------------------------------------------------


def _chip_query(raw: dict[str, str]) -> tuple[ChipQuery, dict[str, str]]:
    errors: dict[str, str] = {}

    def number(name: str) -> float | None:
        text = raw.get(name, "").strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            errors[name] = "expected a year such as 2020 or 2020.5"
            return None
        return value if math.isfinite(value) else None

    def integer(name: str, default: int) -> int:
        text = raw.get(name, "").strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            errors[name] = "expected a whole number"
            return default

    dc_text = raw.get("datacenter", "")
    datacenter = {"": None, "yes": True, "no": False}.get(dc_text)
    if dc_text not in {"", "yes", "no"}:
        errors["datacenter"] = "expected yes, no or empty"
    query = ChipQuery(
        q=raw.get("q", "").strip(),
        kind=raw.get("kind", "").strip(),
        manufacturer=raw.get("manufacturer", "").strip(),
        since=number("since"),
        until=number("until"),
        datacenter=datacenter,
        sort=raw.get("sort", "release_date").strip() or "release_date",
        descending=raw.get("order", "desc") != "asc",
        limit=integer("limit", 100),
        offset=integer("offset", 0),
    )
    for key, message in query.check().items():
        errors.setdefault(key, message)
    return query, errors


_SORT_LABELS: dict[str, str] = {
    key: (
        f"Peak {key.removeprefix('peak_flop_per_s_')}" if key.startswith("peak_flop_per_s_")
        else {"name": "Name", "manufacturer": "Maker"}.get(key, SPEC_LABELS.get(key, key))
    )
    for key in SORT_KEYS
}


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(request: Request) -> Response:
    """Filter, sort and search the catalogue."""
    raw = _raw(request)
    query, errors = _chip_query(raw)
    chips: list[Any] = []
    total = 0
    if not errors:
        chips, total = query_chips(request.app.state.catalog_loader(), query)
    base = {k: v for k, v in raw.items() if k != "offset"}
    prev_url = next_url = None
    if query.offset > 0:
        prev_url = "/catalog?" + urllib.parse.urlencode({**base, "offset": max(0, query.offset - query.limit)})
    if query.offset + query.limit < total:
        next_url = "/catalog?" + urllib.parse.urlencode({**base, "offset": query.offset + query.limit})
    return render(request, "catalog.html", title="Catalogue", raw=raw, errors=errors, chips=chips,
                  total=total, query=query, kinds=CHIP_KINDS, sort_keys=SORT_KEYS, sort_labels=_SORT_LABELS,
                  prev_url=prev_url, next_url=next_url)


@router.get("/catalog/chip", response_class=HTMLResponse)
def chip_page(request: Request) -> Response:
    """One chip, every field with its source."""
    name = request.query_params.get("name", "").strip()
    if not name or len(name) > 200:
        return render(request, "chip.html", http_status=422, title="Chip", chip=None, name=name,
                      error="give a chip name (at most 200 characters)", candidates=[])
    try:
        chip = request.app.state.catalog_loader().get(name)
    except UnknownNameError as err:
        return render(request, "chip.html", http_status=404, title="Chip", chip=None, name=name,
                      error=str(err), candidates=list(err.candidates))
    rows = []
    data = chip.to_dict()
    keys = [k for k in SPEC_LABELS if k in data]
    keys += [k for k in data if k not in SPEC_LABELS and k not in
             {"sources", "name", "peak_flop_per_s", "aliases", "notes", "release_year"}]
    for key in keys:
        value = data[key]
        rows.append((SPEC_LABELS.get(key, key), key, spec_value(key, value),
                     chip.source_of(key) if value is not None else ""))
    peaks = [(p, v, chip.source_of(f"peak_flop_per_s.{p}")) for p, v in chip.peak_flop_per_s.items()]
    return render(request, "chip.html", title=chip.name, chip=chip, rows=rows, peaks=peaks, name=name,
                  error=None, candidates=[])


# compute ---------------------------------------------------------------------------------


@router.get("/compute", response_class=HTMLResponse)
def compute_page(request: Request) -> Response:
    """Estimate training compute and check it against each regulatory threshold."""
    missing = features.feature_missing("compute") or features.feature_missing("thresholds")
    raw = _raw(request)
    errors: dict[str, str] = {}
    result = None
    general_error = None
    chart = ""
    if not missing and any(raw.get(f.name) for f in features.COMPUTE_FORM.fields if f.name != "date"):
        try:
            result = features.compute_check(raw)
            chart = features.compute_chart_html(result)
        except FieldErrors as err:
            errors = err.errors
        except ComputegovError as err:
            general_error = str(err)
    return render(request, "compute.html", title="Compute & thresholds", missing=missing,
                  form=features.COMPUTE_FORM, raw=raw, errors=errors, result=result,
                  general_error=general_error, chart=Markup(chart),
                  http_status=422 if errors or general_error else 200)


# not yet wired pages ---------------------------------------------------------------------


def _unavailable(request: Request, title: str, feature: str) -> Response:
    return render(request, "unavailable.html", title=title,
                  message=features.feature_missing(feature) or "not available in this build")


@router.get("/trends", response_class=HTMLResponse)
def trends_page(request: Request) -> Response:
    """Trend fits and forecasts with interactive charts."""
    if features.feature_missing("trends"):
        return _unavailable(request, "Trends and forecasts", "trends")
    raw = _raw(request)
    form = features.trends_form()
    errors: dict[str, str] = {}
    general_error = None
    result = None
    charts = ""
    try:
        result, fit, forecasts = features.trend_forecast(raw, request.app.state.catalog_loader())
        charts = features.trend_charts_html(fit, forecasts)
    except FieldErrors as err:
        errors = err.errors
    except ComputegovError as err:
        general_error = str(err)
    return render(request, "trends.html", 422 if errors or general_error else 200,
                  title="Trends and forecasts", form=form, raw=raw, errors=errors,
                  general_error=general_error, result=result, charts=Markup(charts))


@router.get("/policy", response_class=HTMLResponse)
def policy_page(request: Request) -> Response:
    """Export-control classifier (catalogue chip) and what-if (planned chip), with the region chart."""
    missing = features.feature_missing("export_control")
    if missing:
        return _unavailable(request, "Export-control classifier", "export_control")
    raw = _raw(request)
    mode = raw.get("mode", "classify")
    errors: dict[str, str] = {}
    general_error = None
    candidates: list[str] = []
    result = whatif = None
    chart = ""
    catalog = request.app.state.catalog_loader()
    try:
        if mode == "whatif" and raw.get("tpp"):
            whatif = features.whatif_chip(raw)
            from computegov.policy import ChipFacts

            f = whatif["facts"]
            chart = features.region_chart_html([ChipFacts(
                name=f["name"], tpp=f["tpp"], die_area_mm2=f["die_area_mm2"],
                io_bandwidth_min_bytes_per_s=f["io_bandwidth_min_bytes_per_s"],
                io_bandwidth_max_bytes_per_s=f["io_bandwidth_max_bytes_per_s"],
                datacenter=f["datacenter"])])
        elif mode == "classify" and raw.get("chip"):
            result = features.classify_chip(raw, catalog)
            from computegov.policy import facts_from_chip

            reference = list(catalog.filter(datacenter=True, since=2020))
            chip = catalog.get(raw["chip"])
            chart = features.region_chart_html([facts_from_chip(chip), *[c for c in reference if c.name != chip.name]])
        elif mode not in {"classify", "whatif"}:
            general_error = "mode must be 'classify' or 'whatif'"
        elif "mode" in raw and mode == "whatif":
            # the what-if form was submitted without its one required field
            errors = {"tpp": "required: the planned chip's total processing performance"}
        elif "mode" in raw and any(str(v).strip() for k, v in raw.items() if k != "mode"):
            errors = {"chip": "required: a catalogue chip name or alias, e.g. H100"}
    except FieldErrors as err:
        errors = err.errors
    except UnknownNameError as err:
        errors = {"chip": str(err)}
        candidates = list(err.candidates)
    except ComputegovError as err:
        general_error = str(err)
    if not chart and not errors and not general_error:
        chart = features.region_chart_html(list(catalog.filter(datacenter=True, since=2020)))
    status = 422 if errors or general_error else 200
    return render(request, "policy.html", status, title="Export-control classifier", raw=raw, mode=mode,
                  errors=errors, general_error=general_error, candidates=candidates, result=result,
                  whatif=whatif, chart=Markup(chart), classify_form=features.classify_form(),
                  whatif_form=features.whatif_form())


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request) -> Response:
    """Training-run planner: ranked hardware options."""
    if features.feature_missing("planning"):
        return _unavailable(request, "Planner", "planning")
    raw = _raw(request)
    errors: dict[str, str] = {}
    general_error = None
    result = None
    chart = ""
    if any(raw.get(k) for k in ("flop", "params", "tokens")):
        try:
            result, plan_result = features.plan_run(raw, request.app.state.catalog_loader())
            chart = features.plan_chart_html(plan_result)
        except FieldErrors as err:
            errors = err.errors
        except ComputegovError as err:
            general_error = str(err)
    return render(request, "plan.html", 422 if errors or general_error else 200, title="Planner",
                  form=features.plan_form(), raw=raw, errors=errors, general_error=general_error,
                  result=result, chart=Markup(chart))


# registry ----------------------------------------------------------------------------------


@router.get("/registry", response_class=HTMLResponse)
def registry_page(request: Request) -> Response:
    """Registered compute reports, newest first."""
    raw = _raw(request)
    errors: dict[str, str] = {}
    try:
        offset = max(0, int(raw.get("offset", "0") or 0))
    except ValueError:
        errors["offset"] = "expected a whole number"
        offset = 0
    org = raw.get("organisation", "").strip() or None
    if org is not None and not org.replace("-", "").replace("_", "").isalnum():
        errors["organisation"] = "letters, digits, '-' and '_' only"
        org = None
    limit = 50
    reports, total = _store(request).list_reports(organisation=org, limit=limit, offset=offset)
    base = {k: v for k, v in raw.items() if k != "offset"}
    prev_url = "/registry?" + urllib.parse.urlencode({**base, "offset": max(0, offset - limit)}) if offset else None
    next_url = "/registry?" + urllib.parse.urlencode({**base, "offset": offset + limit}) if offset + limit < total else None
    return render(request, "registry.html", title="Compute-report registry", reports=reports, total=total,
                  raw=raw, errors=errors, orgs=_store(request).list_orgs(), prev_url=prev_url,
                  next_url=next_url)


@router.get("/registry/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    """The audit trail."""
    return render(request, "audit.html", title="Audit trail", events=_store(request).audit_log(limit=200))


@router.get("/registry/{digest}", response_class=HTMLResponse)
def report_page(request: Request, digest: str) -> Response:
    """One report with its verdict's checks and its position against each threshold."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return error_page(request, 404, "a report is named by its 64-character SHA-256 digest")
    report = _store(request).find_report(digest, full=True)
    if report is None:
        return error_page(request, 404, f"no report with digest {digest}")
    checks = report.verdict.get("checks", [])
    return render(request, "report.html", title=report.title, report=report, checks=checks,
                  thresholds=measured_threshold_positions(report.total_flop), log=_store(request).report_leaves(digest),
                  counters=_store(request).counter_verdicts(digest), audits=report.independent or [],
                  envelope_json=Markup.escape(__import__("json").dumps(report.envelope, indent=2)))
