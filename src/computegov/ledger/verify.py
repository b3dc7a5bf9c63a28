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

import base64
import binascii
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.errors import ComputegovError
from computegov.ledger.attestation import AttestationChecker, check_attestation
from computegov.ledger.chain import ChainScan, gc_paused, head_message, scan_ledger
from computegov.ledger.digests import digest_file
from computegov.ledger.recorder import totals_from_records
from computegov.ledger.records import Record
from computegov.ledger.report import PAYLOAD_TYPE, ComputeReport, parse_report
from computegov.ledger.signing import key_id, load_public_key, pae

__all__ = [
    "ENERGY_TOLERANCE",
    "SIX_ND_TOLERANCE_FACTOR",
    "TYPICAL_UTILISATION_MAX",
    "Check",
    "Verdict",
    "verify_report",
]

#: Relative tolerance for totals recomputed from records (float summation order differences).
TOTALS_REL_TOL = 1e-9
#: Measured FLOP within this factor of 6 x parameters x tokens passes. 6ND is the standard
#: dense-transformer training estimate (Kaplan et al. 2020, arXiv:2001.08361, §2.1); it omits
#: attention and embedding FLOP, so counted FLOP can legitimately exceed it. The factor 2 is an
#: assumption (no published bound), wide enough for long-context attention and counting
#: conventions, narrow enough to catch an order-of-magnitude misreport.
SIX_ND_TOLERANCE_FACTOR = 2.0
#: Model FLOP utilisation above this is flagged as atypical (warn, not fail). Published large runs
#: report 38-46%: PaLM 540B 46.2% MFU (Chowdhery et al. 2022, arXiv:2204.02311, Table 3); Llama 3
#: 405B 38-43% (Dubey et al. 2024, arXiv:2407.21783, Table 4). 0.75 is an assumption well above.
TYPICAL_UTILISATION_MAX = 0.75
#: Measured energy may exceed chips x TDP x time by this fraction before failing: board power
#: briefly exceeds TDP and meters have a few-percent error (assumption; NVML documents +/-5 W
#: on the power reading for recent data-centre GPUs).
ENERGY_TOLERANCE = 0.10


@dataclass(frozen=True)
class Check:
    """One check's result.

    Attributes:
        name: the check (see the module docstring).
        status: ``pass``, ``fail``, ``warn`` (passes, with a note) or ``skip`` (not applicable or
            not possible with the inputs given).
        summary: one line saying what was found, and where (record number, byte offset).
        evidence: the numbers and hashes behind the summary.
        unusable: a failure that means the input could not be read (exit status 2).
    """

    name: str
    status: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    unusable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "evidence": self.evidence,
            "unusable": self.unusable,
        }


@dataclass(frozen=True)
class Verdict:
    """Everything the verifier concluded.

    Attributes:
        checks: each check, in order.
        report_path: the report file, if read from one.
        ledger_path: the ledger file, if read from one.
    """

    checks: tuple[Check, ...]
    report_path: str | None = None
    ledger_path: str | None = None

    @property
    def ok(self) -> bool:
        """True when no check failed (skips and warnings allowed)."""
        return not any(c.status == "fail" for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        """The failed checks."""
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def exit_code(self) -> int:
        """0 all passed, 2 some input was unusable, 1 otherwise."""
        if self.ok:
            return 0
        return 2 if any(c.unusable for c in self.failed) else 1

    def check(self, name: str) -> Check:
        """The check called ``name``.

        Raises:
            KeyError: no such check.
        """
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``ok``, ``exit_code``, ``failed`` names and every check."""
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "failed": [c.name for c in self.failed],
            "report_path": self.report_path,
            "ledger_path": self.ledger_path,
            "checks": [c.to_dict() for c in self.checks],
        }


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict (tampered input may hold anything)."""
    return dict(value) if isinstance(value, Mapping) else {}


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=TOTALS_REL_TOL, abs_tol=1e-12)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return bool(a == b)


def _b64(text: Any) -> bytes:
    """Strict base64 decode: only the canonical encoding of some bytes is accepted."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


# --------------------------------------------------------------------------------------------
# Inputs


def _read_report(source: Any) -> tuple[ComputeReport | None, str | None, Check]:
    path: str | None = None
    try:
        if isinstance(source, Path) or (
            isinstance(source, str) and not source.lstrip().startswith("{")
        ):
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
            key.verify(_b64(s["sig"]), message)
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
# Ledger checks


def _where(scan: ChainScan, index: int) -> str:
    rec = scan.records[index]
    return f"record {rec.seq} (byte offset {scan.offsets_bytes[index]})"


def _ledger_structure_checks(scan: ChainScan, path: str | None) -> list[Check]:
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
    if chain:
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


def _ledger_signature_check(scan: ChainScan, key: Ed25519PublicKey | None) -> Check:
    if key is None:
        return Check("ledger_signatures", "skip", "no public key to check head signatures with")
    kid = key_id(key)
    recs = scan.records
    meta_kid = recs[0].data.get("keyid") if recs and recs[0].kind == "meta" else None
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
                key.verify(_b64(d.get("sig")), head_message(prev.hash, prev.seq))
            except Exception:
                problem = "head signature does not verify"
        if problem:
            return Check(
                "ledger_signatures",
                "fail",
                f"{_where(scan, i)}: {problem}",
                {"keyid": kid, "record": rec.seq},
            )
        heads += 1
        last_signed = rec.seq
    if not recs or recs[-1].kind != "head":
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


def _ledger_order_check(scan: ChainScan) -> Check:
    steps = 0
    last_time = -math.inf
    last_end = -math.inf
    last_ckpt = -1
    last_batch = -1
    for i, rec in enumerate(scan.records):
        if rec.time_unix_s < last_time:
            return Check(
                "ledger_order",
                "fail",
                f"{_where(scan, i)}: time goes backwards ({rec.time_unix_s} < {last_time})",
            )
        last_time = rec.time_unix_s
        d = rec.data
        if rec.kind == "measurement":
            interval = d.get("interval")
            if not isinstance(interval, Mapping):
                return Check("ledger_order", "fail", f"{_where(scan, i)}: no interval object")
            n = interval.get("steps")
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                return Check(
                    "ledger_order", "fail", f"{_where(scan, i)}: steps {n!r} is not a count >= 0"
                )
            steps += n
            if d.get("step_end") != steps:
                return Check(
                    "ledger_order",
                    "fail",
                    f"{_where(scan, i)}: step_end {d.get('step_end')} but the intervals sum to "
                    f"{steps} (skipped or repeated steps)",
                )
            start = interval.get("time_start_unix_s", interval.get("start_unix_s"))
            end = interval.get("time_end_unix_s", interval.get("end_unix_s"))
            if isinstance(start, int | float) and isinstance(end, int | float):
                if end < start or start < last_end - 1e-3:
                    return Check(
                        "ledger_order",
                        "fail",
                        f"{_where(scan, i)}: interval [{start}, {end}] overlaps or reverses",
                    )
                last_end = end
        elif rec.kind == "checkpoint":
            s = d.get("step")
            if not isinstance(s, int) or s < last_ckpt or s > steps:
                return Check(
                    "ledger_order",
                    "fail",
                    f"{_where(scan, i)}: checkpoint step {s!r} out of order "
                    f"(previous {last_ckpt}, steps so far {steps})",
                )
            last_ckpt = s
        elif rec.kind == "batch":
            s = d.get("step")
            if not isinstance(s, int) or s < last_batch:
                return Check(
                    "ledger_order", "fail", f"{_where(scan, i)}: batch step {s!r} out of order"
                )
            last_batch = s
    return Check(
        "ledger_order",
        "pass",
        f"steps and times are monotonic ({steps} steps)",
        {"steps": steps},
    )


def _records_of(scan: ChainScan, kind: str) -> list[Record]:
    return [r for r in scan.records if r.kind == kind]


def _matches_check(report: ComputeReport, scan: ChainScan, ledger_bytes: bytes) -> Check:
    pred = report.predicate
    led = _obj(pred.get("ledger"))
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
    metadata = _obj(meta.get("metadata"))
    if pred.get("hardware") != (metadata.get("hardware") or {}):
        mismatches.append("hardware differs between report and ledger metadata")
    run = {k: v for k, v in metadata.items() if k not in ("hardware", "replay", "attestation")}
    if pred.get("run") != run:
        mismatches.append("run metadata differs between report and ledger")
    if pred.get("replay") != metadata.get("replay"):
        mismatches.append("replay spec differs between report and ledger")
    signer = _obj(pred.get("signer"))
    if signer.get("keyid") != meta.get("keyid"):
        mismatches.append("report signer differs from the ledger's signer")
    ckpts = [
        {
            "step": r.data.get("step"),
            "path": r.data.get("path"),
            "blake3": (r.data.get("state") or {}).get("blake3"),
            "sha256": (r.data.get("state") or {}).get("sha256"),
        }
        for r in _records_of(scan, "checkpoint")
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
    ends = _records_of(scan, "end")
    if len(ends) != 1:
        mismatches.append(f"ledger has {len(ends)} end records, expected 1")
    else:
        if not _close(ends[0].data.get("totals"), pred.get("totals")):
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


def _totals_check(report: ComputeReport, scan: ChainScan) -> Check:
    intervals: list[Mapping[str, Any]] = [
        r.data["interval"]
        for r in _records_of(scan, "measurement")
        if isinstance(r.data.get("interval"), Mapping)
    ]
    hardware = report.predicate.get("hardware")
    chip_count = hardware.get("chip_count") if isinstance(hardware, Mapping) else None
    recomputed = totals_from_records(intervals, chip_count)
    claimed = report.totals
    diffs = []
    for key, value in recomputed.items():
        if key in ("tokens", "samples") and claimed.get(f"{key}_source") == "summary":
            continue  # taken from the run summary, not summed from records
        if not _close(claimed.get(key), value):
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


def _checkpoint_files_check(scan: ChainScan, base: Path | None) -> Check:
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
            f"{_where(scan, i)}: checkpoint file {p} is missing ({len(missing)} of "
            f"{len(located)} missing)",
            {"missing": [str(t[2]) for t in missing]},
            unusable=True,
        )
    for i, r, p in present:
        want = r.data.get("file") or {}
        try:
            got = digest_file(p)
        except ComputegovError as err:
            return Check("checkpoint_files", "fail", f"{_where(scan, i)}: {err}", unusable=True)
        if got.get("sha256") != want.get("sha256") or got.get("blake3") != want.get("blake3"):
            return Check(
                "checkpoint_files",
                "fail",
                f"{_where(scan, i)}: {p.name} does not match its recorded digest "
                f"(sha256 {got['sha256'][:16]}... vs {str(want.get('sha256'))[:16]}...)",
                {"path": str(p), "recorded": want, "actual": got},
            )
    return Check(
        "checkpoint_files",
        "pass",
        f"{len(present)} checkpoint files match their recorded digests",
        {"directory": str(base)},
    )


# --------------------------------------------------------------------------------------------
# Plausibility against the catalogue


def _plausibility_check(report: ComputeReport, catalog: Any) -> Check:
    pred = report.predicate
    totals = report.totals
    hardware = _obj(pred.get("hardware"))
    chip_name = hardware.get("chip")
    chip_count = hardware.get("chip_count")
    flop = totals.get("flop")
    duration_s = totals.get("duration_s")
    energy_j = totals.get("energy_j")
    notes: list[str] = []
    failures: list[str] = []
    warnings: list[str] = []
    evidence: dict[str, Any] = {}

    run = _obj(pred.get("run"))
    params = run.get("parameters")
    tokens = totals.get("tokens")
    if isinstance(params, int | float) and isinstance(tokens, int | float) and params * tokens > 0:
        six_nd = 6.0 * params * tokens
        ratio = float(flop or 0.0) / six_nd
        evidence.update({"six_nd_flop": six_nd, "flop_over_six_nd": ratio})
        lo, hi = 1.0 / SIX_ND_TOLERANCE_FACTOR, SIX_ND_TOLERANCE_FACTOR
        if not lo <= ratio <= hi:
            failures.append(f"FLOP is {ratio:.3g} x 6ND (allowed {lo:.2g}-{hi:.2g})")
        else:
            notes.append(f"FLOP = {ratio:.3g} x 6ND")
    else:
        notes.append("6ND check skipped (parameters or tokens unknown)")

    chip = None
    if not isinstance(chip_name, str) or not chip_name:
        notes.append("no chip named")
    else:
        try:
            if catalog is None:
                from computegov.catalog import load_catalog

                catalog = load_catalog()
            chip = catalog.get(chip_name)
        except ComputegovError as err:
            notes.append(f"chip {chip_name!r} not in the catalogue ({err})")
        except Exception as err:  # catalogue unavailable: plausibility is best effort
            notes.append(f"catalogue unavailable: {err}")
    if chip is not None and isinstance(chip_count, int | float) and chip_count > 0:
        evidence["chip"] = chip.name
        if isinstance(duration_s, int | float) and duration_s > 0:
            precision = hardware.get("precision")
            peak = chip.peak(precision) if precision else None
            if peak is None:
                best = chip.training_peak()
                if best:
                    precision, peak = best
            if peak and isinstance(flop, int | float):
                util = flop / (chip_count * peak * duration_s)
                evidence.update(
                    {"utilisation": util, "peak_flop_per_s": peak, "precision": precision}
                )
                if util > 1.0:
                    failures.append(f"utilisation {util:.3g} > 1 at {precision} peak")
                elif util > TYPICAL_UTILISATION_MAX:
                    warnings.append(f"utilisation {util:.3g} is above typical (<= 0.75)")
                else:
                    notes.append(f"utilisation {util:.3g}")
            tdp = getattr(chip, "tdp_w", None)
            if tdp and isinstance(energy_j, int | float):
                bound = chip_count * tdp * duration_s
                evidence.update({"energy_bound_j": bound, "energy_j": energy_j})
                if energy_j > bound * (1 + ENERGY_TOLERANCE):
                    failures.append(f"energy {energy_j:.4g} J > chips x TDP x time {bound:.4g} J")
                else:
                    notes.append(f"energy {energy_j / bound:.2%} of chips x TDP x time")
    if failures:
        return Check("plausibility", "fail", "; ".join(failures), evidence)
    if warnings:
        return Check("plausibility", "warn", "; ".join(warnings + notes), evidence)
    if chip is None and "flop_over_six_nd" not in evidence:
        return Check("plausibility", "skip", "; ".join(notes), evidence)
    return Check("plausibility", "pass", "; ".join(notes), evidence)


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
        checks.extend(_ledger_structure_checks(scan, ledger_path))
        checks.append(_ledger_signature_check(scan, key))
        checks.append(_ledger_order_check(scan))
        if rep is not None and scan.records:
            checks.append(_matches_check(rep, scan, ledger_bytes))
            checks.append(_totals_check(rep, scan))
        else:
            checks.append(Check("report_matches_ledger", "skip", "report or ledger unreadable"))
            checks.append(Check("totals", "skip", "report or ledger unreadable"))
        base = (
            Path(checkpoints_dir)
            if checkpoints_dir is not None
            else (Path(ledger_path).parent if ledger_path else None)
        )
        checks.append(_checkpoint_files_check(scan, base))

    if rep is not None:
        checks.append(_plausibility_check(rep, catalog))
        att = check_attestation(rep.statement, checkers)
        status = "skip" if att.state != "checked" else ("pass" if att.ok else "fail")
        checks.append(Check("attestation", status, f"{att.state}: {att.detail}", att.to_dict()))
    else:
        checks.append(Check("plausibility", "skip", "report unreadable"))
        checks.append(Check("attestation", "skip", "report unreadable"))
    return Verdict(tuple(checks), report_path, ledger_path)
