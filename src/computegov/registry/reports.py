"""Stored reports and their verdicts: submission, lookup, withdrawal and listing.

Report identity is the envelope digest. :meth:`Reports.submit` is idempotent: the same digest
from the same organisation returns the stored record (``created=False``); from another
organisation it raises :class:`~computegov.registry.errors.ConflictError` and changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from computegov.registry.audit import AuditLog
from computegov.registry.database import aware
from computegov.registry.errors import ConflictError, ForbiddenError, NotFoundError
from computegov.registry.models import Organisation, Report, VerdictRow, utcnow
from computegov.registry.organisations import OrgInfo
from computegov.registry.submission import ParsedSubmission, canonical_json

__all__ = ["ReportInfo", "Reports", "SubmitOutcome"]


@dataclasses.dataclass(frozen=True)
class ReportInfo:
    """A stored report with its verdict (``total_flop`` in FLOP, sizes in bytes, times UTC)."""

    digest_sha256: str
    organisation: str
    title: str
    total_flop: float | None
    size_bytes: int
    submitted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    verdict_ok: bool
    verifier: str
    verdict: dict[str, Any]
    summary: dict[str, Any]
    has_ledger: bool
    envelope: dict[str, Any] | None = None

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """JSON-ready form; ``full`` adds the verdict's checks and the envelope."""
        out: dict[str, Any] = {
            "digest_sha256": self.digest_sha256,
            "organisation": self.organisation,
            "title": self.title,
            "total_flop": self.total_flop,
            "size_bytes": self.size_bytes,
            "submitted_at": self.submitted_at.isoformat(),
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "verdict_ok": self.verdict_ok,
            "verifier": self.verifier,
            "has_ledger": self.has_ledger,
        }
        if full:
            out["verdict"] = self.verdict
            out["summary"] = self.summary
            out["envelope"] = self.envelope
        return out


@dataclasses.dataclass(frozen=True)
class SubmitOutcome:
    """Result of :meth:`Reports.submit`: ``created`` is False for an idempotent resubmission."""

    created: bool
    report: ReportInfo


def _report_info(row: Report, *, full: bool = False) -> ReportInfo:
    verdict = row.verdict
    return ReportInfo(
        digest_sha256=row.digest_sha256,
        organisation=row.organisation.name,
        title=row.title,
        total_flop=row.total_flop,
        size_bytes=row.size_bytes,
        submitted_at=aware(row.submitted_at) or utcnow(),
        withdrawn_at=aware(row.withdrawn_at),
        verdict_ok=bool(verdict.ok),
        verifier=verdict.verifier,
        verdict=json.loads(verdict.verdict_json),
        summary=json.loads(row.summary_json),
        has_ledger=row.ledger_text is not None,
        envelope=json.loads(row.envelope_json) if full else None,
    )


class Reports(AuditLog):
    """The report part of :class:`~computegov.registry.store.Store`."""

    def find_report(self, digest: str, *, full: bool = False) -> ReportInfo | None:
        """The report with this envelope digest, or None."""
        with self._read() as session:
            row = session.scalar(
                select(Report)
                .options(joinedload(Report.verdict), joinedload(Report.organisation))
                .where(Report.digest_sha256 == digest)
            )
            return _report_info(row, full=full) if row else None

    def get_report(self, digest: str, *, full: bool = True) -> ReportInfo:
        """The report with this digest.

        Raises:
            NotFoundError: no such report.
        """
        info = self.find_report(digest, full=full)
        if info is None:
            raise NotFoundError(f"no report with digest {digest}")
        return info

    def get_ledger(self, digest: str) -> str | None:
        """The ledger text submitted with a report (None when there was none)."""
        with self._read() as session:
            row = session.scalar(select(Report).where(Report.digest_sha256 == digest))
            if row is None:
                raise NotFoundError(f"no report with digest {digest}")
            return row.ledger_text

    def _existing(self, org: OrgInfo, digest: str) -> SubmitOutcome | None:
        found = self.find_report(digest)
        if found is None:
            return None
        if found.organisation != org.name:
            raise ConflictError(
                f"report {digest} was already submitted by another organisation; "
                "an organisation cannot submit or overwrite another's report"
            )
        if found.withdrawn_at is not None:
            with self._write() as session:
                row = session.scalar(select(Report).where(Report.digest_sha256 == digest))
                assert row is not None
                row.withdrawn_at = None
                self._audit(session, org.name, "report.reinstate", "report", digest)
            return SubmitOutcome(False, self.get_report(digest, full=False))
        return SubmitOutcome(False, found)

    def check_submittable(self, org: OrgInfo, digest: str) -> SubmitOutcome | None:
        """The outcome of resubmitting an existing report, or None for a new one.

        Lets the caller skip verification of a report that is already stored.

        Raises:
            ConflictError: another organisation submitted this report.
        """
        return self._existing(org, digest)

    def submit(self, org: OrgInfo, parsed: ParsedSubmission, verdict: dict[str, Any], *,
               verdict_ok: bool, verifier: str) -> SubmitOutcome:
        """Store a report and its verdict, or return the stored one for a resubmission.

        Raises:
            ConflictError: another organisation submitted this report.
        """
        existing = self._existing(org, parsed.digest_sha256)
        if existing is not None:
            return existing
        now = utcnow()
        try:
            with self._write() as session:
                report = Report(
                    digest_sha256=parsed.digest_sha256,
                    organisation_id=org.id,
                    envelope_json=canonical_json(parsed.envelope),
                    ledger_text=parsed.ledger_text,
                    summary_json=canonical_json(parsed.summary),
                    title=parsed.title,
                    total_flop=parsed.total_flop,
                    size_bytes=parsed.size_bytes,
                    submitted_at=now,
                )
                session.add(report)
                session.flush()
                session.add(
                    VerdictRow(
                        report_id=report.id,
                        ok=verdict_ok,
                        verifier=verifier[:100],
                        verdict_json=canonical_json(verdict),
                        created_at=now,
                    )
                )
                self._audit(session, org.name, "report.submit", "report", parsed.digest_sha256,
                            verdict_ok=verdict_ok, verifier=verifier, size_bytes=parsed.size_bytes)
        except IntegrityError:
            # the same digest was inserted concurrently; answer as for a resubmission
            existing = self._existing(org, parsed.digest_sha256)
            if existing is None:  # pragma: no cover - integrity error for another reason
                raise
            return existing
        return SubmitOutcome(True, self.get_report(parsed.digest_sha256, full=False))

    def withdraw(self, org: OrgInfo, digest: str) -> ReportInfo:
        """Mark a report as withdrawn by its own organisation (it stays visible as withdrawn).

        Raises:
            NotFoundError: no such report.
            ForbiddenError: the report belongs to another organisation.
        """
        with self._write() as session:
            row = session.scalar(
                select(Report).options(joinedload(Report.organisation)).where(Report.digest_sha256 == digest)
            )
            if row is None:
                raise NotFoundError(f"no report with digest {digest}")
            if row.organisation_id != org.id:
                raise ForbiddenError(
                    f"report {digest} belongs to another organisation; only its submitter can withdraw it"
                )
            if row.withdrawn_at is None:
                row.withdrawn_at = utcnow()
                self._audit(session, org.name, "report.withdraw", "report", digest)
        return self.get_report(digest, full=False)

    def list_reports(self, *, organisation: str | None = None, limit: int = 50, offset: int = 0,
                     include_withdrawn: bool = True) -> tuple[list[ReportInfo], int]:
        """Reports, newest first, and the total count matching the filter."""
        with self._read() as session:
            query = select(Report).options(joinedload(Report.verdict), joinedload(Report.organisation))
            count = select(func.count(Report.id))
            if organisation is not None:
                query = query.join(Organisation).where(Organisation.name == organisation)
                count = count.join(Organisation).where(Organisation.name == organisation)
            if not include_withdrawn:
                query = query.where(Report.withdrawn_at.is_(None))
                count = count.where(Report.withdrawn_at.is_(None))
            rows = session.scalars(
                query.order_by(Report.submitted_at.desc(), Report.id.desc()).limit(limit).offset(offset)
            ).unique().all()
            return [_report_info(r) for r in rows], int(session.scalar(count) or 0)

    def count_reports(self) -> int:
        """Number of stored reports (withdrawn ones included)."""
        with self._read() as session:
            return int(session.scalar(select(func.count(Report.id))) or 0)
