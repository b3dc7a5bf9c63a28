"""A report rebuilt from the cache equals the uncached build, except its build-time line."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from computegov.cache import ResultCache
from computegov.cli import app
from computegov.report.build import build_report, discover_sections

_STAMP = re.compile(r'<p class="note">Built [^<]*</p>')


def test_cached_build_equals_the_uncached_build(full_report: Path, report_cache_dir: Path) -> None:
    # full_report was built through the CLI into an empty cache: every section was computed.
    store = ResultCache("report-sections", root=report_cache_dir)
    n_sections = len([b for b in discover_sections() if b.build is not None])
    assert store.count() >= n_sections - 1  # a section that failed is never stored
    warm = build_report(cache=store)
    assert store.hits >= n_sections - 1 and store.misses <= 1
    cold = full_report.read_text(encoding="utf-8")
    assert _STAMP.search(cold) and _STAMP.search(warm)
    assert _STAMP.sub("", warm) == _STAMP.sub("", cold)


def test_no_cache_stores_nothing_and_cache_clear_empties_it(tmp_path: Path) -> None:
    env = {"COMPUTEGOV_CACHE_DIR": str(tmp_path / "c")}
    store = ResultCache("report-sections", root=tmp_path / "c")
    store.put(store.key(x=1), 1)
    r = CliRunner().invoke(app, ["cache", "info", "--json"], env=env)
    assert r.exit_code == 0 and '"entries": 1' in r.output.replace('":1', '": 1')
    r = CliRunner().invoke(app, ["cache", "clear"], env=env)
    assert r.exit_code == 0 and "removed 1" in r.output
    assert store.count() == 0


def test_sections_are_built_once_then_reused_unless_no_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from computegov.report import build as build_module
    from computegov.report.section import Section

    calls: list[int] = []

    def cheap(ctx):  # type: ignore[no-untyped-def]
        calls.append(ctx.seed)
        return Section(id="cheap", title="Cheap", html=f"<p>{ctx.seed}</p>", order=1)

    monkeypatch.setattr(build_module, "discover_sections", lambda _p: [build_module.SectionBuilder("cheap", cheap, 1)])
    store = ResultCache("report-sections", root=tmp_path)
    from computegov.catalog import load_catalog

    catalog = load_catalog()
    first = build_report(catalog, cache=store)
    second = build_report(catalog, cache=store)
    assert calls == [build_module.DEFAULT_SEED] and _STAMP.sub("", first) == _STAMP.sub("", second)
    build_report(catalog, cache=store, seed=7)  # another seed: another key
    build_report(catalog, cache=False)  # --no-cache: computed, nothing stored
    assert calls == [build_module.DEFAULT_SEED, 7, build_module.DEFAULT_SEED]
    assert store.count() == 2
