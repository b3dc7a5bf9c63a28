"""What the registry answers about a stored report: :class:`ReportInfo` and :class:`SubmitOutcome`.

Split from :mod:`computegov.registry.reports` (which stores, finds and lists the reports) so that
the answer's shape has a module of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from computegov.registry.database import aware
from computegov.registry.models import OUTCOMES, Report, utcnow
from computegov.tlog.receipt import Receipt

__all__ = ["ReportInfo", "SubmitOutcome", "report_info"]


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
    """Result of :meth:`~computegov.registry.reports.Reports.submit`: ``created`` is False for an idempotent resubmission.

    ``report_leaf`` is the index of the report's log leaf when this call logged it (None for a
    resubmission: :meth:`~computegov.registry.translog.TransparencyLog.report_leaves` finds it).
    """

    created: bool
    report: ReportInfo
    report_leaf: int | None = None
    #: a signed checkpoint that holds ``report_leaf``, when the commit that stored it signed one
    #: (the group commit does: the receipt then needs no signature of its own)
    checkpoint_note: str | None = None
    #: the report leaf's receipt, when the commit that stored it built one (the group commit: from
    #: the hashes it had in memory, so the answer needs no query of its own)
    receipt: Receipt | None = None


def report_info(row: Report, *, full: bool = False) -> ReportInfo:
    """A stored report row (with its verdict and organisation loaded) as a :class:`ReportInfo`."""
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
