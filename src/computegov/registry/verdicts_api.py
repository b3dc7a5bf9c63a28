"""Independent verifiers' counter-verdicts: ``/api/v1/reports/{digest}/verdicts``.

``POST`` (a verifier organisation's token) stores a DSSE envelope signed by one of its registered
keys (payload type ``application/vnd.computegov.counter-verdict+json``, see
:mod:`computegov.registry.verifiers`) and logs it: **201**, superseding the verifier's previous
counter-verdict on the report (``supersedes`` names its leaf); **200** with nothing logged when it
is identical to the verifier's live one; not a verifier, or a signature that is not its key's
**403**; no such report **404**; a malformed payload (too deep, a duplicate key, out of range)
**422**. ``GET`` lists every counter-verdict on the report, oldest first, each with ``live``
(the verifier's latest), the registry's verdict, and ``conflicting``, true when the registry's
outcome and the live counter-verdicts' disagree.

``/api/v1/reports/{digest}/claims``: ``POST`` (a verifier organisation's token, no body) logs that
it audits the report, as a ``claim`` leaf: **201**, or **200** with the first claim when the
organisation claimed it before; not a verifier **403**; no such report **404**. ``GET`` lists the
claims and, per verifier, whether it posted a verdict yet.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict

from computegov.registry.api import Digest, Envelope, Problem, require_org
from computegov.registry.store import OrgInfo, Store

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["verifiers"])


class CounterVerdictBody(BaseModel):
    """A counter-verdict: a DSSE envelope signed by one of the verifier's registered keys."""

    model_config = ConfigDict(extra="forbid")
    envelope: Envelope


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def verdicts_of(store: Store, digest: str) -> dict[str, Any]:
    """The registry's verdict and every counter-verdict on a report, and whether they conflict."""
    report = store.get_report(digest, full=False)
    counters = [c.to_dict() for c in store.counter_verdicts(digest)]
    outcomes = {report.outcome, *(c["outcome"] for c in counters if c["live"])}
    return {"registry": {"outcome": report.outcome, "verifier": report.verifier},
            "counter_verdicts": counters, "conflicting": len(outcomes) > 1,
            "claims": [c.to_dict() for c in store.claims(digest)]}


@router.post("/reports/{digest}/verdicts", status_code=201, responses={
    200: {"description": "identical to this verifier's live counter-verdict: nothing logged"},
    401: {"model": Problem}, 403: {"model": Problem, "description": "not a verifier, or not signed by its key"},
    404: {"model": Problem}, 422: {"model": Problem}})
def post_counter_verdict(request: Request, response: Response, digest: Digest, body: CounterVerdictBody,
                         org: Annotated[OrgInfo, Depends(require_org)]) -> dict[str, Any]:
    """Post a verifier's signed counter-verdict (logged; supersedes only this verifier's previous one)."""
    store = _store(request)
    posted = store.post_counter_verdict(org, digest, body.envelope.model_dump(exclude_unset=True))
    response.status_code = 201 if posted.created else 200
    return {"counter_verdict": posted.to_dict(), **verdicts_of(store, digest)}


@router.get("/reports/{digest}/verdicts", responses={404: {"model": Problem}, 422: {"model": Problem}})
def list_verdicts(request: Request, digest: Digest) -> dict[str, Any]:
    """The registry's verdict and every verifier's, with ``conflicting`` when outcomes disagree."""
    return verdicts_of(_store(request), digest)


@router.post("/reports/{digest}/claims", status_code=201, responses={
    200: {"description": "claimed before by this organisation: the first claim"},
    401: {"model": Problem}, 403: {"model": Problem, "description": "not a verifier organisation"},
    404: {"model": Problem}, 422: {"model": Problem}})
def claim_report(request: Request, response: Response, digest: Digest,
                 org: Annotated[OrgInfo, Depends(require_org)]) -> dict[str, Any]:
    """Claim a report for audit (a verifier organisation; logged once per organisation)."""
    claim = _store(request).claim_report(org, digest)
    response.status_code = 201 if claim.created else 200
    return {"created": claim.created, "claim": claim.to_dict()}


@router.get("/reports/{digest}/claims", responses={404: {"model": Problem}, 422: {"model": Problem}})
def list_claims(request: Request, digest: Digest) -> dict[str, Any]:
    """Every verifier's claim on a report and, per verifier, its verdicts and whether it posted one."""
    store = _store(request)
    return {"claims": [c.to_dict() for c in store.claims(digest)], "verifiers": store.independent_audits(digest)}
