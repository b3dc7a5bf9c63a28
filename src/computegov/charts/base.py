"""Embedding and exporting Altair charts.

:func:`chart_html` turns a chart into an HTML fragment that the report and the web pages render
with vega-embed (served inline or by the app itself, never from a CDN).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Altair is imported where a chart is built, so the CLI can read the constants
    import altair as alt

__all__ = ["ATTRIBUTION", "CHART_SUFFIXES", "chart_html", "chart_title", "save_chart"]

#: CC-BY 4.0 attribution required on anything built from Epoch AI's data (see data/SOURCES.md).
ATTRIBUTION = "Data: Epoch AI, Machine Learning Hardware and Notable AI Models, https://epoch.ai/data (CC-BY 4.0)"

#: File types :func:`save_chart` writes (Altair's own savers; SVG/PNG through vl-convert).
CHART_SUFFIXES: tuple[str, ...] = (".html", ".svg", ".png", ".json")


def chart_title(text: str, subtitle: str | Sequence[str] | None = None) -> alt.TitleParams:
    """A left-anchored chart title: ``subtitle`` lines, then the Epoch AI :data:`ATTRIBUTION`.

    Args:
        text: the title.
        subtitle: one line or several shown under it (before the attribution), or None.
    """
    import altair as alt

    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    return alt.TitleParams(
        text=text, subtitle=[*lines, ATTRIBUTION], anchor="start", subtitleFontSize=10
    )


def chart_html(chart: alt.TopLevelMixin, chart_id: str) -> str:
    """An HTML fragment holding the chart's Vega-Lite spec, rendered by the page's vega-embed.

    Args:
        chart: any Altair top-level chart.
        chart_id: unique id within the page (letters, digits, ``-``).

    Returns:
        ``<figure>`` with an empty ``<div>`` for the chart and the spec as a JSON script tag.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", chart_id):
        raise ValueError(f"chart id {chart_id!r}: letters, digits, '-' and '_' only")
    spec: dict[str, Any] = chart.to_dict()
    payload = json.dumps(spec).replace("</", "<\\/")
    return (
        f'<figure class="chart"><div id="{html.escape(chart_id)}" class="vega-chart"></div>'
        f'<script type="application/json" data-chart-for="{html.escape(chart_id)}">{payload}</script>'
        "</figure>"
    )


def save_chart(chart: alt.TopLevelMixin, path: str | Path) -> Path:
    """Save a chart as .html, .svg, .png or .json (SVG/PNG through vl-convert, no browser).

    Raises:
        ValueError: unsupported extension.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise ValueError(f"{path}: chart format must be .html, .svg, .png or .json")
    chart.save(str(path))
    return path
