"""The pieces a report is made of: each job contributes one :class:`Section`.

A section module lives in ``computegov/report/sections/<name>.py`` and defines
``build(ctx: ReportContext) -> Section``. Charts inside ``html`` are embedded with
:func:`computegov.charts.base.chart_html`; the report inlines the JavaScript that renders them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = ["ReportContext", "Section"]


@dataclasses.dataclass(frozen=True)
class Section:
    """One section of the HTML report.

    Attributes:
        id: anchor name, e.g. ``"export-control"``.
        title: heading shown in the report and its table of contents.
        html: body as an HTML fragment (escaped by the builder; no <html>/<body>).
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
    """

    catalog: Catalog
    seed: int = 20251205
    progress: Callable[[str], None] = lambda _message: None
