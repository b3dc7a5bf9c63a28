"""Emerging hardware on the dashboard: the ``computegov emerging`` numbers as a JSON API and a page.

``GET /api/v1/emerging/{register,compare,watch,quantum,scenario}`` return exactly what
``computegov emerging <command> --json`` prints for the same inputs
(:mod:`computegov.web.emerging_views`); a bad input is 422 naming the field. The page
``/emerging`` shows the register (filterable), the claims on the FLOP/J trend, the like-for-like
comparisons with their caveats as badges, the watch list with every weight editable, the quantum
break-even calculator and the paradigm-scenario fan. Its forms use GET with prefixed names
(``w_`` watch, ``q_`` quantum, ``s_`` scenario), so every result has a URL; a bad value is shown
beside its field with status 422.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from computegov.emerging.register import EVIDENCE_KINDS, MATURITY_LEVELS, METRIC_NAMES, PARADIGMS
from computegov.units import S_PER_DAY, S_PER_HOUR, S_PER_YEAR
from computegov.web import emerging_views as views
from computegov.web.forms import FieldErrors, Form, parse_form

__all__ = ["api_router", "page_router"]

api_router = APIRouter(prefix="/api/v1/emerging", tags=["emerging"])
page_router = APIRouter(include_in_schema=False)

_422: dict[int | str, dict[str, Any]] = {422: {"description": "invalid input; `field` names it"}}
_PARADIGM = f"One of {', '.join(PARADIGMS)}."
_METRIC = "flop_per_j or training_flop_per_s."


def _chips(request: Request) -> list[Any]:
    return list(request.app.state.catalog_loader())


@api_router.get("/register", responses=_422)
def emerging_register(
    paradigm: str | None = Query(None, max_length=40, description=_PARADIGM),
    evidence: str | None = Query(None, max_length=40, description=", ".join(EVIDENCE_KINDS) + "."),
    maturity: str | None = Query(None, max_length=40, description=", ".join(MATURITY_LEVELS) + "."),
) -> dict[str, Any]:
    """The register (= ``computegov emerging register --json``), optionally filtered; each entry with its source."""
    return views.register_payload(paradigm, evidence, maturity)


@api_router.get("/compare", responses=_422)
def emerging_compare(
    request: Request,
    paradigm: str | None = Query(None, max_length=40, description=_PARADIGM),
    claim_id: str | None = Query(None, alias="id", max_length=200, description="Only this register entry."),
    history_only: bool = Query(False, description="Skip the record forecasts (catalogue history only)."),
    seed: int = Query(0, ge=0, le=views.SEED_HIGH, description="Seed of the record forecasts."),
) -> dict[str, Any]:
    """Each claim against the catalogue's record at its date and years ahead of the trend, with caveats."""
    return views.compare_payload(_chips(request), paradigm=paradigm, claim_id=claim_id,
                                 history_only=history_only, seed=seed)


@api_router.get("/watch", responses=_422)
def emerging_watch(
    request: Request,
    p: Annotated[list[str] | None, Query(max_length=80, description="PARADIGM=P, repeatable: your probability "
                                                                   "(0-1).")] = None,
    relevance: Annotated[list[str] | None, Query(max_length=80, description="PARADIGM=W, repeatable: weight "
                                                                           "(default 1).")] = None,
    metric: str = Query("flop_per_j", max_length=40, description=_METRIC),
    evidence: Annotated[list[str] | None, Query(max_length=40, description="Only entries of this evidence kind "
                                                "set a multiplier (repeatable; default all).")] = None,
) -> dict[str, Any]:
    """Paradigms ranked by expected uplift = your probability x the register's multiplier x your relevance."""
    return views.watch_payload(_chips(request), views.parse_pairs(p or [], "p"),
                               views.parse_pairs(relevance or [], "relevance"), metric, evidence or [])


@api_router.get("/quantum", responses=_422)
def emerging_quantum(
    request: Request,
    toffolis: float = Query(100.0, ge=1, le=1e15, description="Toffoli gates per primitive call (G)."),
    degree: Annotated[list[int] | None, Query(description="Polynomial degree d of the speed-up, 2-8 "
                                              "(repeatable; default 2 and 4).")] = None,
    parallel: float = Query(1e3, ge=1, le=1e12, description="Classical parallel speed-up S."),
    classical_call_s: float | None = Query(None, gt=0, le=1e6, description="Classical time per call on one "
                                           "core, s (default: 330 ps per Toffoli)."),
    distillation_speedup: float = Query(1.0, ge=1, le=1e6, description="R: Toffoli time 170 us / R."),
    precision: str = Query("int8", max_length=20, description="Precision of the catalogue chips' peak."),
    top: int = Query(3, ge=0, le=50, description="Catalogue chips compared (highest peak first)."),
) -> dict[str, Any]:
    """Babbush et al. (2021) break-even: the paper's Tables I-II recomputed, your primitive, catalogue chips."""
    return views.quantum_payload(_chips(request), toffolis=toffolis, degrees=tuple(degree or (2, 4)), parallel=parallel,
                                 classical_call_s=classical_call_s, distillation_speedup=distillation_speedup,
                                 precision=precision, top=top)


@api_router.get("/scenario", responses=_422)
def emerging_scenario(
    request: Request,
    paradigm: str = Query(..., max_length=40, description=_PARADIGM),
    probability: float = Query(..., ge=0, le=1, description="P(the paradigm reaches production by year), 0-1."),
    year: int = Query(2030, ge=views.YEAR_LOW, le=views.YEAR_HIGH, description="First year it counts in."),
    metric: str = Query("flop_per_j", max_length=40, description=_METRIC),
    multiplier: float | None = Query(None, gt=0, le=views.MULTIPLIER_HIGH,
                                     description="M or its low end (default: the register's ratios)."),
    multiplier_high: float | None = Query(None, gt=0, le=views.MULTIPLIER_HIGH,
                                          description="High end of M (log-uniform)."),
    to: int = Query(2045, ge=views.YEAR_LOW, le=views.YEAR_HIGH, description="Last forecast year."),
    seed: int = Query(0, ge=0, le=views.SEED_HIGH, description="Seed of the forecast and the mixture."),
) -> dict[str, Any]:
    """The calibrated record forecast mixed with P(paradigm arrives by year) x its multiplier M."""
    return views.scenario_payload(_chips(request), paradigm=paradigm, probability=probability, year=year,
                                  metric=metric, multiplier=multiplier, multiplier_high=multiplier_high,
                                  to_year=to, seed=seed)


# the page ---------------------------------------------------------------------------------

#: Form id -> (form, prefix of its query keys on the page).
_FORMS: dict[str, tuple[Form, str]] = {
    "register": (views.REGISTER_FORM, ""),
    "watch": (views.watch_form(), "w_"),
    "quantum": (views.QUANTUM_FORM, "q_"),
    "scenario": (views.SCENARIO_FORM, "s_"),
}
#: Register metrics drawn with an SI prefix, and their unit (the others are counts, ratios, probabilities).
SI_UNITS: dict[str, str] = {
    "op_per_s": "OP/s", "op_per_j": "OP/J", "power_w": "W", "tokens_per_s": "tokens/s", "latency_s": "s",
    "clock_hz": "Hz", "energy_per_op_j": "J",
}


def figure(name: str, value: float) -> str:
    """A register figure with its unit: ``op_per_j, 1.24e13`` -> ``12.4 TOP/J``; ``relative_*`` -> ``25x``."""
    from computegov.web.page_format import si

    if name in SI_UNITS:
        return si(value, SI_UNITS[name])
    if name.startswith("relative_"):
        return f"{value:.3g}x"
    unit = METRIC_NAMES.get(name, "")
    return f"{value:.3g}" if unit in ("", "count") else f"{value:.3g} ({unit})"


def duration(seconds: float | None) -> str:
    """``8.76e6`` -> ``101 days``: a break-even time in the largest fitting unit."""
    if seconds is None:
        return "—"
    for size, unit in ((S_PER_YEAR, "years"), (S_PER_DAY, "days"), (S_PER_HOUR, "hours"), (60.0, "minutes")):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def _section(raw: Mapping[str, str], form_id: str, errors: dict[str, str]) -> dict[str, Any] | None:
    """The typed values of one form's fields from the page's query, or None (errors filled in)."""
    form, prefix = _FORMS[form_id]
    mine = {f.name: raw.get(prefix + f.name, "") for f in form.fields}
    try:
        return parse_form(form, mine)
    except FieldErrors as err:
        errors.update({prefix + k: v for k, v in err.errors.items()})
        return None


def _run(errors: dict[str, str], prefix: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except FieldErrors as err:
        errors.update({prefix + k: v for k, v in err.errors.items()})
        return None


def _register_part(raw: Mapping[str, str], errors: dict[str, str], chips: list[Any]) -> dict[str, Any]:
    from computegov.charts.base import chart_html
    from computegov.charts.emerging import claims_chart

    picked = {k: raw.get(k) or None for k in ("paradigm", "evidence", "maturity")}
    everything = views.register_payload()
    register = _run(errors, "", lambda: views.register_payload(**picked)) or everything
    shown = {e["id"] for e in register["entries"]}
    compare = views.compare_payload(chips)
    rows, forecasts = views.comparisons(chips)
    years = {c.id: c.decimal_year for c in views.load_claims()}
    chart = chart_html(claims_chart(rows, years, chips, forecasts.get("flop_per_j")), "emerging-claims-chart")
    claims = {e["id"]: e for e in everything["entries"]}
    return {"register": register, "total": len(everything["entries"]), "chart": Markup(chart),
            "comparisons": [(claims[r["claim_id"]], r) for r in compare["comparisons"] if r["claim_id"] in shown]}


def _watch_part(raw: Mapping[str, str], errors: dict[str, str], chips: list[Any]) -> Any:
    values = _section(raw, "watch", errors)
    if values is None:
        return None
    probabilities = {p: values[f"p_{p}"] for p in PARADIGMS if values[f"p_{p}"] is not None}
    relevance = {p: values[f"relevance_{p}"] for p in PARADIGMS if raw.get(f"w_relevance_{p}")}
    given = values["evidence_given"] is not None
    kinds = [k for k in EVIDENCE_KINDS if not given or values[f"evidence_{k}"] == "on"]
    if not kinds:
        errors["w_evidence_" + EVIDENCE_KINDS[0]] = "count at least one evidence kind"
        return None
    return _run(errors, "w_", lambda: views.watch_payload(
        chips, probabilities, relevance, values["metric"], () if len(kinds) == len(EVIDENCE_KINDS) else kinds,
        fields={"p": "p_{paradigm}", "relevance": "relevance_{paradigm}"}))


def _quantum_part(raw: Mapping[str, str], errors: dict[str, str], chips: list[Any]) -> Any:
    values = _section(raw, "quantum", errors)
    if values is None:
        return None

    def call() -> dict[str, Any]:
        return views.quantum_payload(
            chips, toffolis=values["toffolis"], degrees=views.parse_degrees(values["degree"]),
            parallel=values["parallel"], classical_call_s=values["classical_call_s"],
            distillation_speedup=values["distillation_speedup"], precision=values["precision"], top=values["top"])

    return _run(errors, "q_", call)


def _scenario_part(raw: Mapping[str, str], errors: dict[str, str], chips: list[Any]) -> tuple[Any, Markup]:
    from computegov.charts.base import chart_html
    from computegov.charts.emerging import paradigm_fan_chart

    if not any(raw.get("s_" + f.name) for f in views.SCENARIO_FORM.fields):
        return None, Markup("")
    values = _section(raw, "scenario", errors)
    if values is None:
        return None, Markup("")
    inputs = {k: values[k] for k in ("paradigm", "probability", "year", "metric", "multiplier",
                                     "multiplier_high", "seed")}
    result = _run(errors, "s_", lambda: views.scenario(chips, **inputs, to_year=values["to"]))
    if result is None:
        return None, Markup("")
    return result.to_dict(), Markup(chart_html(paradigm_fan_chart(result), "emerging-scenario-chart"))


@page_router.get("/emerging", response_class=HTMLResponse)
def emerging_page(request: Request) -> Response:
    """Emerging hardware: the register, claims on the trend, comparisons, watch list, quantum, scenarios."""
    from computegov.web.pages import render

    known = {prefix + f.name for form, prefix in _FORMS.values() for f in form.fields}
    raw = {k: v for k, v in request.query_params.items() if k in known}
    errors: dict[str, str] = {}
    chips = _chips(request)
    main = _register_part(raw, errors, chips)
    watch = _watch_part(raw, errors, chips)
    quantum = _quantum_part(raw, errors, chips)
    scenario, scenario_chart = _scenario_part(raw, errors, chips)
    keep = {form_id: [(k, v) for k, v in raw.items() if v and not _owned(k, form_id)] for form_id in _FORMS}
    return render(request, "emerging.html", 422 if errors else 200, title="Emerging hardware", raw=raw,
                  errors=errors, keep=keep, forms={k: f for k, (f, _) in _FORMS.items()}, paradigms=PARADIGMS,
                  evidence_kinds=EVIDENCE_KINDS, maturity_levels=MATURITY_LEVELS, figure=figure,
                  metric_names=METRIC_NAMES, watch=watch,
                  quantum=quantum, scenario=scenario, scenario_chart=scenario_chart, duration=duration, **main)


def _owned(key: str, form_id: str) -> bool:
    form, prefix = _FORMS[form_id]
    return any(key == prefix + f.name for f in form.fields)
