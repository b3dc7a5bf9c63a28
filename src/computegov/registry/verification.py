"""How the registry verifies a report on arrival: a small interface over the ledger's verifier.

The registry needs only ``verifier(submission) -> verdict`` where the verdict has ``ok`` and
``to_dict()``, and optionally ``outcome`` (``verified``, ``failed`` or ``incomplete``) and
``partial``; :func:`outcome_of` reads them, failing closed (``verified`` only when ``ok``).
:func:`default_verifier` wraps :func:`computegov.ledger.verify.verify_report` with the
registered key that signed the report as the trusted key; in a build without the ledger module
it returns :func:`structural_verifier`, which checks only that the envelope parses and says
plainly that signatures, chain and totals were *not* checked (``ok`` is then False, so nothing
unverified is ever shown as verified).

The registry never receives checkpoint files (they are large, and the server never opens a file
a client names), so it accepts missing checkpoints explicitly
(:data:`REGISTRY_ALLOWED_MISSING`): such a verdict is stored as ``partial``. A report whose
ledger was not submitted is ``incomplete`` and shown as such.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import io
import logging
from collections.abc import Callable
from typing import Any, Protocol

from computegov.errors import ComputegovError
from computegov.registry.submission import ParsedSubmission, SubmissionError

__all__ = [
    "REGISTRY_ALLOWED_MISSING",
    "StructuralVerdict",
    "VerdictLike",
    "Verifier",
    "default_verifier",
    "ledger_verifier",
    "outcome_of",
    "structural_verifier",
]

#: Evidence the registry accepts as missing: it never receives checkpoint files.
REGISTRY_ALLOWED_MISSING = ("checkpoints",)
_OUTCOMES = ("verified", "failed", "incomplete")

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

    @property
    def outcome(self) -> str:
        """Always ``incomplete``: signatures, chain and totals were not checked."""
        return "incomplete"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"ok": False, "outcome": "incomplete", "verifier": "structural", "checks": list(self.checks)}


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


def outcome_of(verdict: VerdictLike, verdict_dict: dict[str, Any] | None = None) -> tuple[str, bool]:
    """``(outcome, partial)`` of a verdict, failing closed.

    The verdict's own ``outcome`` (attribute, else its dict's) when it is one of the three,
    else ``verified``/``failed`` from ``ok``; ``verified`` is downgraded to ``failed`` unless
    ``ok`` is True.
    """
    as_dict = verdict_dict if verdict_dict is not None else verdict.to_dict()
    outcome = getattr(verdict, "outcome", None)
    if outcome not in _OUTCOMES:
        outcome = as_dict.get("outcome") if isinstance(as_dict, dict) else None
    ok = verdict.ok is True
    if outcome not in _OUTCOMES:
        outcome = "verified" if ok else "failed"
    if outcome == "verified" and not ok:
        outcome = "failed"
    partial = getattr(verdict, "partial", None)
    if not isinstance(partial, bool):
        partial = bool(as_dict.get("partial")) if isinstance(as_dict, dict) else False
    return str(outcome), partial


@functools.lru_cache(maxsize=8)
def _parameters(function: Callable[..., Any]) -> frozenset[str]:
    """The names of ``function``'s parameters (read once per function, not on every submission)."""
    return frozenset(inspect.signature(function).parameters)


def ledger_verifier(submission: ParsedSubmission) -> VerdictLike:
    """Verify with :func:`computegov.ledger.verify.verify_report`.

    The trusted key is ``submission.public_key_pem``: the API sets it to the registered key that
    signed the report. Missing checkpoint files are accepted (:data:`REGISTRY_ALLOWED_MISSING`)
    when the ledger's verifier supports ``allow_missing``.

    Raises:
        SubmissionError: the verifier found the report or ledger unusable (not merely failing).
    """
    verify = importlib.import_module("computegov.ledger.verify")
    extra: dict[str, Any] = {}
    parameters = _parameters(verify.verify_report)
    if "allow_missing" in parameters:
        extra["allow_missing"] = REGISTRY_ALLOWED_MISSING
    if "key_registered_unix_s" in parameters:
        # a run cannot predate the key that signs it (beyond the verifier's stated clock skew)
        extra["key_registered_unix_s"] = submission.key_registered_unix_s
    try:
        # a binary stream (or bytes), never str: the verifier reads a str ledger or key as a
        # *path*, and the server must never open a file named by a client. The ledger is
        # streamed through the same one-pass code as the CLI's. Without a ledger path there
        # is no checkpoint directory either, so checkpoint files are never looked up.
        return verify.verify_report(
            submission.envelope,
            ledger=(
                io.BytesIO(submission.ledger_text.encode("utf-8"))
                if submission.ledger_text is not None
                else None
            ),
            public_key=submission.public_key_pem.encode("ascii") if submission.public_key_pem else None,
            **extra,
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
