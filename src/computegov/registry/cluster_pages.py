"""Where the compute is: the AI-supercomputer headline as a JSON endpoint and a dashboard page.

The same numbers as ``computegov clusters summary --json`` (:func:`computegov.clusters.summary.headline`):
doubling times of the leading systems' 16-bit performance, power and hardware cost with their
bootstrap intervals, and each country's share of the operational systems' performance on a date.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from computegov.errors import ComputegovError

__all__ = ["api_router", "page_router", "summary"]

api_router = APIRouter(prefix="/api/v1")
page_router = APIRouter(include_in_schema=False)

#: Inclusive range of stock dates the table covers sensibly (its systems start operating in 2012
#: and it was snapshotted in 2025; later dates only repeat the last stock).
_FIRST, _LAST = dt.date(2015, 1, 1), dt.date(2030, 12, 31)


@functools.lru_cache(maxsize=16)
def summary(date: str, set_: str, seed: int) -> dict[str, Any]:
    """The headline for one (date, set, seed), cached: the bootstrap takes about a second.

    Raises:
        InputError: a malformed date or set, or a date outside 2015-2030.
    """
    from computegov.clusters.summary import headline
    from computegov.errors import InputError

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(f"date: expected YYYY-MM-DD, got {date!r}") from None
    if not _FIRST <= day <= _LAST:
        raise InputError(f"date: expected a date from {_FIRST} to {_LAST}, got {date}")
    if set_ not in ("standard", "all"):
        raise InputError(f"set: expected 'standard' or 'all', got {set_!r}")
    return headline(date=day, set_=set_, seed=seed)


def _defaults() -> tuple[str, int]:
    from computegov.clusters.summary import DEFAULT_DATE
    from computegov.report.section import DEFAULT_SEED  # the CLI's and the report's seed

    return DEFAULT_DATE.isoformat(), DEFAULT_SEED


@api_router.get("/clusters/summary", tags=["clusters"], responses={422: {"description": "invalid input"}})
def clusters_summary(
    date: str | None = Query(None, max_length=10, description="Stock date, YYYY-MM-DD (default 2025-03-01)."),
    set_: str = Query("standard", alias="set", max_length=10, description="standard or all."),
    seed: int | None = Query(None, ge=0, le=2**63 - 1, description="Bootstrap seed (default: the CLI's)."),
) -> dict[str, Any]:
    """Leading-system doubling times with intervals and country shares (Epoch AI, GPU Clusters, CC-BY 4.0)."""
    default_date, default_seed = _defaults()
    try:
        return summary(date or default_date, set_, default_seed if seed is None else seed)
    except ComputegovError as err:
        raise HTTPException(status_code=422, detail=str(err)) from err


@page_router.get("/clusters", response_class=HTMLResponse)
def clusters_page(request: Request) -> Response:
    """AI supercomputers: leading-system trends and who holds the compute."""
    from computegov.registry.pages import render

    raw = {k: v for k, v in request.query_params.items() if v}
    default_date, default_seed = _defaults()
    error = None
    result = None
    try:
        result = summary(raw.get("date", default_date), raw.get("set", "standard"), default_seed)
    except ComputegovError as err:
        error = str(err)
    return render(request, "clusters.html", 422 if error else 200, title="AI supercomputers",
                  raw=raw, result=result, error=error, default_date=default_date)
