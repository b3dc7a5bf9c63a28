"""How the registry verifies a report on arrival: a small interface over the ledger's verifier.

The registry needs only ``verifier(submission) -> verdict`` where the verdict has ``ok`` and
``to_dict()``. :func:`default_verifier` wraps :func:`computegov.ledger.verify.verify_report`;
in a build without the ledger module it returns :func:`structural_verifier`, which checks only
that the envelope parses and says plainly that signatures, chain and totals were *not* checked
(``ok`` is then False, so nothing unverified is ever shown as verified).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

from computegov.errors import ComputegovError
from computegov.registry.submission import ParsedSubmission, SubmissionError

__all__ = [
    "StructuralVerdict",
    "VerdictLike",
    "Verifier",
    "default_verifier",
    "ledger_verifier",
    "structural_verifier",
]

logger = logging.getLogger(__name__)


class VerdictLike(Protocol):
    """What the registry needs from a verdict."""

    @property
    def ok(self) -> bool:
        """True only when every check passed."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with each check and its evidence."""


Verifier = Callable[[ParsedSubmission], VerdictLike]


@dataclasses.dataclass(frozen=True)
class StructuralVerdict:
    """Verdict of the stand-in verifier: structure only, never ``ok``."""

    checks: tuple[dict[str, Any], ...]

    @property
    def ok(self) -> bool:
        """Always False: a structural check is not a verification."""
        return False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"ok": False, "verifier": "structural", "checks": list(self.checks)}


def structural_verifier(submission: ParsedSubmission) -> StructuralVerdict:
    """Check only what parsing already established; say what was not checked."""
    return StructuralVerdict(
        checks=(
            {
                "name": "envelope",
                "ok": True,
                "evidence": "DSSE envelope holding an in-toto Statement v1",
            },
            {
                "name": "signatures, chain, totals, plausibility",
                "ok": False,
                "evidence": "not checked: the ledger verifier is not available in this build",
            },
        )
    )


def ledger_verifier(submission: ParsedSubmission) -> VerdictLike:
    """Verify with :func:`computegov.ledger.verify.verify_report`.

    Raises:
        SubmissionError: the verifier found the report or ledger unusable (not merely failing).
    """
    verify = importlib.import_module("computegov.ledger.verify")
    try:
        # bytes, never str: the verifier reads a str ledger or key as a *path*, and the server
        # must never open a file named by a client. Without a ledger path there is no
        # checkpoint directory either, so checkpoint files are never looked up.
        return verify.verify_report(
            submission.envelope,
            ledger=submission.ledger_text.encode("utf-8") if submission.ledger_text is not None else None,
            public_key=submission.public_key_pem.encode("ascii") if submission.public_key_pem else None,
        )
    except ComputegovError as err:
        raise SubmissionError("envelope", f"unusable report: {err}") from err


def default_verifier() -> Verifier:
    """The ledger verifier when this build has it, else the structural stand-in."""
    try:
        verify = importlib.import_module("computegov.ledger.verify")
    except ImportError:
        logger.warning("computegov.ledger.verify is missing: reports are checked for structure only")
        return structural_verifier
    if not hasattr(verify, "verify_report"):
        return structural_verifier
    return ledger_verifier


def verifier_name(verifier: Verifier) -> str:
    """A short name for the audit trail and the verdict table."""
    if verifier is ledger_verifier:
        return "computegov.ledger.verify"
    if verifier is structural_verifier:
        return "structural"
    return str(getattr(verifier, "__name__", type(verifier).__name__))
