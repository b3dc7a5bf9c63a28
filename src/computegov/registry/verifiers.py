"""Independent verifiers: organisations of kind ``verifier`` post signed counter-verdicts on reports.

A verifier (a university lab, an auditor) replays a report (``computegov replay``) and posts a DSSE
envelope, signed by one of its registered keys, whose payload (``COUNTER_VERDICT_TYPE``) says::

    {"report": DIGEST, "outcome": "verified" | "failed" | "incomplete",
     "segments_replayed": n, "segments_total": N or null, "chip_hours": h or null, "method": "..."}

and, from ``computegov registry audit``, what was replayed and what it cost: ``segments`` (the
indices replayed), ``energy_j`` (J), ``energy_measured`` (true: a counter was read; false:
estimated), ``usd`` and ``usd_year`` (USD of that year), ``wall_s`` and ``device_s`` (s), ``ray``
(the Ray address, or null for in-process), ``seed``, ``fake_fraction`` and ``confidence``. Every
field but ``report`` and ``outcome`` is optional; each is range-checked.

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
from sqlalchemy.orm import Session, joinedload

from computegov.errors import InputError
from computegov.registry.database import aware
from computegov.registry.errors import ForbiddenError, NotFoundError, SubmissionError
from computegov.registry.keys import SigningKeys
from computegov.registry.logentries import COUNTER_VERDICT_TYPE, canonical_bytes, counter_entry
from computegov.registry.logstore import append_entry
from computegov.registry.models import OUTCOMES, CounterVerdict, Organisation, Report, utcnow
from computegov.registry.organisations import OrgInfo
from computegov.registry.signers import signed_by

__all__ = ["COUNTER_VERDICT_TYPE", "ORG_KINDS", "CounterVerdictInfo", "Verifiers", "counters_in", "parse_counter_payload"]

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
    #: the DSSE envelope as posted (anyone can check its signature and rebuild the leaf).
    envelope: dict[str, Any] | None = None

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
    for name, top in _NUMBERS.items():
        value = payload.get(name)
        if value is not None and not (isinstance(value, int | float) and not isinstance(value, bool)
                                      and 0 <= value <= top):
            raise SubmissionError(f"envelope.payload.{name}", f"expected a number in [0, {top:g}] or null")
    _check_segments(payload)
    year = payload.get("usd_year")
    if year is not None and not (type(year) is int and 1900 <= year <= 2200):
        raise SubmissionError("envelope.payload.usd_year", "expected a year (1900-2200) or null")
    if payload.get("usd") is not None and year is None:
        raise SubmissionError("envelope.payload.usd_year", "usd needs usd_year: dollars of which year?")
    for name in ("energy_measured",):
        if payload.get(name) is not None and not isinstance(payload[name], bool):
            raise SubmissionError(f"envelope.payload.{name}", "expected true, false or null")
    ray = payload.get("ray")
    if ray is not None and not (isinstance(ray, str) and 0 < len(ray) <= 200):
        raise SubmissionError("envelope.payload.ray", "expected the Ray address (text) or null for in-process")
    if not isinstance(payload.get("method", ""), str) or len(payload.get("method", "")) > 500:
        raise SubmissionError("envelope.payload.method", "expected text of at most 500 characters")
    return payload


#: Optional numeric payload fields and their upper bounds (the lower bound is 0).
_NUMBERS = {"chip_hours": 1e12, "energy_j": 1e20, "usd": 1e13, "wall_s": 1e9, "device_s": 1e12,
            "fake_fraction": 1.0, "confidence": 1.0, "seed": 2**63 - 1}
_MAX_SEGMENTS_LISTED = 10_000


def _check_segments(payload: Mapping[str, Any]) -> None:
    segments = payload.get("segments")
    if segments is None:
        return
    total = payload.get("segments_total")
    if not (isinstance(segments, list) and len(segments) <= _MAX_SEGMENTS_LISTED
            and all(type(i) is int and 0 <= i < (total if total is not None else 10**9) for i in segments)
            and len(set(segments)) == len(segments)):
        raise SubmissionError("envelope.payload.segments",
                              f"expected at most {_MAX_SEGMENTS_LISTED} distinct segment indices in [0, segments_total)")
    replayed = payload.get("segments_replayed")
    if replayed is not None and replayed != len(segments):
        raise SubmissionError("envelope.payload.segments_replayed",
                              f"says {replayed} but segments lists {len(segments)}")


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
            entry = counter_entry(report_digest=digest, by=org.name, signer_keyid=signer.keyid,
                                  outcome=payload["outcome"], payload=payload, envelope=envelope)
            index = append_entry(session.connection(), "counter", digest, entry)
            session.add(CounterVerdict(report_id=report.id, organisation_id=org.id, signer_keyid=signer.keyid,
                                       outcome=payload["outcome"], payload_json=canonical_bytes(payload).decode(),
                                       envelope_json=canonical_bytes(dict(envelope)).decode(), leaf_index=index,
                                       created_at=now))
            self._audit(session, org.name, "verdict.counter", "report", digest, outcome=payload["outcome"],
                        signer_keyid=signer.keyid, leaf_index=index)
        return CounterVerdictInfo(digest, org.name, signer.keyid, payload["outcome"], payload, index, now,
                                  json.loads(canonical_bytes(dict(envelope))))

    def counter_verdicts(self, digest: str) -> list[CounterVerdictInfo]:
        """Every verifier's counter-verdict on a report, oldest first."""
        with self._read() as session:
            return counters_in(session, digest)


def counters_in(session: Session, digest: str) -> list[CounterVerdictInfo]:
    """Every verifier's counter-verdict on a report, oldest first, read in ``session``."""
    rows = session.scalars(select(CounterVerdict).join(Report).options(joinedload(CounterVerdict.organisation))
                           .where(Report.digest_sha256 == digest).order_by(CounterVerdict.id)).all()
    return [CounterVerdictInfo(digest, r.organisation.name, r.signer_keyid, r.outcome,
                               json.loads(r.payload_json), int(r.leaf_index), aware(r.created_at) or utcnow(),
                               json.loads(r.envelope_json))
            for r in rows]
