"""The verifier's individual checks: evidence, plausibility, attestation, bytes/dict inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from computegov.catalog.chip import Chip
from computegov.errors import UnknownNameError
from computegov.ledger.attestation import AttestationResult, check_attestation
from computegov.ledger.recorder import RunRecorder
from computegov.ledger.signing import Signer
from computegov.ledger.verify import verify_report

#: The verifier's peak for the demo's host CPU (see conftest.DEMO_PEAK, an estimate).
DEMO_PEAK = 1e12


class Catalog1:
    """A one-chip catalogue stub."""

    def __init__(self, chip: Chip) -> None:
        self.chip = chip

    def get(self, name: str) -> Chip:
        if name.lower() != self.chip.name.lower():
            raise UnknownNameError(f"no chip named {name!r}", name=name)
        return self.chip


CHIP = Chip(name="TestGPU", peak_flop_per_s={"bf16": 1e15, "fp32": 1e14}, tdp_w=700.0)


def _run(
    tmp_path: Path,
    *,
    flop: float,
    seconds: float,
    energy_j: float | None,
    chips: int = 2,
    params: float | None = None,
    tokens: float | None = None,
    attestation: dict | None = None,
):
    signer = Signer.generate()
    meta = {"model": "m", "hardware": {"chip": "TestGPU", "chip_count": chips, "precision": "bf16"}}
    if params is not None:
        meta["parameters"] = params
    if attestation is not None:
        meta["attestation"] = attestation
    t = 1_700_000_000.0
    now = [t]  # the recorder's clock: each record is written as its interval ends
    rec = RunRecorder(tmp_path / "r.jsonl", metadata=meta, signer=signer, clock=lambda: now[0])
    for _ in range(4):
        now[0] = t + seconds / 4
        rec.record_measurement(
            {
                "steps": 5,
                "flop": flop / 4,
                "seconds": seconds / 4,
                "energy_j": None if energy_j is None else energy_j / 4,
                "time_start_unix_s": t,
                "time_end_unix_s": t + seconds / 4,
                "tokens": None if tokens is None else tokens / 4,
            }
        )
        t += seconds / 4
    report = rec.finish({})
    return report, tmp_path / "r.jsonl", signer


def test_hand_computed_utilisation_and_energy_bound(tmp_path: Path) -> None:
    # 2 chips x 1e15 FLOP/s x 100 s = 2e17 FLOP at 100%; claim 8e16 -> 0.4
    report, ledger, signer = _run(tmp_path, flop=8e16, seconds=100.0, energy_j=1.0e5)
    v = verify_report(report.path, ledger, signer.public_pem(), catalog=Catalog1(CHIP))
    assert v.ok, [c.to_dict() for c in v.failed]
    ev = v.check("plausibility").evidence
    assert ev["utilisation"] == pytest.approx(0.4, rel=1e-12)
    assert ev["energy_bound_j"] == pytest.approx(2 * 700.0 * 100.0, rel=1e-12)
    assert report.totals["chip_hours"] == pytest.approx(2 * 100.0 / 3600.0, rel=1e-12)


@pytest.mark.parametrize(
    ("flop", "energy_j", "status", "fragment"),
    [
        (3e17, None, "fail", "by a factor 1.5"),
        (1.8e17, None, "warn", "above typical"),
        (8e16, 2 * 700.0 * 100.0 * 1.2, "fail", "chips x TDP x time"),
    ],
)
def test_implausible_claims_are_flagged(tmp_path: Path, flop, energy_j, status, fragment) -> None:
    report, ledger, signer = _run(tmp_path, flop=flop, seconds=100.0, energy_j=energy_j)
    v = verify_report(report.path, ledger, signer.public_pem(), catalog=Catalog1(CHIP))
    c = v.check("plausibility")
    assert c.status == status and fragment in c.summary
    assert v.ok == (status != "fail")


@pytest.mark.parametrize(("ratio", "ok"), [(1.0, True), (1.9, True), (0.4, False), (3.0, False)])
def test_flop_against_six_n_d(tmp_path: Path, ratio: float, ok: bool) -> None:
    params, tokens = 1e6, 2e6
    report, ledger, signer = _run(
        tmp_path,
        flop=ratio * 6 * params * tokens,
        seconds=1e4,
        energy_j=None,
        params=params,
        tokens=tokens,
    )
    v = verify_report(report.path, ledger, signer.public_pem(), catalog=Catalog1(CHIP))
    c = v.check("plausibility")
    assert c.evidence["flop_over_six_nd"] == pytest.approx(ratio, rel=1e-12)
    assert (c.status != "fail") == ok


def test_accepts_bytes_text_and_dict_inputs(demo_run_master) -> None:
    raw = demo_run_master.report.read_bytes()
    ledger = demo_run_master.ledger.read_bytes()
    key = demo_run_master.public_key.read_text()
    for report in (raw, raw.decode(), json.loads(raw)):
        v = verify_report(report, ledger, key, peak_flop_per_s=DEMO_PEAK)
        assert not v.failed, [c.to_dict() for c in v.failed]
        # bytes: no directory known, so the listed checkpoint files are missing, not skipped
        assert v.check("checkpoint_files").status == "missing"
        assert v.outcome == "incomplete" and not v.ok and v.exit_code == 1
        v = verify_report(
            report, ledger, key, allow_missing=("checkpoints",), peak_flop_per_s=DEMO_PEAK
        )
        assert v.ok and v.partial and v.allowed_missing == ("checkpoints",)
    d = v.to_dict()
    assert d["ok"] is True and {c["name"] for c in d["checks"]} >= {"ledger_chain", "totals"}
    assert d["outcome"] == "verified" and d["partial"] is True
    assert len(d["missing"]) == 5 and d["allowed_missing"] == ["checkpoints"]


def test_without_a_key_the_verdict_is_incomplete_unless_integrity_only(demo_run_master) -> None:
    v = verify_report(demo_run_master.report, demo_run_master.ledger, peak_flop_per_s=DEMO_PEAK)
    assert v.outcome == "incomplete" and not v.ok and v.exit_code == 1
    trust = v.check("key_trust")
    assert trust.status == "missing" and trust.missing_kind == "trusted_key"
    assert v.check("report_signature").evidence["key_source"] == "key named in the report"
    assert not v.authenticated and v.to_dict()["authenticated"] is False
    v = verify_report(
        demo_run_master.report, demo_run_master.ledger, integrity_only=True,
        peak_flop_per_s=DEMO_PEAK,
    )
    assert v.ok and v.partial and not v.authenticated and v.exit_code == 0
    keyed = verify_report(
        demo_run_master.report, demo_run_master.ledger, demo_run_master.public_key,
        peak_flop_per_s=DEMO_PEAK,
    )
    assert keyed.ok and keyed.authenticated and not keyed.partial


def test_wrong_trusted_key_fails_signature_checks(demo_run_master) -> None:
    v = verify_report(
        demo_run_master.report, demo_run_master.ledger, Signer.generate().public_pem()
    )
    assert {"report_signature", "ledger_signatures"} <= {c.name for c in v.failed}
    assert v.exit_code == 1


def test_key_in_wrong_format_is_unusable_input(demo_run_master) -> None:
    v = verify_report(
        demo_run_master.report, demo_run_master.ledger, "-----BEGIN PUBLIC KEY-----\nxx\n"
    )
    assert v.check("key_trust").unusable and v.exit_code == 2


def test_report_path_alone_finds_the_ledger_beside_it(demo_run_master) -> None:
    v = verify_report(
        demo_run_master.report, None, demo_run_master.public_key, peak_flop_per_s=DEMO_PEAK
    )
    assert v.ok and v.outcome == "verified" and not v.partial
    assert v.check("ledger_chain").status == "pass"
    assert v.ledger_path == str(demo_run_master.ledger)


def test_report_bytes_alone_are_incomplete_unless_the_ledger_is_allowed_missing(
    demo_run_master,
) -> None:
    raw = demo_run_master.report.read_bytes()
    v = verify_report(raw, None, demo_run_master.public_key, peak_flop_per_s=DEMO_PEAK)
    assert v.outcome == "incomplete" and v.exit_code == 1
    assert v.check("ledger_format").status == "missing" and v.missing[0] == "ledger run.jsonl"
    assert v.check("ledger_chain").status == "skip"
    assert v.check("checkpoint_files").missing_kind == "checkpoints"  # digests are in the ledger
    assert not verify_report(
        raw, None, demo_run_master.public_key, allow_missing="ledger", peak_flop_per_s=DEMO_PEAK
    ).ok
    v = verify_report(
        raw, None, demo_run_master.public_key, allow_missing="ledger,checkpoints",
        peak_flop_per_s=DEMO_PEAK,
    )
    assert v.ok and v.partial and v.exit_code == 0


def test_missing_checkpoint_file_names_the_record(demo_run) -> None:
    demo_run.checkpoints[1].unlink()
    v = verify_report(demo_run.report, demo_run.ledger, demo_run.public_key)
    c = v.check("checkpoint_files")
    assert c.status == "missing" and demo_run.checkpoints[1].name in c.summary
    assert c.missing == (f"checkpoint run-checkpoints/{demo_run.checkpoints[1].name}",)
    assert "record " in c.summary and v.outcome == "incomplete" and v.exit_code == 1


class FakeTpm:
    type = "test-tpm-quote/v1"

    def check(self, evidence, statement):
        ok = evidence == {"nonce": statement["predicate"]["ledger"]["head_hash"]}
        return AttestationResult("checked", ok, self.type, "nonce binds" if ok else "nonce differs")


def test_attestation_absent_refused_and_checked(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    report, ledger, signer = _run(tmp_path / "a", flop=1.0, seconds=1.0, energy_j=None)
    assert check_attestation(report.statement).state == "absent"
    slot = {"type": "test-tpm-quote/v1", "evidence": {"nonce": "not-bound"}}
    report, ledger, signer = _run(
        tmp_path / "b", flop=1.0, seconds=1.0, energy_j=None, attestation=slot
    )
    v = verify_report(report.path, ledger, signer.public_pem(), catalog=Catalog1(CHIP), checkers={})
    assert v.check("attestation").evidence["state"] == "refused"
    assert v.check("attestation").status == "fail" and "unknown evidence type" in (
        v.check("attestation").summary
    )
    v = verify_report(
        report.path,
        ledger,
        signer.public_pem(),
        catalog=Catalog1(CHIP),
        checkers={FakeTpm.type: FakeTpm()},
    )
    assert (
        v.check("attestation").status == "fail"
        and "nonce differs" in v.check("attestation").summary
    )


def test_a_garbled_record_breaks_chain_and_signature_coverage(demo_run) -> None:
    lines = demo_run.ledger.read_bytes().splitlines(keepends=True)
    offset = sum(len(x) for x in lines[:4])
    lines[4] = b"X" + lines[4][1:]  # record 4 unreadable; records 5.. still hash-check
    demo_run.ledger.write_bytes(b"".join(lines))
    v = verify_report(demo_run.report, demo_run.ledger, demo_run.public_key)
    assert v.check("ledger_format").summary.startswith(f"record 4 (byte offset {offset})")
    chain = v.check("ledger_chain")
    assert chain.status == "fail"
    assert chain.summary.startswith(f"record 5 (byte offset {offset + len(lines[4])})")
    assert "record 4 before it is damaged" in chain.summary
    sigs = v.check("ledger_signatures")
    assert sigs.status == "fail" and "chain break at record 4" in sigs.summary
    assert v.exit_code == 2


def test_empty_ledger_fails_the_chain_and_skips_signatures(demo_run) -> None:
    demo_run.ledger.write_bytes(b"")
    v = verify_report(demo_run.report, demo_run.ledger, demo_run.public_key)
    assert v.check("ledger_chain").status == "fail"
    assert v.check("ledger_signatures").status == "skip"
    assert v.exit_code == 2


@pytest.mark.parametrize(
    ("edit", "check", "fragment"),
    [
        (lambda st: st["subject"].__setitem__(0, "ledger/run.jsonl"), "report_format", "subject 0"),
        (lambda st: st["subject"][1].__setitem__("digest", ["x"]), "report_format", "subject 1"),
        (lambda st: st["predicate"]["totals"].__setitem__("flop", "many"), "plausibility", "many"),
    ],
)
def test_signed_report_with_wrong_types_fails_a_check_without_raising(
    demo_run_master, edit, check: str, fragment: str
) -> None:
    import copy

    from computegov.ledger.report import load_report, sign_statement

    statement = copy.deepcopy(load_report(demo_run_master.report).statement)
    edit(statement)
    forged = sign_statement(statement, Signer.generate()).to_bytes()
    v = verify_report(forged, demo_run_master.ledger, None, catalog=Catalog1(CHIP))
    c = v.check(check)
    assert c.status == "fail" and fragment in c.summary
    assert not v.ok


def test_sums_that_overflow_are_not_finite_totals_not_exceptions() -> None:
    from computegov.ledger.recorder import totals_from_records

    assert math.isnan(totals_from_records([{"flop": 1e308}, {"flop": 1e308}], 1)["flop"])
    inf = float("inf")
    assert math.isnan(totals_from_records([{"seconds": inf}, {"seconds": -inf}], 1)["duration_s"])


def test_rehashed_ledger_with_overflowing_numbers_fails_totals(demo_run_master, parser) -> None:
    from computegov.ledger.records import GENESIS_HASH, encode_record

    bodies = [json.loads(x)["body"] for x in demo_run_master.ledger.read_bytes().splitlines()]
    for b in bodies:
        if b["kind"] == "measurement":
            b["data"]["interval"]["flop"] = 1e308
    out, prev = [], GENESIS_HASH
    for seq, b in enumerate(bodies):
        rec, line = encode_record(seq, b["kind"], b["time_unix_s"], prev, b["data"])
        prev = rec.hash
        out.append(line)
    v = verify_report(demo_run_master.report, b"".join(out), None, catalog=Catalog1(CHIP))
    assert v.check("totals").status == "fail" and "flop" in v.check("totals").summary
    assert not v.ok
