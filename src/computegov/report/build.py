"""Build the self-contained HTML report from every section module.

Sections are discovered, not listed: each module in :mod:`computegov.report.sections` that
defines ``build(ctx) -> Section`` is included, sorted by :attr:`Section.order`. A section that
fails to import or raises shows a boxed "section failed: <reason>" and is logged; the rest of the
report still builds. The Vega, Vega-Lite and vega-embed JavaScript comes inline from
``vl_convert.javascript_bundle()``, so the file renders offline with no CDN.

Results are remembered across builds (:class:`~computegov.cache.ResultCache`): each section's
output is stored under the digest of the package's code and data, the catalogue, the seed, the
UTC date (some sections count from today) and the libraries' versions, so a rebuild with nothing
changed reuses it, and a changed catalogue, assumption file or line of code recomputes. The
JavaScript bundle is kept the same way, per vl-convert version. A cached build's HTML equals an
uncached one's except for the build-time line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import html
import importlib
import logging
import pkgutil
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from computegov.cache import ResultCache, digest_of
from computegov.report.parallel import GroupResult, default_jobs, run_groups
from computegov.report.section import DEFAULT_SEED, ReportContext, Section

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = ["SectionBuilder", "build_report", "discover_sections", "write_report"]

logger = logging.getLogger(__name__)

#: Package searched for section modules.
SECTIONS_PACKAGE = "computegov.report.sections"

#: Libraries most of this package's sections import (lazily): imported once before the workers fork.
_PRELOAD = ("altair", "pandas", "scipy.stats")


@dataclass(frozen=True)
class SectionBuilder:
    """A discovered section module.

    Attributes:
        name: module name (``trends``).
        build: its ``build(ctx)``, or None when the module failed to import.
        order: the module's ``ORDER`` constant if it has one (used to place a failed section).
        error: the import error, if any.
        group: the module's ``SHARES`` constant if it has one: sections naming the same group
            share computations (:attr:`ReportContext.cache`) and build in one process.
    """

    name: str
    build: Callable[[ReportContext], Section] | None
    order: int
    error: str | None = None
    group: str = ""

    @property
    def shares(self) -> str:
        """The group it builds with (its module's ``SHARES``; else its own name)."""
        return self.group or self.name


def discover_sections(package: str = SECTIONS_PACKAGE) -> list[SectionBuilder]:
    """Every module of ``package`` defining ``build``.

    Modules that fail to import are kept with their error so that the report can show it.
    """
    pkg = importlib.import_module(package)
    found: list[SectionBuilder] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            module: ModuleType = importlib.import_module(f"{package}.{info.name}")
        except Exception as err:  # any import failure must not kill the report
            logger.exception("report section %s failed to import", info.name)
            found.append(SectionBuilder(info.name, None, 100, f"{type(err).__name__}: {err}"))
            continue
        build = getattr(module, "build", None)
        if callable(build):
            found.append(SectionBuilder(info.name, build, int(getattr(module, "ORDER", 100)),
                                        group=str(getattr(module, "SHARES", ""))))
    return found


def _failed(builder: SectionBuilder, reason: str) -> Section:
    title = builder.name.replace("_", " ").capitalize()
    body = f'<div class="section-failed">section failed: {html.escape(reason)}</div>'
    return Section(id=f"section-{builder.name}", title=title, html=body, order=builder.order)


#: The bundle once made in this process, by whether the disk cache is used.
_BUNDLE: dict[bool, str] = {}


def _javascript(use_cache: bool = True) -> str:
    """The Vega, Vega-Lite and vega-embed bundle, safe inside ``<script>`` (kept on disk per version)."""
    if use_cache not in _BUNDLE:
        _BUNDLE[use_cache] = _make_javascript(use_cache)
    return _BUNDLE[use_cache]


def _make_javascript(use_cache: bool) -> str:
    import vl_convert

    store = ResultCache("report-javascript", enabled=use_cache)
    key = digest_of({"vl_convert": getattr(vl_convert, "__version__", "?"), "escape": 1})
    cached = store.get(key)
    if isinstance(cached, str):
        return cached
    bundle: str = vl_convert.javascript_bundle()  # type: ignore[call-arg]  # stub says snippet is required; it is optional
    # The bundle sits inside <script>; a literal "</script" in it would end the tag early.
    safe = re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)
    store.put(key, safe)
    return safe


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:0 auto;
padding:1.5rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
nav ol{columns:2 16rem;column-gap:2rem;padding-left:1.5rem}nav li{break-inside:avoid;margin:.15rem 0}
table.data{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
.table-scroll,figure.chart{max-width:100%;overflow-x:auto}section{overflow-wrap:break-word}
section table{display:block;max-width:100%;overflow-x:auto}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;
clip:rect(0 0 0 0);white-space:nowrap;border:0}details.chart-data{margin:.4rem 0;font-size:.85rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.4rem}
table.data th,table.data td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
table.data th{background:#f3f3f3}table.data td.num{text-align:right;white-space:nowrap}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
.note{font-size:.85rem;color:#555}.section-failed{border:2px solid #b22222;background:#fff3f3;
padding:.8rem;color:#8b0000;font-family:monospace;white-space:pre-wrap}
figure.chart{margin:1rem 0}footer{margin-top:3rem;font-size:.8rem;color:#555;border-top:1px solid #ddd}
"""

_EMBED = """
document.querySelectorAll('script[data-chart-for]').forEach(function (node) {
  var id = node.getAttribute('data-chart-for');
  var spec = JSON.parse(node.textContent);
  vegaEmbed('#' + id, spec, {renderer: 'svg', actions: false}).catch(function (err) {
    var el = document.getElementById(id);
    el.textContent = 'chart failed to render: ' + err;
    console.error(err);
  });
});
"""


def _render(sections: list[Section], *, title: str, meta: dict[str, Any], use_cache: bool = True) -> str:
    from computegov.charts.base import ATTRIBUTION

    toc = "".join(
        f'<li><a href="#{html.escape(s.id)}">{html.escape(s.title)}</a></li>' for s in sections
    )
    body = "".join(
        f'<section id="{html.escape(s.id)}"><h2>{html.escape(s.title)}</h2>{s.html}</section>'
        for s in sections
    )
    stamp = html.escape(
        f"Built {meta['built']} by computegov {meta['version']} from {meta['n_chips']} chips; "
        f"seed {meta['seed']}; {meta['seconds']:.1f} s."
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f"<script>{_javascript(use_cache)}</script></head><body>"
        '<a class="skip" href="#main">Skip to the sections</a>'
        f'<header><h1>{html.escape(title)}</h1><p class="note">{stamp}</p>'
        f'<p class="note">{html.escape(ATTRIBUTION)}</p></header>'
        f'<nav aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav><main id="main">{body}</main>'
        f"<footer><p>{html.escape(ATTRIBUTION)}</p><p>Every number here is reproducible with the "
        "computegov Python API and CLI (same seed).</p></footer>"
        f"<script>{_EMBED}</script></body></html>\n"
    )


@contextlib.contextmanager
def _altair_for_many_charts() -> Iterator[None]:
    """Altair set up to make many charts at once; the specs are the same either way.

    * No check of every part of a chart as it is made (altair's "debug mode"), and no check of
      each whole chart against the Vega-Lite schema as it becomes a spec
      (:func:`~computegov.charts.base.many_charts`, which also converts plain values faster):
      the report's tests check every chart of the full report against the schema with
      altair's own validator instead, so a chart the report makes that is not valid Vega-Lite
      fails the tests.
    * Each JSON schema hashed once: altair 6 hashes every schema class's JSON schema (canonical
      JSON) each time an encoding is given as a shorthand string, about 4 ms per channel (see
      vega/altair#3547). The schemas hashed are altair's class schemas and parts of the bundled
      Vega-Lite schema, which never change, so a hash is remembered by the dict's identity (the
      dict kept alive with it) for the duration of the build, then the original is restored.
    """
    from computegov.charts.base import many_charts

    try:
        from altair.utils import schemapi
    except ImportError:  # no charts without altair; nothing to set
        yield
        return
    from_dict = getattr(schemapi, "_FromDict", None)
    original = vars(from_dict).get("hash_schema") if from_dict is not None else None
    if from_dict is None or not isinstance(original, classmethod):
        with schemapi.debug_mode(False), many_charts():
            yield
        return
    plain = original.__func__
    seen: dict[tuple[int, bool], tuple[Any, int]] = {}

    def hash_schema(cls: Any, schema: Any, use_json: bool = True) -> int:
        key = (id(schema), use_json)
        hit = seen.get(key)
        if hit is not None and hit[0] is schema:
            return hit[1]
        value: int = plain(cls, schema, use_json)
        seen[key] = (schema, value)
        return value

    from_dict.hash_schema = classmethod(hash_schema)
    try:
        with schemapi.debug_mode(False), many_charts():
            yield
    finally:
        from_dict.hash_schema = original


def _compute(builder: SectionBuilder, ctx: ReportContext, store: ResultCache, key: str) -> Section:
    """``builder``'s section, built and stored under ``key`` (a failure is boxed, never stored)."""
    if builder.build is None:
        return _failed(builder, builder.error or "import failed")
    try:
        section = builder.build(ctx)
        if not isinstance(section, Section):
            raise TypeError(f"build() returned {type(section).__name__}, not a Section")
    except Exception as err:  # one broken section must not kill the report
        logger.exception("report section %s failed", builder.name)
        return _failed(builder, f"{type(err).__name__}: {err}")
    store.put(key, dataclasses.asdict(section))
    return section


def build_report(
    catalog: Catalog | None = None,
    *,
    seed: int = DEFAULT_SEED,
    title: str = "computegov: AI hardware trends, forecasts and compute governance",
    progress: Callable[[str], None] | None = None,
    on_section: Callable[[str, int, int], None] | None = None,
    sections_package: str = SECTIONS_PACKAGE,
    cache: bool | ResultCache = True,
    jobs: int | None = None,
) -> str:
    """Build the whole report as one HTML string.

    Args:
        catalog: chips to report on (default: the bundled catalogue, ``load_catalog()``).
        seed: seed for every random draw (the same seed gives the same numbers).
        title: page title.
        progress: called with short messages as work advances.
        on_section: called as ``on_section(name, done, total)`` after each section.
        sections_package: package whose modules are the sections (tests use their own).
        cache: remember sections across builds (see the module docstring); False rebuilds
            everything and stores nothing (``--no-cache``); a :class:`ResultCache` to use its folder.
        jobs: worker processes for the sections still to build (:mod:`computegov.report.parallel`);
            None: ``$COMPUTEGOV_REPORT_JOBS`` (unset: 1) for this package's sections, 1 for any
            other package; 1 builds everything in this process.

    Returns:
        the HTML document (JavaScript inlined; opens offline).
    """
    started = time.perf_counter()
    if catalog is None:
        from computegov.catalog import load_catalog

        catalog = load_catalog()
    say = progress or (lambda _message: None)
    ctx = ReportContext(catalog=catalog, seed=seed, progress=say)
    # Only sections whose code is inside this package's code digest can be remembered safely.
    ours = sections_package == SECTIONS_PACKAGE
    store = cache if isinstance(cache, ResultCache) else ResultCache("report-sections", enabled=cache and ours)
    inputs = {
        "catalog": digest_of(catalog.to_records()) if store.enabled else None,
        "seed": seed,
        "day": dt.datetime.now(dt.UTC).date().isoformat(),
        "package": sections_package,
    }
    builders = sorted(discover_sections(sections_package), key=lambda b: (b.order, b.name))
    total = len(builders)
    sections: list[Section] = []
    keys: dict[str, str] = {}
    todo: dict[str, list[SectionBuilder]] = {}  # by group, in order

    def done(name: str, section: Section) -> None:
        sections.append(section)
        if on_section:
            on_section(name, len(sections), total)

    for builder in builders:
        if builder.build is None:
            done(builder.name, _failed(builder, builder.error or "import failed"))
            continue
        keys[builder.name] = key = store.key(section=builder.name, **inputs)
        hit = store.get(key)
        if isinstance(hit, dict):
            done(builder.name, Section(**hit))
        else:
            todo.setdefault(builder.shares, []).append(builder)

    def build_group(group: Sequence[SectionBuilder], context: ReportContext) -> list[tuple[str, Section]]:
        out = []
        for builder in group:
            context.progress(f"section {builder.name}")
            out.append((builder.name, _compute(builder, context, store, keys[builder.name])))
        return out

    def arrived(result: GroupResult) -> None:
        for name, section in result.sections:
            say(f"section {name}")
            done(name, section)

    use_js_cache = store.enabled
    workers = jobs if jobs is not None else (default_jobs() if ours else 1)
    with _altair_for_many_charts() if todo else contextlib.nullcontext():  # a warm build needs no altair
        bundle = run_groups(
            list(todo.values()), ctx, build_group=build_group, jobs=workers, on_group=arrived,
            javascript=None if use_js_cache in _BUNDLE else functools.partial(_javascript, use_js_cache),
            preload=_PRELOAD if ours else (),
        )
    if bundle is not None:
        _BUNDLE.setdefault(use_js_cache, bundle)
    sections.sort(key=lambda s: (s.order, s.id))
    say("assembling HTML")
    from computegov import __version__

    meta = {
        "built": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "n_chips": len(list(catalog)),
        "seed": seed,
        "seconds": time.perf_counter() - started,
    }
    return _render(sections, title=title, meta=meta, use_cache=store.enabled)


def write_report(path: str | Path, catalog: Catalog | None = None, **kwargs: Any) -> Path:
    """Build the report and write it to ``path`` (UTF-8); see :func:`build_report`.

    The file is written beside its target, fsynced and renamed over it
    (:func:`computegov.durable.write_atomic`), so a build or a write that is interrupted leaves
    the previous report whole rather than half a new one. A report is for sharing: an existing
    file keeps its mode, a new one gets 0644.
    """
    from computegov.durable import write_atomic

    out = Path(path)
    text = build_report(catalog, **kwargs)
    return write_atomic(out, text, mode=0o644)
