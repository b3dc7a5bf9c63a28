"""Verifier organisations claim reports to audit; each claim is a leaf of the transparency log.

A member (API token) of a ``verifier`` organisation claims a report before replaying it
(``computegov registry audit`` does it first), so anyone can see who is auditing what, and whether
they posted a verdict yet. A claim is stored *only* as a ``claim`` leaf of the log (no table):
the log is append-only and tamper-evident, which is what a claim needs, and a second copy in a
table could drift from it. Claiming is idempotent per organisation and report: the first claim's
leaf is returned again. On PostgreSQL the check and the append run under the log appender's
advisory lock (SQLite serialises writers already), so two racing claims give one leaf.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from computegov.registry.errors import ForbiddenError, NotFoundError
from computegov.registry.logentries import claim_entry
from computegov.registry.logstore import append_entry, lock_log
from computegov.registry.models import LogLeaf, Report, utcnow
from computegov.registry.organisations import OrgInfo
from computegov.registry.verifiers import CounterVerdictInfo, Verifiers, counters_in

__all__ = ["ClaimInfo", "Claims", "audits_in", "independent_audits"]


@dataclasses.dataclass(frozen=True)
class ClaimInfo:
    """A verifier organisation's claim on a report (``claimed_at`` UTC); ``created`` is False when repeated."""

    report: str
    organisation: str
    claimed_at: dt.datetime
    leaf_index: int
    created: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"report": self.report, "organisation": self.organisation, "claimed_at": self.claimed_at.isoformat(),
                "leaf_index": self.leaf_index}


def _claims_in(session: Session, digest: str) -> list[ClaimInfo]:
    rows = session.execute(select(LogLeaf.leaf_index, LogLeaf.entry_json)
                           .where(LogLeaf.subject == digest, LogLeaf.kind == "claim")
                           .order_by(LogLeaf.leaf_index)).all()
    out: list[ClaimInfo] = []
    for index, text in rows:
        entry = json.loads(text)
        if not isinstance(entry, dict) or entry.get("report") != digest or entry.get("kind") != "claim":
            continue  # the entry, not the column beside it, says which report a claim is about
        out.append(ClaimInfo(digest, str(entry.get("by", "")), dt.datetime.fromisoformat(str(entry["at"])),
                             int(index), created=False))
    return out


def independent_audits(claims: list[ClaimInfo], counters: list[CounterVerdictInfo]) -> list[dict[str, Any]]:
    """One row per verifier organisation: its claim, its verdicts (oldest first), whether it posted one.

    Organisations that posted without claiming are listed too (``claimed_at`` None).
    """
    orgs = list(dict.fromkeys([c.organisation for c in claims] + [v.organisation for v in counters]))
    by_claim = {c.organisation: c for c in claims}
    rows = []
    for org in orgs:
        claim = by_claim.get(org)
        mine = [v.to_dict() for v in counters if v.organisation == org]
        rows.append({"organisation": org, "claimed_at": claim.claimed_at.isoformat() if claim else None,
                     "claim_leaf": claim.leaf_index if claim else None, "verdict_posted": bool(mine),
                     "verdicts": mine})
    return rows


def audits_in(session: Session, digest: str) -> list[dict[str, Any]]:
    """:func:`independent_audits` of a report, read in ``session``."""
    return independent_audits(_claims_in(session, digest), counters_in(session, digest))


class Claims(Verifiers):
    """The claims part of :class:`~computegov.registry.store.Store`."""

    def claim_report(self, org: OrgInfo, digest: str) -> ClaimInfo:
        """Log that verifier ``org`` audits report ``digest`` (once; a repeat returns the first claim).

        Raises:
            ForbiddenError: ``org`` is not a verifier organisation.
            NotFoundError: no such report.
        """
        if self.org_kind(org.name) != "verifier":
            raise ForbiddenError(f"{org.name} is not a verifier organisation; only verifiers claim reports "
                                 "(the operator runs: computegov registry org-kind ORG verifier)")
        now = utcnow()
        with self._write() as session:
            conn = session.connection()
            lock_log(conn)  # before the check, so racing claims give one leaf
            if session.scalar(select(Report.id).where(Report.digest_sha256 == digest)) is None:
                raise NotFoundError(f"no report with digest {digest}")
            found = next((c for c in _claims_in(session, digest) if c.organisation == org.name), None)
            if found is not None:
                return found
            index = append_entry(conn, "claim", digest,
                                 claim_entry(report_digest=digest, by=org.name, at=now.isoformat()))
            self._audit(session, org.name, "report.claim", "report", digest, leaf_index=index)
        return ClaimInfo(digest, org.name, now, index, created=True)

    def claims(self, digest: str) -> list[ClaimInfo]:
        """Every verifier's claim on a report, oldest first.

        Raises:
            NotFoundError: no such report.
        """
        with self._read() as session:
            if session.scalar(select(Report.id).where(Report.digest_sha256 == digest)) is None:
                raise NotFoundError(f"no report with digest {digest}")
            return _claims_in(session, digest)

    def independent_audits(self, digest: str) -> list[dict[str, Any]]:
        """:func:`independent_audits` of a report's claims and counter-verdicts."""
        with self._read() as session:
            return audits_in(session, digest)
