"""Where the compute is: the AI-supercomputer JSON API and the ``/clusters`` dashboard page.

The API gives the CLI's ``--json`` numbers (:mod:`computegov.web.cluster_views` calls the same
functions with the same arguments):

* ``GET /api/v1/clusters/summary``: ``computegov clusters summary --json`` (doubling times, shares);
* ``GET /api/v1/clusters/stocks``: ``computegov clusters stocks --json``;
* ``GET /api/v1/clusters/leading/forecast``: ``computegov clusters thresholds --json`` for one size;
* ``GET /api/v1/clusters/exposure``: ``computegov clusters exposure --json``;
* ``GET /api/v1/supply/estimate``: ``computegov supply estimate --json``.

A bad value answers 422 with a message that starts with the field's name, never a 500.
The page (:mod:`computegov.web.cluster_page`) shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from computegov.errors import ComputegovError
from computegov.web.cluster_views import defaults, summary

__all__ = ["api_router", "page_router", "summary"]

api_router = APIRouter(prefix="/api/v1")
page_router = APIRouter(include_in_schema=False)

_ERRORS: dict[int | str, dict[str, Any]] = {422: {"description": "invalid input; the message names the field"}}


def _answer(compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return compute()
    except ComputegovError as err:
        raise HTTPException(status_code=422, detail=str(err)) from err


_SET = Query("standard", alias="set", max_length=10, description="standard (Epoch's standard-analysis set) or all.")
_DATE = Query(None, max_length=10, description="Stock date, YYYY-MM-DD, 2015-2030 (default 2025-03-01).")
_SEED = Query(None, ge=0, le=2**63 - 1, description="Seed of every random draw (default: the CLI's).")
_COUNTRY = Query(None, max_length=200, description="Keep these countries (names or ISO codes), comma-separated.")


@api_router.get("/clusters/summary", tags=["clusters"], responses=_ERRORS)
def clusters_summary(date: str | None = _DATE, set_: str = _SET, seed: int | None = _SEED) -> dict[str, Any]:
    """Leading-system doubling times with intervals and country shares (Epoch AI, GPU Clusters, CC-BY 4.0)."""
    default_date, default_seed = defaults()
    return _answer(lambda: summary(date or default_date, set_, default_seed if seed is None else seed))


@api_router.get("/clusters/stocks", tags=["clusters"], responses=_ERRORS)
def clusters_stocks(
    date: str | None = _DATE,
    dates: str | None = Query(None, max_length=500, description="Several dates, comma-separated (a time series)."),
    by: str = Query("country", max_length=10, description="country, owner or sector."),
    metric: str = Query("h100e", max_length=20, description="h100e, flop_per_s_16bit, power_w, hardware_cost_usd, chip_count."),
    set_: str = _SET, country: str | None = _COUNTRY,
) -> dict[str, Any]:
    """Compute of the systems operational on each date by country/owner/sector, with shares (= `clusters stocks --json`)."""
    from computegov.web.cluster_views import stocks_view

    return _answer(lambda: stocks_view(set_=set_, date=date, dates=dates, by=by, metric=metric, country=country))


@api_router.get("/clusters/leading/forecast", tags=["clusters"], responses=_ERRORS)
def clusters_leading_forecast(
    metric: str = Query("h100e", max_length=20, description="h100e, power_w, flop_per_s_16bit, hardware_cost_usd, chip_count."),
    target: float | None = Query(None, description="Size in the metric's unit (default: 1e6 H100e, 1e9 W)."),
    method: str | None = Query(None, max_length=40, description="Record-forecast method, e.g. random_walk_drift+cal "
                               "(default: the calibrated method with the best 90 % interval score)."),
    set_: str = _SET, seed: int | None = _SEED,
) -> dict[str, Any]:
    """Calibrated forecast of the largest system, when it first reaches `target`, and that forecast's hindcast."""
    from computegov.web.cluster_views import forecast_view

    return _answer(lambda: forecast_view(metric=metric, target=target, set_=set_, seed=seed, method=method))


@api_router.get("/clusters/exposure", tags=["clusters"], responses=_ERRORS)
def clusters_exposure(
    date: str | None = _DATE,
    metric: str = Query("h100e", max_length=20, description="Weight of each system: h100e, flop_per_s_16bit, ..."),
    whatif_tpp: float | None = Query(None, description="Hypothetical control: TPP threshold (positive)."),
    whatif_pd: float | None = Query(None, description="Hypothetical control: performance-density threshold (with whatif_tpp)."),
    set_: str = _SET, country: str | None = _COUNTRY,
) -> dict[str, Any]:
    """Each country's share of compute on chips controlled today, then, and under a what-if (= `clusters exposure --json`)."""
    from computegov.web.cluster_views import exposure_view

    return _answer(lambda: exposure_view(set_=set_, date=date, metric=metric, whatif_tpp=whatif_tpp,
                                         whatif_pd=whatif_pd, country=country))


def _num(description: str) -> Any:
    return Query(None, description=f"{description} (overrides the preset; fixes the value, no range).")


@api_router.get("/supply/estimate", tags=["supply"], responses=_ERRORS)
def supply_estimate(
    preset: str = Query("tsmc-n4-reticle", max_length=40, description="tsmc-n4-reticle or smic-7nm."),
    die_area_mm2: float | None = _num("Logic die area, mm^2"),
    wafer_diameter_mm: float | None = _num("Wafer diameter, mm"),
    edge_exclusion_mm: float | None = _num("Edge exclusion, mm"),
    defect_density_per_cm2: float | None = _num("Fatal defect density D0, per cm^2"),
    yield_model: str | None = Query(None, max_length=20, description="poisson, murphy or negative-binomial."),
    alpha: float | None = _num("Negative-binomial clustering parameter (> 0)"),
    wafer_starts_per_month: float | None = _num("Logic wafer starts per month"),
    dies_per_package: float | None = _num("Logic dies per accelerator"),
    hbm_stacks_per_package: float | None = _num("HBM stacks per accelerator"),
    hbm_stacks_per_year: float | None = _num("HBM stacks available per year"),
    packaging_wafers_per_month: float | None = _num("2.5D interposer wafers per month"),
    interposer_area_mm2: float | None = _num("Interposer area per package, mm^2"),
    packaging_yield: float | None = _num("Packaging yield, a fraction 0-1"),
    samples: int | None = Query(None, description="Monte Carlo draws, 100 to 100,000 (default 10,000)."),
    seed: int | None = _SEED,
) -> dict[str, Any]:
    """Accelerators per year from wafer starts: each stage's capacity, the binding one, a 90 % interval."""
    from computegov.web.cluster_views import supply_view

    raw = {k: v for k, v in locals().items() if k != "supply_view"}
    return _answer(lambda: supply_view(raw))


@page_router.get("/clusters")
def clusters_page(request: Request) -> Response:
    """AI supercomputers: trends, stocks by country, the calibrated forecast, exposure, supply calculator."""
    from computegov.web.cluster_page import page

    return page(request)

