"""Room for secure-hardware evidence: the report's attestation slot and a closed set of checkers.

A report's predicate may carry ``"attestation": {"type": TYPE, "evidence": ..., ...}``, or a list
of such objects (each checked; the slot passes only when every one is checked and passes) — for
example a TPM 2.0 quote whose nonce is the ledger's head hash (binding the evidence to this run),
or a delay-based location claim. The verifier decides what evidence it accepts (as in-toto and
Sigstore verification policies do): the evidence types are exactly the keys of one registry of
checkers, and anything else is a failure, never "not applicable". The verifier reports the slot as:

* ``absent`` — the report declares no evidence (no ``attestation`` key, or ``null``);
* ``refused`` — the slot holds something no checker may vouch for: an entry that is not an
  object with a string ``type``, a type that is not *exactly* one of the registered ones
  (``TPM2-QUOTE``, ``tpm2_quote`` and ``"tpm2-quote "`` are not ``tpm2-quote``), an empty slot
  or entry, or the same entry twice (``ok`` is False, and the detail names each one);
* ``checked`` — every entry's checker ran (the verdict is the conjunction of theirs).

How a checker plugs in: write a class with a ``type`` attribute and a
``check(evidence, statement) -> AttestationResult`` method (see :class:`AttestationChecker`), then
either call :func:`register_checker` before verifying, pass ``checkers={TYPE: obj}`` to
:func:`computegov.ledger.verify.verify_report`, or expose it as an entry point in the group
``computegov.attestation_checkers`` (``name = "pkg.module:CheckerClass"``) so every
``computegov verify`` picks it up.
"""

from __future__ import annotations

import json
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
    "slot_problems",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "computegov.attestation_checkers"


@dataclass(frozen=True)
class AttestationResult:
    """What the verifier concluded about the attestation slot.

    Attributes:
        state: ``absent``, ``refused`` or ``checked`` (see the module docstring).
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
    """Check the report's attestation slot against a closed set of evidence types.

    Args:
        statement: the in-toto Statement (its ``predicate.attestation`` is the slot).
        checkers: the accepted evidence types and their checkers (default:
            :func:`registered_checkers`); a type not among its keys is refused.
    """
    predicate = statement.get("predicate") or {}
    slot = predicate.get("attestation") if isinstance(predicate, Mapping) else None
    if slot is None:
        return AttestationResult("absent", None, None, "the report carries no hardware attestation")
    available = dict(registered_checkers() if checkers is None else checkers)
    entries = slot if isinstance(slot, list) else [slot]
    problems = slot_problems(entries, available)
    if problems:
        kinds = "+".join(
            str(e.get("type")) if isinstance(e, Mapping) else "?" for e in entries
        ) or None
        return AttestationResult("refused", False, kinds, "; ".join(problems))
    return _combine([_check_one(entry, statement, available) for entry in entries])


def slot_problems(entries: list[Any], available: Mapping[str, Any]) -> list[str]:
    """What makes an attestation slot unacceptable before any checker runs (empty: nothing).

    Each entry must be a non-empty object whose ``type`` is exactly one of ``available``'s
    keys, and no entry may appear twice; an empty list is an empty declaration.
    """
    known = ", ".join(sorted(available)) or "none"
    if not entries:
        return ["the attestation slot is empty (declare no evidence by leaving it out)"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where = f"attestation entry {i}"
        if not isinstance(entry, Mapping) or not entry:
            problems.append(f"{where} is empty or not an object")
            continue
        kind = entry.get("type")
        if not isinstance(kind, str) or not kind:
            problems.append(f"{where} has no string 'type'")
            continue
        if kind not in available:
            near = [k for k in available if _folded(k) == _folded(kind)]
            hint = f" (not an accepted spelling of {near[0]!r})" if near else ""
            problems.append(
                f"{where} has unknown evidence type {kind!r}{hint}; this verifier checks "
                f"exactly: {known}"
            )
            continue
        if "evidence" not in entry or entry.get("evidence") in (None, {}, [], ""):
            problems.append(f"{where} ({kind}) holds no evidence")
            continue
        key = json.dumps(entry, sort_keys=True, default=str)
        if key in seen:
            problems.append(f"{where} duplicates entry {seen[key]} ({kind})")
            continue
        seen[key] = i
    return problems


def _folded(kind: str) -> str:
    """``kind`` with case, whitespace, ``_`` and ``-`` folded away (to name near misses)."""
    return "".join(ch for ch in kind.lower() if ch.isalnum())


def _combine(parts: list[AttestationResult]) -> AttestationResult:
    """One result for the entries: failed if any failed, passed only if every one was checked."""
    kind = "+".join(p.type or "?" for p in parts)
    detail = "; ".join(f"[{p.type}] {p.detail}" for p in parts)
    if parts and all(p.state == "checked" and p.ok is True for p in parts):
        return AttestationResult("checked", True, kind, detail)
    return AttestationResult("checked", False, kind, detail)


def _check_one(
    slot: Mapping[str, Any], statement: Mapping[str, Any], available: Mapping[str, AttestationChecker]
) -> AttestationResult:
    kind = str(slot["type"])
    checker = available[kind]
    try:
        result = checker.check(slot.get("evidence"), statement)
    except Exception as err:  # a checker crash is a failed check, not a traceback
        return AttestationResult("checked", False, kind, f"checker for {kind!r} raised: {err}")
    if not isinstance(result, AttestationResult) or result.state != "checked":
        return AttestationResult(
            "checked", False, kind, f"checker for {kind!r} did not check the evidence"
        )
    return result
