"""The verifier's individual checks: evidence, plausibility, attestation, bytes/dict inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from computegov.catalog.chip import Chip
from computegov.errors import UnknownNameError
from computegov.ledger.attestation import AttestationResult, check_attestation
from computegov.ledger.recorder import RunRecorder
from computegov.ledger.signing import Signer
from computegov.ledger.verify import verify_report


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
    rec = RunRecorder(tmp_path / "r.jsonl", metadata=meta, signer=signer)
    t = 1_700_000_000.0
    for _ in range(4):
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
        (3e17, None, "fail", "utilisation 1.5 > 1"),
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
        v = verify_report(report, ledger, key)
        assert v.ok, [c.to_dict() for c in v.failed]
        assert v.check("checkpoint_files").status == "skip"  # bytes: no directory known
    d = v.to_dict()
    assert d["ok"] is True and {c["name"] for c in d["checks"]} >= {"ledger_chain", "totals"}


def test_without_a_key_integrity_passes_but_trust_is_skipped(demo_run_master) -> None:
    v = verify_report(demo_run_master.report, demo_run_master.ledger)
    assert v.ok
    assert v.check("key_trust").status == "skip"
    assert v.check("report_signature").evidence["key_source"] == "key named in the report"


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


def test_report_only_skips_ledger_checks(demo_run_master) -> None:
    v = verify_report(demo_run_master.report, None, demo_run_master.public_key)
    assert v.ok
    assert v.check("ledger_chain").status == "skip"


def test_missing_checkpoint_file_names_the_record(demo_run) -> None:
    demo_run.checkpoints[1].unlink()
    v = verify_report(demo_run.report, demo_run.ledger, demo_run.public_key)
    c = v.check("checkpoint_files")
    assert c.status == "fail" and c.unusable and demo_run.checkpoints[1].name in c.summary
    assert "record " in c.summary and v.exit_code == 2


class FakeTpm:
    type = "test-tpm-quote/v1"

    def check(self, evidence, statement):
        ok = evidence == {"nonce": statement["predicate"]["ledger"]["head_hash"]}
        return AttestationResult("checked", ok, self.type, "nonce binds" if ok else "nonce differs")


def test_attestation_absent_present_unchecked_and_checked(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    report, ledger, signer = _run(tmp_path / "a", flop=1.0, seconds=1.0, energy_j=None)
    assert check_attestation(report.statement).state == "absent"
    slot = {"type": "test-tpm-quote/v1", "evidence": {"nonce": "not-bound"}}
    report, ledger, signer = _run(
        tmp_path / "b", flop=1.0, seconds=1.0, energy_j=None, attestation=slot
    )
    v = verify_report(report.path, ledger, signer.public_pem(), catalog=Catalog1(CHIP), checkers={})
    assert v.check("attestation").evidence["state"] == "present_unchecked"
    assert v.check("attestation").status == "skip"
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
