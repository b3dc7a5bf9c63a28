"""``Check`` and ``Verdict``: what the verifier concluded, check by check, with evidence.

A verdict has three outcomes, and only one of them passes (the verifier fails closed):

* ``verified``: no check failed and every piece of evidence the report says exists was
  presented and checked (skipped checks are *not applicable*, never counted as passes);
* ``failed``: some check failed;
* ``incomplete``: no check failed, but evidence the report says exists (the ledger, a
  checkpoint file it lists, replay inputs) is missing, and the auditor did not accept that.

A check that could not run because its evidence is absent has status ``missing`` and names
the kind of evidence (:data:`EVIDENCE_KINDS`) in :attr:`Check.missing_kind` and each missing
item in :attr:`Check.missing`. An auditor may accept missing evidence of some kinds
explicitly (``computegov verify --allow-missing ledger,checkpoints``); the verdict then
records it in :attr:`Verdict.allowed_missing`, and :attr:`Verdict.partial` is True.

Exit status (:attr:`Verdict.exit_code`): 0 verified, 1 failed or incomplete, 2 some input
could not be used at all (a failed check marked ``unusable``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CHECK_STATUSES", "EVIDENCE_KINDS", "Check", "Outcome", "Verdict"]

#: What a check can conclude. ``missing``: the evidence it needs is absent (see module doc).
CHECK_STATUSES = ("pass", "fail", "warn", "skip", "missing")
#: Kinds of evidence that can be missing, and that ``--allow-missing`` may name:
#: ``trusted_key`` (no trusted public key was given: signatures show integrity, not who signed;
#: ``--integrity-only`` accepts it), ``chip_peak`` (the verifier knows no peak FLOP/s for the
#: declared chip: ``--peak-flop-per-s`` supplies one).
EVIDENCE_KINDS = ("ledger", "checkpoints", "replay_inputs", "trusted_key", "chip_peak")

Outcome = Literal["verified", "failed", "incomplete"]


@dataclass(frozen=True)
class Check:
    """One check's result.

    Attributes:
        name: the check (see :mod:`computegov.ledger.verify`).
        status: ``pass``; ``fail``; ``warn`` (passes, with a note); ``skip`` (not applicable:
            the report says there is nothing to check, e.g. no attestation); ``missing``
            (evidence the report says exists was not presented: the verdict is incomplete).
        summary: one line saying what was found, and where (record number, byte offset).
        evidence: the numbers and hashes behind the summary.
        unusable: a failure that means the input could not be read (exit status 2).
        missing_kind: for ``missing``, the kind of evidence (one of :data:`EVIDENCE_KINDS`).
        missing: for ``missing``, each missing item named (``ledger run.jsonl``,
            ``checkpoint ckpt/step-10.pt``).
    """

    name: str
    status: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    unusable: bool = False
    missing_kind: str | None = None
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in CHECK_STATUSES:
            raise ValueError(
                f"check {self.name}: status {self.status!r} is not one of {CHECK_STATUSES}"
            )
        if (self.status == "missing") != (self.missing_kind is not None):
            raise ValueError(
                f"check {self.name}: status 'missing' and missing_kind go together "
                f"(got status {self.status!r}, missing_kind {self.missing_kind!r})"
            )
        if self.missing_kind is not None and self.missing_kind not in EVIDENCE_KINDS:
            raise ValueError(
                f"check {self.name}: missing_kind {self.missing_kind!r} is not one of "
                f"{EVIDENCE_KINDS}"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "evidence": self.evidence,
            "unusable": self.unusable,
            "missing_kind": self.missing_kind,
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Verdict:
    """Everything the verifier concluded.

    Attributes:
        checks: each check, in order.
        report_path: the report file, if read from one.
        ledger_path: the ledger file, if read from one.
        allowed_missing: the evidence kinds (:data:`EVIDENCE_KINDS`) the auditor accepted as
            missing; a ``missing`` check of one of these kinds does not make the verdict
            incomplete, but makes it :attr:`partial`.
    """

    checks: tuple[Check, ...]
    report_path: str | None = None
    ledger_path: str | None = None
    allowed_missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [k for k in self.allowed_missing if k not in EVIDENCE_KINDS]
        if unknown:
            raise ValueError(
                f"allowed_missing: unknown evidence kind(s) {', '.join(map(repr, unknown))}; "
                f"expected some of {', '.join(EVIDENCE_KINDS)}"
            )

    @property
    def failed(self) -> tuple[Check, ...]:
        """The failed checks."""
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def missing_checks(self) -> tuple[Check, ...]:
        """The checks whose evidence is missing (allowed or not)."""
        return tuple(c for c in self.checks if c.status == "missing")

    @property
    def unaccepted_missing(self) -> tuple[Check, ...]:
        """The checks whose evidence is missing and was not allowed to be."""
        return tuple(c for c in self.missing_checks if c.missing_kind not in self.allowed_missing)

    @property
    def missing(self) -> tuple[str, ...]:
        """Each missing piece of evidence, named (allowed or not)."""
        return tuple(item for c in self.missing_checks for item in (c.missing or (c.name,)))

    @property
    def outcome(self) -> Outcome:
        """``failed`` if any check failed, else ``incomplete`` if evidence is missing.

        Missing evidence of a kind in :attr:`allowed_missing` does not count; otherwise
        ``verified``.
        """
        if self.failed:
            return "failed"
        if self.unaccepted_missing:
            return "incomplete"
        return "verified"

    @property
    def ok(self) -> bool:
        """True only when the outcome is ``verified``."""
        return self.outcome == "verified"

    @property
    def partial(self) -> bool:
        """True when some evidence was missing and accepted through :attr:`allowed_missing`."""
        return any(c.missing_kind in self.allowed_missing for c in self.missing_checks)

    @property
    def authenticated(self) -> bool:
        """True when signatures were checked against a trusted key (not the report's own)."""
        return not any(c.missing_kind == "trusted_key" for c in self.missing_checks)

    @property
    def exit_code(self) -> int:
        """0 verified, 2 some input was unusable, 1 otherwise (failed or incomplete)."""
        if self.ok:
            return 0
        return 2 if any(c.unusable for c in self.failed) else 1

    def check(self, name: str) -> Check:
        """The check called ``name``.

        Raises:
            KeyError: no such check.
        """
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the verdict and every check.

        Keys: ``outcome``, ``ok``, ``exit_code``, ``failed`` and ``missing`` (names),
        ``partial``, ``authenticated``, ``allowed_missing``, ``report_path``, ``ledger_path``, ``checks``.
        """
        return {
            "outcome": self.outcome,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "failed": [c.name for c in self.failed],
            "missing": list(self.missing),
            "partial": self.partial,
            "authenticated": self.authenticated,
            "allowed_missing": list(self.allowed_missing),
            "report_path": self.report_path,
            "ledger_path": self.ledger_path,
            "checks": [c.to_dict() for c in self.checks],
        }
