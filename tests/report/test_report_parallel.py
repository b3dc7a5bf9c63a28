"""Sections that share nothing build in forked workers; the page equals the one-process build's."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from computegov.report import parallel
from computegov.report.build import build_report, discover_sections

_STAMP = re.compile(r'<p class="note">Built [^<]*</p>')


@pytest.fixture()
def grouped_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    package = tmp_path / "grouped_report_sections"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i, (name, shares) in enumerate([("alpha", "pair"), ("beta", "pair"), ("gamma", ""), ("delta", "")]):
        (package / f"{name}.py").write_text(textwrap.dedent(
            f"""
            import os
            from computegov.report.section import Section
            ORDER = {10 * (i + 1)}
            SHARES = {shares!r}
            def build(ctx):
                seen = ctx.cache.setdefault("seen-" + (SHARES or {name!r}), [])  # the group's shared cache
                seen.append({name!r})
                body = f'<p>{name} seed={{ctx.seed}} pid=<i>{{os.getpid()}}</i> seen={{",".join(seen)}}</p>'
                return Section(id={name!r}, title={name.title()!r}, html=body, order=ORDER)
            """
        ))
    (package / "broken.py").write_text("ORDER = 15\ndef build(ctx):\n    raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "grouped_report_sections"
    for name in list(sys.modules):
        if name.startswith("grouped_report_sections"):
            del sys.modules[name]


def _pids(page: str) -> dict[str, int]:
    return {m[0]: int(m[1]) for m in re.findall(r"<p>(\w+) seed=\d+ pid=<i>(\d+)</i>", page)}


def _without_pids(page: str) -> str:
    return re.sub(r"pid=<i>\d+</i>", "", _STAMP.sub("", page))


def test_sections_declare_the_group_they_share_work_with(grouped_sections: str) -> None:
    groups = {b.name: b.shares for b in discover_sections(grouped_sections)}
    assert groups == {"alpha": "pair", "beta": "pair", "gamma": "gamma", "delta": "delta", "broken": "broken"}
    ours = {b.name: b.shares for b in discover_sections()}
    assert {n for n, g in ours.items() if g == "trends"} >= {"summary", "trends", "forecasts", "backtests"}


def test_workers_build_the_same_page_and_a_group_stays_in_one_process(grouped_sections: str) -> None:
    done: list[str] = []
    two = build_report([], sections_package=grouped_sections, cache=False, jobs=2,
                       on_section=lambda name, n, total: done.append(f"{name} {n}/{total}"))
    one = build_report([], sections_package=grouped_sections, cache=False, jobs=1)
    assert _without_pids(two) == _without_pids(one)
    assert "section failed: RuntimeError: boom" in two
    pids = _pids(two)
    assert pids["alpha"] == pids["beta"] != os.getpid()  # the pair built together, in a worker
    assert "seen=alpha,beta" in two  # beta saw alpha's shared cache
    assert os.getpid() not in {pids["gamma"], pids["delta"]}
    assert set(_pids(one).values()) == {os.getpid()}
    assert sorted(done, key=lambda s: int(s.split()[1].split("/")[0])) == done and len(done) == 5


def test_without_fork_everything_builds_in_this_process(grouped_sections: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    page = build_report([], sections_package=grouped_sections, cache=False, jobs=2)
    assert set(_pids(page).values()) == {os.getpid()}


@pytest.mark.parametrize(("value", "jobs"), [(None, 1), ("", 1), ("1", 1), ("3", 3), ("0", 1), ("many", 1)])
def test_the_jobs_variable_sets_the_workers(value: str | None, jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv(parallel.JOBS_ENV, raising=False)
    else:
        monkeypatch.setenv(parallel.JOBS_ENV, value)
    assert parallel.default_jobs() == jobs


def test_another_package_builds_in_one_process_unless_asked(grouped_sections: str) -> None:
    page = build_report([], sections_package=grouped_sections, cache=False)
    assert set(_pids(page).values()) == {os.getpid()}


@pytest.mark.parametrize(
    ("cpus", "load", "jobs"),
    [(1, 0.0, 1), (2, 0.0, 2), (2, 0.4, 2), (2, 1.0, 1), (2, 7.5, 1), (8, 0.3, 4), (4, 1.6, 2), (2, float("nan"), 1)],
)
def test_auto_jobs_takes_the_idle_cpus(cpus: int, load: float, jobs: int) -> None:
    assert parallel.auto_jobs(cpus, load) == jobs
