"""The CLI: keys new, ledger show, verify and replay exit codes and messages."""

from __future__ import annotations

import json
import stat

from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()
#: The verifier's peak for the demo's host CPU, which is not in the catalogue (an estimate; see
#: conftest.DEMO_PEAK).
PEAK = ["--peak-flop-per-s", "1e12"]


def test_keys_new_writes_a_0600_key(tmp_path) -> None:
    res = runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert stat.S_IMODE((tmp_path / "computegov.key").stat().st_mode) == 0o600
    assert len(out["keyid"]) == 64
    again = runner.invoke(app, ["keys", "new", "--out", str(tmp_path)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_verify_honest_run_exits_0(demo_run_master) -> None:
    res = runner.invoke(
        app,
        ["verify", str(demo_run_master.report), "--key", str(demo_run_master.public_key), *PEAK],
    )
    assert res.exit_code == 0, res.output
    assert "VERIFIED" in res.output


def test_verify_json_lists_every_check(demo_run_master) -> None:
    res = runner.invoke(
        app,
        ["verify", str(demo_run_master.report), "--ledger", str(demo_run_master.ledger), "--json",
         "--key", str(demo_run_master.public_key), *PEAK],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["ok"] and d["outcome"] == "verified" and len(d["checks"]) == 15
    assert d["authenticated"] is True


def test_verify_tampered_ledger_exits_1_naming_check_and_record(demo_run) -> None:
    lines = demo_run.ledger.read_bytes().splitlines(keepends=True)
    demo_run.ledger.write_bytes(b"".join(lines[:5] + lines[6:]))
    res = runner.invoke(app, ["verify", str(demo_run.report), "--key", str(demo_run.public_key)])
    assert res.exit_code == 1
    assert "FAILED ledger_chain" in res.output and "record 5 (byte offset" in res.output


def test_verify_garbled_report_exits_2_with_offset(demo_run) -> None:
    raw = demo_run.report.read_bytes()
    demo_run.report.write_bytes(raw[:100] + b"\x00" + raw[101:])
    res = runner.invoke(app, ["verify", str(demo_run.report), "--ledger", str(demo_run.ledger)])
    assert res.exit_code == 2
    assert "report_format" in res.output and "byte offset 100" in res.output
    assert "Traceback" not in res.output


def test_verify_bad_key_file_exits_2(demo_run, tmp_path) -> None:
    bad = tmp_path / "k.pub"
    bad.write_text("hello")
    res = runner.invoke(app, ["verify", str(demo_run.report), "--key", str(bad)])
    assert res.exit_code == 2 and "key_trust" in res.output


def test_verify_missing_report_exits_2(tmp_path) -> None:
    res = runner.invoke(app, ["verify", str(tmp_path / "nope.json")])
    assert res.exit_code == 2 and "cannot read" in res.output


def test_ledger_show_lists_records_and_chain_state(demo_run_master, demo_run) -> None:
    res = runner.invoke(app, ["ledger", "show", str(demo_run_master.ledger), "--json"])
    assert res.exit_code == 0
    d = json.loads(res.stdout)
    assert d["ok"] and d["records"][0]["kind"] == "meta"
    res = runner.invoke(app, ["ledger", "show", str(demo_run_master.ledger)])
    assert res.exit_code == 0 and "chain intact" in res.output
    demo_run.ledger.write_bytes(demo_run.ledger.read_bytes()[:-10])
    res = runner.invoke(app, ["ledger", "show", str(demo_run.ledger)])
    assert res.exit_code == 2 and "torn" in res.output


def test_replay_states_cost_then_passes(demo_run_master) -> None:
    res = runner.invoke(app, ["replay", str(demo_run_master.report), "--sample-rate", "0.25"])
    assert res.exit_code == 0, res.output
    assert res.output.index("audit cost") < res.output.index("REPLAY PASSED")
    assert "chip-hours" in res.output and "of the original run" in res.output


def test_replay_dry_run_json(demo_run_master) -> None:
    res = runner.invoke(app, ["replay", str(demo_run_master.report), "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["plan"]["cost"]["segments"] == 2


def test_replay_bad_sample_rate_exits_2(demo_run_master) -> None:
    res = runner.invoke(app, ["replay", str(demo_run_master.report), "--sample-rate", "0"])
    assert res.exit_code == 2 and "sample rate" in res.output


def test_measure_demo_with_ledger_verifies_right_away(tmp_path) -> None:
    ledger = tmp_path / "run.jsonl"
    res = runner.invoke(
        app, ["measure", "demo", "--steps", "10", "--ledger", str(ledger), "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    res = runner.invoke(
        app, ["verify", out["report_path"], "--key", out["public_key_path"], *PEAK]
    )
    assert res.exit_code == 0, res.output
    # the demo runs on a CPU the catalogue does not hold: its hint accepts the missing peak openly
    assert out["verify_with"] == (
        f"computegov verify {out['report_path']} --ledger {ledger} --key {out['public_key_path']}"
        " --allow-missing chip_peak"
    )
    hinted = runner.invoke(app, out["verify_with"].split()[1:])
    assert hinted.exit_code == 0, hinted.output


def test_replay_with_missing_checkpoint_is_incomplete_naming_it(demo_run) -> None:
    demo_run.checkpoints[1].unlink()
    res = runner.invoke(app, ["replay", str(demo_run.report), "--sample-rate", "1"])
    assert res.exit_code == 1
    assert demo_run.checkpoints[1].name in res.output and "INCOMPLETE" in res.output
    assert "PASSED" not in res.output


def test_replay_with_every_checkpoint_missing_is_incomplete_even_when_allowed(demo_run) -> None:
    for p in demo_run.checkpoints:
        p.unlink()
    args = ["replay", str(demo_run.report), "--sample-rate", "1", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 1 and json.loads(res.stdout)["outcome"] == "incomplete"
    # allowing missing inputs cannot turn "nothing was replayed" into a pass
    res = runner.invoke(app, [*args, "--allow-missing", "replay_inputs"])
    assert res.exit_code == 1 and json.loads(res.stdout)["outcome"] == "incomplete"


def test_replay_allow_missing_inputs_is_partial(demo_run) -> None:
    demo_run.checkpoints[4].unlink()  # only the last segment loses its end checkpoint
    args = ["replay", str(demo_run.report), "--sample-rate", "1", "--json"]
    res = runner.invoke(app, [*args, "--allow-missing", "replay_inputs"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["outcome"] == "verified" and d["partial"] is True and len(d["missing"]) == 1


def test_replay_refuses_negative_largest(demo_run_master) -> None:
    res = runner.invoke(app, ["replay", str(demo_run_master.report), "--largest", "-3"])
    assert res.exit_code == 2 and "largest" in res.output


def test_keys_new_in_unwritable_place_exits_2(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["keys", "new", "--out", str(blocker / "sub")])
    assert res.exit_code == 2 and "cannot write keys" in res.output


def test_verify_without_key_is_incomplete_and_integrity_only_is_unauthenticated(
    demo_run_master,
) -> None:
    res = runner.invoke(app, ["verify", str(demo_run_master.report), *PEAK])
    assert res.exit_code == 1, res.output
    assert "INCOMPLETE (no trusted key)" in res.output and "--integrity-only" in res.output
    assert "VERIFIED" not in res.output
    res = runner.invoke(app, ["verify", str(demo_run_master.report), "--integrity-only", *PEAK])
    assert res.exit_code == 0, res.output
    assert "UNAUTHENTICATED" in res.output and "VERIFIED" not in res.output
    res = runner.invoke(
        app, ["verify", str(demo_run_master.report), "--integrity-only", "--json", *PEAK]
    )
    d = json.loads(res.stdout)
    assert res.exit_code == 0 and d["authenticated"] is False and d["partial"] is True


def test_verify_unknown_chip_is_incomplete_without_a_verifier_peak(demo_run_master) -> None:
    args = ["verify", str(demo_run_master.report), "--key", str(demo_run_master.public_key)]
    res = runner.invoke(app, args)
    assert res.exit_code == 1 and "MISSING plausibility" in res.output, res.output
    assert "--peak-flop-per-s" in res.output
    for bad in ("0", "-1", "nan", "inf"):
        res = runner.invoke(app, [*args, "--peak-flop-per-s", bad])
        assert res.exit_code == 2 and "--peak-flop-per-s" in res.output, (bad, res.output)


def test_keys_new_refusal_names_force(tmp_path) -> None:
    assert runner.invoke(app, ["keys", "new", "--out", str(tmp_path)]).exit_code == 0
    key = (tmp_path / "computegov.key").read_bytes()
    res = runner.invoke(app, ["keys", "new", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--force" in res.output
    assert (tmp_path / "computegov.key").read_bytes() == key
    res = runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--force"])
    assert res.exit_code == 0 and (tmp_path / "computegov.key").read_bytes() != key


def test_ledger_show_rejects_an_unknown_kind(demo_run_master) -> None:
    res = runner.invoke(app, ["ledger", "show", str(demo_run_master.ledger), "--kind", "ends"])
    assert res.exit_code == 2 and "unknown record kind ends" in res.output


def test_ledger_show_survives_rehashed_records_of_any_shape(tmp_path) -> None:
    from computegov.ledger.chain import Ledger

    path = tmp_path / "odd.jsonl"
    with Ledger.create(path, {"hardware": "not a dict"}) as led:
        led.append("measurement", {"interval": {"seconds": None, "flop": "many"}})
        led.append("measurement", {"interval": [1, 2]})
        led.append("end", {"totals": {"flop": None, "duration_s": "long"}})
        led.append("checkpoint", {"state": "x"}, time_unix_s=1e300)
    res = runner.invoke(app, ["ledger", "show", str(path)])
    assert res.exit_code == 0, res.output
    assert "1e+300" in res.output and "chain intact" in res.output


def test_replay_refuses_a_trainer_from_outside_computegov(demo_run) -> None:
    from computegov.ledger.recorder import RunRecorder
    from computegov.ledger.signing import load_private_key

    rec = RunRecorder(
        demo_run.dir / "evil.jsonl",
        metadata={"replay": {"trainer": "subprocess:Popen", "config": {"echo": 1}}},
        signer=load_private_key(demo_run.private_key),
    )
    state = {"w": __import__("torch").zeros(2)}
    rec.record_checkpoint(0, state, demo_run.dir / "e0.pt")
    rec.record_measurement({"steps": 1, "flop": 1.0, "seconds": 1.0})
    rec.record_checkpoint(1, state, demo_run.dir / "e1.pt")
    report = rec.finish({})
    args = ["replay", str(report.path), "--ledger", str(demo_run.dir / "evil.jsonl")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "--trust-trainer subprocess:Popen" in res.output
    assert "audit cost" not in res.output
    res = runner.invoke(app, [*args, "--trust-trainer", "subprocess:Popen", "--sample-rate", "1"])
    assert res.exit_code == 1  # trusted by name, still not a trainer class: nothing runs
    assert "is not a class with replay() and params()" in res.output


def test_verify_accepts_the_public_key_as_64_hex_digits(demo_run_master) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = demo_run_master.public_key.read_bytes()
    raw = serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    res = runner.invoke(app, ["verify", str(demo_run_master.report), "--key", raw.hex(), *PEAK])
    assert res.exit_code == 0, res.output
    wrong = runner.invoke(app, ["verify", str(demo_run_master.report), "--key", "00" * 32])
    assert wrong.exit_code == 2
    assert "key_trust" in wrong.output or "report_signature" in wrong.output
