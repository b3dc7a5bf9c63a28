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

The payload is parsed as reports are (:func:`~computegov.registry.jsonlimits.loads_limited`: nesting
deeper than 64 levels, a duplicate key or a payload over 16 KiB is refused with 422, never a 500),
NaN and infinity are refused, and *every* signature on the envelope must verify under one of
the verifier's live registered keys.

Each counter-verdict is stored beside the registry's own verdict (never replacing it, nor another
verifier's) and appended to the transparency log as a ``counter`` leaf in the same transaction.
A verifier has one *live* counter-verdict per report: its latest ``counter`` leaf on that report.
Posting a new one supersedes the previous one as a new logged entry (the old leaf stays in the log
and is served with ``live: false``); posting one identical to the live one (the same canonical
payload) logs nothing and returns the live one. When the live outcomes on a report disagree, every
one of them is shown and the report is flagged as *conflicting*.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from computegov.errors import InputError
from computegov.registry.database import aware
from computegov.registry.errors import ForbiddenError, NotFoundError, SubmissionError
from computegov.registry.jsonlimits import loads_limited
from computegov.registry.keys import SigningKeys
from computegov.registry.logentries import COUNTER_VERDICT_TYPE, canonical_bytes, counter_entry
from computegov.registry.logstore import append_entry, lock_log
from computegov.registry.models import OUTCOMES, CounterVerdict, Organisation, Report, utcnow
from computegov.registry.organisations import OrgInfo
from computegov.registry.signers import signed_by, unverified_signatures

__all__ = ["COUNTER_VERDICT_TYPE", "ORG_KINDS", "CounterVerdictInfo", "Verifiers", "counters_in", "live_outcomes",
           "parse_counter_payload"]

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
    #: True for the verifier's latest counter-verdict on the report (the one that counts).
    live: bool = True
    #: the leaf index of the verifier's counter-verdict this one superseded, or None.
    supersedes: int | None = None
    #: False when an identical counter-verdict was live already (nothing was logged).
    created: bool = True

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
    text = envelope.get("payload", "")
    if not isinstance(text, str) or len(text) > 4 * _MAX_PAYLOAD_BYTES // 3 + 4:
        raise SubmissionError("envelope.payload", f"expected base64 of at most {_MAX_PAYLOAD_BYTES} bytes")
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as err:
        raise SubmissionError("envelope.payload", f"not valid base64 ({err})") from None
    if len(raw) > _MAX_PAYLOAD_BYTES:
        raise SubmissionError("envelope.payload", f"over {_MAX_PAYLOAD_BYTES} bytes")
    payload = loads_limited(raw, "envelope.payload", what="does not decode to UTF-8 JSON")
    if not isinstance(payload, dict):
        raise SubmissionError("envelope.payload", "expected a JSON object")
    _check_finite(payload, "envelope.payload")
    if payload.get("report") != digest:
        raise SubmissionError("envelope.payload.report", f"must name this report ({digest})")
    if payload.get("outcome") not in OUTCOMES:
        raise SubmissionError("envelope.payload.outcome", f"expected one of {', '.join(OUTCOMES)}")
    for name in ("segments_replayed", "segments_total"):
        value = payload.get(name)
        if value is not None and not (type(value) is int and 0 <= value < 10**9):
            raise SubmissionError(f"envelope.payload.{name}", "expected a whole number >= 0 or null")
    replayed, total = payload.get("segments_replayed"), payload.get("segments_total")
    if replayed is not None and total is not None and replayed > total:
        raise SubmissionError("envelope.payload.segments_replayed",
                              f"says {replayed} segments replayed of only {total} (segments_total)")
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


def _check_finite(obj: Any, path: str) -> None:
    """No NaN or infinity anywhere in a (depth-limited) JSON value (the decoder accepts them)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            _check_finite(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            _check_finite(value, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise SubmissionError(path, "NaN and infinity are not allowed")


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

        The new one supersedes the verifier's previous counter-verdict on the report (a new leaf;
        the old one stays logged). One identical to the live one (same canonical payload) logs
        nothing: the live one comes back with ``created`` False.

        Raises:
            ForbiddenError: ``org`` is not a verifier, or a signature on the envelope does not
                verify under a live key registered to it.
            NotFoundError: no such report.
            SubmissionError: a malformed payload.
        """
        if self.org_kind(org.name) != "verifier":
            raise ForbiddenError(f"{org.name} is not a verifier organisation "
                                 "(the operator runs: computegov registry org-kind ORG verifier)")
        payload = parse_counter_payload(envelope, digest)
        live_keys = self.list_keys(org.name, live_only=True)
        signer = next((k for k in live_keys if signed_by(envelope, k.public_key_pem)), None)
        if signer is None:
            raise ForbiddenError(f"counter-verdict not signed by a live key registered to {org.name}")
        foreign = unverified_signatures(envelope, [k.public_key_pem for k in live_keys])
        if foreign:
            index, keyid = foreign[0]
            raise ForbiddenError(f"envelope.signatures[{index}] (keyid {keyid or '(none)'}) does not verify under a "
                                 f"live key registered to {org.name}: every signature must be the verifier's",
                                 keyid=keyid or None)
        payload_json = canonical_bytes(payload).decode()
        envelope_json = canonical_bytes(dict(envelope)).decode()
        now = utcnow()
        with self._write() as session:
            conn = session.connection()
            lock_log(conn)  # before reading the live one, so racing posts supersede in order
            report = session.scalar(select(Report).where(Report.digest_sha256 == digest))
            if report is None:
                raise NotFoundError(f"no report with digest {digest}")
            previous = session.scalar(select(CounterVerdict).where(
                CounterVerdict.report_id == report.id, CounterVerdict.organisation_id == org.id)
                .order_by(CounterVerdict.id.desc()).limit(1))
            if previous is not None and previous.payload_json == payload_json:
                return CounterVerdictInfo(digest, org.name, previous.signer_keyid, previous.outcome,
                                          json.loads(previous.payload_json), int(previous.leaf_index),
                                          aware(previous.created_at) or now, json.loads(previous.envelope_json),
                                          live=True, created=False)
            entry = counter_entry(report_digest=digest, by=org.name, signer_keyid=signer.keyid,
                                  outcome=payload["outcome"], payload=payload, envelope=envelope)
            index = append_entry(conn, "counter", digest, entry)
            session.add(CounterVerdict(report_id=report.id, organisation_id=org.id, signer_keyid=signer.keyid,
                                       outcome=payload["outcome"], payload_json=payload_json,
                                       envelope_json=envelope_json, leaf_index=index, created_at=now))
            supersedes = int(previous.leaf_index) if previous is not None else None
            self._audit(session, org.name, "verdict.counter", "report", digest, outcome=payload["outcome"],
                        signer_keyid=signer.keyid, leaf_index=index, supersedes=supersedes)
        return CounterVerdictInfo(digest, org.name, signer.keyid, payload["outcome"], payload, index, now,
                                  json.loads(envelope_json), live=True, supersedes=supersedes)

    def counter_verdicts(self, digest: str) -> list[CounterVerdictInfo]:
        """Every verifier's counter-verdict on a report, oldest first."""
        with self._read() as session:
            return counters_in(session, digest)


def counters_in(session: Session, digest: str) -> list[CounterVerdictInfo]:
    """Every verifier's counter-verdict on a report, oldest first, read in ``session``."""
    rows = session.scalars(select(CounterVerdict).join(Report).options(joinedload(CounterVerdict.organisation))
                           .where(Report.digest_sha256 == digest).order_by(CounterVerdict.id)).all()
    latest = {r.organisation_id: r.id for r in rows}  # rows are oldest first
    previous: dict[int, int] = {}
    out = []
    for r in rows:
        out.append(CounterVerdictInfo(digest, r.organisation.name, r.signer_keyid, r.outcome,
                                      json.loads(r.payload_json), int(r.leaf_index), aware(r.created_at) or utcnow(),
                                      json.loads(r.envelope_json), live=latest[r.organisation_id] == r.id,
                                      supersedes=previous.get(r.organisation_id)))
        previous[r.organisation_id] = int(r.leaf_index)
    return out


def live_outcomes(session: Session, report_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each report's live counter-verdict outcomes, by verifier organisation name (read in ``session``)."""
    ids = list(report_ids)
    if not ids:
        return {}
    rows = session.execute(select(CounterVerdict.report_id, Organisation.name, CounterVerdict.outcome)
                           .join(Organisation, Organisation.id == CounterVerdict.organisation_id)
                           .where(CounterVerdict.report_id.in_(ids)).order_by(CounterVerdict.id)).all()
    out: dict[int, dict[str, str]] = {}
    for report_id, name, outcome in rows:  # oldest first: the latest per verifier wins
        out.setdefault(int(report_id), {})[str(name)] = str(outcome)
    return out
