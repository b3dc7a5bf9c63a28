"""The outlook on the dashboard: ``computegov outlook`` as a JSON API and a page with every input as a form.

``GET /api/v1/outlook`` and ``GET /api/v1/outlook/sensitivity`` return exactly what
``computegov outlook --json`` and ``computegov outlook sensitivity --json`` print for the same
inputs (:mod:`computegov.web.outlook_views`); overrides are repeatable ``set=NAME=VALUE``
or ``set=NAME=LOW..HIGH``; a bad input is 422 naming the field. The page ``/outlook`` shows the
fan of every constraint with the feasible run and the trend, which constraint binds, the table
by year, the tornado, and every input of the preset with its source, each overridable in a GET
form (``in_<name>`` keys), so every result has a URL.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from computegov.web import outlook_views as views
from computegov.web.forms import FieldErrors, parse_form

__all__ = ["api_router", "page_router"]

api_router = APIRouter(prefix="/api/v1/outlook", tags=["outlook"])
page_router = APIRouter(include_in_schema=False)

_422: dict[int | str, dict[str, Any]] = {422: {"description": "invalid input; `field` names it"}}
_SET = "NAME=VALUE (fixed) or NAME=LOW..HIGH (90 % interval), repeatable; names: `computegov outlook presets`."


def _chips(request: Request) -> list[Any]:
    return list(request.app.state.catalog_loader())


def _pairs(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise FieldErrors({"set": f"expected NAME=VALUE or NAME=LOW..HIGH, got {item!r}"})
        out[name.strip()] = value
    return out


@api_router.get("", responses=_422)
def outlook_api(
    request: Request,
    preset: str = Query("toolkit", max_length=40, description="toolkit or epoch2024."),
    first: int = Query(views.OUTLOOK_FORM.field("from").default, alias="from", ge=views.YEAR_LOW, le=views.YEAR_HIGH,
                       description="First year."),
    last: int = Query(views.OUTLOOK_FORM.field("to").default, alias="to", ge=views.YEAR_LOW, le=views.YEAR_HIGH,
                      description="Last year."),
    set_: Annotated[list[str] | None, Query(alias="set", max_length=200, description=_SET)] = None,
    draws: int = Query(20_000, ge=100, le=views.DRAWS_HIGH, description="Monte Carlo draws."),
    seed: int = Query(0, ge=0, le=views.SEED_HIGH, description="Seed of the draws."),
) -> dict[str, Any]:
    """Each constraint's limit by year, the feasible run (minimum per draw), the binding one, the trend."""
    return views.outlook_payload(_chips(request), preset=preset, first=first, last=last, sets=_pairs(set_),
                                 draws=draws, seed=seed)


@api_router.get("/sensitivity", responses=_422)
def outlook_sensitivity_api(
    request: Request,
    preset: str = Query("toolkit", max_length=40, description="toolkit or epoch2024."),
    year: int = Query(2030, ge=views.YEAR_LOW, le=views.YEAR_HIGH, description="Year whose median is watched."),
    set_: Annotated[list[str] | None, Query(alias="set", max_length=200, description=_SET)] = None,
    draws: int = Query(3_000, ge=100, le=50_000, description="Draws per rerun."),
    seed: int = Query(0, ge=0, le=views.SEED_HIGH, description="Seed of the draws."),
) -> dict[str, Any]:
    """The tornado: each input held at its 5th and 95th percentile, the swing of the feasible median."""
    return views.sensitivity_payload(_chips(request), preset=preset, year=year, sets=_pairs(set_), draws=draws,
                                     seed=seed)


@page_router.get("/outlook", response_class=HTMLResponse)
def outlook_page(request: Request) -> Response:
    """The outlook: fans, binding constraint, trend, tornado; every input overridable."""
    from computegov.charts.base import chart_html
    from computegov.charts.outlook import binding_chart, fan_chart, tornado_chart
    from computegov.web.pages import render

    form = views.OUTLOOK_FORM
    raw = {k: v for k, v in request.query_params.items() if k in {f.name for f in form.fields} or k.startswith("in_")}
    errors: dict[str, str] = {}
    chips = _chips(request)
    try:
        values = parse_form(form, raw)
    except FieldErrors as err:
        errors.update(err.errors)
        values = parse_form(form, {})
    sets = {k[3:]: v for k, v in raw.items() if k.startswith("in_") and v.strip()}
    years = list(range(values["from"], max(values["to"], values["from"]) + 1))
    base = views.preset_for(chips, values["preset"], years)
    out = sens = None
    charts: dict[str, Markup] = {}
    if not errors:
        try:
            out = views.run_outlook(chips, preset=values["preset"], first=values["from"], last=values["to"], sets=sets,
                                    draws=values["draws"], seed=values["seed"])
            focus = 2030 if 2030 in out.years else out.years[-1]
            sens = views.run_sensitivity(chips, preset=values["preset"], year=focus, sets=sets, draws=2_000,
                                         seed=values["seed"])
            charts = {"fan": Markup(chart_html(fan_chart(out), "outlook-fan")),
                      "binding": Markup(chart_html(binding_chart(out), "outlook-binding")),
                      "tornado": Markup(chart_html(tornado_chart(sens), "outlook-tornado"))}
        except FieldErrors as err:
            errors.update(err.errors)
            out = sens = None
    return render(request, "outlook.html", 422 if errors else 200, title="Outlook", raw=raw, errors=errors,
                  form=form, preset=base, out=out, sens=sens, charts=charts, input_field=views.input_field,
                  overridden=bool(sets))
