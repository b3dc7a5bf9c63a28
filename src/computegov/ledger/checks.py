"""The verifier's checks of a ledger and of a report against its ledger.

Each function takes parsed inputs and returns a :class:`~computegov.ledger.verdict.Check`;
none raises on bad content (tampered input may hold anything, so every field is type-checked).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.errors import ComputegovError
from computegov.ledger.chain import ChainScan, head_message
from computegov.ledger.digests import digest_file
from computegov.ledger.recorder import totals_from_records
from computegov.ledger.records import Record
from computegov.ledger.report import ComputeReport
from computegov.ledger.signing import key_id
from computegov.ledger.verdict import Check

__all__ = [
    "TOTALS_REL_TOL",
    "b64_strict",
    "checkpoint_files_check",
    "close",
    "ledger_order_check",
    "ledger_signature_check",
    "ledger_structure_checks",
    "matches_check",
    "obj",
    "records_of",
    "totals_check",
    "where",
]

TOTALS_REL_TOL = 1e-9
# Assumption: consecutive meter intervals may overlap by up to 1 ms of clock jitter (timestamps
# come from time.time() in separate calls); a larger overlap means double-counted time.
_OVERLAP_TOLERANCE_S = 1e-3
_NUMBER = (int, float)


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict (tampered input may hold anything)."""
    return dict(value) if isinstance(value, Mapping) else {}


def close(a: Any, b: Any) -> bool:
    """Equal, numbers within :data:`TOTALS_REL_TOL` (recursively through dicts)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=TOTALS_REL_TOL, abs_tol=1e-12)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return bool(a == b)


def b64_strict(text: Any) -> bytes:
    """Strict base64 decode: only the canonical encoding of some bytes is accepted."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


# --------------------------------------------------------------------------------------------
# Ledger checks


def where(scan: ChainScan, index: int) -> str:
    """``record N (byte offset M)`` of the ``index``-th parsed record."""
    rec = scan.records[index]
    return f"record {rec.seq} (byte offset {scan.offsets_bytes[index]})"


def ledger_structure_checks(scan: ChainScan, path: str | None) -> list[Check]:
    """``ledger_format`` (framing, JSON, torn tail: unusable) and ``ledger_chain`` (hashes, links)."""
    fmt = [p for p in scan.problems if p.kind in ("format", "torn")]
    chain = [p for p in scan.problems if p.kind in ("hash", "link")]
    ev = {"records": len(scan.records), "size_bytes": scan.size_bytes}
    checks: list[Check] = []
    if fmt:
        checks.append(
            Check(
                "ledger_format",
                "fail",
                f"{fmt[0]}" + (f" (+{len(fmt) - 1} more)" if len(fmt) > 1 else ""),
                {**ev, "problems": [p.to_dict() for p in fmt[:20]]},
                unusable=True,
            )
        )
    elif not scan.records or scan.records[0].kind != "meta":
        checks.append(
            Check("ledger_format", "fail", "record 0 is not a meta record", ev, unusable=True)
        )
    else:
        checks.append(
            Check("ledger_format", "pass", f"{len(scan.records)} well-formed records", ev)
        )
    if not chain and not scan.records:
        checks.append(Check("ledger_chain", "fail", "the ledger holds no readable record", ev))
    elif chain:
        checks.append(
            Check(
                "ledger_chain",
                "fail",
                f"{chain[0]}" + (f" (+{len(chain) - 1} more)" if len(chain) > 1 else ""),
                {**ev, "problems": [p.to_dict() for p in chain[:20]]},
            )
        )
    else:
        checks.append(
            Check(
                "ledger_chain",
                "pass",
                f"every link holds: {len(scan.records)} records, head {scan.head_hash[:16]}...",
                {**ev, "head_hash": scan.head_hash},
            )
        )
    return checks


def ledger_signature_check(scan: ChainScan, key: Ed25519PublicKey | None) -> Check:
    """``ledger_signatures``: every head verifies with ``key`` and the last record is a head."""
    if key is None:
        return Check("ledger_signatures", "skip", "no public key to check head signatures with")
    kid = key_id(key)
    recs = scan.records
    if not recs or recs[0].kind != "meta" or scan.offsets_bytes[0] != 0:
        return Check("ledger_signatures", "skip", "no meta record naming the ledger's signer")
    meta_kid = recs[0].data.get("keyid")
    if meta_kid != kid:
        return Check(
            "ledger_signatures",
            "fail",
            f"record 0 (byte offset 0): ledger names signer {str(meta_kid)[:16]}..., "
            f"expected {kid[:16]}...",
            {"keyid": kid, "ledger_keyid": meta_kid},
        )
    heads = 0
    last_signed = -1
    for i, rec in enumerate(recs):
        if rec.kind != "head":
            continue
        d = rec.data
        prev = recs[i - 1] if i > 0 else None
        problem = ""
        if d.get("keyid") != kid:
            problem = f"head signed by {str(d.get('keyid'))[:16]}..., expected {kid[:16]}..."
        elif prev is None or d.get("signed_hash") != prev.hash or d.get("signed_seq") != prev.seq:
            problem = "head does not sign the record before it"
        else:
            try:
                key.verify(b64_strict(d.get("sig")), head_message(prev.hash, prev.seq))
            except Exception:
                problem = "head signature does not verify"
        if problem:
            return Check(
                "ledger_signatures",
                "fail",
                f"{where(scan, i)}: {problem}",
                {"keyid": kid, "record": rec.seq},
            )
        heads += 1
        last_signed = rec.seq
    breaks = [p for p in scan.problems if p.kind != "torn"]
    if breaks:
        return Check(
            "ledger_signatures",
            "fail",
            f"{heads} signed heads verify, but they cannot vouch for the records before the "
            f"chain break at record {breaks[0].record} (byte offset {breaks[0].offset_bytes})",
            {"keyid": kid, "heads": heads, "first_break": breaks[0].to_dict()},
        )
    if recs[-1].kind != "head":
        unsigned = len(recs) - 1 - last_signed
        return Check(
            "ledger_signatures",
            "fail",
            f"the last {unsigned} record(s) are not covered by a signed head "
            f"(ledger ends at record {len(recs) - 1})",
            {"keyid": kid, "heads": heads, "last_signed_record": last_signed},
        )
    return Check(
        "ledger_signatures",
        "pass",
        f"{heads} signed heads verify; the final head covers all {len(recs)} records",
        {"keyid": kid, "heads": heads},
    )


def ledger_order_check(scan: ChainScan) -> Check:
    """``ledger_order``: time never goes back, steps add up, checkpoints and batches in order."""
    steps = 0
    last_time = -math.inf
    last_end = -math.inf
    last_ckpt = -1
    last_batch = -1
    # One tight pass (it runs once per record of a 100,000-record ledger): records come from
    # JSON, so objects are exact dicts and ``type(...) is`` tests are exact.
    for i, (_, kind, time_unix_s, _, d, _) in enumerate(scan.records):
        if time_unix_s < last_time:
            return Check(
                "ledger_order",
                "fail",
                f"{where(scan, i)}: time goes backwards ({time_unix_s} < {last_time})",
            )
        last_time = time_unix_s
        if kind == "measurement":
            interval = d.get("interval")
            if type(interval) is not dict:
                return Check("ledger_order", "fail", f"{where(scan, i)}: no interval object")
            n = interval.get("steps")
            if type(n) is not int or n < 0:
                return Check(
                    "ledger_order", "fail", f"{where(scan, i)}: steps {n!r} is not a count >= 0"
                )
            steps += n
            if d.get("step_end") != steps:
                return Check(
                    "ledger_order",
                    "fail",
                    f"{where(scan, i)}: step_end {d.get('step_end')} but the intervals sum to "
                    f"{steps} (skipped or repeated steps)",
                )
            start = interval.get("time_start_unix_s", interval.get("start_unix_s"))
            end = interval.get("time_end_unix_s", interval.get("end_unix_s"))
            if isinstance(start, _NUMBER) and isinstance(end, _NUMBER):
                if end < start or start < last_end - _OVERLAP_TOLERANCE_S:
                    return Check(
                        "ledger_order",
                        "fail",
                        f"{where(scan, i)}: interval [{start}, {end}] overlaps or reverses",
                    )
                last_end = end
        elif kind == "checkpoint":
            s = d.get("step")
            if type(s) is not int or s < last_ckpt or s > steps:
                return Check(
                    "ledger_order",
                    "fail",
                    f"{where(scan, i)}: checkpoint step {s!r} out of order "
                    f"(previous {last_ckpt}, steps so far {steps})",
                )
            last_ckpt = s
        elif kind == "batch":
            s = d.get("step")
            if type(s) is not int or s < last_batch:
                return Check(
                    "ledger_order", "fail", f"{where(scan, i)}: batch step {s!r} out of order"
                )
            last_batch = s
    return Check(
        "ledger_order",
        "pass",
        f"steps and times are monotonic ({steps} steps)",
        {"steps": steps},
    )


def records_of(scan: ChainScan, kind: str) -> list[Record]:
    """The records of one kind, in order."""
    return [r for r in scan.records if r.kind == kind]


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
            mismatches[0] + (f" (+{len(mismatches) - 1} more)" if len(mismatches) > 1 else ""),
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
            diffs[0] + (f" (+{len(diffs) - 1} more)" if len(diffs) > 1 else ""),
            {"differences": diffs, "recomputed": recomputed},
        )
    return Check(
        "totals",
        "pass",
        f"totals equal the sum of {len(intervals)} measurement records "
        f"(flop {recomputed['flop']:.4g}, duration {recomputed['duration_s']:.4g} s)",
        {"recomputed": recomputed},
    )


def checkpoint_files_check(scan: ChainScan, base: Path | None) -> Check:
    """``checkpoint_files``: each recorded checkpoint file exists and matches its digests."""
    ckpts = [
        (i, r) for i, r in enumerate(scan.records) if r.kind == "checkpoint" and r.data.get("path")
    ]
    if not ckpts:
        return Check("checkpoint_files", "skip", "the ledger records no checkpoint files")
    if base is None:
        return Check(
            "checkpoint_files", "skip", "no directory to find checkpoint files in (pass one)"
        )
    located = [(i, r, base / str(r.data["path"])) for i, r in ckpts]
    present = [t for t in located if t[2].is_file()]
    if not present:
        return Check(
            "checkpoint_files",
            "skip",
            f"none of the {len(located)} checkpoint files is in {base}",
            {"directory": str(base)},
        )
    missing = [t for t in located if not t[2].is_file()]
    if missing:
        i, _, p = missing[0]
        return Check(
            "checkpoint_files",
            "fail",
            f"{where(scan, i)}: checkpoint file {p} is missing ({len(missing)} of "
            f"{len(located)} missing)",
            {"missing": [str(t[2]) for t in missing]},
            unusable=True,
        )
    for i, r, p in present:
        want = obj(r.data.get("file"))
        try:
            got = digest_file(p)
        except ComputegovError as err:
            return Check("checkpoint_files", "fail", f"{where(scan, i)}: {err}", unusable=True)
        if got.get("sha256") != want.get("sha256") or got.get("blake3") != want.get("blake3"):
            return Check(
                "checkpoint_files",
                "fail",
                f"{where(scan, i)}: {p.name} does not match its recorded digest "
                f"(sha256 {got['sha256'][:16]}... vs {str(want.get('sha256'))[:16]}...)",
                {"path": str(p), "recorded": want, "actual": got},
            )
    return Check(
        "checkpoint_files",
        "pass",
        f"{len(present)} checkpoint files match their recorded digests",
        {"directory": str(base)},
    )
