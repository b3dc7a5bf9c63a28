"""Put evidence into a compute report's attestation slot and re-sign the report.

The slot (see :mod:`computegov.ledger.attestation`) holds one ``{"type", "evidence"}`` object or
a list of them. Adding evidence of a type already there replaces it; another type is appended.
The report is re-signed with the ledger's key (the same key that signed it: a different key is
refused, because ``computegov verify --key`` would then reject the report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from computegov.errors import InputError
from computegov.ledger.report import ComputeReport, load_report, sign_statement
from computegov.ledger.signing import Signer

__all__ = ["attach_evidence", "checked_head", "ledger_head", "slot_entries"]


def slot_entries(predicate: dict[str, Any]) -> list[dict[str, Any]]:
    """The slot's evidence objects as a list (empty when the slot is absent)."""
    slot = predicate.get("attestation")
    if not slot:
        return []
    return [dict(s) for s in (slot if isinstance(slot, list) else [slot]) if isinstance(s, dict)]


def ledger_head(report: ComputeReport) -> bytes:
    """The report's ledger head hash as bytes (the nonce evidence must carry).

    Raises:
        InputError: the report names no well-formed head hash.
    """
    ledger = report.predicate.get("ledger")
    head = ledger.get("head_hash") if isinstance(ledger, dict) else None
    try:
        return bytes.fromhex(str(head)) if head else b""
    except ValueError as err:
        raise InputError(f"report's ledger.head_hash is not hex: {head!r}") from err


def attach_evidence(
    report: str | Path | ComputeReport,
    kind: str,
    evidence: Any,
    signer: Signer,
    out: str | Path | None = None,
) -> ComputeReport:
    """Add ``{"type": kind, "evidence": evidence}`` to the report's slot, re-sign and write it.

    Args:
        report: the report (path or parsed).
        kind: the evidence type, e.g. ``tpm2-quote`` or ``location-rtt``.
        evidence: the JSON-ready evidence.
        signer: the ledger's signing key (must be the key that signed the report).
        out: where to write (default: over the report's own path).

    Returns:
        The re-signed report (written to ``out`` or its path).

    Raises:
        InputError: the signer is not the report's signer, or there is nowhere to write.
    """
    rep = report if isinstance(report, ComputeReport) else load_report(report)
    named = (rep.predicate.get("signer") or {}).get("keyid")
    if named != signer.keyid:
        raise InputError(
            f"the key given ({signer.keyid[:16]}...) is not the report's signer "
            f"({str(named)[:16]}...): pass the ledger's private key"
        )
    statement = dict(rep.statement)
    predicate = dict(rep.predicate)
    entries = [e for e in slot_entries(predicate) if e.get("type") != kind]
    entries.append({"type": kind, "evidence": evidence})
    predicate["attestation"] = entries[0] if len(entries) == 1 else entries
    statement["predicate"] = predicate
    signed = sign_statement(statement, signer)
    target = Path(out) if out is not None else rep.path
    if target is None:
        raise InputError("no path to write the report to: pass out=")
    signed.write(target)
    return ComputeReport(signed.envelope, signed.statement, target)


def checked_head(report: ComputeReport, ledger: str | Path) -> bytes:
    """The ledger's head hash, after checking it is the one the report names.

    Raises:
        InputError: the ledger cannot be read, or its head is not the report's.
    """
    from computegov.ledger.evidence import DEFAULT_MAX_FILE_BYTES, read_regular_file
    from computegov.ledger.scan import scan_ledger

    scan = scan_ledger(read_regular_file(Path(ledger), DEFAULT_MAX_FILE_BYTES, "ledger"))
    if not scan.records:
        raise InputError(f"{ledger}: no readable ledger records")
    head = bytes.fromhex(scan.head_hash)
    if head != ledger_head(report):
        raise InputError(
            f"{ledger}: its head hash {scan.head_hash[:16]}... is not the one the report names "
            f"({ledger_head(report).hex()[:16]}...): wrong ledger for this report"
        )
    return head
