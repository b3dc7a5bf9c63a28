"""The verifier's checks of a report against its ledger: metadata, totals, checkpoint files.

Like :mod:`computegov.ledger.checks` (the checks of the ledger alone), they run in one streaming
pass: :class:`LedgerFacts` is fed one record at a time and keeps what these checks need (head,
count, record 0's data, the checkpoint list, the end record, running totals); each function
then takes those facts and returns a :class:`~computegov.ledger.verdict.Check`. None raises on
bad content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from computegov.errors import ComputegovError
from computegov.ledger.batch import Batch
from computegov.ledger.check_values import close, first_and_more, obj
from computegov.ledger.evidence import (
    DEFAULT_MAX_CHECKPOINT_BYTES,
    digest_regular_file,
    locate,
)
from computegov.ledger.records import GENESIS_HASH, Record
from computegov.ledger.report import ComputeReport
from computegov.ledger.totals import TotalsSum
from computegov.ledger.verdict import Check

__all__ = ["LedgerFacts", "checkpoint_files_check", "matches_check", "totals_check"]


class LedgerFacts:
    """What the report checks need from a ledger, gathered one record at a time.

    Attributes:
        records: records fed.
        head_hash: the last record's hash (:data:`GENESIS_HASH` before any).
        meta: record 0's data (whatever its kind; {} before any).
        first_kind: record 0's kind (None before any).
        checkpoints: each checkpoint record's step, path and state digests, in order.
        checkpoint_files: ``(where, path, file digests)`` of each checkpoint record naming a path.
        ends: ``end`` records seen; ``end_data`` the first one's data.
        totals: the measurement intervals' running totals.
    """

    __slots__ = (
        "checkpoint_files", "checkpoints", "end_data", "ends", "first_kind", "head_hash", "meta",
        "records", "totals",
    )

    def __init__(self) -> None:
        self.records = 0
        self.head_hash = GENESIS_HASH
        self.meta: dict[str, Any] = {}
        self.first_kind: str | None = None
        self.checkpoints: list[dict[str, Any]] = []
        self.checkpoint_files: list[tuple[str, Any, Any]] = []
        self.ends = 0
        self.end_data: dict[str, Any] = {}
        self.totals = TotalsSum()

    def feed(self, offset: int, rec: Record) -> None:
        """Take one record's facts."""
        self.feed_batch(Batch([offset], [rec]))

    def feed_batch(self, batch: Batch) -> None:
        """Take the facts of each record; intervals summed column-wise."""
        if not len(batch):
            return
        record, n = batch.record, len(batch)
        if not self.records:
            first = record(0)
            self.meta, self.first_kind = first.data, first.kind
        self.records += n
        self.head_hash = record(n - 1).hash
        run = batch.measurements()
        intervals: list[Mapping[str, Any]] = []
        if run is not None:
            if len(run):
                self.totals.add_run(run.columns, run.intervals, run.types)
            which: Sequence[int] = batch.indices(_FACT_KINDS)  # checkpoints, the end record
        else:
            which = range(n)
            record = batch.records.__getitem__  # type: ignore[assignment]  # all read: build all
        for i in which:
            rec = record(i)
            kind, d = rec.kind, rec.data
            if kind == "measurement":
                interval = d.get("interval")
                if type(interval) is dict:
                    intervals.append(interval)
            elif kind == "checkpoint":
                state = obj(d.get("state"))
                self.checkpoints.append(
                    {
                        "step": d.get("step"),
                        "path": d.get("path"),
                        "blake3": state.get("blake3"),
                        "sha256": state.get("sha256"),
                    }
                )
                if d.get("path"):
                    self.checkpoint_files.append(
                        (f"record {rec.seq} (byte offset {batch.offsets[i]})", d["path"], d.get("file"))
                    )
            elif kind == "end":
                if not self.ends:
                    self.end_data = d
                self.ends += 1
        if intervals:
            self.totals.add_many(intervals)


_FACT_KINDS = frozenset(("checkpoint", "end"))


def matches_check(report: ComputeReport, facts: LedgerFacts, sha: str) -> Check:
    """``report_matches_ledger``: head, count, file digest, metadata, checkpoints, end record.

    Args:
        report: the report.
        facts: the ledger's facts.
        sha: the ledger file's SHA-256, hex.
    """
    pred = report.predicate
    led = obj(pred.get("ledger"))
    mismatches: list[str] = []
    head_hash, records = facts.head_hash, facts.records
    if led.get("head_hash") != head_hash:
        mismatches.append(
            f"head hash: report {str(led.get('head_hash'))[:16]}..., ledger "
            f"{head_hash[:16]}..."
        )
    if led.get("records") != records:
        mismatches.append(f"record count: report {led.get('records')}, ledger {records}")
    ledger_subjects = [
        s for s in report.statement["subject"] if str(s.get("name", "")).startswith("ledger/")
    ]
    if not ledger_subjects or ledger_subjects[0].get("digest", {}).get("sha256") != sha:
        mismatches.append("ledger file sha256 differs from the report's ledger subject")
    meta = facts.meta
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
    ckpts = facts.checkpoints
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
    if facts.ends != 1:
        mismatches.append(f"ledger has {facts.ends} end records, expected 1")
    else:
        if not close(facts.end_data.get("totals"), pred.get("totals")):
            mismatches.append("totals in the report differ from the ledger's end record")
        if facts.end_data.get("summary") != pred.get("claims"):
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
        f"head {head_hash[:16]}..., {records} records, file digest and "
        f"{len(ckpts)} checkpoints agree",
        {"head_hash": head_hash, "ledger_sha256": sha},
    )


def totals_check(report: ComputeReport, totals: TotalsSum) -> Check:
    """``totals``: the report's totals equal the sum of the ledger's measurement records."""
    hardware = report.predicate.get("hardware")
    chip_count = hardware.get("chip_count") if isinstance(hardware, Mapping) else None
    recomputed = totals.result(chip_count)
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
        f"totals equal the sum of {totals.intervals} measurement records "
        f"(flop {recomputed['flop']:.4g}, duration {recomputed['duration_s']:.4g} s)",
        {"recomputed": recomputed},
    )


def checkpoint_files_check(
    ckpts: list[tuple[str, Any, Any]],
    base: Path | None,
    max_checkpoint_bytes: int = DEFAULT_MAX_CHECKPOINT_BYTES,
) -> Check:
    """``checkpoint_files``: each recorded checkpoint file is safe to open and matches its digests.

    Every path is resolved under ``base`` by :func:`~computegov.ledger.evidence.locate`: a path
    that escapes it, or names a directory, device or FIFO, fails the check (with the reason)
    before anything is read. Files that are absent make the check ``missing`` (the verdict is
    incomplete), never ``skip``: the report says they exist.

    Args:
        ckpts: ``(where, path, recorded file digests)`` of each checkpoint record naming a path
            (:attr:`LedgerFacts.checkpoint_files`).
        base: the directory paths are resolved under (None: none given).
        max_checkpoint_bytes: the cap on one checkpoint file, bytes.
    """
    if not ckpts:
        return Check("checkpoint_files", "skip", "the ledger records no checkpoint files")
    names = [f"checkpoint {path}" for _, path, _ in ckpts]
    if base is None:
        return Check(
            "checkpoint_files",
            "missing",
            f"no directory to find the {len(ckpts)} checkpoint files in (pass --checkpoints DIR)",
            missing_kind="checkpoints",
            missing=tuple(names),
        )
    located = [(i, file, locate(base, path)) for i, path, file in ckpts]
    refused = [(i, loc) for i, _, loc in located if loc.state == "refused"]
    if refused:
        i, loc = refused[0]
        more = f" (+{len(refused) - 1} more)" if len(refused) > 1 else ""
        return Check(
            "checkpoint_files",
            "fail",
            f"{i}: checkpoint path {loc.name!r} refused: {loc.reason}{more}",
            {"refused": [{"path": loc.name, "reason": loc.reason} for _, loc in refused[:20]]},
        )
    for i, file, loc in located:
        if loc.state != "ok" or loc.path is None:
            continue
        want = obj(file)
        try:
            got = digest_regular_file(loc.path, max_checkpoint_bytes, "checkpoint file")
        except ComputegovError as err:
            return Check("checkpoint_files", "fail", f"{i}: {err}")
        if got.get("sha256") != want.get("sha256") or got.get("blake3") != want.get("blake3"):
            return Check(
                "checkpoint_files",
                "fail",
                f"{i}: {loc.name} does not match its recorded digest "
                f"(sha256 {got['sha256'][:16]}... vs {str(want.get('sha256'))[:16]}...)",
                {"path": str(loc.path), "recorded": want, "actual": got},
            )
    missing = [(i, loc) for i, _, loc in located if loc.state == "missing"]
    if missing:
        i, loc = missing[0]
        return Check(
            "checkpoint_files",
            "missing",
            f"{i}: checkpoint file {loc.name} is missing from {base} "
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
