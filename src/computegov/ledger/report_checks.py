"""The verifier's checks of a report against its ledger: metadata, totals, checkpoint files.

Like :mod:`computegov.ledger.checks` (the checks of the ledger alone), each function takes parsed
inputs and returns a :class:`~computegov.ledger.verdict.Check`; none raises on bad content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from computegov.errors import ComputegovError
from computegov.ledger.check_values import close, first_and_more, obj, records_of, where
from computegov.ledger.evidence import (
    DEFAULT_MAX_CHECKPOINT_BYTES,
    digest_regular_file,
    locate,
)
from computegov.ledger.report import ComputeReport
from computegov.ledger.scan import ChainScan
from computegov.ledger.totals import totals_from_records
from computegov.ledger.verdict import Check

__all__ = ["checkpoint_files_check", "matches_check", "totals_check"]


def matches_check(report: ComputeReport, scan: ChainScan, ledger_bytes: bytes) -> Check:
    """``report_matches_ledger``: head, count, file digest, metadata, checkpoints, end record."""
    pred = report.predicate
    led = obj(pred.get("ledger"))
    mismatches: list[str] = []
    if led.get("head_hash") != scan.head_hash:
        mismatches.append(
            f"head hash: report {str(led.get('head_hash'))[:16]}..., ledger "
            f"{scan.head_hash[:16]}..."
        )
    if led.get("records") != len(scan.records):
        mismatches.append(f"record count: report {led.get('records')}, ledger {len(scan.records)}")
    sha = hashlib.sha256(ledger_bytes).hexdigest()
    ledger_subjects = [
        s for s in report.statement["subject"] if str(s.get("name", "")).startswith("ledger/")
    ]
    if not ledger_subjects or ledger_subjects[0].get("digest", {}).get("sha256") != sha:
        mismatches.append("ledger file sha256 differs from the report's ledger subject")
    meta = scan.records[0].data if scan.records else {}
    metadata = obj(meta.get("metadata"))
    if pred.get("hardware") != (metadata.get("hardware") or {}):
        mismatches.append("hardware differs between report and ledger metadata")
    run = {k: v for k, v in metadata.items() if k not in ("hardware", "replay", "attestation")}
    if pred.get("run") != run:
        mismatches.append("run metadata differs between report and ledger")
    if pred.get("replay") != metadata.get("replay"):
        mismatches.append("replay spec differs between report and ledger")
    signer = obj(pred.get("signer"))
    if signer.get("keyid") != meta.get("keyid"):
        mismatches.append("report signer differs from the ledger's signer")
    ckpts = [
        {
            "step": r.data.get("step"),
            "path": r.data.get("path"),
            "blake3": obj(r.data.get("state")).get("blake3"),
            "sha256": obj(r.data.get("state")).get("sha256"),
        }
        for r in records_of(scan, "checkpoint")
    ]
    if pred.get("checkpoints") != ckpts:
        mismatches.append("checkpoint list differs between report and ledger")
    ckpt_subjects = [
        s for s in report.statement["subject"] if str(s.get("name", "")).startswith("checkpoint/")
    ]
    if ckpts:
        last = ckpts[-1]
        want = {
            "name": f"checkpoint/step-{last['step']}",
            "digest": {"blake3": last["blake3"], "sha256": last["sha256"]},
        }
        if ckpt_subjects != [want]:
            mismatches.append("final-checkpoint subject is not the ledger's last checkpoint")
    elif ckpt_subjects:
        mismatches.append("report names a checkpoint the ledger does not have")
    ends = records_of(scan, "end")
    if len(ends) != 1:
        mismatches.append(f"ledger has {len(ends)} end records, expected 1")
    else:
        if not close(ends[0].data.get("totals"), pred.get("totals")):
            mismatches.append("totals in the report differ from the ledger's end record")
        if ends[0].data.get("summary") != pred.get("claims"):
            mismatches.append("claims in the report differ from the ledger's end record")
    if mismatches:
        return Check(
            "report_matches_ledger",
            "fail",
            first_and_more(mismatches),
            {"mismatches": mismatches, "ledger_sha256": sha},
        )
    return Check(
        "report_matches_ledger",
        "pass",
        f"head {scan.head_hash[:16]}..., {len(scan.records)} records, file digest and "
        f"{len(ckpts)} checkpoints agree",
        {"head_hash": scan.head_hash, "ledger_sha256": sha},
    )


def totals_check(report: ComputeReport, scan: ChainScan) -> Check:
    """``totals``: the report's totals equal the sum of the ledger's measurement records."""
    intervals: list[Mapping[str, Any]] = [
        interval
        for r in scan.records
        if r.kind == "measurement" and type(interval := r.data.get("interval")) is dict
    ]
    hardware = report.predicate.get("hardware")
    chip_count = hardware.get("chip_count") if isinstance(hardware, Mapping) else None
    recomputed = totals_from_records(intervals, chip_count)
    claimed = report.totals
    diffs = []
    for key, value in recomputed.items():
        if key in ("tokens", "samples") and claimed.get(f"{key}_source") == "summary":
            continue  # taken from the run summary, not summed from records
        if not close(claimed.get(key), value):
            diffs.append(f"{key}: report {claimed.get(key)!r}, records sum to {value!r}")
    if diffs:
        return Check(
            "totals",
            "fail",
            first_and_more(diffs),
            {"differences": diffs, "recomputed": recomputed},
        )
    return Check(
        "totals",
        "pass",
        f"totals equal the sum of {len(intervals)} measurement records "
        f"(flop {recomputed['flop']:.4g}, duration {recomputed['duration_s']:.4g} s)",
        {"recomputed": recomputed},
    )


def checkpoint_files_check(
    scan: ChainScan, base: Path | None, max_checkpoint_bytes: int = DEFAULT_MAX_CHECKPOINT_BYTES
) -> Check:
    """``checkpoint_files``: each recorded checkpoint file is safe to open and matches its digests.

    Every path is resolved under ``base`` by :func:`~computegov.ledger.evidence.locate`: a path
    that escapes it, or names a directory, device or FIFO, fails the check (with the reason)
    before anything is read. Files that are absent make the check ``missing`` (the verdict is
    incomplete), never ``skip``: the report says they exist.
    """
    ckpts = [
        (i, r) for i, r in enumerate(scan.records) if r.kind == "checkpoint" and r.data.get("path")
    ]
    if not ckpts:
        return Check("checkpoint_files", "skip", "the ledger records no checkpoint files")
    names = [f"checkpoint {r.data['path']}" for _, r in ckpts]
    if base is None:
        return Check(
            "checkpoint_files",
            "missing",
            f"no directory to find the {len(ckpts)} checkpoint files in (pass --checkpoints DIR)",
            missing_kind="checkpoints",
            missing=tuple(names),
        )
    located = [(i, r, locate(base, r.data["path"])) for i, r in ckpts]
    refused = [(i, loc) for i, _, loc in located if loc.state == "refused"]
    if refused:
        i, loc = refused[0]
        more = f" (+{len(refused) - 1} more)" if len(refused) > 1 else ""
        return Check(
            "checkpoint_files",
            "fail",
            f"{where(scan, i)}: checkpoint path {loc.name!r} refused: {loc.reason}{more}",
            {"refused": [{"path": loc.name, "reason": loc.reason} for _, loc in refused[:20]]},
        )
    for i, r, loc in located:
        if loc.state != "ok" or loc.path is None:
            continue
        want = obj(r.data.get("file"))
        try:
            got = digest_regular_file(loc.path, max_checkpoint_bytes, "checkpoint file")
        except ComputegovError as err:
            return Check("checkpoint_files", "fail", f"{where(scan, i)}: {err}")
        if got.get("sha256") != want.get("sha256") or got.get("blake3") != want.get("blake3"):
            return Check(
                "checkpoint_files",
                "fail",
                f"{where(scan, i)}: {loc.name} does not match its recorded digest "
                f"(sha256 {got['sha256'][:16]}... vs {str(want.get('sha256'))[:16]}...)",
                {"path": str(loc.path), "recorded": want, "actual": got},
            )
    missing = [(i, loc) for i, _, loc in located if loc.state == "missing"]
    if missing:
        i, loc = missing[0]
        return Check(
            "checkpoint_files",
            "missing",
            f"{where(scan, i)}: checkpoint file {loc.name} is missing from {base} "
            f"({len(missing)} of {len(located)} missing; the others match their digests)",
            {"directory": str(base), "missing": [loc.name for _, loc in missing]},
            missing_kind="checkpoints",
            missing=tuple(f"checkpoint {loc.name}" for _, loc in missing),
        )
    return Check(
        "checkpoint_files",
        "pass",
        f"{len(located)} checkpoint files match their recorded digests",
        {"directory": str(base)},
    )
