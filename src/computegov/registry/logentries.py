"""What the transparency log commits to: the canonical entry of a report, a verdict or an event.

Pure functions, no I/O, usable on the core install: the registry builds an entry when it stores
something, and a monitor rebuilds it from what the API serves and compares. An entry is canonical
JSON (sorted keys, no whitespace, UTF-8); its leaf hash is RFC 6962's ``SHA-256(0x00 || entry)``.

* ``report``: the envelope's digest and SHA-256 of its canonical JSON, the ledger's SHA-256,
  the submitting organisation, the registered key that signed it, title and total FLOP;
* ``verdict``: the report's digest, the verifier, ``outcome``, ``partial`` and the SHA-256 of the
  verdict's canonical JSON;
* ``counter``: a verifier organisation's signed counter-verdict: the report, the organisation,
  the registered key that signed it, ``outcome``, and SHA-256 of the payload and of the envelope;
* ``claim``: a verifier organisation announcing it audits a report (the report, the organisation,
  when); logged once per organisation and report;
* ``event``: one row of the audit trail (organisation, token and key changes, withdrawals...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from computegov.tlog.entries import canonical_bytes, sha256_hex

__all__ = [
    "COUNTER_VERDICT_TYPE",
    "ENTRY_KINDS",
    "ENTRY_VERSION",
    "canonical_bytes",
    "claim_entry",
    "counter_entry",
    "event_entry",
    "report_entry",
    "sha256_hex",
    "verdict_entry",
]

ENTRY_VERSION = 1

#: DSSE payload type of a verifier's counter-verdict (see :mod:`computegov.registry.verifiers`).
COUNTER_VERDICT_TYPE = "application/vnd.computegov.counter-verdict+json"

#: Every kind of leaf the registry writes.
ENTRY_KINDS = ("report", "verdict", "counter", "claim", "event")


def report_entry(*, digest_sha256: str, organisation: str, signer_keyid: str | None,
                 envelope: Mapping[str, Any], ledger_text: str | None, title: str,
                 total_flop: float | None) -> dict[str, Any]:
    """The log entry of a stored report (``total_flop`` in FLOP)."""
    return {
        "v": ENTRY_VERSION,
        "kind": "report",
        "digest_sha256": digest_sha256,
        "envelope_sha256": sha256_hex(canonical_bytes(envelope)),
        "ledger_sha256": None if ledger_text is None else sha256_hex(ledger_text),
        "organisation": organisation,
        "signer_keyid": signer_keyid,
        "title": title,
        "total_flop": total_flop,
    }


def verdict_entry(*, report_digest: str, verifier: str, outcome: str, partial: bool,
                  verdict: Mapping[str, Any], by: str = "registry") -> dict[str, Any]:
    """The log entry of a verdict on a report (``by``: the organisation that gave it)."""
    return {
        "v": ENTRY_VERSION,
        "kind": "verdict",
        "report": report_digest,
        "by": by,
        "verifier": verifier,
        "outcome": outcome,
        "partial": bool(partial),
        "verdict_sha256": sha256_hex(canonical_bytes(verdict)),
    }


def event_entry(*, at: str, actor: str, action: str, object_type: str, object_id: str,
                detail: Mapping[str, Any]) -> dict[str, Any]:
    """The log entry of one audit event (``at``: ISO 8601 UTC)."""
    return {
        "v": ENTRY_VERSION,
        "kind": "event",
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": dict(detail),
    }


def counter_entry(*, report_digest: str, by: str, signer_keyid: str, outcome: str, payload: Mapping[str, Any],
                  envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The log entry of a verifier organisation's signed counter-verdict on a report."""
    return {
        "v": ENTRY_VERSION,
        "kind": "counter",
        "report": report_digest,
        "by": by,
        "signer_keyid": signer_keyid,
        "outcome": outcome,
        "payload_sha256": sha256_hex(canonical_bytes(payload)),
        "envelope_sha256": sha256_hex(canonical_bytes(dict(envelope))),
    }


def claim_entry(*, report_digest: str, by: str, at: str) -> dict[str, Any]:
    """The log entry of a verifier organisation's claim to audit a report (``at``: ISO 8601 UTC)."""
    return {"v": ENTRY_VERSION, "kind": "claim", "report": report_digest, "by": by, "at": at}
