"""The verifier fails closed: removed evidence, escaping paths, non-canonical or mistyped records
and unbounded inputs never end in VERIFIED (exit 0).

Each case reproduces a way a dishonest signer (holding the real key) or a careless auditor
could get a better verdict than honest evidence deserves.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.ledger.digests import digest_file
from computegov.ledger.verify import verify_report

runner = CliRunner()


#: The verifier's peak for the demo's host CPU, not in the catalogue (an estimate; see
#: conftest.DEMO_PEAK).
PEAK = ["--peak-flop-per-s", "1e12"]


def _verify(run, *extra: str):
    return runner.invoke(
        app, ["verify", str(run.report), "--key", str(run.public_key), "--json", *PEAK, *extra]
    )


def _json(res) -> dict:
    return json.loads(res.stdout)


# -- evidence removal -------------------------------------------------------------------------


def _replace_ledger(run, how: str) -> None:
    run.ledger.unlink()
    if how == "directory":
        run.ledger.mkdir()
    elif how == "dev-zero symlink":
        run.ledger.symlink_to("/dev/zero")
    elif how == "fifo":
        os.mkfifo(run.ledger)


@pytest.mark.parametrize("how", ["deleted", "directory", "dev-zero symlink", "fifo"])
def test_a_removed_ledger_is_incomplete_not_verified(demo_run, how: str) -> None:
    _replace_ledger(demo_run, how)
    t0 = time.perf_counter()
    res = _verify(demo_run)
    assert time.perf_counter() - t0 < 20
    assert res.exit_code == 1, res.output
    d = _json(res)
    assert d["outcome"] == "incomplete" and d["ok"] is False
    assert d["missing"][0] == "ledger run.jsonl"
    assert d["missing"][1:] == [f"checkpoint run-checkpoints/{p.name}" for p in demo_run.checkpoints]
    assert next(c for c in d["checks"] if c["name"] == "ledger_format")["status"] == "missing"


def test_a_removed_ledger_is_named_in_the_human_output(demo_run) -> None:
    demo_run.ledger.unlink()
    res = runner.invoke(app, ["verify", str(demo_run.report), "--key", str(demo_run.public_key)])
    assert res.exit_code == 1
    assert "INCOMPLETE" in res.output and "ledger run.jsonl" in res.output
    assert "VERIFIED" not in res.output


def test_every_checkpoint_deleted_is_incomplete(demo_run) -> None:
    for p in demo_run.checkpoints:
        p.unlink()
    res = _verify(demo_run)
    assert res.exit_code == 1, res.output
    d = _json(res)
    assert d["outcome"] == "incomplete" and len(d["missing"]) == len(demo_run.checkpoints)
    assert all(m.startswith("checkpoint run-checkpoints/") for m in d["missing"])


def test_one_checkpoint_deleted_is_incomplete(demo_run) -> None:
    demo_run.checkpoints[2].unlink()
    d = _json(res := _verify(demo_run))
    assert res.exit_code == 1 and d["outcome"] == "incomplete"
    assert d["missing"] == [f"checkpoint run-checkpoints/{demo_run.checkpoints[2].name}"]


def test_checkpoints_pointed_elsewhere_is_incomplete(demo_run, tmp_path: Path) -> None:
    for where in (tmp_path / "nonexistent", tmp_path):
        res = _verify(demo_run, "--checkpoints", str(where))
        assert res.exit_code == 1, res.output
        assert _json(res)["outcome"] == "incomplete"


def test_allow_missing_accepts_it_explicitly_and_records_partial(demo_run) -> None:
    demo_run.ledger.unlink()
    res = _verify(demo_run, "--allow-missing", "checkpoints")
    assert res.exit_code == 1  # the ledger is missing, only checkpoints were allowed
    res = _verify(demo_run, "--allow-missing", "ledger,checkpoints")
    assert res.exit_code == 0, res.output
    d = _json(res)
    assert d["outcome"] == "verified" and d["partial"] is True
    assert d["allowed_missing"] == ["ledger", "checkpoints"]
    assert d["missing"][0] == "ledger run.jsonl" and len(d["missing"]) == 6  # + 5 checkpoints
    # without the ledger the checkpoint files cannot be checked: allowing only it is not enough
    assert _verify(demo_run, "--allow-missing", "ledger").exit_code == 1
    human = runner.invoke(
        app,
        ["verify", str(demo_run.report), "--key", str(demo_run.public_key), "--allow-missing",
         "ledger,checkpoints", *PEAK],
    )
    assert human.exit_code == 0 and "PARTIAL" in human.output


def test_allow_missing_does_not_excuse_a_failure(demo_run) -> None:
    demo_run.checkpoints[0].unlink()
    demo_run.checkpoints[1].write_bytes(b"not the checkpoint")
    res = _verify(demo_run, "--allow-missing", "checkpoints")
    assert res.exit_code == 1 and _json(res)["outcome"] == "failed"


def test_allow_missing_with_an_unknown_kind_exits_2(demo_run) -> None:
    res = _verify(demo_run, "--allow-missing", "ledger,everything")
    assert res.exit_code == 2 and "everything" in res.output


# -- paths cannot escape ----------------------------------------------------------------------


def _point_checkpoint_at(forger, name: str, target: Path | None) -> None:
    i = forger.checkpoint_indices()[1]
    data = forger.bodies[i]["data"]
    data["path"] = name
    if target is not None:
        data["file"] = digest_file(target)


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A file outside the run directory (a stand-in for /etc/passwd)."""
    p = tmp_path / "outside" / "secret.txt"
    p.parent.mkdir()
    p.write_text("verifier's private file\n")
    return p


def test_a_dotdot_path_to_a_file_outside_is_refused(forger, outside: Path) -> None:
    rel = os.path.relpath(outside, forger.run.dir)
    assert rel.startswith("..")
    _point_checkpoint_at(forger, rel, outside)
    forger.write()
    v = verify_report(forger.run.report, None, forger.run.public_key)
    c = v.check("checkpoint_files")
    assert c.status == "fail" and "'..'" in c.summary and v.exit_code == 1
    assert v.check("ledger_signatures").status == "pass"  # signed with the real key


def test_an_absolute_path_is_refused(forger, outside: Path) -> None:
    _point_checkpoint_at(forger, str(outside), outside)
    forger.write()
    res = _verify(forger.run)
    assert res.exit_code == 1
    c = next(c for c in _json(res)["checks"] if c["name"] == "checkpoint_files")
    assert c["status"] == "fail" and "absolute path" in c["summary"]


def _verdict_for_path(run, name: str, forger_cls):
    forger = forger_cls(run)
    _point_checkpoint_at(forger, name, None)
    forger.write()
    return verify_report(run.report, None, run.public_key).check("checkpoint_files")


def test_refusals_do_not_reveal_whether_a_file_exists_outside(
    demo_run, outside: Path, forger_cls
) -> None:
    absent = outside.with_name("absent.txt")
    seen = []
    for target in (outside, absent):
        for name in (str(target), os.path.relpath(target, demo_run.dir)):
            c = _verdict_for_path(demo_run, name, forger_cls)
            seen.append((c.status, c.summary.replace(name, "<path>")))
    assert seen[0] == seen[2] and seen[1] == seen[3]
    assert all(status == "fail" for status, _ in seen)


def test_a_symlink_leaving_the_directory_is_refused(demo_run, tmp_path: Path) -> None:
    genuine = demo_run.checkpoints[1]
    copy = tmp_path / "elsewhere.pt"
    shutil.copyfile(genuine, copy)
    genuine.unlink()
    genuine.symlink_to(copy)  # same bytes, but outside the evidence directory
    v = verify_report(demo_run.report, None, demo_run.public_key)
    c = v.check("checkpoint_files")
    assert c.status == "fail" and "symlink" in c.summary and v.exit_code == 1


def test_a_symlink_inside_the_directory_is_followed(demo_run) -> None:
    genuine = demo_run.checkpoints[1]
    moved = genuine.with_name("moved.pt")
    genuine.rename(moved)
    genuine.symlink_to(moved.name)
    assert verify_report(demo_run.report, None, demo_run.public_key, peak_flop_per_s=1e12).ok


@pytest.mark.parametrize("what", ["directory", "fifo"])
def test_a_directory_or_fifo_in_place_of_a_checkpoint_is_refused(demo_run, what: str) -> None:
    p = demo_run.checkpoints[1]
    p.unlink()
    if what == "directory":
        p.mkdir()
    else:
        os.mkfifo(p)
    t0 = time.perf_counter()
    v = verify_report(demo_run.report, None, demo_run.public_key)
    assert time.perf_counter() - t0 < 20
    c = v.check("checkpoint_files")
    assert c.status == "fail" and ("directory" if what == "directory" else "FIFO") in c.summary


def test_a_hostile_ledger_name_in_the_report_is_refused(forger, outside: Path) -> None:
    def edit(st):
        st["predicate"]["ledger"]["name"] = os.path.relpath(outside, forger.run.dir)

    forger.write(edit=edit)
    v = verify_report(forger.run.report, None, forger.run.public_key)
    assert v.outcome == "failed" and "'..'" in v.check("ledger_format").summary


# -- canonical, typed records -----------------------------------------------------------------


def test_a_body_with_duplicate_keys_is_refused(forger) -> None:
    i = forger.measurement_indices()[0]
    forger.write(raw={i: lambda b: b.replace(b'"interval":{', b'"interval":{"flop":1e30,', 1)})
    assert b'"flop":1e30' in forger.run.ledger.read_bytes()
    res = _verify(forger.run)
    assert res.exit_code != 0
    c = next(c for c in _json(res)["checks"] if c["name"] == "ledger_format")
    assert c["status"] == "fail" and "not canonical" in c["summary"]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("flop", -1.0e15, "flop: expected a number >= 0"),
        ("seconds", -0.5, "seconds: expected a number > 0"),
        ("seconds", 0.0, "seconds: expected a number > 0"),
        ("flop", True, "flop: expected a finite number, got the boolean true"),
        ("flop", "14417920", "flop: expected a finite number, got the string"),
        ("tokens", 640.5, "tokens: expected a whole number"),
        ("tokens", -640, "tokens: expected a count >= 0"),
        ("energy_j", -3.0, "energy_j: expected a number >= 0"),
    ],
)
def test_mistyped_or_out_of_range_numbers_fail_even_when_signed(
    forger, field: str, value, fragment: str
) -> None:
    for i in forger.measurement_indices():
        forger.bodies[i]["data"]["interval"][field] = value
    forger.write()
    res = _verify(forger.run)
    assert res.exit_code == 1, res.output
    d = _json(res)
    assert d["outcome"] == "failed" and "ledger_records" in d["failed"]
    c = next(c for c in d["checks"] if c["name"] == "ledger_records")
    assert fragment in c["summary"] and "record " in c["summary"]


def test_mistyped_report_totals_fail_without_a_ledger(forger) -> None:
    def edit(st):
        st["predicate"]["totals"]["flop"] = -5.0e20
        st["predicate"]["totals"]["duration_s"] = True

    forger.write(edit=edit)
    forger.run.ledger.unlink()
    v = verify_report(
        forger.run.report, None, forger.run.public_key, allow_missing=("ledger", "checkpoints")
    )
    c = v.check("report_values")
    assert v.outcome == "failed" and c.status == "fail"
    assert "totals.flop" in c.summary and "totals.duration_s" in str(c.evidence)


# -- bounded reads ----------------------------------------------------------------------------


def test_ledger_show_dev_zero_is_refused_quickly() -> None:
    t0 = time.perf_counter()
    res = runner.invoke(app, ["ledger", "show", "/dev/zero"])
    assert time.perf_counter() - t0 < 10
    assert res.exit_code == 2 and "not a regular file" in res.output
    assert "Traceback" not in res.output


def test_verify_ledger_dev_zero_exits_2_in_bounded_memory(demo_run) -> None:
    tracemalloc.start()
    try:
        res = _verify(demo_run, "--ledger", "/dev/zero")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.exit_code == 2, res.output
    assert peak < 50 * 2**20
    c = next(c for c in _json(res)["checks"] if c["name"] == "ledger_format")
    assert "character device" in c["summary"]


def test_file_and_record_caps_are_configurable(demo_run) -> None:
    res = _verify(demo_run, "--max-file-bytes", "1000")
    assert res.exit_code == 2 and "over the cap of 1000 bytes" in res.output
    res = _verify(demo_run, "--max-record-bytes", "400")
    assert res.exit_code == 2 and "over the cap of 400 bytes per record" in res.output
    res = runner.invoke(app, ["ledger", "show", str(demo_run.ledger), "--max-file-bytes", "1000"])
    assert res.exit_code == 2 and "over the cap" in res.output
    res = runner.invoke(
        app, ["ledger", "show", str(demo_run.ledger), "--max-record-bytes", "400", "--json"]
    )
    assert res.exit_code == 2 and "per record" in res.output
    v = verify_report(demo_run.report, None, demo_run.public_key, peak_flop_per_s=1e12)
    assert v.ok  # the defaults leave an honest run alone


# -- replay inputs ----------------------------------------------------------------------------


def test_replay_refuses_a_checkpoint_path_that_escapes(forger, outside: Path) -> None:
    _point_checkpoint_at(forger, os.path.relpath(outside, forger.run.dir), outside)
    forger.write()
    res = runner.invoke(app, ["replay", str(forger.run.report), "--dry-run"])
    assert res.exit_code == 2 and "refused" in res.output and "'..'" in res.output


def test_replay_refuses_a_fifo_in_place_of_a_checkpoint(demo_run) -> None:
    p = demo_run.checkpoints[1]
    p.unlink()
    os.mkfifo(p)
    t0 = time.perf_counter()
    res = runner.invoke(app, ["replay", str(demo_run.report), "--dry-run"])
    assert time.perf_counter() - t0 < 20
    assert res.exit_code == 2 and "FIFO" in res.output


# -- the same rules on write ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("flop", -1.0), ("seconds", 0.0), ("seconds", -2.0), ("flop", True), ("tokens", 1.5),
     ("tokens", "640")],
)
def test_the_recorder_refuses_what_the_verifier_would(tmp_path: Path, field: str, value) -> None:
    from computegov.errors import InputError
    from computegov.ledger.recorder import RunRecorder

    rec = RunRecorder(tmp_path / "run.jsonl", metadata={"hardware": {"chip_count": 1}})
    with pytest.raises(InputError, match=field):
        rec.record_measurement({"steps": 1, "flop": 1.0, "seconds": 1.0, field: value})
    rec.record_measurement({"steps": 1, "flop": 1.0, "seconds": 1.0, "tokens": 64.0})
    assert rec.finish().totals["tokens"] == 64


def test_the_recorder_refuses_a_fractional_chip_count(tmp_path: Path) -> None:
    from computegov.errors import InputError
    from computegov.ledger.recorder import RunRecorder

    with pytest.raises(InputError, match="chip_count"):
        RunRecorder(tmp_path / "run.jsonl", metadata={"hardware": {"chip_count": 1.5}})


@pytest.mark.parametrize("command", ["verify", "replay"])
def test_a_report_that_is_dev_zero_exits_2_quickly(command: str) -> None:
    t0 = time.perf_counter()
    res = runner.invoke(app, [command, "/dev/zero"])
    assert time.perf_counter() - t0 < 10
    assert res.exit_code == 2 and "not a regular file" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("where", ["envelope", "payload", "ledger line"])
def test_json_nested_50000_deep_is_unusable_input_not_a_crash(demo_run, where: str) -> None:
    import base64
    import hashlib

    deep = "[" * 50_000 + "]" * 50_000
    report, ledger = demo_run.report.read_bytes(), demo_run.ledger.read_bytes()
    if where == "envelope":
        report = ('{"a":' * 50_000 + "1" + "}" * 50_000).encode()
    elif where == "payload":
        report = json.dumps(
            {"payload": base64.b64encode(deep.encode()).decode(),
             "payloadType": "application/vnd.in-toto+json", "signatures": []}
        ).encode()
    else:
        body = ('{"data":' + deep + ',"kind":"meta","prev":"' + "0" * 64 + '","seq":0,'
                '"time_unix_s":1.0}').encode()
        line = b'{"body":' + body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode()
        ledger = line + b'"}\n' + ledger
    v = verify_report(report, ledger, demo_run.public_key, checkpoints_dir=demo_run.dir)
    assert v.exit_code == 2 and not v.ok
    bad = v.check("report_format" if where != "ledger line" else "ledger_format")
    assert bad.unusable and ("recursion" in bad.summary or "depth" in bad.summary)


def test_the_writer_refuses_a_record_the_verifier_would_not_read(tmp_path: Path) -> None:
    from computegov.errors import LedgerError
    from computegov.ledger.recorder import RunRecorder

    rec = RunRecorder(tmp_path / "run.jsonl", metadata={"hardware": {"chip_count": 1}})
    with pytest.raises(LedgerError, match="over the 1048576-byte cap"):
        rec.record_batch(0, "x" * (2 << 20))
