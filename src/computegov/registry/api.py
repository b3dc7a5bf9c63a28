"""The registry's JSON API under ``/api/v1``: reports, organisations and the audit trail.

The dashboard's endpoints (health, catalogue, compute, trends, policy, plan) are
:mod:`computegov.web.api`; :mod:`computegov.web.app` serves both. Registry endpoints need ``Authorization: Bearer <token>`` to change anything (tokens come from
``computegov registry token create ORG``); reading is public. ``POST /api/v1/reports`` answers
**201** when it stores a new report and **200** when the same organisation resubmits a report
already stored (same envelope digest; nothing changes). A report is accepted only when it is
signed by a key *registered* to the submitting organisation (``computegov registry key add ORG
KEY.pub``): a report signed by an unregistered, revoked or another organisation's key gives
**403** with ``keyid`` naming the signer's key, and so does a ``public_key`` field that is not one
of the organisation's registered keys (the field only *names* a registered key). Another
organisation's stored report gives **409**, a missing or unknown token **401**, a body over the
limit **413**, and an invalid submission **422** with ``detail`` and ``field`` naming what was
wrong, including JSON nested deeper than 64 levels or with a duplicate key, in the body, the
DSSE payload or any ledger line (checked before parsing).

Each stored report carries its verdict's ``outcome``: ``verified``, ``failed`` or ``incomplete``
(evidence the report says exists, such as its ledger, was not submitted); only ``verified``
sets ``verdict_ok``.

Each submission's answer carries a ``Server-Timing`` header: the milliseconds its phases took
(:mod:`computegov.registry.timings`), for load tests and operators.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from computegov.compute.measured import measured_threshold_positions
from computegov.jsonsafe import json_safe as jsonsafe
from computegov.registry import intake, timings
from computegov.registry.store import OrgInfo, Store

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")
_bearer = HTTPBearer(
    auto_error=False,
    description="Registry API token of an organisation (`computegov registry token create ORG`).",
)
Digest = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) of the report envelope's canonical JSON")
]


class Signature(BaseModel):
    """One DSSE signature."""

    model_config = ConfigDict(extra="forbid")
    keyid: str = Field("", max_length=256)
    sig: str = Field(..., max_length=1024, description="base64 signature")


class Envelope(BaseModel):
    """A DSSE envelope holding an in-toto Statement v1 (a ComputeReport)."""

    model_config = ConfigDict(extra="forbid")
    payloadType: str = Field(..., max_length=100, examples=["application/vnd.in-toto+json"])
    payload: str = Field(..., description="base64 of the Statement JSON")
    signatures: list[Signature] = Field(..., min_length=1, max_length=16)


class Submission(BaseModel):
    """A compute report to register, with its ledger optionally.

    The report must be signed by a key registered to the submitting organisation.
    """

    model_config = ConfigDict(extra="forbid")
    envelope: Envelope
    ledger: str | None = Field(None, description="the ledger file's text (JSON lines)")
    public_key: str | None = Field(
        None,
        max_length=4096,
        description="optional: names one of the organisation's *registered* keys (PEM or 64 hex) to "
        "check the signature with; never makes a key trusted (an unregistered one gives 403)",
    )


class Problem(BaseModel):
    """An error answer."""

    detail: str
    field: str | None = None
    keyid: str | None = Field(None, description="for 403 on a submission: the signer's key id")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing, unknown or revoked API token"},
    413: {"model": Problem, "description": "request body over the size limit"},
    422: {
        "model": Problem,
        "description": "invalid input; `field` names it (also: JSON nested deeper than 64 levels, "
        "or a duplicate key, in the body, the DSSE payload or a ledger line)",
    },
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def require_org(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> OrgInfo:
    """The organisation whose bearer token came with the request (401 otherwise)."""
    if credentials is None:
        raise HTTPException(
            401,
            "missing API token: send 'Authorization: Bearer <token>' "
            "(create one with: computegov registry token create ORG)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    t0, c0 = time.perf_counter(), time.thread_time()
    org = _store(request).authenticate(credentials.credentials)
    request.state.auth_s = (time.perf_counter() - t0, time.thread_time() - c0)  # (wall, CPU) s: Server-Timing
    if org is None:
        raise HTTPException(401, "unknown or revoked API token", headers={"WWW-Authenticate": "Bearer"})
    return org


# registry ----------------------------------------------------------------------------------


@router.post(
    "/reports",
    status_code=201,
    response_model=dict[str, Any],
    tags=["registry"],
    responses={
        200: {"description": "already stored for this organisation (idempotent resubmission)"},
        403: {
            "model": Problem,
            "description": "not signed by a live key registered to the submitting organisation "
            "(unregistered, revoked or another organisation's key; `keyid` names it), or "
            "`public_key` is not one of its registered keys",
        },
        409: {"model": Problem, "description": "submitted by another organisation"},
        **ERROR_RESPONSES,
    },
)
def submit_report(
    body: Submission, request: Request, response: Response, org: Annotated[OrgInfo, Depends(require_org)]
) -> Response:
    """Submit a compute report signed by one of your organisation's registered keys.

    It is verified on arrival (with that key as the trusted key) and stored with its verdict and
    outcome (verified, failed or incomplete).
    """
    cpu0 = time.thread_time()
    phases = timings.Phases()
    auth_wall_s, auth_cpu_s = getattr(request.state, "auth_s", (0.0, 0.0))
    phases.add("auth", auth_wall_s)
    with timings.recording(phases):
        stored = intake.submit_report(
            _store(request), org, body.model_dump(exclude_unset=True), request.app.state.verifier
        )
    response.headers["Location"] = f"/api/v1/reports/{stored.report.digest_sha256}"
    response.status_code = 201 if stored.created else 200
    t0 = time.perf_counter()
    leaf = stored.report_leaf
    if leaf is None:  # a resubmission: the leaf logged when it was stored
        leaf = _store(request).report_leaves(stored.report.digest_sha256)["report_leaf"]
    # an offline receipt (entry, inclusion proof, a checkpoint that holds the leaf, signed once for
    # every submission waiting for one): computegov log verify-receipt
    receipt = (stored.receipt.to_dict() if stored.receipt is not None  # built by the group commit, from memory
               else None if leaf is None else _store(request).receipt(leaf, note_text=stored.checkpoint_note).to_dict())
    phases.add("receipt", time.perf_counter() - t0)
    phases.add("cpu", auth_cpu_s + time.thread_time() - cpu0)  # this request's threads' CPU (not the HTTP layer's)
    response.headers["Server-Timing"] = phases.header()
    # plain JSON values already: rendered as FastAPI would, without its jsonable_encoder walk
    return JSONResponse({"created": stored.created, "report": stored.report.to_dict(), "receipt": receipt},
                        status_code=response.status_code,
                        headers={"Location": response.headers["Location"], "Server-Timing": response.headers["Server-Timing"]})


@router.get("/reports", tags=["registry"], responses={422: ERROR_RESPONSES[422]})
def list_reports(
    request: Request,
    organisation: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Registered reports, newest first (withdrawn ones included and marked)."""
    reports, total = _store(request).list_reports(organisation=organisation, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "reports": [r.to_dict() for r in reports]}


@router.get("/reports/{digest}", tags=["registry"], responses={404: {"model": Problem}, 422: ERROR_RESPONSES[422]})
def get_report(request: Request, digest: Digest) -> dict[str, Any]:
    """One report: its verdict, the envelope, its position against each threshold, and its log leaves."""
    report = _store(request).get_report(digest)
    out = report.to_dict(full=True)
    out["thresholds"] = measured_threshold_positions(report.total_flop)
    out["log"] = _store(request).report_leaves(digest)  # its leaves in /api/v1/log
    return jsonsafe(out)


@router.get("/reports/{digest}/ledger", tags=["registry"], responses={404: {"model": Problem}})
def get_report_ledger(request: Request, digest: Digest) -> Response:
    """The ledger submitted with a report (JSON lines), 404 when none was."""
    text = _store(request).get_ledger(digest)
    if text is None:
        raise HTTPException(404, f"report {digest} was submitted without a ledger")
    return Response(text, media_type="application/x-ndjson")


@router.delete(
    "/reports/{digest}",
    tags=["registry"],
    responses={403: {"model": Problem}, 404: {"model": Problem}, **ERROR_RESPONSES},
)
def withdraw_report(
    request: Request, digest: Digest, org: Annotated[OrgInfo, Depends(require_org)]
) -> dict[str, Any]:
    """Withdraw one of your organisation's reports (it stays listed, marked withdrawn)."""
    return _store(request).withdraw(org, digest).to_dict()


@router.get("/organisations", tags=["registry"])
def list_organisations(request: Request) -> list[dict[str, Any]]:
    """Organisations known to the registry."""
    return [o.to_dict() for o in _store(request).list_orgs()]


@router.get("/audit", tags=["registry"], responses={422: ERROR_RESPONSES[422]})
def audit_log(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """The audit trail: every change to the registry, newest first."""
    return [a.to_dict() for a in _store(request).audit_log(limit=limit, offset=offset)]
