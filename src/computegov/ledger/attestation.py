"""Room for secure-hardware evidence: the report's attestation slot and pluggable checkers.

A report's predicate may carry ``"attestation": {"type": TYPE, "evidence": ..., ...}``, or a list
of such objects (each checked; the slot passes only when every one is checked and passes) — for
example an NVIDIA confidential-computing GPU attestation report, or a TPM 2.0 quote whose nonce
is the ledger's head hash (binding the evidence to this run). computegov itself checks none of
these formats; the verifier reports the slot as:

* ``absent`` — no evidence in the report;
* ``present_unchecked`` — evidence of a type no installed checker handles;
* ``checked`` — a checker for that type ran (its verdict decides pass or fail).

How a checker plugs in: write a class with a ``type`` attribute and a
``check(evidence, statement) -> AttestationResult`` method (see :class:`AttestationChecker`), then
either call :func:`register_checker` before verifying, pass ``checkers={TYPE: obj}`` to
:func:`computegov.ledger.verify.verify_report`, or expose it as an entry point in the group
``computegov.attestation_checkers`` (``name = "pkg.module:CheckerClass"``) so every
``computegov verify`` picks it up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ENTRY_POINT_GROUP",
    "AttestationChecker",
    "AttestationResult",
    "check_attestation",
    "register_checker",
    "registered_checkers",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "computegov.attestation_checkers"


@dataclass(frozen=True)
class AttestationResult:
    """What the verifier concluded about the attestation slot.

    Attributes:
        state: ``absent``, ``present_unchecked`` or ``checked``.
        ok: the checker's verdict when ``checked``; None otherwise.
        type: the evidence type named in the report (None when absent).
        detail: a human-readable explanation.
    """

    state: str
    ok: bool | None
    type: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"state": self.state, "ok": self.ok, "type": self.type, "detail": self.detail}


@runtime_checkable
class AttestationChecker(Protocol):
    """A checker for one evidence type."""

    type: str

    def check(self, evidence: Any, statement: Mapping[str, Any]) -> AttestationResult:
        """Check ``evidence`` (the slot's ``evidence`` value) against the whole Statement.

        A checker should verify the evidence's own signature chain to the hardware vendor's
        root, and that its nonce/report data binds it to ``statement`` (e.g. equals the
        predicate's ``ledger.head_hash``). Return ``AttestationResult("checked", ok, ...)``.
        """
        ...


_REGISTRY: dict[str, AttestationChecker] = {}


def register_checker(checker: AttestationChecker) -> None:
    """Make ``checker`` handle evidence of ``checker.type`` in this process."""
    _REGISTRY[checker.type] = checker


def registered_checkers() -> dict[str, AttestationChecker]:
    """Checkers registered in-process plus those found through entry points."""
    found: dict[str, AttestationChecker] = {}
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
                checker = obj() if isinstance(obj, type) else obj
                found[checker.type] = checker
            except Exception as err:  # a broken plug-in must not break verification
                logger.warning("attestation checker %s failed to load: %s", ep.name, err)
    except Exception as err:  # pragma: no cover - importlib.metadata failure
        logger.warning("cannot list attestation checkers: %s", err)
    found.update(_REGISTRY)
    return found


def check_attestation(
    statement: Mapping[str, Any], checkers: Mapping[str, AttestationChecker] | None = None
) -> AttestationResult:
    """Classify and, when a checker exists, check the report's attestation slot."""
    predicate = statement.get("predicate") or {}
    slot = predicate.get("attestation") if isinstance(predicate, Mapping) else None
    if not slot:
        return AttestationResult("absent", None, None, "the report carries no hardware attestation")
    available = dict(registered_checkers() if checkers is None else checkers)
    if isinstance(slot, list):  # several pieces of evidence (e.g. a TPM quote and a location claim)
        return _combine([_check_one(part, statement, available) for part in slot])
    return _check_one(slot, statement, available)


def _combine(parts: list[AttestationResult]) -> AttestationResult:
    """One result for a list slot: failed if any part failed, checked only if every part was."""
    kind = "+".join(p.type or "?" for p in parts)
    detail = "; ".join(f"[{p.type}] {p.detail}" for p in parts)
    if any(p.state == "checked" and p.ok is False for p in parts):
        return AttestationResult("checked", False, kind, detail)
    if parts and all(p.state == "checked" for p in parts):
        return AttestationResult("checked", True, kind, detail)
    return AttestationResult("present_unchecked", None, kind, detail or "empty attestation list")


def _check_one(
    slot: Any, statement: Mapping[str, Any], available: Mapping[str, AttestationChecker]
) -> AttestationResult:
    if not isinstance(slot, Mapping) or not isinstance(slot.get("type"), str):
        return AttestationResult(
            "checked", False, None, "attestation slot is not an object with a string 'type'"
        )
    kind = slot["type"]
    checker = available.get(kind)
    if checker is None:
        return AttestationResult(
            "present_unchecked",
            None,
            kind,
            f"evidence of type {kind!r} is present but no checker for it is installed "
            f"(see computegov.ledger.attestation)",
        )
    try:
        result = checker.check(slot.get("evidence"), statement)
    except Exception as err:  # a checker crash is a failed check, not a traceback
        return AttestationResult("checked", False, kind, f"checker for {kind!r} raised: {err}")
    return result
