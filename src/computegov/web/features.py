"""The library functions the web exposes, one small adapter each, shared by API and pages.

Each adapter parses a form (:mod:`computegov.web.forms`), calls one public library
function and returns its result's ``to_dict()``. Library modules built in parallel may be
absent from a build; :func:`available` says which are there and the pages show
"not available in this build" for the others (the API answers 501).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from computegov.charts.web import (
    compute_chart_html,
    plan_chart_html,
    region_chart_html,
    trend_charts_html,
)
from computegov.web.forms import Field, FieldErrors, Form, parse_form
from computegov.web.trend_features import (
    add_trend_routes,
    trend_forecast,
    trends_form,
    trends_prob,
)
from computegov.web.views import jsonsafe

__all__ = [
    "COMPUTE_FORM",
    "FEATURE_MODULES",
    "add_api_routes",
    "available",
    "compute_chart_html",
    "compute_check",
    "feature_missing",
    "plan_chart_html",
    "region_chart_html",
    "trend_charts_html",
    "trend_forecast",
    "trends_form",
    "trends_prob",
]

logger = logging.getLogger(__name__)

#: Feature -> (module, attribute that must exist) of the library function behind it.
FEATURE_MODULES: dict[str, tuple[str, str]] = {
    "catalogue": ("computegov.catalog", "load_catalog"),
    "trends": ("computegov.trends", "fit_trend"),
    "export_control": ("computegov.policy.export_control", "classify"),
    "compute": ("computegov.compute", "estimate"),
    "thresholds": ("computegov.policy.thresholds", "check"),
    "planning": ("computegov.planning", "plan"),
    "verifier": ("computegov.ledger.verify", "verify_report"),
}


def _feature(name: str) -> Any | None:
    module_name, attribute = FEATURE_MODULES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return module if hasattr(module, attribute) else None


def available() -> dict[str, bool]:
    """Which library features this build has."""
    return {name: _feature(name) is not None for name in FEATURE_MODULES}


def feature_missing(name: str) -> str | None:
    """None when the feature is there, else the message to show."""
    if _feature(name) is not None:
        return None
    module_name, attribute = FEATURE_MODULES[name]
    return f"not available in this build ({module_name}.{attribute} is missing)"


def _require(name: str) -> Any:
    module = _feature(name)
    if module is None:
        raise HTTPException(501, feature_missing(name))
    return module


# compute estimate and threshold check ------------------------------------------------------

COMPUTE_FORM = Form(
    id="compute",
    fields=(
        Field("name", "Run name", placeholder="my-model"),
        Field("params", "Parameters", "quantity", help="total parameters, e.g. 70B or 7e10",
              low=1, placeholder="70B"),
        Field("active_params", "Active parameters", "quantity",
              help="per token, for mixture-of-experts (default: all)", low=1),
        Field("tokens", "Training tokens", "quantity", help="per epoch, e.g. 15T", low=1,
              placeholder="15T"),
        Field("epochs", "Epochs", "float", default=1.0, low=1e-6, high=1e4),
        Field("chip", "Chip", help="catalogue name or alias, e.g. H100", placeholder="H100"),
        Field("chip_count", "Chip count", "quantity", low=1, placeholder="16384"),
        Field("days", "Training days", "float", help="wall-clock, days", low=1e-6, high=36500,
              placeholder="54"),
        Field("utilisation", "Utilisation", "float", help="model FLOP utilisation, 0-1 "
              "(default: cited 0.3-0.5 range)", low=1e-6, high=1.0),
        Field("precision", "Precision", "choice", help="default: the chip's best training precision",
              choices=("", "fp32", "tf32", "bf16", "fp16", "fp8", "fp4")),
        Field("date", "Thresholds in force on", "date", help="YYYY-MM-DD (default: today)"),
    ),
)


def compute_check(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Estimate training compute (``compute.estimate``) and check it (``thresholds.check``).

    Raises:
        FieldErrors: a field cannot be parsed.
        InputError: the library rejects the combination (message says why).
    """
    compute = _require("compute")
    thresholds = _require("thresholds")
    values = parse_form(COMPUTE_FORM, raw)
    kwargs: dict[str, Any] = {
        "name": values["name"] or "run",
        "params": values["params"],
        "active_params": values["active_params"],
        "tokens": values["tokens"],
        "epochs": values["epochs"],
        "chip": values["chip"] or None,
        "chip_count": values["chip_count"],
        "utilisation": values["utilisation"],
        "precision": values["precision"] or None,
    }
    if values["days"] is not None:
        from computegov.units import S_PER_DAY

        kwargs["duration_s"] = values["days"] * S_PER_DAY
    run = compute.TrainingRun(**kwargs)
    estimate = compute.estimate(run)
    checks = thresholds.check(estimate, values["date"])
    return jsonsafe({
        "estimate": estimate.to_dict(),
        "date": (values["date"] or dt.date.today()).isoformat(),
        "thresholds": [c.to_dict() for c in checks],
    })


def add_api_routes(router: APIRouter) -> None:
    """Add the library endpoints (compute, trends, policy, planning) to the API router."""

    @router.get("/compute/check", tags=["compute"], responses={
        422: {"description": "invalid input; `errors` names each bad field"},
        501: {"description": "not available in this build"},
    })
    def compute_check_endpoint(
        request: Request,
        name: str | None = Query(None, max_length=200),
        params: str | None = Query(None, max_length=40, description="total parameters (70B, 7e10)"),
        active_params: str | None = Query(None, max_length=40),
        tokens: str | None = Query(None, max_length=40, description="tokens per epoch (15T)"),
        epochs: str | None = Query(None, max_length=40),
        chip: str | None = Query(None, max_length=200),
        chip_count: str | None = Query(None, max_length=40),
        days: str | None = Query(None, max_length=40),
        utilisation: str | None = Query(None, max_length=40, description="0-1"),
        precision: str | None = Query(None, max_length=20),
        date: str | None = Query(None, max_length=20, description="YYYY-MM-DD"),
    ) -> dict[str, Any]:
        """Training compute with its interval and method, and each threshold in force."""
        return compute_check(dict(request.query_params))

    _add_policy_routes(router)
    _add_trend_and_plan_routes(router)


# export control ----------------------------------------------------------------------------

_DATACENTER = {"": None, "yes": True, "no": False}


def _rule_versions() -> tuple[str, ...]:
    module = _feature("export_control")
    if module is None:
        return ()
    from computegov.policy.rules import load_rules

    return tuple(load_rules().versions)


def classify_form() -> Form:
    """The classifier's fields (rule versions read from the bundled rules)."""
    return Form(
        id="classify",
        fields=(
            Field("chip", "Chip", required=True, help="catalogue name or alias, e.g. H100, MI300X",
                  placeholder="H100"),
            Field("rule", "Rule version", "choice", help="default: the rule in force",
                  choices=("", *_rule_versions())),
            Field("tpp", "TPP override", "float", help="total processing performance (TOPS x bits)",
                  low=0, high=1e7),
            Field("die_area_mm2", "Die area override", "float", help="applicable die area, mm²",
                  low=1e-3, high=1e5),
            Field("io_bandwidth_gb_per_s", "I/O bandwidth override", "float",
                  help="aggregate bidirectional I/O, GB/s (2022 rule)", low=0, high=1e6),
            Field("datacenter", "Datacenter design", "choice", help="designed or marketed for datacenters",
                  choices=("", "yes", "no")),
            Field("destination", "Destination", help="country code or name, e.g. CN: licence needed, and "
                  "the review policy", placeholder="CN"),
        ),
    )


def whatif_form() -> Form:
    """The what-if fields: a planned chip's specifications."""
    return Form(
        id="whatif",
        fields=(
            Field("name", "Name", placeholder="planned chip", default="planned chip"),
            Field("tpp", "TPP", "float", required=True, help="total processing performance (TOPS x bits)",
                  low=0, high=1e7, placeholder="4000"),
            Field("die_area_mm2", "Die area", "float", help="applicable die area, mm²", low=1e-3, high=1e5,
                  placeholder="800"),
            Field("io_bandwidth_gb_per_s", "I/O bandwidth", "float",
                  help="aggregate bidirectional I/O, GB/s (2022 rule)", low=0, high=1e6),
            Field("datacenter", "Datacenter design", "choice", choices=("yes", "no", ""), default="yes"),
        ),
    )


def _gb(value: float | None) -> float | None:
    from computegov.units import GB

    return None if value is None else value * GB


def classify_chip(raw: Mapping[str, Any], catalog: Any) -> dict[str, Any]:
    """``policy.classify`` of a catalogue chip (with overrides) and its ``history`` over every rule.

    Raises:
        FieldErrors: a field cannot be parsed.
        UnknownNameError: no such chip.
    """
    policy = _require("export_control")
    from computegov.policy import facts_from_chip, history

    values = parse_form(classify_form(), raw)
    chip = catalog.get(values["chip"])
    facts = facts_from_chip(
        chip,
        tpp=values["tpp"],
        die_area_mm2=values["die_area_mm2"],
        io_bandwidth_bytes_per_s=_gb(values["io_bandwidth_gb_per_s"]),
        datacenter=_DATACENTER[values["datacenter"] or ""],
    )
    result = policy.classify(facts, values["rule"] or None)
    out = {"classification": result.to_dict(), "history": history(facts).to_dict()["classifications"]}
    destination = (values.get("destination") or "").strip()
    if destination:
        from computegov.errors import InputError
        from computegov.policy.licensing import licence_for

        try:
            answer = licence_for(facts, destination, values["rule"] or None)
        except InputError as err:
            raise FieldErrors({"destination": str(err).removeprefix("destination: ")}) from err
        deciding = answer.deciding_check()
        out["licence"] = {**answer.to_dict(), "deciding": deciding.to_dict() if deciding else None}
    return jsonsafe(out)


def whatif_chip(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``policy.whatif``: a planned chip under every rule version, with each version's TPP limits.

    Raises:
        FieldErrors: a field cannot be parsed.
    """
    _require("export_control")
    from computegov.policy import whatif

    values = parse_form(whatif_form(), raw)
    result = whatif(
        values["tpp"],
        values["die_area_mm2"],
        io_bandwidth_bytes_per_s=_gb(values["io_bandwidth_gb_per_s"]),
        datacenter=_DATACENTER[values["datacenter"] or ""],
        name=values["name"] or "planned chip",
    )
    return jsonsafe(result.to_dict())


def _add_policy_routes(router: APIRouter) -> None:
    @router.get("/policy/rules", tags=["export control"], responses={501: {"description": "not in this build"}})
    def policy_rules() -> list[dict[str, Any]]:
        """Bundled export-control rule versions, oldest first."""
        _require("export_control")
        from computegov.policy import load_rules

        return [
            {"id": r.id, "title": r.title, "citation": r.citation, "status": r.status,
             "effective": r.effective.isoformat() if r.effective else None, "url": r.url}
            for r in load_rules().rules
        ]

    @router.get("/policy/classify", tags=["export control"], responses={
        404: {"description": "unknown chip"}, 422: {"description": "invalid input"},
        501: {"description": "not in this build"}})
    def policy_classify(
        request: Request,
        chip: str = Query(..., min_length=1, max_length=200),
        rule: str | None = Query(None, max_length=20, description="rule version; default: in force"),
        tpp: str | None = Query(None, max_length=40),
        die_area_mm2: str | None = Query(None, max_length=40),
        io_bandwidth_gb_per_s: str | None = Query(None, max_length=40),
        datacenter: str | None = Query(None, max_length=5, description="yes, no or empty"),
    ) -> dict[str, Any]:
        """Classify a catalogue chip under one rule version, and across every version."""
        return classify_chip(dict(request.query_params), request.app.state.catalog_loader())

    @router.get("/policy/whatif", tags=["export control"], responses={
        422: {"description": "invalid input"}, 501: {"description": "not in this build"}})
    def policy_whatif(
        request: Request,
        tpp: str = Query(..., max_length=40),
        die_area_mm2: str | None = Query(None, max_length=40),
        io_bandwidth_gb_per_s: str | None = Query(None, max_length=40),
        datacenter: str | None = Query(None, max_length=5),
        name: str | None = Query(None, max_length=200),
    ) -> dict[str, Any]:
        """A planned chip under every rule version, with each version's TPP limits."""
        return whatif_chip(dict(request.query_params))


# planning ----------------------------------------------------------------------------------


def plan_form() -> Form:
    """The planner's fields."""
    module = _feature("planning")
    rank_keys = tuple(module.RANK_KEYS) if module else ("cost", "time", "energy")
    deadline_help = "days (default: the planner's longest run, see the notes under the result)"
    if module:  # the default the planner applies (costs assumptions), so the help shows what is used
        from computegov.costs import default_assumptions

        days = default_assumptions().planning["default_max_days"].value.central
        deadline_help = f"days (default: {days:g}, the longest run worth starting; Sevilla et al. 2022)"
    return Form(
        id="plan",
        fields=(
            Field("flop", "Target compute", "quantity", low=1, help="FLOP, e.g. 1e25 (or give parameters and tokens)",
                  placeholder="1e25"),
            Field("params", "Parameters", "quantity", low=1, placeholder="70B"),
            Field("tokens", "Training tokens", "quantity", low=1, placeholder="15T"),
            Field("deadline_days", "Deadline", "float", low=1e-3, high=3650, help=deadline_help),
            Field("budget_usd", "Budget", "quantity", low=1, help="USD (e.g. 50M)"),
            Field("max_chips", "Most chips", "int", low=1, high=10_000_000),
            Field("power_cap_mw", "Power cap", "float", low=1e-3, high=1e5, help="MW"),
            Field("mode", "Buy or rent", "choice", choices=("buy", "rent"), default="buy"),
            Field("rank_by", "Rank by", "choice", choices=rank_keys, default="cost"),
            Field("top", "Options shown", "int", low=1, high=50, default=10),
        ),
    )


def plan_run(raw: Mapping[str, Any], catalog: Any) -> tuple[dict[str, Any], Any]:
    """``planning.plan``: ranked hardware options for a run.

    Raises:
        FieldErrors: a field cannot be parsed.
        InputError: impossible constraints (``PlanInfeasibleError`` says which binds).
    """
    planning = _require("planning")
    values = parse_form(plan_form(), raw)
    request = planning.PlanRequest(
        flop=values["flop"], params=values["params"], tokens=values["tokens"],
        deadline_days=values["deadline_days"], budget_usd=values["budget_usd"],
        max_chips=values["max_chips"], power_cap_mw=values["power_cap_mw"],
        mode=values["mode"], rank_by=values["rank_by"],
    )
    result = planning.plan(request, catalog, top=values["top"])
    return jsonsafe(result.to_dict()), result


def _add_trend_and_plan_routes(router: APIRouter) -> None:
    add_trend_routes(router)

    @router.get("/plan", tags=["planning"], responses={
        422: {"description": "invalid input or no feasible option"}, 501: {"description": "not in this build"}})
    def plan_endpoint(
        request: Request,
        flop: str | None = Query(None, max_length=40),
        params: str | None = Query(None, max_length=40),
        tokens: str | None = Query(None, max_length=40),
        deadline_days: str | None = Query(None, max_length=40),
        budget_usd: str | None = Query(None, max_length=40),
        max_chips: str | None = Query(None, max_length=40),
        power_cap_mw: str | None = Query(None, max_length=40),
        mode: str | None = Query(None, max_length=10),
        rank_by: str | None = Query(None, max_length=10),
        top: str | None = Query(None, max_length=10),
    ) -> dict[str, Any]:
        """Ranked hardware options (chip, count, days, cost, energy, memory fit) for a planned run."""
        result, _ = plan_run(dict(request.query_params), request.app.state.catalog_loader())
        return result
