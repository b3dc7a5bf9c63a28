"""The pieces a report is made of: each job contributes one :class:`Section`.

A section module lives in ``computegov/report/sections/<name>.py`` and defines
``build(ctx: ReportContext) -> Section``. Charts inside ``html`` are embedded with
:func:`computegov.charts.base.chart_html`; the report inlines the JavaScript that renders them.
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = ["DEFAULT_SEED", "ReportContext", "Section", "fmt_number", "html_table", "note_html"]

#: Seed of every random draw in the report (an arbitrary fixed date, 2025-12-05); the CLI's
#: ``--seed`` defaults to it so that ``trends`` and ``compute trend`` reproduce the report's numbers.
DEFAULT_SEED = 20251205


@dataclasses.dataclass(frozen=True)
class Section:
    """One section of the HTML report.

    Attributes:
        id: anchor name, e.g. ``"export-control"``.
        title: heading shown in the report and its table of contents.
        html: body as a trusted HTML fragment (no <html>/<body>); the section builder escapes any
            text it inserts (:func:`html.escape`, :func:`html_table` does it for cells).
        order: position; lower comes first (summary 10, trends 20, forecasts 30, backtests 40,
            compute 50, export control 60, TCO 70).
    """

    id: str
    title: str
    html: str
    order: int = 100


@dataclasses.dataclass
class ReportContext:
    """What every section builder gets.

    Attributes:
        catalog: the catalogue the report is built from.
        seed: seed for every random draw in the report (reproducible numbers).
        progress: call with a short message as work advances (drives the progress bar).
        cache: results shared between sections of one build (e.g. fitted trends), by key.
    """

    catalog: Catalog
    seed: int = DEFAULT_SEED
    progress: Callable[[str], None] = lambda _message: None
    cache: dict[str, Any] = dataclasses.field(default_factory=dict)


#: Cell text that reads as a number or a numeric range (right-aligned in tables).
_NUMERIC = re.compile(r"(?:[\d.,eE+\-−x%()–\s]|to)*\d(?:[\d.,eE+\-−x%()–\s]|to)*|[–∞]")


def fmt_number(value: float | None, digits: int = 3) -> str:
    """A number for a table: 3 significant digits, scientific outside 1e-3..1e6, dash for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e6 or magnitude < 1e-3):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def html_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None
) -> str:
    """An HTML table; every cell is escaped (floats through :func:`fmt_number`).

    Under the table a "Download CSV" link holds the same cells as RFC 4180 CSV in a ``data:`` URI,
    so the report's tables open in a spreadsheet with no server.
    """

    def text_of(value: Any) -> str:
        return fmt_number(value) if isinstance(value, float) or value is None else str(value)

    def cell(text: str) -> str:
        numeric = _NUMERIC.fullmatch(text.strip()) is not None
        return (
            f'<td class="num">{html.escape(text)}</td>'
            if numeric
            else f"<td>{html.escape(text)}</td>"
        )

    texts = [[text_of(v) for v in row] for row in rows]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(t) for t in row) + "</tr>" for row in texts)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-scroll"><table class="data">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
        + _csv_link(headers, texts, caption)
    )


def _csv_link(headers: Sequence[str], rows: list[list[str]], caption: str | None) -> str:
    """A "Download CSV" link (``data:`` URI) holding a table's header and cells."""
    import csv
    import io

    from computegov.charts.base import data_uri

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    name = re.sub(r"[^a-z0-9]+", "-", (caption or "table").lower()).strip("-")[:60] or "table"
    href = data_uri(buffer.getvalue(), "text/csv")
    return (f'<p class="data-links"><a download="{html.escape(name)}.csv" href="{html.escape(href)}">'
            f"Download CSV</a> ({len(rows)} rows)</p>")


def note_html(text: str) -> str:
    """A paragraph of small explanatory text (escaped)."""
    return f'<p class="note">{html.escape(text)}</p>'
