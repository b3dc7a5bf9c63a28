"""The dashboard's JSON API under ``/api/v1``.

Health, the catalogue and one thin endpoint per public library function (compute check, trends,
policy, planning).

The registry's own endpoints (reports, organisations, audit trail, the log) live in
:mod:`computegov.registry.api`; :mod:`computegov.web.app` serves both from one process.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from computegov.registry.api import ERROR_RESPONSES, Problem
from computegov.registry.store import Store
from computegov.web import features
from computegov.web.views import CHIP_KINDS, SORT_KEYS, ChipQuery, jsonsafe, query_chips

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# health ------------------------------------------------------------------------------------


@router.get("/health", tags=["meta"])
def health(request: Request) -> dict[str, Any]:
    """Liveness, the database backend and which library modules this build has."""
    return {
        "status": "ok",
        "database": _store(request).dialect,
        "features": features.available(),
    }


# catalogue ---------------------------------------------------------------------------------


@router.get("/chips", tags=["catalogue"], responses={422: ERROR_RESPONSES[422]})
def list_chips(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="substring of name, alias or manufacturer")] = "",
    kind: Annotated[Literal["", "gpu", "tpu", "npu", "asic", "cpu", "other"], Query()] = "",
    manufacturer: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[float | None, Query(ge=1950, le=2100)] = None,
    until: Annotated[float | None, Query(ge=1950, le=2100)] = None,
    datacenter: bool | None = None,
    sort: Annotated[str, Query(description=f"one of {', '.join(SORT_KEYS)}")] = "release_date",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Query the catalogue (``Catalog.filter`` plus search, sort and paging)."""
    assert kind in ("", *CHIP_KINDS)
    chips, total = query_chips(
        request.app.state.catalog_loader(),
        ChipQuery(q, kind, manufacturer, since, until, datacenter, sort, order == "desc", limit, offset),
    )
    return jsonsafe({"total": total, "chips": [c.to_dict() for c in chips]})


@router.get("/chip", tags=["catalogue"], responses={404: {"model": Problem}, 422: ERROR_RESPONSES[422]})
def chip_detail(
    request: Request, name: Annotated[str, Query(min_length=1, max_length=200, description="any name or alias")]
) -> dict[str, Any]:
    """One chip (forgiving name lookup, ``Catalog.get``), every field with its source."""
    return jsonsafe(request.app.state.catalog_loader().get(name).to_dict())


features.add_api_routes(router)
