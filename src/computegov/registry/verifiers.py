"""Independent verifiers: organisations of kind ``verifier`` post signed counter-verdicts on reports.

A verifier (a university lab, an auditor) replays a report (``computegov replay``) and posts a DSSE
envelope, signed by one of its registered keys, whose payload (``COUNTER_VERDICT_TYPE``) says::

    {"report": DIGEST, "outcome": "verified" | "failed" | "incomplete",
     "segments_replayed": n, "segments_total": N or null, "chip_hours": h or null, "method": "..."}

Each counter-verdict is stored beside the registry's own verdict (never replacing it, nor another
verifier's) and appended to the transparency log as a ``counter`` leaf in the same transaction.
When the outcomes on a report disagree, every one of them is shown and the report is flagged as
*conflicting*.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from computegov.errors import InputError
from computegov.registry.database import aware
from computegov.registry.errors import ForbiddenError, NotFoundError, SubmissionError
from computegov.registry.keys import SigningKeys
from computegov.registry.logentries import canonical_bytes, sha256_hex
from computegov.registry.logstore import append_entry
from computegov.registry.models import OUTCOMES, CounterVerdict, Organisation, Report, utcnow
from computegov.registry.organisations import OrgInfo
from computegov.registry.signers import signed_by

__all__ = ["COUNTER_VERDICT_TYPE", "ORG_KINDS", "CounterVerdictInfo", "Verifiers", "parse_counter_payload"]

COUNTER_VERDICT_TYPE = "application/vnd.computegov.counter-verdict+json"
ORG_KINDS = ("lab", "verifier")
_MAX_PAYLOAD_BYTES = 16_384


@dataclasses.dataclass(frozen=True)
class CounterVerdictInfo:
    """A verifier's verdict on a report (``chip_hours`` in chip-hours, ``created_at`` UTC)."""

    report: str
    organisation: str
    signer_keyid: str
    outcome: str
    payload: dict[str, Any]
    leaf_index: int
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self) | {"created_at": self.created_at.isoformat()}


def parse_counter_payload(envelope: Mapping[str, Any], digest: str) -> dict[str, Any]:
    """The counter-verdict payload of a DSSE envelope, checked.

    Raises:
        SubmissionError: wrong type, undecodable, or a field out of range (HTTP 422).
    """
    if envelope.get("payloadType") != COUNTER_VERDICT_TYPE:
        raise SubmissionError("envelope.payloadType", f"expected {COUNTER_VERDICT_TYPE}")
    try:
        raw = base64.b64decode(str(envelope.get("payload", "")), validate=True)
        if len(raw) > _MAX_PAYLOAD_BYTES:
            raise ValueError(f"over {_MAX_PAYLOAD_BYTES} bytes")
        payload = json.loads(raw)
    except (ValueError, binascii.Error) as err:
        raise SubmissionError("envelope.payload", f"not base64 of a JSON object ({err})") from None
    if not isinstance(payload, dict) or payload.get("report") != digest:
        raise SubmissionError("envelope.payload.report", f"must name this report ({digest})")
    if payload.get("outcome") not in OUTCOMES:
        raise SubmissionError("envelope.payload.outcome", f"expected one of {', '.join(OUTCOMES)}")
    for name in ("segments_replayed", "segments_total"):
        value = payload.get(name)
        if value is not None and not (isinstance(value, int) and 0 <= value < 10**9):
            raise SubmissionError(f"envelope.payload.{name}", "expected a whole number >= 0 or null")
    hours = payload.get("chip_hours")
    if hours is not None and not (isinstance(hours, int | float) and 0 <= hours < 1e12):
        raise SubmissionError("envelope.payload.chip_hours", "expected a number >= 0 or null")
    if not isinstance(payload.get("method", ""), str) or len(payload.get("method", "")) > 500:
        raise SubmissionError("envelope.payload.method", "expected text of at most 500 characters")
    return payload


class Verifiers(SigningKeys):
    """The verifier part of :class:`~computegov.registry.store.Store`."""

    def set_org_kind(self, name: str, kind: str, *, actor: str = "admin") -> OrgInfo:
        """Make ``name`` a ``lab`` or a ``verifier`` (creating it if needed); audited and logged.

        Raises:
            InputError: ``kind`` is not one of :data:`ORG_KINDS`.
        """
        if kind not in ORG_KINDS:
            raise InputError(f"organisation kind {kind!r}: expected one of {', '.join(ORG_KINDS)}")
        org = self.ensure_org(name, actor=actor)
        with self._write() as session:
            row = session.get(Organisation, org.id)
            assert row is not None
            if row.kind != kind:
                row.kind = kind
                self._audit(session, actor, "org.kind", "organisation", name, kind=kind)
        return org

    def org_kind(self, name: str) -> str:
        """``lab`` or ``verifier``."""
        with self._read() as session:
            kind = session.scalar(select(Organisation.kind).where(Organisation.name == name))
            if kind is None:
                raise NotFoundError(f"no organisation named {name!r}")
            return str(kind)

    def post_counter_verdict(self, org: OrgInfo, digest: str, envelope: Mapping[str, Any]) -> CounterVerdictInfo:
        """Store and log a verifier's signed counter-verdict on report ``digest``.

        Raises:
            ForbiddenError: ``org`` is not a verifier, or no live key registered to it signed it.
            NotFoundError: no such report.
            SubmissionError: a malformed payload.
        """
        if self.org_kind(org.name) != "verifier":
            raise ForbiddenError(f"{org.name} is not a verifier organisation "
                                 "(the operator runs: computegov registry org-kind ORG verifier)")
        payload = parse_counter_payload(envelope, digest)
        signer = next((k for k in self.list_keys(org.name, live_only=True) if signed_by(envelope, k.public_key_pem)),
                      None)
        if signer is None:
            raise ForbiddenError(f"counter-verdict not signed by a live key registered to {org.name}")
        now = utcnow()
        with self._write() as session:
            report = session.scalar(select(Report).where(Report.digest_sha256 == digest))
            if report is None:
                raise NotFoundError(f"no report with digest {digest}")
            entry = {"v": 1, "kind": "counter", "report": digest, "by": org.name, "signer_keyid": signer.keyid,
                     "outcome": payload["outcome"], "payload_sha256": sha256_hex(canonical_bytes(payload)),
                     "envelope_sha256": sha256_hex(canonical_bytes(dict(envelope)))}
            index = append_entry(session.connection(), "counter", digest, entry)
            session.add(CounterVerdict(report_id=report.id, organisation_id=org.id, signer_keyid=signer.keyid,
                                       outcome=payload["outcome"], payload_json=canonical_bytes(payload).decode(),
                                       envelope_json=canonical_bytes(dict(envelope)).decode(), leaf_index=index,
                                       created_at=now))
            self._audit(session, org.name, "verdict.counter", "report", digest, outcome=payload["outcome"],
                        signer_keyid=signer.keyid, leaf_index=index)
        return CounterVerdictInfo(digest, org.name, signer.keyid, payload["outcome"], payload, index, now)

    def counter_verdicts(self, digest: str) -> list[CounterVerdictInfo]:
        """Every verifier's counter-verdict on a report, oldest first."""
        with self._read() as session:
            rows = session.scalars(select(CounterVerdict).join(Report).options(joinedload(CounterVerdict.organisation))
                                   .where(Report.digest_sha256 == digest).order_by(CounterVerdict.id)).all()
            return [CounterVerdictInfo(digest, r.organisation.name, r.signer_keyid, r.outcome,
                                       json.loads(r.payload_json), int(r.leaf_index), aware(r.created_at) or utcnow())
                    for r in rows]
