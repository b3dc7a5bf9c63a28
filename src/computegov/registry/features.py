"""The library functions the web exposes, one small adapter each, shared by API and pages.

Each adapter parses a form (:mod:`computegov.registry.forms`), calls one public library
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

from computegov.registry.forms import Field, Form, parse_form
from computegov.registry.views import jsonsafe

__all__ = [
    "COMPUTE_FORM",
    "FEATURE_MODULES",
    "add_api_routes",
    "available",
    "compute_check",
    "feature_missing",
    "threshold_positions",
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
    })  # type: ignore[no-any-return]


def threshold_positions(total_flop: float | None) -> list[dict[str, Any]]:
    """A registered report's measured FLOP against each threshold in force today.

    Uses ``compute.measured_estimate`` (±5 % unless the report gives an interval) and
    ``thresholds.check``; empty when the report states no total or a module is missing.
    """
    if total_flop is None or total_flop <= 0:
        return []
    compute, thresholds = _feature("compute"), _feature("thresholds")
    if compute is None or thresholds is None:
        return []
    estimate = compute.measured_estimate({"flop": total_flop})
    return [c.to_dict() for c in thresholds.check(estimate)]


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
