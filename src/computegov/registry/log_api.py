"""The transparency log's JSON API under ``/api/v1/log`` (RFC 6962 section 4, in JSON).

All reads, no token. Hashes are hex, the tree head's signature base64 (see
:mod:`computegov.registry.treehead` for the signed bytes). A size or index outside the log, or a
first size above the second, is **422** with ``detail`` saying which; never a 500.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from computegov.registry.store import Store
from computegov.registry.translog import MAX_LEAVES_PER_PAGE

__all__ = ["budget_router", "router"]

router = APIRouter(prefix="/api/v1/log", tags=["transparency log"])
budget_router = APIRouter(prefix="/api/v1", tags=["audit"])
_MAX = 2**62


class LogProblem(BaseModel):
    """An error answer."""

    detail: str


_BAD: dict[int | str, dict[str, Any]] = {422: {"model": LogProblem, "description": "a size or index outside the log, or first > second"}}


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


@router.get("/checkpoint", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}, "description": "a C2SP tlog-checkpoint signed note"}})
def checkpoint(request: Request) -> PlainTextResponse:
    """The latest checkpoint as a C2SP signed note (c2sp.org/tlog-checkpoint).

    Origin line, tree size, base64 root hash, a blank line, then the log's Ed25519 note signature,
    its timestamped ``cosignature/v1`` signature (the signing time), and any witness cosignatures.
    Re-signed when the log grew or the last one is older than the checkpoint interval (300 s).
    """
    return PlainTextResponse(_store(request).checkpoint(), media_type="text/plain; charset=utf-8",
                             headers={"Cache-Control": "no-store"})


@router.get("/receipt", responses=_BAD)
def receipt(
    request: Request,
    index: Annotated[int, Query(ge=0, le=_MAX, description="0-based leaf index")],
) -> dict[str, Any]:
    """An offline receipt of a leaf: its exact entry, an inclusion proof (base64) and a checkpoint holding it.

    Verify it with ``computegov log verify-receipt RECEIPT --log-key VKEY`` (no server needed).
    """
    return _store(request).receipt(index).to_dict()


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


@budget_router.get("/audit-budget", responses={404: {"model": LogProblem, "description": "unknown chip"},
                                               422: {"model": LogProblem, "description": "a value out of range"}})
def audit_budget(
    segments: Annotated[int, Query(ge=1, le=10**9, description="segments (checkpoint to checkpoint) in the run")],
    fake_fraction: Annotated[float, Query(gt=0, le=1, description="share of segments faked")] = 0.01,
    delta: Annotated[float, Query(gt=0, lt=1, description="accepted chance of missing the fake")] = 0.05,
    total_flop: Annotated[float | None, Query(gt=0, lt=1e40, description="the run's FLOP (for the cost)")] = None,
    chip: Annotated[str | None, Query(max_length=100, description="chip to replay on, e.g. H100")] = None,
) -> dict[str, Any]:
    """Segments to replay so a run that faked ``fake_fraction`` of them is caught with probability >= 1 - delta.

    Hypergeometric: the smallest n with C(N-K, n) / C(N, n) <= delta, K = ceil(f N); with
    ``total_flop`` and ``chip``, the replay's chip-hours, energy (J) and USD from the cost model.
    """
    from computegov.registry.auditbudget import audit_budget as budget

    chip_obj = None
    if chip is not None:
        from computegov.catalog import load_catalog

        chip_obj = load_catalog().get(chip)
    return budget(segments, fake_fraction, delta, total_flop=total_flop, chip=chip_obj).to_dict()
