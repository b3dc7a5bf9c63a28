"""Stored reports and their verdicts: submission, lookup, withdrawal and listing.

Report identity is the envelope digest. :meth:`Reports.submit` is idempotent: the same digest
from the same organisation returns the stored record (``created=False``); from another
organisation it raises :class:`~computegov.registry.errors.ConflictError` and changes nothing.

Each verdict is stored with its outcome: ``verified``, ``failed`` or ``incomplete`` (evidence the
report says exists was not submitted), and whether it was ``partial`` (missing evidence accepted
explicitly). A report is shown as verified only when its outcome is ``verified`` and it carries no
``flag`` (set by migration 0002 on rows whose signer was never registered to their organisation).
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
from computegov.registry.claims import audits_in
from computegov.registry.database import aware
from computegov.registry.errors import ConflictError, ForbiddenError, NotFoundError
from computegov.registry.logentries import report_entry, verdict_entry
from computegov.registry.logstore import append_entries
from computegov.registry.models import OUTCOMES, Organisation, Report, VerdictRow, utcnow
from computegov.registry.organisations import OrgInfo
from computegov.registry.submission import ParsedSubmission, canonical_json
from computegov.registry.verifiers import live_outcomes

__all__ = ["ReportInfo", "Reports", "SubmitOutcome"]

_NO_SIGNER_FLAG = "stored without a registered signer (Store.submit was given no signer_keyid)"


@dataclasses.dataclass(frozen=True)
class ReportInfo:
    """A stored report with its verdict (``total_flop`` in FLOP, sizes in bytes, times UTC).

    Attributes:
        verdict_ok: True only when ``outcome`` is ``verified`` and the row is not flagged.
        outcome: ``verified``, ``failed`` or ``incomplete``.
        partial: missing evidence was accepted explicitly (e.g. checkpoint files, which the
            registry never receives).
        signer_keyid: the registered key that signed it (None on a flagged legacy row).
        flag: why a stored row is not trusted (migration 0002), or None.
    """

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
    outcome: str = "failed"
    partial: bool = False
    signer_keyid: str | None = None
    flag: str | None = None
    #: with ``full``: each verifier organisation's claim and counter-verdicts
    #: (:func:`computegov.registry.claims.independent_audits`).
    independent: list[dict[str, Any]] | None = None
    #: each verifier's *live* counter-verdict outcome, by organisation (its latest counter leaf).
    counter_outcomes: dict[str, str] | None = None

    @property
    def failed_by(self) -> list[str]:
        """The verifier organisations whose live counter-verdict says ``failed`` (shown in lists and badges)."""
        return sorted(org for org, outcome in (self.counter_outcomes or {}).items() if outcome == "failed")

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
            "outcome": self.outcome,
            "partial": self.partial,
            "flag": self.flag,
            "signer_keyid": self.signer_keyid,
            "verifier": self.verifier,
            "has_ledger": self.has_ledger,
            "counter_outcomes": dict(self.counter_outcomes or {}),
            "failed_by": self.failed_by,
        }
        if full:
            out["verdict"] = self.verdict
            out["summary"] = self.summary
            out["envelope"] = self.envelope
            out["independent"] = self.independent or []
        return out


@dataclasses.dataclass(frozen=True)
class SubmitOutcome:
    """Result of :meth:`Reports.submit`: ``created`` is False for an idempotent resubmission.

    ``report_leaf`` is the index of the report's log leaf when this call logged it (None for a
    resubmission: :meth:`~computegov.registry.translog.TransparencyLog.report_leaves` finds it).
    """

    created: bool
    report: ReportInfo
    report_leaf: int | None = None


def _report_info(row: Report, *, full: bool = False) -> ReportInfo:
    verdict = row.verdict
    outcome = verdict.outcome if verdict.outcome in OUTCOMES else "failed"
    return ReportInfo(
        digest_sha256=row.digest_sha256,
        organisation=row.organisation.name,
        title=row.title,
        total_flop=row.total_flop,
        size_bytes=row.size_bytes,
        submitted_at=aware(row.submitted_at) or utcnow(),
        withdrawn_at=aware(row.withdrawn_at),
        verdict_ok=bool(verdict.ok) and outcome == "verified" and row.flag is None,
        verifier=verdict.verifier,
        verdict=json.loads(verdict.verdict_json),
        summary=json.loads(row.summary_json),
        has_ledger=row.ledger_text is not None,
        envelope=json.loads(row.envelope_json) if full else None,
        outcome=outcome,
        partial=bool(verdict.partial),
        signer_keyid=row.signer_keyid,
        flag=row.flag,
    )


def _report_items(row: Report, organisation: str, envelope: dict[str, Any], verdict: dict[str, Any], *,
                  verifier: str, outcome: str, partial: bool) -> list[tuple[str, str, dict[str, Any]]]:
    """The report's and its verdict's log entries, to append in the transaction that stores them."""
    return [
        ("report", row.digest_sha256, report_entry(
            digest_sha256=row.digest_sha256, organisation=organisation, signer_keyid=row.signer_keyid,
            envelope=envelope, ledger_text=row.ledger_text, title=row.title, total_flop=row.total_flop)),
        ("verdict", row.digest_sha256, verdict_entry(
            report_digest=row.digest_sha256, verifier=verifier, outcome=outcome, partial=partial, verdict=verdict)),
    ]


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
            if row is None:
                return None
            info = _report_info(row, full=full)
            info = dataclasses.replace(info, counter_outcomes=live_outcomes(session, [row.id]).get(row.id, {}))
            if full:
                info = dataclasses.replace(info, independent=audits_in(session, digest))
            return info

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

    def _existing(self, org: OrgInfo, digest: str, signer_keyid: str | None = None) -> SubmitOutcome | None:
        found = self.find_report(digest)
        if found is None:
            return None
        if found.organisation != org.name:
            if found.flag is not None and signer_keyid is not None:
                return None  # its holder never proved it signed it; the proven signer reclaims it
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

    def check_submittable(self, org: OrgInfo, digest: str, signer_keyid: str | None = None) -> SubmitOutcome | None:
        """The outcome of resubmitting an existing report, or None for a new one.

        Lets the caller skip verification of a report that is already stored. A row another
        organisation holds under a ``flag`` (its signer was never registered to it) counts as
        new when ``signer_keyid`` (the caller's proven registered signer) is given: that
        organisation reclaims it on submission.

        Raises:
            ConflictError: another organisation submitted this report.
        """
        return self._existing(org, digest, signer_keyid)

    def submit(self, org: OrgInfo, parsed: ParsedSubmission, verdict: dict[str, Any], *,
               verdict_ok: bool, verifier: str, outcome: str | None = None, partial: bool = False,
               signer_keyid: str | None = None, assume_new: bool = False) -> SubmitOutcome:
        """Store a report and its verdict, or return the stored one for a resubmission.

        Args:
            org: the submitting organisation.
            parsed: the validated submission.
            verdict: the verdict's JSON form.
            verdict_ok: the verifier's ``ok``.
            verifier: the verifier's name.
            outcome: ``verified``, ``failed`` or ``incomplete``; None derives it from
                ``verdict_ok``. ``verified`` with ``verdict_ok`` False is stored as ``failed``.
            partial: missing evidence was accepted explicitly.
            signer_keyid: the registered key that signed it; the API's path
                (:func:`computegov.registry.intake.submit_report`) always establishes and sets
                it. A row stored without one is flagged and never shown as verified.
            assume_new: the caller has just found no stored row with this digest or payload
                (:func:`computegov.registry.intake.submit_report` does): skip the lookups for a
                resubmission or a reclaim; a concurrent insert of the same digest still ends as
                a resubmission (the unique digest makes the insert fail).

        Raises:
            ConflictError: another organisation submitted this report.
            ValueError: ``outcome`` is not one of the three.
        """
        if outcome is None:
            outcome = "verified" if verdict_ok else "failed"
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
        if outcome == "verified" and not verdict_ok:
            outcome = "failed"
        now = utcnow()
        if not assume_new:
            existing = self._existing(org, parsed.digest_sha256, signer_keyid)
            if existing is not None:
                return existing
            leaf = self._reclaim(org, parsed, verdict, outcome=outcome, partial=partial, verifier=verifier,
                                 signer_keyid=signer_keyid, now=now)
            if leaf is not None:
                return SubmitOutcome(True, self.get_report(parsed.digest_sha256, full=False), leaf)
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
                    signer_keyid=signer_keyid,
                    flag=None if signer_keyid else _NO_SIGNER_FLAG,
                    payload_sha256=parsed.payload_sha256 or None,
                )
                session.add(report)
                session.flush()
                session.add(
                    VerdictRow(
                        report_id=report.id,
                        ok=outcome == "verified",
                        outcome=outcome,
                        partial=partial,
                        verifier=verifier[:100],
                        verdict_json=canonical_json(verdict),
                        created_at=now,
                    )
                )
                items = _report_items(report, org.name, parsed.envelope, verdict, verifier=verifier[:100],
                                      outcome=outcome, partial=partial)
                self._audit(session, org.name, "report.submit", "report", parsed.digest_sha256, pending=items,
                            verdict_ok=outcome == "verified", outcome=outcome, partial=partial,
                            signer_keyid=signer_keyid, verifier=verifier, size_bytes=parsed.size_bytes)
                # the rows first, then the log's lock for one batched append: the lock is held for a
                # few statements and the commit
                session.flush()
                leaf = append_entries(session.connection(), items)[0]
                info = ReportInfo(
                    digest_sha256=report.digest_sha256, organisation=org.name, title=report.title,
                    total_flop=report.total_flop, size_bytes=report.size_bytes, submitted_at=aware(now) or now,
                    withdrawn_at=None, verdict_ok=outcome == "verified" and report.flag is None,
                    verifier=verifier[:100], verdict=json.loads(canonical_json(verdict)),
                    summary=json.loads(report.summary_json), has_ledger=report.ledger_text is not None,
                    outcome=outcome, partial=partial, signer_keyid=signer_keyid, flag=report.flag,
                    counter_outcomes={})
        except IntegrityError:
            # the same digest was inserted concurrently; answer as for a resubmission
            existing = self._existing(org, parsed.digest_sha256)  # no reclaim on a race
            if existing is None:  # pragma: no cover - integrity error for another reason
                raise
            return existing
        return SubmitOutcome(True, info, leaf)

    def _reclaim(self, org: OrgInfo, parsed: ParsedSubmission, verdict: dict[str, Any], *, outcome: str,
                 partial: bool, verifier: str, signer_keyid: str | None, now: dt.datetime) -> int | None:
        """Move a flagged row held by another organisation to ``org`` (whose key signed it).

        Returns:
            The index of the report's new log leaf, or None when there was nothing to reclaim.
        """
        if signer_keyid is None:
            return None
        with self._read() as session:  # almost always nothing to reclaim: no write lock for that
            if session.scalar(select(Report.id).where(Report.digest_sha256 == parsed.digest_sha256,
                                                      Report.flag.is_not(None))) is None:
                return None
        with self._write() as session:
            row = session.scalar(
                select(Report).options(joinedload(Report.verdict), joinedload(Report.organisation))
                .where(Report.digest_sha256 == parsed.digest_sha256)
            )
            if row is None or row.flag is None or row.organisation_id == org.id:
                return None
            previous, old_flag = row.organisation.name, row.flag
            row.organisation_id = org.id
            row.signer_keyid = signer_keyid
            row.flag = None
            row.withdrawn_at = None
            row.ledger_text = parsed.ledger_text
            row.size_bytes = parsed.size_bytes
            row.verdict.ok = outcome == "verified"
            row.verdict.outcome = outcome
            row.verdict.partial = partial
            row.verdict.verifier = verifier[:100]
            row.verdict.verdict_json = canonical_json(verdict)
            row.verdict.created_at = now
            items = _report_items(row, org.name, json.loads(row.envelope_json), verdict, verifier=verifier[:100],
                                  outcome=outcome, partial=partial)
            self._audit(session, org.name, "report.reclaim", "report", parsed.digest_sha256, pending=items,
                        previous_organisation=previous, previous_flag=old_flag, outcome=outcome,
                        signer_keyid=signer_keyid)
            session.flush()
            return append_entries(session.connection(), items)[0]

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
            counters = live_outcomes(session, [r.id for r in rows])
            return ([dataclasses.replace(_report_info(r), counter_outcomes=counters.get(r.id, {})) for r in rows],
                    int(session.scalar(count) or 0))

    def count_reports(self) -> int:
        """Number of stored reports (withdrawn ones included)."""
        with self._read() as session:
            return int(session.scalar(select(func.count(Report.id))) or 0)
