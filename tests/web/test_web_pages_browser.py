"""Every dashboard page in Chromium at 1,280 and 390 CSS px: no sideways scrolling, a text
alternative for every chart, Download CSV links whose rows are the API's JSON rows, and no
serious or critical axe-core violation.

One browser and one server for the module; each page is loaded once and checked at both widths.
axe-core comes from npm at test time (``npm pack``, cached outside the repository); without npm
the accessibility part is skipped and said so.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import BROWSER_MARKS, chromium

pytestmark = BROWSER_MARKS

#: Pages and inputs that show every table and chart kind (small inputs, so the page is quick).
PAGES = (
    "/",
    "/catalog?limit=30",
    "/catalog/chip?name=H100",
    "/trends?method=none&scenario=trend&to_year=2030",
    "/policy?mode=classify&chip=H100",
    "/policy?mode=whatif&tpp=4000&die_area_mm2=800",
    "/compute?params=70B&tokens=15T",
    "/plan?flop=1e21&max_chips=64&top=50",
    "/clusters",
    "/emerging",
    "/outlook",
    "/registry",
    "/registry/audit",
    "/api/docs",
    "/no-such-page",
)
WIDTHS = (1280, 390)
AXE_VERSION = "4"
#: axe impacts that fail the test (WCAG 2.2 AA rules and best practices axe runs by default).
SERIOUS = ("serious", "critical")


def _axe_source() -> str | None:
    """axe.min.js from npm (cached in ~/.cache/computegov-tests), or None without npm."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "computegov-tests" / "axe-core"
    target = cache / "axe.min.js"
    if target.exists():
        return target.read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    # packed into a directory of this process's own and renamed into place, so that two test
    # processes (pytest-xdist workers, two runs) never read a half-written file
    with tempfile.TemporaryDirectory(dir=cache, prefix=".pack-") as scratch:
        done = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", scratch],
                              capture_output=True, text=True, timeout=120, check=False)
        tarballs = sorted(Path(scratch).glob("axe-core-*.tgz"))
        if done.returncode != 0 or not tarballs:
            return None
        with tarfile.open(tarballs[-1]) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            source = member.read()
        partial = Path(scratch) / "axe.min.js"
        partial.write_bytes(source)
        os.replace(partial, target)
    return source.decode("utf-8")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from computegov.web.app import create_app
    from computegov.web.cluster_page import warm
    from computegov.web.server import running

    warm()  # /clusters itself, not its first-load note (tests/web/test_cluster_loading.py checks that)
    db = tmp_path_factory.mktemp("web") / "registry.sqlite3"
    with running(create_app(f"sqlite:///{db}")) as url:
        yield url


def _rows_at(data: Any, path: str) -> list[Any]:
    """The rows at a dotted path; ``a[].b`` is every ``b`` of every item of ``a``."""
    if path == "":
        return data if isinstance(data, list) else [data]
    head, sep, rest = path.partition("[].")
    node = data
    for key in head.split("."):
        node = node[key]
    if not sep:
        return list(node)
    return [row for item in node for row in _rows_at(item, rest)]


def _same(cell: str, value: Any) -> bool:
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, int | float):
        return cell != "" and float(cell) == pytest.approx(float(value), rel=1e-12, abs=0)
    if isinstance(value, str):  # a text a spreadsheet would run as a formula is written with a leading '
        return cell in (value, "'" + value)
    return True  # nested values: their own columns (dotted) or JSON text


def _compare_csv(request: Any, base_url: str, link: dict[str, str]) -> list[str]:
    problems: list[str] = []
    answer = request.get(base_url + link["href"])
    where = link["href"]
    if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/csv"):
        return [f"{where}: {answer.status} {answer.headers.get('content-type')}"]
    table = answer.headers.get("x-csv-table", "")
    if link["table"] and table != link["table"]:
        problems.append(f"{where}: CSV of table {table!r}, link names {link['table']!r}")
    data = request.get(base_url + link["json"]).json()
    rows = _rows_at(data, table)
    if "[]" in table:  # each nested row is led by its parent's plain fields
        rows = [dict(r) for r in rows]
    got = list(csv.DictReader(io.StringIO(answer.text(), newline="")))
    if len(got) != len(rows):
        return [f"{where}: {len(got)} CSV rows, {len(rows)} JSON rows"]
    for i, (mine, theirs) in enumerate(zip(got, rows, strict=True)):
        for key, value in theirs.items():
            if isinstance(value, dict):
                continue
            if key not in mine or not _same(mine[key], value):
                problems.append(f"{where}: row {i} {key}: CSV {mine.get(key)!r}, JSON {value!r}")
                break
    link["csv_rows"] = str(len(got))
    return problems


CHARTS_JS = """() => [...document.querySelectorAll('.vega-chart')].map(div => {
  const id = div.getAttribute('aria-describedby');
  const summary = id ? document.getElementById(id) : null;
  const figure = div.closest('figure');
  const table = figure ? figure.querySelector('details table') : null;
  return {id: div.id, summary: summary ? summary.textContent.trim() : '',
          rows: table ? table.querySelectorAll('tbody tr').length : 0,
          drawn: !!div.querySelector('svg, canvas')};
})"""
LINKS_JS = """() => [...document.querySelectorAll('a[data-csv]')].map(a => ({
  href: a.getAttribute('href'), json: a.getAttribute('data-json-url'), table: a.getAttribute('data-table'),
  for_id: a.closest('[data-links-for]') ? a.closest('[data-links-for]').getAttribute('data-links-for') : '',
  html_rows: (() => { const p = a.closest('[data-links-for]'); const t = p && document.getElementById(p.getAttribute('data-links-for'));
                      return t ? String([...t.querySelectorAll('tbody tr')].filter(r => !r.querySelector('td[colspan]')).length) : ''; })()}))"""
AXE_JS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => ['serious', 'critical'].includes(v.impact))
  .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"""


def test_every_page_reflows_describes_its_charts_and_exports_its_tables(base_url: str) -> None:
    axe = _axe_source()
    problems: list[str] = []
    csv_links = 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
        for path in PAGES:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            page.goto(base_url + path, wait_until="load", timeout=180_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('.vega-chart')].every(d => d.querySelector('svg, canvas') "
                "|| d.textContent.trim())", timeout=60_000)
            for chart in page.evaluate(CHARTS_JS):
                if not chart["summary"] or not chart["rows"]:
                    problems.append(f"{path}: chart {chart['id']} has no text alternative ({chart})")
                if not chart["drawn"]:
                    problems.append(f"{path}: chart {chart['id']} was not drawn")
            if axe is not None:
                page.add_script_tag(content=axe)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.wait_for_timeout(200)  # charts re-fit their container
                scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
                if scroll > inner:
                    problems.append(f"{path} at {width} px: page is {scroll} px wide")
                if axe is not None:
                    problems += [f"{path} at {width} px: axe {v}" for v in page.evaluate(AXE_JS)]
            for link in page.evaluate(LINKS_JS):
                csv_links += 1
                problems += _compare_csv(page.request, base_url, link)
                if link["html_rows"] and int(link["html_rows"]) > int(link.get("csv_rows", "0") or 0):
                    problems.append(f"{path}: table {link['for_id']} shows more rows than its CSV ({link})")
            if path.startswith("/plan"):  # memory fit: "?" when unknown, as the CLI says
                shown = page.eval_on_selector_all("#plans tbody tr", "rows => rows.map(r => r.lastElementChild.textContent.trim())")
                options = page.request.get(base_url + "/api/v1/" + path.lstrip("/")).json()["options"]
                expected = [{True: "yes", False: "no", None: "?"}[o["memory_fits"]] for o in options]
                if shown != expected:
                    problems.append(f"{path}: memory fit column {shown} != API {expected}")
    assert csv_links >= 15, f"only {csv_links} CSV links found"
    assert not problems, "\n".join(problems)
    if axe is None:
        pytest.skip("overflow, charts and CSV checked; axe-core not run: npm is not installed")
