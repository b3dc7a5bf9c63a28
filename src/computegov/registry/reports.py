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
import functools
import json
import threading
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from computegov.registry import timings
from computegov.registry.audit import AuditLog
from computegov.registry.claims import audits_in
from computegov.registry.errors import ConflictError, ForbiddenError, NotFoundError
from computegov.registry.groupcommit import GroupCommit, Pending
from computegov.registry.groupwrite import Prepared, Written, prepare, receipt_of, write_group
from computegov.registry.logentries import report_entry, verdict_entry
from computegov.registry.logstore import append_entries
from computegov.registry.models import (
    OUTCOMES,
    Organisation,
    Report,
    utcnow,
)
from computegov.registry.organisations import OrgInfo
from computegov.registry.reportinfo import ReportInfo, SubmitOutcome, report_info
from computegov.registry.submission import ParsedSubmission, canonical_json
from computegov.registry.verifiers import live_outcomes
from computegov.tlog.checkpoint import Checkpoint, sign_checkpoint

__all__ = ["Reports"]


def _report_items(row: Report | dict[str, Any], organisation: str, envelope: dict[str, Any],
                  verdict: dict[str, Any], *, verifier: str, outcome: str,
                  partial: bool) -> list[tuple[str, str, dict[str, Any]]]:
    """The report's and its verdict's log entries, to append in the transaction that stores them.

    ``row`` is the stored row, or the column values it is inserted with (``reports`` column names).
    """
    if isinstance(row, dict):
        digest: str = row["digest_sha256"]
        signer_keyid, ledger_text, title, total_flop = row["signer_keyid"], row["ledger_text"], row["title"], row["total_flop"]
    else:
        digest, signer_keyid, ledger_text = row.digest_sha256, row.signer_keyid, row.ledger_text
        title, total_flop = row.title, row.total_flop
    return [
        ("report", digest, report_entry(
            digest_sha256=digest, organisation=organisation, signer_keyid=signer_keyid,
            envelope=envelope, ledger_text=ledger_text, title=title, total_flop=total_flop)),
        ("verdict", digest, verdict_entry(
            report_digest=digest, verifier=verifier, outcome=outcome, partial=partial, verdict=verdict)),
    ]


_GROUP_LOCK = threading.Lock()


class Reports(AuditLog):
    """The report part of :class:`~computegov.registry.store.Store`."""

    _group: GroupCommit | None = None

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
            info = report_info(row, full=full)
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
        pending = Pending(org, parsed, verdict, verifier[:100], outcome, partial, signer_keyid, now)
        pending.prepared = prepare(pending)  # in this thread, before the group commit: no lock held
        if assume_new:  # the API's path: group commit with the submissions other threads have waiting
            return self._group_commit().submit(pending, functools.partial(self._commit_batch, sign=True))
        self._commit_batch([pending])
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _group_commit(self) -> GroupCommit:
        with _GROUP_LOCK:
            if self._group is None:
                self._group = GroupCommit()
            return self._group

    def _commit_batch(self, batch: list[Pending], *, sign: bool = False) -> None:
        """Store every submission of ``batch`` in one transaction (one lock, one append, one commit).

        Sets each one's ``result`` (or ``error``). When the transaction fails (the same digest or
        payload was stored meanwhile, or two submissions of the batch are the same report), each
        submission is stored again on its own, so each gets the answer it would have got alone.
        With ``sign``, the same transaction signs a checkpoint of the log's new size (see
        :meth:`_sign_in`): every report of the batch gets its receipt without another commit.
        """
        phases = timings.Phases()
        try:
            with timings.recording(phases):
                written, prepared = self._store_new(batch, sign=sign)
        except Exception as err:
            if len(batch) > 1:
                for one in batch:
                    self._commit_batch([one], sign=sign)
                return
            only = batch[0]
            if isinstance(err, IntegrityError):
                # the same digest was inserted concurrently; answer as for a resubmission
                try:
                    only.result = self._existing(only.org, only.parsed.digest_sha256)  # no reclaim on a race
                except Exception as again:  # handed to the submitter
                    only.error = again
                    return
                if only.result is None:  # pragma: no cover - integrity error for another reason
                    only.error = err
                return
            only.error = err
            return
        phases.set("batch", len(batch))
        signed = written.signed
        if signed is not None:
            self._note_signed(signed)
        note = signed[0] if signed is not None else None
        for one, prep, first in zip(batch, prepared, written.firsts, strict=True):
            one.result = SubmitOutcome(True, prep.info, first, note, receipt_of(prep, first, written))
            if one.phases is not None:
                for name, ms in phases.ms.items():
                    one.phases.set(name, ms) if name == "batch" else one.phases.add(name, ms / 1e3)

    def _store_new(self, batch: list[Pending], *, sign: bool = False) -> tuple[Written, list[Prepared]]:
        """Insert the reports, verdicts and audit rows of ``batch``, then append all their leaves at once.

        Returns what :func:`~computegov.registry.groupwrite.write_group` stored (each report's
        first leaf, the hashes for its receipt, the checkpoint signed in the same transaction when
        ``sign``), and each submission's prepared rows.
        """
        prepared = [p.prepared if isinstance(p.prepared, Prepared) else prepare(p) for p in batch]
        held_from: list[float] = []  # perf_counter and thread CPU when the log's lock was had
        with timings.phase("write"), self._write() as session:
            conn = session.connection()
            if conn.dialect.name == "sqlite":  # BEGIN IMMEDIATE (in _write): the database's one writer
                held_from = [time.perf_counter(), time.thread_time()]
            written = write_group(conn, prepared, self._sign_in if sign else None, held_from)
        phases = timings.current()
        if phases is not None and held_from:  # the critical section: wall time and this thread's CPU, lock to commit done
            phases.add("held", time.perf_counter() - held_from[0])
            phases.add("heldcpu", time.thread_time() - held_from[1])
        return written, prepared

    def _sign_in(self, size: int, root: bytes, last: tuple[int, int, str] | None) -> tuple[str, int, int]:
        """Sign a checkpoint of ``size`` leaves and ``root``, in a transaction that holds the log's lock.

        As :meth:`~computegov.registry.translog.TransparencyLog.checkpoint` signs: one signer at a
        time (:func:`~computegov.registry.groupwrite.write_group` takes the checkpoint signer's
        advisory lock with the log's on PostgreSQL, in the order every taker uses; on SQLite the
        transaction is the only writer), dated no earlier than ``last`` (the last stored
        checkpoint, read under those locks), so stored checkpoints grow in size and time in the
        order they are stored. The caller stores it in the same transaction.
        """
        stamp = max(int(time.time()), last[1] if last is not None else 0)
        note = sign_checkpoint(self.log_private_key(), Checkpoint(self.log_origin(), size, root), stamp)
        return note, size, stamp

    def _note_signed(self, signed: tuple[str, int, int]) -> None:
        """Let this process's receipt signer reuse a checkpoint a group commit stored (it is committed).

        Args:
            signed: the note, its tree size and its timestamp (POSIX s), as :meth:`_sign_in` made them
                (no need to parse the note again).
        """
        note, size, stamp = signed
        got = (size, float(stamp), note)
        batch = self._checkpoint_batch()
        with batch.cond:
            if batch.latest is None or got[0] >= batch.latest[0]:
                batch.latest = got

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
            return ([dataclasses.replace(report_info(r), counter_outcomes=counters.get(r.id, {})) for r in rows],
                    int(session.scalar(count) or 0))

    def count_reports(self) -> int:
        """Number of stored reports (withdrawn ones included)."""
        with self._read() as session:
            return int(session.scalar(select(func.count(Report.id))) or 0)
