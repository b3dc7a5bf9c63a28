"""Writing the report: the worker count a user gives is checked, and the file is replaced whole."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.report import build
from computegov.report.parallel import JOBS_ENV

runner = CliRunner()


@pytest.mark.parametrize(("args", "env", "needle"), [
    (["--jobs", "0"], {}, "--jobs: expected a number of worker processes from 1 to 64 or 'auto', got '0'"),
    (["--jobs", "two"], {}, "got 'two'"),
    ([], {JOBS_ENV: "many"}, f"{JOBS_ENV}: expected a number of worker processes"),
])
def test_a_bad_worker_count_is_refused_before_anything_is_built(
    args: list[str], env: dict[str, str], needle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_a: object, **_k: object) -> str:
        raise AssertionError("built the report")

    monkeypatch.setattr(build, "build_report", never)
    result = runner.invoke(app, ["report", "-o", str(tmp_path / "r.html"), *args], env=env)
    assert result.exit_code == 2, result.output
    assert needle in " ".join(result.output.split())
    assert not (tmp_path / "r.html").exists()


def test_the_cli_passes_its_worker_count_and_reports_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake(_catalog: object, **kwargs: object) -> str:
        seen.update(kwargs)
        return "<html></html>"

    monkeypatch.setattr(build, "build_report", fake)
    result = runner.invoke(app, ["report", "-o", str(tmp_path / "r.html"), "--jobs", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert seen["jobs"] == 3 and '"jobs": 3' in result.output.replace('":3', '": 3')


def test_an_interrupted_build_leaves_the_previous_report_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous report", encoding="utf-8")
    target.chmod(0o640)

    def broken(*_a: object, **_k: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "build_report", broken)
    with pytest.raises(KeyboardInterrupt):
        build.write_report(target)
    assert target.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left

    monkeypatch.setattr(build, "build_report", lambda *_a, **_k: "new report")
    build.write_report(target)
    assert target.read_text(encoding="utf-8") == "new report"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # an existing file keeps its mode
    fresh = build.write_report(tmp_path / "fresh.html")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
