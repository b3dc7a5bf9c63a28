"""The verifier: every check of a compute report (and its ledger), each with evidence.

:func:`verify_report` never raises on bad content: every problem becomes a failed
:class:`Check` naming the record number and byte offset where it was found. A failed check that
means the input could not even be read (garbled JSON, a torn ledger, a key in the wrong format,
a missing checkpoint file) is marked ``unusable``: the CLI exits 2 for those and 1 for every
other failure.

Checks, in order: ``report_format``, ``key_trust``, ``report_signature``, ``ledger_format``,
``ledger_chain``, ``ledger_signatures``, ``ledger_order``, ``report_matches_ledger``,
``totals``, ``checkpoint_files``, ``plausibility``, ``attestation``.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.errors import ComputegovError
from computegov.ledger.attestation import AttestationChecker, check_attestation
from computegov.ledger.checks import (
    b64_strict,
    ledger_order_check,
    ledger_signature_check,
    ledger_structure_checks,
)
from computegov.ledger.plausibility import (
    ENERGY_TOLERANCE,
    SIX_ND_TOLERANCE_FACTOR,
    TYPICAL_UTILISATION_MAX,
    plausibility_check,
)
from computegov.ledger.report import PAYLOAD_TYPE, ComputeReport, is_report_path, parse_report
from computegov.ledger.report_checks import checkpoint_files_check, matches_check, totals_check
from computegov.ledger.scan import gc_paused, scan_ledger
from computegov.ledger.signing import key_id, load_public_key, pae
from computegov.ledger.verdict import Check, Verdict

__all__ = [
    "ENERGY_TOLERANCE",
    "SIX_ND_TOLERANCE_FACTOR",
    "TYPICAL_UTILISATION_MAX",
    "Check",
    "Verdict",
    "verify_report",
]


# --------------------------------------------------------------------------------------------
# Inputs


def _read_report(source: Any) -> tuple[ComputeReport | None, str | None, Check]:
    path: str | None = None
    try:
        if is_report_path(source):
            p = Path(source)
            path = str(p)
            try:
                source = p.read_bytes()
            except OSError as err:
                return (
                    None,
                    path,
                    Check(
                        "report_format", "fail", f"cannot read {p}: {err.strerror}", unusable=True
                    ),
                )
        report = parse_report(source)
    except ComputegovError as err:
        offset = getattr(err, "offset_bytes", None)
        return (
            None,
            path,
            Check("report_format", "fail", str(err), {"offset_bytes": offset}, unusable=True),
        )
    return (
        report,
        path,
        Check(
            "report_format",
            "pass",
            "DSSE envelope with an in-toto Statement v1 in canonical encoding",
            {"subjects": len(report.statement["subject"])},
        ),
    )


def _read_ledger(source: Any) -> tuple[bytes | None, str | None, str | None]:
    """(bytes, path, error)."""
    if source is None:
        return None, None, None
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), None, None
    p = Path(source)
    try:
        return p.read_bytes(), str(p), None
    except OSError as err:
        return None, str(p), f"cannot read ledger {p}: {err.strerror}"


# --------------------------------------------------------------------------------------------
# Signatures


def _embedded_key(report: ComputeReport) -> tuple[Ed25519PublicKey | None, str]:
    signer = report.predicate.get("signer")
    if not isinstance(signer, Mapping) or not isinstance(signer.get("public_key_pem"), str):
        return None, "the report names no signer public key"
    try:
        key = load_public_key(signer["public_key_pem"])
    except ComputegovError as err:
        return None, f"the report's signer key is unusable: {err}"
    if key_id(key) != signer.get("keyid"):
        return None, "the report's signer.keyid is not the id of its public key"
    return key, ""


def _check_envelope_signature(report: ComputeReport, key: Ed25519PublicKey, how: str) -> Check:
    kid = key_id(key)
    sigs = report.envelope["signatures"]
    evidence: dict[str, Any] = {"keyid": kid, "key_source": how, "signatures": len(sigs)}
    matching = [s for s in sigs if s.get("keyid") == kid]
    if not matching:
        others = ", ".join(str(s.get("keyid"))[:16] for s in sigs)
        return Check(
            "report_signature",
            "fail",
            f"no signature by key {kid[:16]}... (signed by: {others or 'nobody'})",
            evidence,
        )
    message = pae(PAYLOAD_TYPE, report.payload)
    for i, s in enumerate(matching):
        try:
            key.verify(b64_strict(s["sig"]), message)
        except (ValueError, binascii.Error):
            return Check(
                "report_signature", "fail", f"signature {i} is not canonical base64", evidence
            )
        except Exception:  # cryptography.exceptions.InvalidSignature
            return Check(
                "report_signature",
                "fail",
                f"signature {i} by {kid[:16]}... does not verify over the payload",
                evidence,
            )
    return Check(
        "report_signature", "pass", f"DSSE signature by {kid[:16]}... verifies ({how})", evidence
    )


# --------------------------------------------------------------------------------------------


def verify_report(
    report: bytes | str | Path | Mapping[str, Any] | ComputeReport,
    ledger: bytes | str | Path | None = None,
    public_key: bytes | str | Path | Ed25519PublicKey | None = None,
    *,
    checkpoints_dir: str | Path | None = None,
    catalog: Any = None,
    checkers: Mapping[str, AttestationChecker] | None = None,
) -> Verdict:
    """Check a compute report, and its ledger when given, and say what passed and failed.

    Args:
        report: the report file's bytes or text, its path, the envelope as a dict, or a
            :class:`ComputeReport`. Bytes/text must be the file exactly as written.
        ledger: the ledger file's bytes, or its path. None: ledger checks are skipped.
        public_key: the signer's trusted public key (PEM bytes/text, a path, 64 hex digits, or a
            key object). None: signatures are checked against the key the report itself names,
            which proves integrity but not who signed (``key_trust`` is then ``skip``).
        checkpoints_dir: where checkpoint files are (default: the ledger's directory).
        catalog: a :class:`~computegov.catalog.Catalog` for plausibility (default: bundled).
        checkers: attestation checkers by evidence type (default: registered ones).

    Returns:
        The :class:`Verdict`; ``verdict.ok`` is True when no check failed.
    """
    with gc_paused():
        return _verify(report, ledger, public_key, checkpoints_dir, catalog, checkers)


def _verify(
    report: Any,
    ledger: Any,
    public_key: Any,
    checkpoints_dir: str | Path | None,
    catalog: Any,
    checkers: Mapping[str, AttestationChecker] | None,
) -> Verdict:
    checks: list[Check] = []
    rep, report_path, fmt = _read_report(report)
    checks.append(fmt)

    trusted: Ed25519PublicKey | None = None
    if public_key is not None:
        try:
            trusted = load_public_key(public_key)
            checks.append(
                Check(
                    "key_trust",
                    "pass",
                    f"trusted key {key_id(trusted)[:16]}... given",
                    {"keyid": key_id(trusted)},
                )
            )
        except ComputegovError as err:
            checks.append(Check("key_trust", "fail", str(err), unusable=True))

    key: Ed25519PublicKey | None = trusted
    if rep is not None:
        if public_key is None:
            key, why = _embedded_key(rep)
            if key is None:
                checks.append(Check("key_trust", "fail", why))
            else:
                checks.append(
                    Check(
                        "key_trust",
                        "skip",
                        "no trusted key given: signatures are checked against the key the "
                        "report names, which shows integrity, not who signed (pass --key)",
                        {"keyid": key_id(key)},
                    )
                )
        if key is not None:
            how = "trusted key" if trusted is not None else "key named in the report"
            checks.append(_check_envelope_signature(rep, key, how))
        else:
            checks.append(Check("report_signature", "skip", "no usable public key"))
    else:
        checks.append(Check("report_signature", "skip", "report unreadable"))
        if public_key is None:
            checks.append(Check("key_trust", "skip", "report unreadable"))

    ledger_bytes, ledger_path, ledger_err = _read_ledger(ledger)
    ledger_names = (
        "ledger_format",
        "ledger_chain",
        "ledger_signatures",
        "ledger_order",
        "report_matches_ledger",
        "totals",
        "checkpoint_files",
    )
    if ledger_err is not None:
        checks.append(Check("ledger_format", "fail", ledger_err, unusable=True))
        checks.extend(Check(n, "skip", "ledger unreadable") for n in ledger_names[1:])
    elif ledger_bytes is None:
        checks.extend(Check(n, "skip", "no ledger given") for n in ledger_names)
    else:
        scan = scan_ledger(ledger_bytes)
        checks.extend(ledger_structure_checks(scan, ledger_path))
        checks.append(ledger_signature_check(scan, key))
        checks.append(ledger_order_check(scan))
        if rep is not None and scan.records:
            checks.append(matches_check(rep, scan, ledger_bytes))
            checks.append(totals_check(rep, scan))
        else:
            checks.append(Check("report_matches_ledger", "skip", "report or ledger unreadable"))
            checks.append(Check("totals", "skip", "report or ledger unreadable"))
        base = (
            Path(checkpoints_dir)
            if checkpoints_dir is not None
            else (Path(ledger_path).parent if ledger_path else None)
        )
        checks.append(checkpoint_files_check(scan, base))

    if rep is not None:
        checks.append(plausibility_check(rep, catalog))
        att = check_attestation(rep.statement, checkers)
        status = "skip" if att.state != "checked" else ("pass" if att.ok else "fail")
        checks.append(Check("attestation", status, f"{att.state}: {att.detail}", att.to_dict()))
    else:
        checks.append(Check("plausibility", "skip", "report unreadable"))
        checks.append(Check("attestation", "skip", "report unreadable"))
    return Verdict(tuple(checks), report_path, ledger_path)
