"""The ``--json`` contract of the commands that make and check compute claims: ``measure``,
``keys``, ``ledger``, ``verify``, ``replay`` and ``registry`` keep the top-level keys that
docs/cli-json.md documents, never write NaN or Infinity, and exit 0 on success, 1 on a failed
check and 2 on unusable input.

One small signed demo run (3 steps, CPU) feeds every command; the registry uses a SQLite file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from computegov.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-json.md"

runner = CliRunner()

SUMMARY_KEYS = (
    "flop", "flop_full_attention", "flop_causal_halved", "flop_flopcounter_compatible",
    "model_flop_6nd", "tokens", "seconds", "wall_seconds", "flop_per_s", "mfu", "mfu_6nd",
    "mfu_unavailable_reason", "peak_flop_per_s", "precision", "chip", "device", "timing_method",
    "energy_j", "energy_unavailable_reason", "energy_source", "energy_estimate_j",
    "energy_estimate_method", "steps", "counted_steps", "flop_exact", "gaps",
    "causal_attention_convention", "world_size", "ranks", "time_start_unix_s", "time_end_unix_s",
)  # fmt: skip
SUMMARIZE_KEYS = (
    "flop", "flop_full_attention", "flop_causal_halved", "flop_flopcounter_compatible",
    "model_flop_6nd", "tokens", "seconds", "wall_seconds", "flop_per_s", "mfu", "mfu_6nd",
    "peak_flop_per_s", "energy_j", "energy_estimate_j", "steps", "counted_steps", "flop_exact",
    "gaps", "world_size", "ranks",
)  # fmt: skip
DEMO_LEDGER_KEYS = (
    "report_path", "ledger_path", "public_key_path", "checkpoint_paths", "meter", "verify_with",
)  # fmt: skip
KEYS_NEW_KEYS = ("private_path", "public_path", "keyid")
KEYS_SHOW_KEYS = ("keyid", "public_key_hex")
LEDGER_KEYS = ("path", "ok", "head_hash", "size_bytes", "problems", "records")
LEDGER_RECORD_KEYS = ("seq", "kind", "time_unix_s", "prev", "hash", "data")
LEDGER_PROBLEM_KEYS = ("record", "offset_bytes", "kind", "message")
VERIFY_KEYS = (
    "outcome", "ok", "exit_code", "failed", "missing", "partial", "authenticated",
    "allowed_missing", "report_path", "ledger_path", "checks",
)  # fmt: skip
#: The verifier's own peak for the demo's host CPU, which the catalogue does not list (an
#: estimate: a few-core x86 host peaks at ~1e11-1e12 FP32 FLOP/s).
PEAK = ["--peak-flop-per-s", "1e12"]
VERIFY_CHECK_KEYS = ("name", "status", "summary", "evidence", "unusable", "missing_kind", "missing")
REPLAY_KEYS = (
    "outcome", "ok", "exit_code", "missing", "partial", "allowed_missing", "backend",
    "nondeterminism", "tolerance", "plan", "segments", "notes",
)  # fmt: skip
REPLAY_SEGMENT_KEYS = (
    "index", "start_step", "end_step", "start_path", "end_path", "reason", "ok", "distance",
    "update_norm", "tolerance", "message", "duration_s", "unusable", "missing",
)  # fmt: skip
PLAN_KEYS = ("segments", "total_segments", "sample_rate", "cost")
COST_KEYS = ("segments", "steps", "share_of_run", "chip_hours", "usd", "usd_note")
TOKEN_KEYS = ("organisation", "token", "prefix")
REGISTRY_LIST_KEYS = ("organisations", "tokens")
ORG_KEYS = ("name", "created_at", "has_public_key", "reports")
TOKEN_INFO_KEYS = ("organisation", "prefix", "created_at", "revoked_at")

#: heading in docs/cli-json.md -> every key the tests below pin for that command.
PINNED: dict[str, tuple[str, ...]] = {
    "computegov measure demo": SUMMARY_KEYS,
    "computegov measure demo --ledger FILE": DEMO_LEDGER_KEYS,
    "computegov measure summarize FILE...": SUMMARIZE_KEYS,
    "computegov keys new": KEYS_NEW_KEYS,
    "computegov keys show KEY": KEYS_SHOW_KEYS,
    "computegov ledger show FILE": LEDGER_KEYS + LEDGER_RECORD_KEYS + LEDGER_PROBLEM_KEYS,
    "computegov verify REPORT": VERIFY_KEYS + VERIFY_CHECK_KEYS,
    "computegov replay REPORT": REPLAY_KEYS + REPLAY_SEGMENT_KEYS,
    "computegov replay REPORT --dry-run": ("plan", *PLAN_KEYS, *COST_KEYS),
    "computegov registry token create ORG": TOKEN_KEYS,
    "computegov registry list": REGISTRY_LIST_KEYS + ORG_KEYS + TOKEN_INFO_KEYS,
}


@dataclass(frozen=True)
class DemoRun:
    """The files of one signed demo run and its ``--json`` output."""

    dir: Path
    output: dict[str, Any]

    @property
    def report(self) -> Path:
        return Path(self.output["report_path"])

    @property
    def ledger(self) -> Path:
        return Path(self.output["ledger_path"])

    @property
    def public_key(self) -> Path:
        return Path(self.output["public_key_path"])


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"--json wrote {constant}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def _invoke_json(args: list[str], exit_code: int = 0) -> dict[str, Any]:
    """Run ``computegov ARGS --json``, check the exit status and return the JSON object."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == exit_code, result.output
    data = _strict_json(result.stdout)
    assert isinstance(data, dict)
    return data


def _has_keys(data: dict[str, Any], keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if k not in data]
    assert not missing, f"{what}: documented keys missing from --json: {missing}"


def _assert_unusable(result: Result) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "error" in result.stderr.lower()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    pytest.importorskip("torch")  # the demo trains a model; the doc checks run without torch
    out = tmp_path_factory.mktemp("demo")
    data = _invoke_json(["measure", "demo", "--steps", "3", "--ledger", str(out / "run.jsonl")])
    return DemoRun(out, data)


def _tampered(demo: DemoRun, tmp_path: Path) -> Path:
    """A copy of the demo ledger whose measurement claims one FLOP more (hashes not redone)."""
    lines = demo.ledger.read_text(encoding="utf-8").split("\n")
    i = next(n for n, line in enumerate(lines) if '"kind":"measurement"' in line)
    lines[i], count = re.subn(
        r'"flop":(\d+)', lambda m: f'"flop":{int(m.group(1)) + 1}', lines[i], count=1
    )
    assert count == 1, "no flop figure in the measurement record"
    path = tmp_path / "tampered.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# --- measure -----------------------------------------------------------------------------------


def test_measure_demo_with_ledger_says_where_its_outputs_are(demo: DemoRun) -> None:
    _has_keys(demo.output, DEMO_LEDGER_KEYS, "measure demo --ledger")
    assert demo.report.is_file() and demo.ledger.is_file() and demo.public_key.is_file()
    assert all(Path(p).is_file() for p in demo.output["checkpoint_paths"])
    assert demo.output["verify_with"].startswith("computegov verify ")


def test_measure_demo_and_summarize_print_the_same_documented_summary(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    records = tmp_path / "meter.jsonl"
    summary = _invoke_json(["measure", "demo", "--steps", "3", "--records", str(records)])
    _has_keys(summary, SUMMARY_KEYS, "measure demo")
    assert summary["steps"] == 3 and summary["world_size"] == 1
    # a 3-step CPU run with no chip: counted FLOP, no MFU, no measured peak
    assert summary["flop"] > 0 and summary["mfu"] is None and summary["chip"] is None

    again = _invoke_json(["measure", "summarize", str(records)])
    _has_keys(again, SUMMARIZE_KEYS, "measure summarize")
    assert again["flop"] == summary["flop"]
    assert again["tokens"] == summary["tokens"]


# --- keys --------------------------------------------------------------------------------------


def test_keys_new_prints_paths_and_key_id_and_refuses_to_overwrite(tmp_path: Path) -> None:
    data = _invoke_json(["keys", "new", "--out", str(tmp_path)])
    _has_keys(data, KEYS_NEW_KEYS, "keys new")
    assert re.fullmatch(r"[0-9a-f]{64}", data["keyid"])
    assert Path(data["public_path"]).read_text(encoding="utf-8").startswith("-----BEGIN PUBLIC KEY")
    _assert_unusable(runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--json"]))
    shown = _invoke_json(["keys", "show", data["public_path"]])
    _has_keys(shown, KEYS_SHOW_KEYS, "keys show")
    assert shown["keyid"] == data["keyid"] and re.fullmatch(r"[0-9a-f]{64}", shown["public_key_hex"])
    _assert_unusable(runner.invoke(app, ["keys", "show", "00" * 32, "--json"]))


# --- ledger ------------------------------------------------------------------------------------


def test_ledger_show_of_an_intact_ledger_exits_0(demo: DemoRun) -> None:
    data = _invoke_json(["ledger", "show", str(demo.ledger)])
    _has_keys(data, LEDGER_KEYS, "ledger show")
    assert data["ok"] is True and data["problems"] == []
    assert data["size_bytes"] == demo.ledger.stat().st_size
    assert data["records"] and data["records"][-1]["hash"] == data["head_hash"]
    for record in data["records"]:
        _has_keys(record, LEDGER_RECORD_KEYS, "ledger show: records[]")


def test_ledger_show_of_a_tampered_ledger_exits_1_and_names_the_record(
    demo: DemoRun, tmp_path: Path
) -> None:
    data = _invoke_json(["ledger", "show", str(_tampered(demo, tmp_path))], exit_code=1)
    assert data["ok"] is False and data["problems"]
    for problem in data["problems"]:
        _has_keys(problem, LEDGER_PROBLEM_KEYS, "ledger show: problems[]")
    assert data["problems"][0]["kind"] == "hash"


def test_ledger_show_of_garbage_exits_2(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not a ledger\n", encoding="utf-8")
    data = _invoke_json(["ledger", "show", str(garbage)], exit_code=2)
    assert data["ok"] is False and data["problems"][0]["kind"] == "format"
    _assert_unusable(runner.invoke(app, ["ledger", "show", str(tmp_path / "none"), "--json"]))


# --- verify ------------------------------------------------------------------------------------


def test_verify_of_the_demo_run_passes_with_exit_0(demo: DemoRun) -> None:
    data = _invoke_json(["verify", str(demo.report), "--key", str(demo.public_key), *PEAK])
    _has_keys(data, VERIFY_KEYS, "verify")
    assert data["ok"] is True and data["exit_code"] == 0 and data["failed"] == []
    assert data["authenticated"] is True
    assert data["outcome"] == "verified" and data["missing"] == [] and data["partial"] is False
    assert data["ledger_path"] == str(demo.ledger)  # found next to the report
    for check in data["checks"]:
        _has_keys(check, VERIFY_CHECK_KEYS, "verify: checks[]")
        assert check["status"] in ("pass", "warn", "skip"), check
        assert check["missing_kind"] is None and check["missing"] == []


def test_verify_of_a_tampered_ledger_fails_with_exit_1(demo: DemoRun, tmp_path: Path) -> None:
    ledger = _tampered(demo, tmp_path)
    args = ["verify", str(demo.report), "--ledger", str(ledger), "--key", str(demo.public_key)]
    data = _invoke_json(args, exit_code=1)
    assert data["ok"] is False and data["exit_code"] == 1 and data["outcome"] == "failed"
    assert "ledger_chain" in data["failed"]
    failed = [c for c in data["checks"] if c["status"] == "fail"]
    assert {c["name"] for c in failed} == set(data["failed"])
    assert not any(c["unusable"] for c in failed)


@pytest.mark.parametrize("broken", ["report", "key"])
def test_verify_of_unusable_input_exits_2_and_says_which(
    broken: str, demo: DemoRun, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_text("not json, not PEM\n", encoding="utf-8")
    report = garbage if broken == "report" else demo.report
    key = garbage if broken == "key" else demo.public_key
    data = _invoke_json(["verify", str(report), "--key", str(key)], exit_code=2)
    assert data["ok"] is False and data["exit_code"] == 2
    unusable = [c["name"] for c in data["checks"] if c["unusable"]]
    assert unusable == [{"report": "report_format", "key": "key_trust"}[broken]]


# --- replay ------------------------------------------------------------------------------------


def test_replay_dry_run_states_the_plan_and_its_cost(demo: DemoRun) -> None:
    data = _invoke_json(["replay", str(demo.report), "--dry-run"])
    _has_keys(data, ("plan",), "replay --dry-run")
    _has_keys(data["plan"], PLAN_KEYS, "replay --dry-run: plan")
    _has_keys(data["plan"]["cost"], COST_KEYS, "replay --dry-run: plan.cost")
    assert data["plan"]["segments"], "at least one segment is sampled"


def test_replay_of_the_demo_run_passes_with_exit_0(demo: DemoRun) -> None:
    data = _invoke_json(["replay", str(demo.report)])
    _has_keys(data, REPLAY_KEYS, "replay")
    assert data["ok"] is True and data["exit_code"] == 0
    _has_keys(data["plan"], PLAN_KEYS, "replay: plan")
    for segment in data["segments"]:
        _has_keys(segment, REPLAY_SEGMENT_KEYS, "replay: segments[]")
        assert segment["distance"] <= segment["tolerance"]


def test_verify_with_missing_evidence_is_incomplete_with_exit_1(
    demo: DemoRun, tmp_path: Path
) -> None:
    report = tmp_path / "alone.report.json"
    report.write_bytes(demo.report.read_bytes())
    data = _invoke_json(
        ["verify", str(report), "--key", str(demo.public_key), *PEAK], exit_code=1
    )
    assert data["outcome"] == "incomplete" and data["ok"] is False and data["failed"] == []
    assert data["missing"][0] == f"ledger {demo.ledger.name}"
    allow = "ledger,checkpoints"
    args = ["verify", str(report), "--key", str(demo.public_key), "--allow-missing", allow, *PEAK]
    data = _invoke_json(args)
    assert data["outcome"] == "verified" and data["partial"] is True
    assert data["allowed_missing"] == ["ledger", "checkpoints"]


def test_replay_without_a_ledger_exits_2(demo: DemoRun, tmp_path: Path) -> None:
    report = tmp_path / "alone.report.json"
    report.write_bytes(demo.report.read_bytes())
    _assert_unusable(runner.invoke(app, ["replay", str(report), "--json"]))


# --- registry ----------------------------------------------------------------------------------


def test_registry_token_create_and_list(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sqlalchemy")
    monkeypatch.delenv("COMPUTEGOV_DATABASE_URL", raising=False)
    monkeypatch.setenv("COMPUTEGOV_DATA_DIR", str(tmp_path / "data"))
    db = ["--database-url", f"sqlite:///{tmp_path / 'registry.sqlite3'}"]
    created = _invoke_json(
        ["registry", "token", "create", "acme", "--public-key", str(demo.public_key), *db]
    )
    _has_keys(created, TOKEN_KEYS, "registry token create")
    assert created["organisation"] == "acme"
    assert created["token"].startswith("cgr_" + created["prefix"])

    listed = _invoke_json(["registry", "list", *db])
    _has_keys(listed, REGISTRY_LIST_KEYS, "registry list")
    [org] = listed["organisations"]
    _has_keys(org, ORG_KEYS, "registry list: organisations[]")
    assert org["name"] == "acme" and org["has_public_key"] is True and org["reports"] == 0
    [token] = listed["tokens"]
    _has_keys(token, TOKEN_INFO_KEYS, "registry list: tokens[]")
    assert token["prefix"] == created["prefix"] and token["revoked_at"] is None
    assert created["token"] not in json.dumps(listed), "the token itself is never listed"


# --- the document ------------------------------------------------------------------------------


def _doc_section(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.find(f"### `{heading}`")
    assert start >= 0, f"docs/cli-json.md has no section '### `{heading}`'"
    end = re.search(r"^##", text[start + 4 :], flags=re.MULTILINE)
    return text[start : start + 4 + end.start()] if end else text[start:]


@pytest.mark.parametrize(("heading", "keys"), PINNED.items(), ids=list(PINNED))
def test_doc_lists_every_pinned_key(heading: str, keys: tuple[str, ...]) -> None:
    section = _doc_section(heading)
    assert "```json" in section, f"{heading}: no example"
    example = section.split("```json", 1)[1].split("```", 1)[0]
    assert isinstance(_strict_json(example), dict), f"{heading}: the example is not a JSON object"
    prose = section.split("```json", 1)[0]
    documented = {
        word for span in re.findall(r"`([^`]+)`", prose) for word in re.findall(r"\w+", span)
    }  # a key counts when it is written in code: `key` or inside `{key, other}`
    undocumented = [k for k in keys if k not in documented]
    assert not undocumented, (
        f"{heading}: keys pinned here but not in docs/cli-json.md: {undocumented}"
    )


def test_registry_init_and_revoke_have_json(tmp_path) -> None:
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    init = runner.invoke(app, ["registry", "init", "--database-url", url, "--json"])
    assert init.exit_code == 0, init.output
    assert json.loads(init.output)["dialect"] == "sqlite"
    created = runner.invoke(app, ["registry", "token", "create", "acme", "--database-url", url, "--json"])
    prefix = json.loads(created.output)["prefix"]
    revoked = runner.invoke(app, ["registry", "token", "revoke", prefix, "--database-url", url, "--json"])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.output) == {"prefix": prefix, "organisation": "acme", "revoked": True}
