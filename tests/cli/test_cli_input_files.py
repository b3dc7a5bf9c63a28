"""Every file a command reads is opened through the guarded reader: specials refused at once.

For each command option that names an input file, a FIFO (which would block a plain ``open``
forever), ``/dev/zero`` (which never ends) and a directory each give exit status 2 and a
one-line message naming the path, within seconds (``pytest-timeout`` interrupts a blocked open
with a signal, so a regression fails instead of hanging the suite).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.inputfiles import MAX_INPUT_BYTES_ENV

runner = CliRunner()

X = "{input}"  # where the special file goes

#: (name, argv with X where the input file goes). Other arguments are valid or never reached.
INPUT_PATHS: tuple[tuple[str, list[str]], ...] = (
    ("verify --attest-trust", ["verify", "report.json", "--attest-trust", X]),
    ("verify REPORT", ["verify", X]),
    ("compute estimate --measured", ["compute", "estimate", "--measured", X]),
    ("costs tco --assumptions", ["costs", "tco", "H100", "--assumptions", X]),
    ("plan --utilisation-evidence", ["plan", "--flop", "1e24", "--utilisation-evidence", X]),
    ("emerging register --file", ["emerging", "register", "--file", X]),
    ("log monitor --state", ["log", "monitor", "http://127.0.0.1:9", "--state", X]),
    ("log compare", ["log", "compare", X, X]),
    ("attest location --evidence", ["attest", "location", "--report", "r.json", "--evidence", X]),
    ("clusters summary --data", ["clusters", "summary", "--data", X]),
    ("catalog list --catalog", ["catalog", "list", "--catalog", X]),
    ("catalog validate", ["catalog", "validate", X]),
    ("catalog import", ["catalog", "import", X]),
    ("measure summarize", ["measure", "summarize", X]),
    ("ledger show", ["ledger", "show", X]),
)


def _fifo(tmp: Path) -> str:
    path = tmp / "pipe.json"
    os.mkfifo(path)
    return str(path)


def _directory(tmp: Path) -> str:
    path = tmp / "folder.csv"
    path.mkdir()
    return str(path)


def _dev_zero(tmp: Path) -> str:
    return "/dev/zero"


SPECIALS: dict[str, Callable[[Path], str]] = {
    "fifo": _fifo,
    "dev-zero": _dev_zero,
    "directory": _directory,
}


def _run(argv: list[str], special: str) -> tuple[int, str]:
    args = [special if a == X else a for a in argv]
    result = runner.invoke(app, args)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}"
    )
    return result.exit_code, result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.timeout(20, method="signal")
@pytest.mark.parametrize("kind", sorted(SPECIALS))
@pytest.mark.parametrize(("name", "argv"), INPUT_PATHS, ids=[n for n, _ in INPUT_PATHS])
def test_special_files_are_refused_with_exit_2(
    name: str, argv: list[str], kind: str, tmp_path: Path
) -> None:
    special = SPECIALS[kind](tmp_path)
    code, output = _run(argv, special)
    assert code == 2, f"{name} {kind}: exit {code}\n{output}"
    assert "Traceback" not in output
    assert Path(special).name in output, output
    assert any(
        word in output
        for word in ("not a regular file", "directory", "FIFO", "device", "regular")
    ), output


def _deep_state(tmp: Path, depth: int = 100_000) -> Path:
    path = tmp / "state.json"
    path.write_text('{"url": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    return path


@pytest.mark.timeout(30, method="signal")
@pytest.mark.parametrize(
    "argv",
    [["log", "monitor", "http://127.0.0.1:9", "--state", X], ["log", "compare", X, X]],
    ids=["monitor", "compare"],
)
def test_a_state_file_nested_100000_deep_exits_2_naming_the_depth(
    argv: list[str], tmp_path: Path
) -> None:
    code, output = _run(argv, str(_deep_state(tmp_path)))
    assert code == 2, output
    assert "RecursionError" not in output
    assert re.search(r"nested 100,00\d levels deep", output), output


@pytest.mark.timeout(30, method="signal")
def test_a_clusters_file_over_the_input_cap_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 100 MB download stands in as a 1 MB file under a 100 kB cap (same path through the reader)."""
    monkeypatch.setenv(MAX_INPUT_BYTES_ENV, str(100_000))
    path = tmp_path / "clusters.csv"
    path.write_bytes(b"Name,Status\n" + b"x" * 1_000_000 + b",Existing\n")
    code, output = _run(["clusters", "summary", "--data", X], str(path))
    assert code == 2, output
    assert "larger than 100,000 bytes" in output and "COMPUTEGOV_MAX_INPUT_BYTES" in output


@pytest.mark.timeout(30, method="signal")
def test_a_csv_field_over_the_csv_limit_names_the_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "clusters.csv"
    path.write_bytes(b"Name,Status\nA,Existing\n\"" + b"y" * 200_000 + b"\",Existing\n")
    code, output = _run(["clusters", "summary", "--data", X], str(path))
    assert code == 2, output
    assert "_csv.Error" not in output
    assert "clusters.csv row 3" in " ".join(output.split()), output


@pytest.mark.timeout(30, method="signal")
def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "assumptions.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = _run(["costs", "tco", "H100", "--assumptions", X], str(path))
    assert code == 2, output
    assert "aliases" in output


def test_an_ordinary_state_file_still_reads(tmp_path: Path) -> None:
    """The guard refuses specials, not files: a well-formed but wrong state file is named as such."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"url": "x"}), encoding="utf-8")
    assert stat.S_ISREG(path.stat().st_mode)
    code, output = _run(["log", "compare", X, X], str(path))
    assert code == 2
    assert "not a log monitor state file" in " ".join(output.split())
