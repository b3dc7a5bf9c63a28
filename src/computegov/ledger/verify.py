"""The verifier: every check of a compute report (and its ledger), each with evidence.

:func:`verify_report` never raises on bad content: every problem becomes a failed
:class:`Check` naming the record number and byte offset where it was found. A failed check that
means the input could not even be read (garbled JSON, a torn ledger, a key in the wrong format,
a missing checkpoint file) is marked ``unusable``: the CLI exits 2 for those and 1 for every
other failure.

Checks, in order: ``report_format``, ``key_trust``, ``report_signature``, ``report_values``,
``ledger_format``, ``ledger_records``, ``ledger_chain``, ``ledger_signatures``,
``ledger_order``, ``ledger_times``, ``report_matches_ledger``, ``totals``,
``checkpoint_files``, ``plausibility``, ``attestation``.

The verifier assumes the party being checked controls everything it sends (TUF's threat
model): without a trusted key there is no ``verified`` (``key_trust`` is *missing*, kind
``trusted_key``; ``integrity_only=True`` accepts that and the verdict says it is not
authenticated); the peak FLOP/s comes from the verifier, never the report (``chip_peak``); and
evidence of a type no registered checker handles fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.errors import ComputegovError, InputError
from computegov.ledger.attestation import AttestationChecker, check_attestation
from computegov.ledger.check_values import first_and_more, obj
from computegov.ledger.evidence import ReadLimits
from computegov.ledger.ledger_pass import ledger_checks
from computegov.ledger.plausibility import (
    ENERGY_TOLERANCE,
    SIX_ND_TOLERANCE_FACTOR,
    TYPICAL_UTILISATION_MAX,
    plausibility_check,
)
from computegov.ledger.record_schema import totals_problems
from computegov.ledger.report import ComputeReport
from computegov.ledger.scan import gc_paused
from computegov.ledger.signing import key_id, load_public_key
from computegov.ledger.timeline import MAX_CLOCK_SKEW_S, TimesCheck
from computegov.ledger.verdict import EVIDENCE_KINDS, Check, Verdict
from computegov.ledger.verify_inputs import (
    ReadProgress,
    check_envelope_signature,
    embedded_key,
    find_ledger,
    open_ledger,
    read_report,
)

__all__ = [
    "ENERGY_TOLERANCE",
    "MAX_CLOCK_SKEW_S",
    "SIX_ND_TOLERANCE_FACTOR",
    "TYPICAL_UTILISATION_MAX",
    "Check",
    "ReadLimits",
    "Verdict",
    "parse_allow_missing",
    "verify_report",
]


# --------------------------------------------------------------------------------------------


def verify_report(
    report: bytes | str | Path | Mapping[str, Any] | ComputeReport,
    ledger: bytes | str | Path | Any | None = None,
    public_key: bytes | str | Path | Ed25519PublicKey | None = None,
    *,
    checkpoints_dir: str | Path | None = None,
    catalog: Any = None,
    checkers: Mapping[str, AttestationChecker] | None = None,
    allow_missing: Iterable[str] = (),
    limits: ReadLimits | None = None,
    integrity_only: bool = False,
    peak_flop_per_s: float | None = None,
    clock: Callable[[], float] = time.time,
    max_clock_skew_s: float = MAX_CLOCK_SKEW_S,
    key_registered_unix_s: float | None = None,
    progress: Callable[[int, int | None], object] | None = None,
) -> Verdict:
    """Check a compute report, and its ledger, and say what passed, failed or is missing.

    The verdict fails closed (see :mod:`computegov.ledger.verdict`): evidence the report says
    exists (its ledger, the checkpoint files the ledger lists) that is not presented makes the
    outcome ``incomplete``, unless its kind is in ``allow_missing``.

    Args:
        report: the report file's bytes or text, its path, the envelope as a dict, or a
            :class:`ComputeReport`. Bytes/text must be the file exactly as written.
        ledger: the ledger file's bytes, a binary file handle open on it (``read(n)``; e.g.
            ``io.BytesIO``), or its path. It is read once, in 64 KiB blocks, never whole (see
            :mod:`computegov.ledger.ledger_pass`). None: the ledger the report names is
            looked for beside the report (when the report was given as a path); if there is
            none, the ledger checks are ``missing``.
        public_key: the signer's trusted public key (PEM bytes/text, a path, 64 hex digits, or a
            key object). None: signatures are checked against the key the report itself names,
            which proves integrity but not who signed: ``key_trust`` is then ``missing``
            (kind ``trusted_key``) and the outcome ``incomplete`` unless ``integrity_only``.
        checkpoints_dir: the directory checkpoint paths are resolved under (default: the
            ledger's directory; with a ledger given as bytes and no directory, checkpoint
            files are ``missing``). Paths escaping it are refused (see
            :mod:`computegov.ledger.evidence`).
        catalog: a :class:`~computegov.catalog.Catalog` for plausibility (default: bundled).
        checkers: attestation checkers by evidence type (default: registered ones).
        allow_missing: evidence kinds the auditor accepts as missing (``ledger``,
            ``checkpoints``, ``replay_inputs``); the verdict is then :attr:`Verdict.partial`.
        limits: size caps on what is read (default :class:`ReadLimits`: 1 MiB per ledger
            record, 1 GiB per ledger or report file, 1 TiB per checkpoint file).
        integrity_only: accept the absence of a trusted key (the verdict is then partial and
            :attr:`Verdict.authenticated` is False: it shows integrity, not who signed).
        peak_flop_per_s: the verifier's own peak per chip, FLOP/s, for plausibility (takes
            precedence over the catalogue; makes a chip it lacks checkable).
        clock: the verifier's clock (Unix s); records and the report may not be dated later
            than it plus ``max_clock_skew_s``.
        max_clock_skew_s: allowed clock skew between prover and verifier, s (default 300).
        key_registered_unix_s: when the signing key was registered, Unix s, where known: a run
            may not start before it.
        progress: called as the ledger is read with (bytes read, the ledger's size in bytes or
            None where unknown), every MiB and at its end (a progress bar for long ledgers).

    Returns:
        The :class:`Verdict`; ``verdict.ok`` is True only when the outcome is ``verified``.

    Raises:
        InputError: ``allow_missing`` names an unknown evidence kind.
    """
    allowed = parse_allow_missing(allow_missing)
    if integrity_only and "trusted_key" not in allowed:
        allowed = (*allowed, "trusted_key")
    if peak_flop_per_s is not None and not (0 < peak_flop_per_s < float("inf")):
        raise InputError(f"peak_flop_per_s must be a positive number, got {peak_flop_per_s!r}")
    times = _Times(float(clock()), float(max_clock_skew_s), key_registered_unix_s)
    with gc_paused():
        return _verify(
            report, ledger, public_key, checkpoints_dir, catalog, checkers, allowed,
            limits or ReadLimits(), peak_flop_per_s, times, progress,
        )


class _Times:
    """The verifier's clock and what it knows about the key, for ``ledger_times``."""

    __slots__ = ("key_registered_unix_s", "max_skew_s", "now_unix_s")

    def __init__(self, now: float, skew: float, registered: float | None) -> None:
        self.now_unix_s, self.max_skew_s, self.key_registered_unix_s = now, skew, registered


def parse_allow_missing(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"ledger,checkpoints"`` (or an iterable of kinds) as a tuple of evidence kinds.

    Raises:
        InputError: an unknown kind.
    """
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    kinds = tuple(dict.fromkeys(str(k).strip() for k in items if str(k).strip()))
    unknown = [k for k in kinds if k not in EVIDENCE_KINDS]
    if unknown:
        raise InputError(
            f"--allow-missing: unknown evidence kind {', '.join(unknown)}; expected some of "
            f"{', '.join(EVIDENCE_KINDS)}"
        )
    return kinds


_LEDGER_CHECKS = (
    "ledger_format",
    "ledger_records",
    "ledger_chain",
    "ledger_signatures",
    "ledger_order",
    "ledger_times",
    "report_matches_ledger",
    "totals",
    "checkpoint_files",
)


def _checkpoints_without_ledger(report: ComputeReport | None, why: str) -> Check:
    """``checkpoint_files`` when the ledger is missing or unusable.

    The checkpoint files' digests are in the ledger, so the files the report lists cannot be
    checked without it: they are ``missing`` evidence too (accepting a report-only check takes
    ``--allow-missing ledger,checkpoints``).
    """
    listed = report.predicate.get("checkpoints") if report is not None else None
    names = [
        f"checkpoint {c['path']}"
        for c in (listed if isinstance(listed, list) else [])
        if isinstance(c, Mapping) and isinstance(c.get("path"), str)
    ]
    if not names:
        return Check("checkpoint_files", "skip", f"{why}; the report lists no checkpoint files")
    return Check(
        "checkpoint_files",
        "missing",
        f"{why}: the {len(names)} checkpoint files the report lists cannot be checked "
        "(their file digests are in the ledger)",
        missing_kind="checkpoints",
        missing=tuple(names),
    )


def report_values_check(report: ComputeReport) -> Check:
    """``report_values``: the report's own numbers are typed and in range (as on write).

    Checked even without a ledger: ``totals`` (FLOP >= 0, durations and chip-hours >= 0,
    counts are integers) and ``hardware.chip_count`` (a whole number); see
    :mod:`computegov.ledger.record_schema`.
    """
    pred = report.predicate
    problems = totals_problems(pred.get("totals"))
    hardware = obj(pred.get("hardware"))
    chips = hardware.get("chip_count")
    if chips is not None and (type(chips) is not int or chips < 1):
        problems.append(f"hardware.chip_count: expected a whole number >= 1, got {chips!r}")
    if problems:
        return Check("report_values", "fail", first_and_more(problems), {"problems": problems})
    return Check("report_values", "pass", "totals and chip count are typed and in range")


def _verify(
    report: Any,
    ledger: Any,
    public_key: Any,
    checkpoints_dir: str | Path | None,
    catalog: Any,
    checkers: Mapping[str, AttestationChecker] | None,
    allowed: tuple[str, ...],
    limits: ReadLimits,
    peak_flop_per_s: float | None,
    times: _Times,
    progress: Callable[[int, int | None], object] | None = None,
) -> Verdict:
    checks: list[Check] = []
    rep, report_path, fmt = read_report(report, limits.max_file_bytes)
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
            key, why = embedded_key(rep)
            if key is None:
                checks.append(Check("key_trust", "fail", why))
            else:
                checks.append(
                    Check(
                        "key_trust",
                        "missing",
                        "no trusted key given: signatures are checked against the key the "
                        "report names, which shows integrity, not who signed (pass --key "
                        "SIGNER.pub, or --integrity-only to accept an UNAUTHENTICATED check)",
                        {"keyid": key_id(key)},
                        missing_kind="trusted_key",
                        missing=("trusted key (--key)",),
                    )
                )
        if key is not None:
            how = "trusted key" if trusted is not None else "key named in the report"
            checks.append(check_envelope_signature(rep, key, how))
        else:
            checks.append(Check("report_signature", "skip", "no usable public key"))
    else:
        checks.append(Check("report_signature", "skip", "report unreadable"))
        if public_key is None:
            checks.append(Check("key_trust", "skip", "report unreadable"))

    checks.append(
        report_values_check(rep) if rep is not None else Check("report_values", "skip", "report unreadable")
    )

    reader: Any = None
    ledger_path: str | None = None
    ledger_check: Check | None = None
    if ledger is not None:
        reader, ledger_path, read_error = open_ledger(ledger, limits.max_file_bytes)
        if read_error is not None:
            ledger_check = Check("ledger_format", "fail", read_error, unusable=True)
    elif rep is not None:
        reader, ledger_path, ledger_check = find_ledger(rep, report_path, limits.max_file_bytes)
    else:
        ledger_check = Check("ledger_format", "skip", "report unreadable: no ledger looked for")
    if ledger_check is None and reader is not None:
        created = rep.predicate.get("created_unix_s") if rep is not None else None
        times_check = TimesCheck(
            created,
            now_unix_s=times.now_unix_s,
            max_clock_skew_s=times.max_skew_s,
            key_registered_unix_s=times.key_registered_unix_s,
        )
        if progress is not None:
            reader = ReadProgress(reader, progress)
        try:
            checks.extend(
                ledger_checks(
                    reader, ledger_path, rep, key, times_check, limits, checkpoints_dir
                )
            )
        except ComputegovError as err:  # the file failed or grew past its cap mid-read
            ledger_check = Check("ledger_format", "fail", str(err), unusable=True)
        finally:
            reader.close()
    if ledger_check is not None:
        checks.append(ledger_check)
        why = "ledger missing" if ledger_check.status == "missing" else "ledger unusable"
        checks.extend(Check(n, "skip", why) for n in _LEDGER_CHECKS[1:-1])
        checks.append(_checkpoints_without_ledger(rep, why))

    if rep is not None:
        checks.append(plausibility_check(rep, catalog, peak_flop_per_s))
        att = check_attestation(rep.statement, checkers)
        status = "skip" if att.state == "absent" else ("pass" if att.ok is True else "fail")
        checks.append(Check("attestation", status, f"{att.state}: {att.detail}", att.to_dict()))
    else:
        checks.append(Check("plausibility", "skip", "report unreadable"))
        checks.append(Check("attestation", "skip", "report unreadable"))
    return Verdict(tuple(checks), report_path, ledger_path, allowed)
