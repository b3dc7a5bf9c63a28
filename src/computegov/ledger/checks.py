"""The verifier's checks of a ledger alone (format, chain, head signatures, order), and helpers.

The checks of a report against its ledger are in :mod:`computegov.ledger.report_checks`; the
helpers both use (:func:`obj`, :func:`close`, :func:`where`, ...) are in
:mod:`computegov.ledger.check_values`, the floor below both, and are re-exported here.

Each function takes parsed inputs and returns a :class:`~computegov.ledger.verdict.Check`;
none raises on bad content (tampered input may hold anything, so every field is type-checked).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.ledger.chain import head_message
from computegov.ledger.check_values import (
    TOTALS_REL_TOL,
    b64_strict,
    close,
    first_and_more,
    obj,
    records_of,
    where,
)
from computegov.ledger.record_schema import record_problems
from computegov.ledger.scan import ChainScan
from computegov.ledger.signing import key_id, verify_signature
from computegov.ledger.verdict import Check

__all__ = [
    "TOTALS_REL_TOL",
    "b64_strict",
    "close",
    "first_and_more",
    "ledger_order_check",
    "ledger_records_check",
    "ledger_signature_check",
    "ledger_structure_checks",
    "obj",
    "records_of",
    "where",
]

# Assumption: consecutive meter intervals may overlap by up to 1 ms of clock jitter (timestamps
# come from time.time() in separate calls); a larger overlap means double-counted time.
_OVERLAP_TOLERANCE_S = 1e-3
_NUMBER = (int, float)


# --------------------------------------------------------------------------------------------
# Ledger checks


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
                first_and_more(fmt),
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
                first_and_more(chain),
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


def ledger_records_check(scan: ChainScan) -> Check:
    """``ledger_records``: every record's numeric fields are typed and in range.

    The rules are :mod:`computegov.ledger.record_schema`'s, the same the recorder enforces on
    write: FLOP >= 0, durations > 0, counts are integers, booleans and strings are not numbers.
    """
    problems = []
    for i, rec in enumerate(scan.records):
        for why in record_problems(rec.kind, rec.data):
            problems.append(f"{where(scan, i)}, {rec.kind} {why}")
            if len(problems) >= 20:
                break
        if len(problems) >= 20:
            break
    if problems:
        return Check(
            "ledger_records", "fail", first_and_more(problems), {"problems": problems}
        )
    return Check(
        "ledger_records",
        "pass",
        f"every typed field of {len(scan.records)} records is in range",
        {"records": len(scan.records)},
    )


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
                verify_signature(key, b64_strict(d.get("sig")), head_message(prev.hash, prev.seq))
            except Exception as err:  # SignatureError, or a sig that is not base64 / a string
                problem = f"head signature does not verify ({err})"
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
    """``ledger_order``: time never goes back; steps, checkpoints, batches and the end agree.

    * record times never go backwards, and measurement intervals neither reverse nor overlap
      (beyond 1 ms of clock jitter);
    * each measurement's ``step_end`` is the running sum of interval steps, and its
      ``step_first``/``step_last`` (when given) are exactly the steps it adds: ranges are
      contiguous, never overlap, leave no gap and cover the run from step 0;
      ``counted_steps`` is at most ``steps``;
    * checkpoint steps strictly increase and never pass the steps done; where the run declares
      ``replay.checkpoint_every_steps`` = k, the checkpoints start at step 0, end at the last
      step of a finished run, and no replay segment between them is longer than k;
    * batch steps never go back and lie inside the run;
    * nothing but signed heads follows the ``end`` record.
    """
    problem, steps = _order_problem(scan)
    if problem:
        return Check("ledger_order", "fail", problem)
    return Check(
        "ledger_order",
        "pass",
        f"steps and times are monotonic; step ranges contiguous over {steps} steps; "
        "checkpoints consistent with the steps",
        {"steps": steps},
    )


def _order_problem(scan: ChainScan) -> tuple[str, int]:
    """The first ordering problem ("" if none) and the number of steps."""
    steps = 0
    last_time = -math.inf
    last_end = -math.inf
    ckpts: list[int] = []
    last_batch = -1
    end_at: int | None = None
    # One tight pass (it runs once per record of a 100,000-record ledger): records come from
    # JSON, so objects are exact dicts and ``type(...) is`` tests are exact.
    for i, (_, kind, time_unix_s, _, d, _) in enumerate(scan.records):
        if time_unix_s < last_time:
            return f"{where(scan, i)}: time goes backwards ({time_unix_s} < {last_time})", steps
        last_time = time_unix_s
        if end_at is not None and kind != "head":
            return f"{where(scan, i)}: a {kind} record after the end record ({end_at})", steps
        if kind == "measurement":
            interval = d.get("interval")
            if type(interval) is not dict:
                return f"{where(scan, i)}: no interval object", steps
            n = interval.get("steps")
            if type(n) is not int or n < 0:
                return f"{where(scan, i)}: steps {n!r} is not a count >= 0", steps
            first = steps
            steps += n
            if d.get("step_end") != steps:
                return (
                    f"{where(scan, i)}: step_end {d.get('step_end')} but the intervals sum to "
                    f"{steps} (skipped or repeated steps)",
                    steps,
                )
            why = _range_problem(interval, n, first, steps)
            if why:
                return f"{where(scan, i)}: {why}", steps
            start = interval.get("time_start_unix_s", interval.get("start_unix_s"))
            end = interval.get("time_end_unix_s", interval.get("end_unix_s"))
            if isinstance(start, _NUMBER) and isinstance(end, _NUMBER):
                if end < start or start < last_end - _OVERLAP_TOLERANCE_S:
                    return f"{where(scan, i)}: interval [{start}, {end}] overlaps or reverses", steps
                last_end = end
        elif kind == "checkpoint":
            s = d.get("step")
            prev = ckpts[-1] if ckpts else -1
            if type(s) is not int or s <= prev or s > steps:
                return (
                    f"{where(scan, i)}: checkpoint step {s!r} out of order (previous "
                    f"{prev if ckpts else 'none'}, steps so far {steps}; steps must strictly "
                    "increase and not pass the steps done)",
                    steps,
                )
            ckpts.append(s)
        elif kind == "batch":
            s = d.get("step")
            if type(s) is not int or s < last_batch:
                return f"{where(scan, i)}: batch step {s!r} out of order", steps
            last_batch = s
        elif kind == "end":
            end_at = i
    if last_batch >= steps and end_at is not None:
        return f"batch step {last_batch} is outside the run's {steps} steps", steps
    return _segment_problem(scan, ckpts, steps, end_at is not None), steps


def _range_problem(interval: dict[str, Any], n: int, first: int, steps: int) -> str:
    """``step_first``/``step_last``/``counted_steps`` of one interval against the running count."""
    counted = interval.get("counted_steps")
    if type(counted) is int and counted > n:
        return f"counted_steps {counted} > steps {n}"
    a, b = interval.get("step_first"), interval.get("step_last")
    if n == 0 or (a is None and b is None):
        return ""
    if (a, b) != (first, steps - 1):
        return (
            f"step range [{a!r}, {b!r}] is not the {n} steps it adds, [{first}, {steps - 1}] "
            "(a gap, an overlap or a range not starting at step 0)"
        )
    return ""


def _segment_problem(scan: ChainScan, ckpts: list[int], steps: int, ended: bool) -> str:
    """Replay segments longer than the declared checkpoint interval ("" if none)."""
    meta = scan.records[0].data if scan.records and scan.records[0].kind == "meta" else {}
    replay = obj(obj(meta.get("metadata")).get("replay"))
    k = replay.get("checkpoint_every_steps")
    if type(k) is not int or k < 1 or not ckpts:
        return ""
    if ckpts[0] != 0:
        return (
            f"the first checkpoint is at step {ckpts[0]}, not 0: the run declares replay "
            f"(a checkpoint every {k} steps) but steps 0-{ckpts[0]} cannot be replayed"
        )
    if ended and ckpts[-1] != steps:
        return (
            f"the last checkpoint is at step {ckpts[-1]} of {steps}: the run declares replay "
            f"(a checkpoint every {k} steps) but steps {ckpts[-1]}-{steps} cannot be replayed"
        )
    for a, b in itertools.pairwise(ckpts):
        if b - a > k:
            return (
                f"steps {a}-{b} hold no checkpoint, but the run declares one every {k} steps "
                "(a replay segment longer than declared)"
            )
    return ""
