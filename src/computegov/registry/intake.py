"""Taking in a report: parse, establish the signer, verify, store; the API's POST in one function.

:func:`submit_report` is the whole path a submission takes, in order, so that every way into the
registry (the JSON API, a script holding a :class:`~computegov.registry.store.Store`) applies the
same rules:

1. :func:`~computegov.registry.submission.parse_submission` (422 on anything malformed, too deep
   or duplicated, naming the field);
2. :func:`~computegov.registry.signers.resolve_signer`: one of the organisation's live registered
   keys must have signed the envelope, else :class:`~computegov.registry.errors.ForbiddenError`
   (403, naming the key id); this comes before any lookup by digest, so a report signed by
   someone else's key is refused however it was submitted before;
3. an already-stored report of the same organisation is returned unchanged (idempotent);
4. the verifier runs with the registered key as the trusted key; a verdict the verifier marks
   unusable is refused (422); otherwise the verdict and its outcome (verified, failed or
   incomplete) are stored with the signer's key id.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from computegov.jsonsafe import json_safe as jsonsafe
from computegov.registry.errors import SubmissionError
from computegov.registry.organisations import OrgInfo
from computegov.registry.reports import SubmitOutcome
from computegov.registry.signers import SignerKey, envelope_keyids, resolve_signer
from computegov.registry.store import Store
from computegov.registry.submission import ParsedSubmission, parse_submission
from computegov.registry.verification import Verifier, outcome_of, verifier_name

__all__ = ["registered_signer", "submit_report"]


def registered_signer(store: Store, org: OrgInfo, parsed: ParsedSubmission) -> SignerKey:
    """The organisation's live registered key that signed the report.

    Raises:
        ForbiddenError: (403) no such key signed it; the message and ``keyid`` name the signer.
    """
    named = envelope_keyids(parsed.envelope, parsed.statement)
    return resolve_signer(
        org.name,
        parsed.envelope,
        parsed.statement,
        [k.signer() for k in store.list_keys(org.name, live_only=True)],
        {kid: k.signer() for kid, k in store.find_keys(named).items()},
        hint_pem=parsed.public_key_pem,
    )


def submit_report(store: Store, org: OrgInfo, body: Any, verifier: Verifier) -> SubmitOutcome:
    """Validate, attribute, verify and store one submission (see the module docstring).

    Args:
        store: the registry database.
        org: the submitting organisation (from its API token).
        body: the request's JSON: ``{"envelope": ..., "ledger": ..., "public_key": ...}``.
        verifier: verifies the report (``verifier(parsed) -> verdict``).

    Returns:
        Whether the report was newly stored, and the stored record.

    Raises:
        SubmissionError: (422) malformed, or unusable to the verifier.
        ForbiddenError: (403) not signed by a key registered to ``org``.
        ConflictError: (409) another organisation holds this report.
    """
    parsed = parse_submission(body)
    signer = registered_signer(store, org, parsed)
    existing = store.check_submittable(org, parsed.digest_sha256, signer.keyid)
    if existing is not None:
        return existing
    parsed = dataclasses.replace(parsed, public_key_pem=signer.public_key_pem)
    verdict = verifier(parsed)
    verdict_dict = jsonsafe(verdict.to_dict())
    unusable = [c for c in verdict_dict.get("checks", []) if isinstance(c, dict) and c.get("unusable")]
    if unusable:  # the verifier could not read it: refuse rather than store noise
        summary = "; ".join(f"{c.get('name')}: {c.get('summary', '')}" for c in unusable)
        raise SubmissionError("envelope", f"the verifier cannot use this report: {summary}")
    outcome, partial = outcome_of(verdict, verdict_dict)
    return store.submit(
        org, parsed, verdict_dict, verdict_ok=verdict.ok is True, verifier=verifier_name(verifier),
        outcome=outcome, partial=partial, signer_keyid=signer.keyid,
    )
