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
3. *every* signature on the envelope must verify under one of the organisation's live keys, and a
   signer the Statement names (``predicate.signer.keyid``) must be the key that signed it (403):
   nobody can append a signature to another organisation's envelope, or re-sign its Statement;
4. the report's identity is its payload digest
   (:attr:`~computegov.registry.submission.ParsedSubmission.payload_sha256`): the same payload
   held by another organisation is refused (409) whatever signatures come with it; held by the
   same organisation under another envelope, the stored report is returned (200);
5. an already-stored report of the same organisation is returned unchanged (idempotent);
6. the verifier runs with the registered key as the trusted key; a verdict the verifier marks
   unusable is refused (422); otherwise the verdict and its outcome (verified, failed or
   incomplete) are stored with the signer's key id. Everything up to here runs outside any
   database lock; the store then takes the log's lock once per *group* of concurrent
   submissions (:meth:`~computegov.registry.reports.Reports.submit`'s group commit).

Each step's wall time is recorded as a phase of the request (:mod:`computegov.registry.timings`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from computegov.jsonsafe import json_safe as jsonsafe
from computegov.registry.errors import ConflictError, ForbiddenError, SubmissionError
from computegov.registry.models import Organisation, Report
from computegov.registry.organisations import OrgInfo
from computegov.registry.reportinfo import SubmitOutcome
from computegov.registry.signers import (
    SignerKey,
    envelope_keyids,
    resolve_signer,
    unverified_signatures,
)
from computegov.registry.store import Store
from computegov.registry.submission import ParsedSubmission, parse_submission
from computegov.registry.timings import phase
from computegov.registry.verification import Verifier, outcome_of, verifier_name

__all__ = ["PayloadHolder", "check_every_signature", "is_plain_json", "payload_holder", "registered_signer",
           "submit_report"]


class _KeysOnDemand(Mapping[str, SignerKey]):
    """Registered keys by id, looked up only when asked (only a refusal needs them: no query on success)."""

    def __init__(self, store: Store, keyids: list[str]) -> None:
        self._store, self._keyids = store, keyids
        self._found: dict[str, SignerKey] | None = None

    def _keys(self) -> dict[str, SignerKey]:
        if self._found is None:
            self._found = {kid: k.signer() for kid, k in self._store.find_keys(self._keyids).items()}
        return self._found

    def __getitem__(self, keyid: str) -> SignerKey:
        return self._keys()[keyid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


def registered_signer(store: Store, org: OrgInfo, parsed: ParsedSubmission,
                      live_keys: list[SignerKey] | None = None) -> SignerKey:
    """The organisation's live registered key that signed the report.

    Args:
        store: the registry database.
        org: the submitting organisation.
        parsed: the validated submission.
        live_keys: ``org``'s live keys, when the caller has read them already.

    Raises:
        ForbiddenError: (403) no such key signed it; the message and ``keyid`` name the signer.
    """
    named = envelope_keyids(parsed.envelope, parsed.statement)
    own = live_keys if live_keys is not None else [k.signer() for k in store.list_keys(org.name, live_only=True)]
    return resolve_signer(org.name, parsed.envelope, parsed.statement, own, _KeysOnDemand(store, named),
                          hint_pem=parsed.public_key_pem)


def check_every_signature(org: OrgInfo, parsed: ParsedSubmission, signer: SignerKey,
                          live_keys: list[SignerKey]) -> None:
    """Every signature verifies under one of ``org``'s live keys; the Statement's named signer is ``signer``.

    Raises:
        ForbiddenError: (403) a signature that is not the submitter's (the message names its index
            and key id), or a Statement that names another key as its signer.
    """
    foreign = unverified_signatures(parsed.envelope, [k.public_key_pem for k in live_keys])
    if foreign:
        index, keyid = foreign[0]
        raise ForbiddenError(
            f"envelope.signatures[{index}] (keyid {keyid or '(none)'}) does not verify under a live key "
            f"registered to {org.name!r} with that key id: every signature on a submitted report must verify and be the "
            "submitter's (an appended signature does not make another organisation's report yours)",
            keyid=keyid or None,
        )
    predicate = parsed.statement.get("predicate")
    named = predicate.get("signer") if isinstance(predicate, dict) else None
    named_keyid = named.get("keyid") if isinstance(named, dict) else None
    if isinstance(named_keyid, str) and named_keyid and named_keyid != signer.keyid:
        raise ForbiddenError(
            f"the report names key {named_keyid} as its signer (predicate.signer.keyid) but was signed by "
            f"{signer.keyid}: a Statement can only be submitted signed by the key it names",
            keyid=named_keyid,
        )


@dataclasses.dataclass(frozen=True)
class PayloadHolder:
    """The stored report that holds a payload: its envelope digest, organisation and flag."""

    digest_sha256: str
    organisation: str
    flag: str | None


def is_plain_json(obj: Any) -> bool:
    """True when ``obj`` is made only of dicts with str keys, lists, str, int, bool, None and finite floats.

    Exact types, no subclasses (a numpy float, a tuple, an object with ``to_dict``): for such a
    value :func:`computegov.jsonsafe.json_safe` returns an equal copy, so it need not run.
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if not all(type(k) is str for k in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif not (kind is str or kind is int or kind is bool or item is None):
            return False
    return True


#: Built once with bound parameters: SQLAlchemy's compiled-statement cache serves every submission.
_HOLDER_QUERY = (select(Report.digest_sha256, Report.payload_sha256, Organisation.name, Report.flag)
                 .join(Organisation, Report.organisation_id == Organisation.id)
                 .where(or_(Report.payload_sha256 == bindparam("payload_sha256"),
                            Report.digest_sha256 == bindparam("digest_sha256"))))


def payload_holder(store: Store, payload_sha256: str, digest_sha256: str = "") -> PayloadHolder | None:
    """The stored report whose payload digest is ``payload_sha256``, or None.

    With ``digest_sha256``, a stored report with that envelope digest answers too (a row stored
    before migration 0004 whose payload digest was left empty), so one query tells whether the
    submission is new.
    """
    if not payload_sha256 and not digest_sha256:
        return None
    with store._read() as session:  # four columns, no ORM objects: this runs on every submission
        rows = session.execute(_HOLDER_QUERY, {"payload_sha256": payload_sha256, "digest_sha256": digest_sha256}).all()
    if not rows:
        return None
    row = next((r for r in rows if r[1] == payload_sha256), rows[0])
    return PayloadHolder(str(row[0]), str(row[2]), row[3])


def _by_payload(store: Store, org: OrgInfo, parsed: ParsedSubmission, signer: SignerKey,
                holder: PayloadHolder | None) -> SubmitOutcome | None:
    """The answer when the report is stored already: the stored report (same organisation) or 409.

    Returns None for a new report (``holder`` is None: :func:`payload_holder` found nothing), or
    when the stored row is this very envelope held under a ``flag`` by another organisation (its
    proven signer reclaims it).
    """
    if holder is None:
        return None
    if holder.digest_sha256 == parsed.digest_sha256 and (holder.organisation == org.name or holder.flag):
        return store.check_submittable(org, parsed.digest_sha256, signer.keyid)
    if holder.organisation != org.name:
        if holder.flag is not None and holder.digest_sha256 == parsed.digest_sha256:
            return None  # a flagged legacy row: its proven signer reclaims it (Reports.submit)
        raise ConflictError(
            f"this report's payload (sha256 {parsed.payload_sha256}) was already submitted by another "
            f"organisation as report {holder.digest_sha256}; a report's identity is its payload, so signatures "
            "added to or re-made over it do not make it another report"
        )
    return store.check_submittable(org, holder.digest_sha256, signer.keyid)


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
        ConflictError: (409) another organisation holds this report (its payload).
    """
    with phase("parse"):
        parsed = parse_submission(body)
    with phase("signer"):
        # read with the token in the same query (Organisations.authenticate), else read now
        live_keys = (list(org.live_keys) if org.live_keys is not None
                     else [k.signer() for k in store.list_keys(org.name, live_only=True)])
        signer = registered_signer(store, org, parsed, live_keys)
        check_every_signature(org, parsed, signer, live_keys)
    with phase("lookup"):
        holder = payload_holder(store, parsed.payload_sha256, parsed.digest_sha256)
        existing = _by_payload(store, org, parsed, signer, holder)
    if existing is not None:
        return existing
    parsed = dataclasses.replace(parsed, public_key_pem=signer.public_key_pem,
                                 key_registered_unix_s=signer.registered_unix_s)
    with phase("verify"):
        verdict = verifier(parsed)
        raw_verdict = verdict.to_dict()
        # already plain JSON (the usual case): json_safe would only copy it
        verdict_dict = raw_verdict if is_plain_json(raw_verdict) else jsonsafe(raw_verdict)
    unusable = [c for c in verdict_dict.get("checks", []) if isinstance(c, dict) and c.get("unusable")]
    if unusable:  # the verifier could not read it: refuse rather than store noise
        summary = "; ".join(f"{c.get('name')}: {c.get('summary', '')}" for c in unusable)
        raise SubmissionError("envelope", f"the verifier cannot use this report: {summary}")
    outcome, partial = outcome_of(verdict, verdict_dict)
    try:
        return store.submit(
            org, parsed, verdict_dict, verdict_ok=verdict.ok is True, verifier=verifier_name(verifier),
            outcome=outcome, partial=partial, signer_keyid=signer.keyid, assume_new=holder is None,
        )
    except IntegrityError:  # the same payload under another envelope was stored meanwhile
        raced = _by_payload(store, org, parsed, signer,
                            payload_holder(store, parsed.payload_sha256, parsed.digest_sha256))
        if raced is None:  # pragma: no cover - an integrity error for another reason
            raise
        return raced
