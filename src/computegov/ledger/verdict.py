"""``Check`` and ``Verdict``: what the verifier concluded, check by check, with evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Check", "Verdict"]


@dataclass(frozen=True)
class Check:
    """One check's result.

    Attributes:
        name: the check (see the module docstring).
        status: ``pass``, ``fail``, ``warn`` (passes, with a note) or ``skip`` (not applicable or
            not possible with the inputs given).
        summary: one line saying what was found, and where (record number, byte offset).
        evidence: the numbers and hashes behind the summary.
        unusable: a failure that means the input could not be read (exit status 2).
    """

    name: str
    status: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    unusable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "evidence": self.evidence,
            "unusable": self.unusable,
        }


@dataclass(frozen=True)
class Verdict:
    """Everything the verifier concluded.

    Attributes:
        checks: each check, in order.
        report_path: the report file, if read from one.
        ledger_path: the ledger file, if read from one.
    """

    checks: tuple[Check, ...]
    report_path: str | None = None
    ledger_path: str | None = None

    @property
    def ok(self) -> bool:
        """True when no check failed (skips and warnings allowed)."""
        return not any(c.status == "fail" for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        """The failed checks."""
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def exit_code(self) -> int:
        """0 all passed, 2 some input was unusable, 1 otherwise."""
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
        """JSON-ready dict: ``ok``, ``exit_code``, ``failed`` names and every check."""
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "failed": [c.name for c in self.failed],
            "report_path": self.report_path,
            "ledger_path": self.ledger_path,
            "checks": [c.to_dict() for c in self.checks],
        }
