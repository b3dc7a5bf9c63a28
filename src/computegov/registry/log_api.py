"""The transparency log's JSON API under ``/api/v1/log`` (RFC 6962 section 4, in JSON).

All reads, no token. Hashes are hex, the tree head's signature base64 (see
:mod:`computegov.registry.treehead` for the signed bytes). A size or index outside the log, or a
first size above the second, is **422** with ``detail`` saying which; never a 500.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from computegov.registry.store import Store
from computegov.registry.translog import MAX_LEAVES_PER_PAGE

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/log", tags=["transparency log"])
_MAX = 2**62


class LogProblem(BaseModel):
    """An error answer."""

    detail: str


_BAD = {422: {"model": LogProblem, "description": "a size or index outside the log, or first > second"}}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/sth")
def signed_tree_head(request: Request) -> dict[str, Any]:
    """The latest signed tree head: ``tree_size``, ``root_hash`` (hex), ``timestamp_ms``, ``keyid``, ``signature``.

    The signature is Ed25519 over RFC 6962's TreeHeadSignature bytes (version 0, type 1,
    timestamp, tree size, root), by the key at ``/api/v1/log/key``.
    """
    return _store(request).signed_tree_head().to_dict()


@router.get("/key")
def log_key(request: Request) -> dict[str, str]:
    """The registry's log public key (``keyid``: SHA-256 of its DER SubjectPublicKeyInfo); pin it."""
    return _store(request).log_public_key()


@router.get("/proof/inclusion", responses=_BAD)
def inclusion_proof(
    request: Request,
    index: Annotated[int, Query(ge=0, le=_MAX, description="0-based leaf index")],
    tree_size: Annotated[int, Query(ge=1, le=_MAX, description="size of a signed tree head")],
) -> dict[str, Any]:
    """Audit path (hex, leaf first) of leaf ``index`` in the tree of ``tree_size`` leaves."""
    return _store(request).inclusion_proof(index, tree_size)


@router.get("/proof/consistency", responses=_BAD)
def consistency_proof(
    request: Request,
    first: Annotated[int, Query(ge=1, le=_MAX, description="the older tree size")],
    second: Annotated[int, Query(ge=1, le=_MAX, description="the newer tree size (>= first)")],
) -> dict[str, Any]:
    """Consistency proof (hex) that the tree of ``first`` leaves is a prefix of that of ``second``."""
    return _store(request).consistency_proof(first, second)


@router.get("/leaves", responses=_BAD)
def leaves(
    request: Request,
    start: Annotated[int, Query(ge=0, le=_MAX)],
    end: Annotated[int, Query(ge=0, le=_MAX, description=f"exclusive; at most start + {MAX_LEAVES_PER_PAGE}")],
) -> dict[str, Any]:
    """Leaves ``[start, end)``: index, kind, subject, the exact canonical entry text hashed, leaf hash."""
    return {"leaves": [leaf.to_dict() for leaf in _store(request).log_leaves(start, end)]}


@router.get("/heads")
def tree_heads(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Every tree head the registry signed, largest first."""
    return {"heads": [h.to_dict() for h in _store(request).tree_heads(limit=limit)]}
