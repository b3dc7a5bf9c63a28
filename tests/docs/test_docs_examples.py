"""Every shell and Python example in the documentation runs.

Fenced ``bash`` blocks in ``docs/**/*.md`` run line by line (a line ending in ``\\`` continues
on the next; ``#`` lines are comments) and ``python`` blocks run as scripts, in one scratch
directory per page, so a page's examples may build on each other (``keys new`` then ``verify``).
Each must exit 0. An HTML comment just before a block changes that:

- ``<!-- docs-test: skip REASON -->``: not run (REASON says why: a GPU, a server, a long run);
- ``<!-- docs-test: exit N -->``: the block's last command must exit with status N.

Every line runs through ``bash``, with ``computegov`` on PATH bound to the test's own interpreter. Output is not compared: pages show real output, and the commands' JSON shapes
are pinned by the CLI contract tests.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(
    r"(?:<!--\s*docs-test:\s*(?P<directive>skip|exit)\s*(?P<arg>[^>]*?)\s*-->\s*\n)?"
    r"^```(?P<lang>bash|python)\n(?P<body>.*?)^```",
    re.S | re.M,
)

pytestmark = pytest.mark.slow


@dataclasses.dataclass(frozen=True)
class Example:
    page: Path
    line: int
    lang: str
    body: str
    skip: str | None
    exit_code: int


def examples(text: str, page: Path) -> list[Example]:
    """The fenced examples of one page, in order."""
    found = []
    for match in FENCE.finditer(text):
        directive, arg = match.group("directive"), match.group("arg") or ""
        found.append(
            Example(
                page=page,
                line=text.count("\n", 0, match.start("body")),
                lang=match.group("lang"),
                body=match.group("body"),
                skip=(arg or "no reason given") if directive == "skip" else None,
                exit_code=int(arg) if directive == "exit" else 0,
            )
        )
    return found


def commands(body: str) -> list[str]:
    """Shell commands of a bash block: continuation lines joined, comments and blanks dropped."""
    out: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return out


PAGES = sorted(DOCS.rglob("*.md"))


def test_the_example_parser_reads_directives_and_continuations() -> None:
    text = (
        "intro\n<!-- docs-test: exit 1 -->\n```bash\n# c\nfoo a \\\n  b\nbar\n```\n"
        "<!-- docs-test: skip needs a GPU -->\n```python\nprint(1)\n```\n```text\nno\n```\n"
    )
    found = examples(text, Path("x.md"))
    assert [(e.lang, e.exit_code, e.skip) for e in found] == [
        ("bash", 1, None),
        ("python", 0, "needs a GPU"),
    ]
    assert commands(found[0].body) == ["foo a    b", "bar"]


def test_the_docs_have_examples() -> None:
    assert sum(len(examples(p.read_text(encoding="utf-8"), p)) for p in PAGES) >= 10


def _run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` in a session of its own: on timeout the whole process group is killed, so
    an example that blocks (a server) leaves no process behind holding its port for the rest of the
    run, another pytest-xdist worker, or the next run."""
    with subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    found = examples(page.read_text(encoding="utf-8"), page)
    runnable = [e for e in found if e.skip is None]
    if not runnable:
        pytest.skip(f"{page.name}: no runnable examples")
    env = dict(os.environ)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "computegov"  # the CLI of this interpreter, whatever is on PATH
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -c '
        "'import sys; from computegov.cli import main; sys.argv[0] = \"computegov\"; main()' \"$@\"\n"
    )
    shim.chmod(0o755)
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    env["COMPUTEGOV_REPO"] = str(ROOT)  # for examples that read a file shipped in the repository
    work = tmp_path / "work"
    work.mkdir()
    for example in runnable:
        where = f"{page.relative_to(ROOT)}:{example.line}"
        if example.lang == "python":
            script = work / "example.py"
            script.write_text(example.body, encoding="utf-8")
            steps = [[sys.executable, str(script)]]
        else:
            steps = [["bash", "-c", f"set -o pipefail; {cmd}"] for cmd in commands(example.body)]
        for i, argv in enumerate(steps):
            result = _run(argv, cwd=work, env=env, timeout_s=300)
            expected = example.exit_code if i == len(steps) - 1 else 0
            assert result.returncode == expected, (
                f"{where}: {argv[-1]!r} exited {result.returncode}, expected {expected}\n"
                f"{result.stderr[-2000:]}"
            )
            assert "Traceback" not in result.stderr, f"{where}: {result.stderr[-2000:]}"
