"""Embedding and exporting Altair charts.

:func:`chart_html` turns a chart into an HTML fragment that the report and the web pages render
with vega-embed (served inline or by the app itself, never from a CDN).
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import json
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Altair is imported where a chart is built, so the CLI can read the constants
    import altair as alt

__all__ = [
    "ATTRIBUTION",
    "CHART_SUFFIXES",
    "chart_datasets",
    "chart_html",
    "chart_spec",
    "chart_text_alternative",
    "chart_title",
    "data_uri",
    "many_charts",
    "save_chart",
    "tidy_spec",
]

#: CC-BY 4.0 attribution required on anything built from Epoch AI's data (see data/SOURCES.md).
ATTRIBUTION = "Data: Epoch AI, Machine Learning Hardware and Notable AI Models, https://epoch.ai/data (CC-BY 4.0)"

#: Longest subtitle line, characters (about 600 px at the 10 px subtitle font).
SUBTITLE_CHARS = 100

#: Longest subtitle line of a chart that fills its container on a page (about 330 px).
WEB_SUBTITLE_CHARS = 60

#: File types :func:`save_chart` writes (Altair's own savers; SVG/PNG through vl-convert).
CHART_SUFFIXES: tuple[str, ...] = (".html", ".svg", ".png", ".json")


def chart_title(text: str, subtitle: str | Sequence[str] | None = None) -> alt.TitleParams:
    """A left-anchored chart title: ``subtitle`` lines, then the Epoch AI :data:`ATTRIBUTION`.

    Args:
        text: the title.
        subtitle: one line or several shown under it (before the attribution), or None.
    """
    import textwrap

    import altair as alt

    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    # Vega never wraps a title line: a long one runs past the chart and is cut, so wrap here
    wrapped = [part for line in [*lines, ATTRIBUTION] for part in textwrap.wrap(str(line), SUBTITLE_CHARS) or [""]]
    return alt.TitleParams(text=text, subtitle=wrapped, anchor="start", subtitleFontSize=10)


#: Position channels whose year fields get whole-number tick labels ("2019", never "2,019.0").
_POSITION_CHANNELS = ("x", "y", "x2", "y2")
#: Rows of each dataset shown in a chart's data table (the CSV download holds them all).
TABLE_ROWS_SHOWN = 50
#: Largest dataset, as CSV bytes, whose downloads are embedded in the page (a map's borders are
#: megabytes: embedding them twice per chart made the report 11 MB). Larger data is named, with
#: where to get it (the API's ``?format=csv``, the CLI's ``--csv``).
MAX_EMBEDDED_BYTES = 256 * 1024
#: Views that can take ``width="container"`` (concatenations and facets cannot).
_COMPOSITE_KEYS = ("hconcat", "vconcat", "concat", "facet", "repeat")


def _tidy_encodings(node: Any) -> None:
    """Year fields on a quantitative position axis get integer labels (``format "d"``, whole steps)."""
    if isinstance(node, dict):
        encoding = node.get("encoding")
        if isinstance(encoding, dict):
            for channel in _POSITION_CHANNELS:
                enc = encoding.get(channel)
                if (isinstance(enc, dict) and enc.get("type") == "quantitative"
                        and "year" in str(enc.get("field", "")).lower() and enc.get("axis", {}) is not None):
                    axis = dict(enc.get("axis") or {})
                    axis.setdefault("format", "d")
                    axis.setdefault("tickMinStep", 1)
                    enc["axis"] = axis
        for value in node.values():
            _tidy_encodings(value)
    elif isinstance(node, list):
        for value in node:
            _tidy_encodings(value)


def tidy_spec(spec: dict[str, Any], *, responsive: bool = False) -> dict[str, Any]:
    """A chart spec as every chart should read: integer year axes; optionally container width.

    Args:
        spec: a Vega-Lite spec (``chart.to_dict()``), changed in place and returned.
        responsive: when True, a single or layered view with a fixed width takes its
            container's width (``width="container"``); concatenations keep their widths.
    """
    _tidy_encodings(spec)
    if responsive and not any(k in spec for k in _COMPOSITE_KEYS) and isinstance(spec.get("width"), int | float):
        spec["width"] = "container"
        spec.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
        title = spec.get("title")
        if isinstance(title, dict) and isinstance(title.get("subtitle"), list):
            # a title wider than a phone would shrink the whole chart: shorter lines on the web
            import textwrap

            title["subtitle"] = [part for line in title["subtitle"]
                                 for part in textwrap.wrap(str(line), WEB_SUBTITLE_CHARS) or [""]]
    return spec


def _title_lines(spec: dict[str, Any]) -> tuple[str, list[str]]:
    title = spec.get("title")
    if isinstance(title, dict):
        text, sub = title.get("text", ""), title.get("subtitle", [])
    else:
        text, sub = title or "", []
    text = " ".join(text) if isinstance(text, list) else str(text)
    lines = [sub] if isinstance(sub, str) else list(sub or [])
    joined = " ".join(str(line) for line in lines).replace(ATTRIBUTION, "").strip()  # lines may be wrapped
    return text, [joined] if joined else []


def chart_datasets(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every inline dataset of a spec (named ``datasets`` and ``data.values``), in order."""
    found: list[list[dict[str, Any]]] = [list(v) for v in (spec.get("datasets") or {}).values() if isinstance(v, list)]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                found.append([v if isinstance(v, dict) else {"value": v} for v in data["values"]])
            for key, value in node.items():
                if key != "datasets":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return [rows for rows in found if rows]


def _csv_text(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="", lineterminator="\r\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def data_uri(text: str, media_type: str) -> str:
    """``text`` as a ``data:`` URI (base64 of UTF-8), for a download link that needs no server.

    Base64 keeps the link at 4/3 of the text's size (percent-encoding a CSV triples it).
    """
    import base64

    return f"data:{media_type};charset=utf-8;base64," + base64.b64encode(text.encode()).decode("ascii")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def chart_text_alternative(spec: dict[str, Any], chart_id: str) -> str:
    """The text alternative of a chart: what it shows in words, its data as tables and CSV.

    Returns:
        A ``<figcaption>``: a one-sentence summary (title, subtitle, rows), then a ``<details>``
        holding each dataset as a table (the first :data:`TABLE_ROWS_SHOWN` rows) with a
        ``Download CSV`` link (a ``data:`` URI, so it works offline; the page's JSON link and the
        API give JSON).
    """
    title, lines = _title_lines(spec)
    datasets = chart_datasets(spec)
    n_rows = sum(len(d) for d in datasets)
    summary = f"{title or 'Chart'}" + (f": {'; '.join(lines)}" if lines else "") + (
        f". {n_rows} data rows, in the table below." if datasets else ".")
    parts = [f'<figcaption><p class="visually-hidden" id="{chart_id}-summary">{html.escape(summary)}</p>']
    if datasets:
        parts.append(f'<details class="chart-data"><summary>Data behind this chart ({n_rows} rows)</summary>')
        for i, all_rows in enumerate(datasets, 1):
            # Nested values (map geometry, lists) are drawing data, not readable cells: the table
            # and CSV keep the scalar columns; a dataset of shapes only is named, not tabulated.
            columns = [c for c in dict.fromkeys(k for row in all_rows for k in row)
                       if not any(isinstance(row.get(c), dict | list) for row in all_rows)]
            if not columns:
                parts.append(f'<p class="data-links">Dataset {i} of {len(datasets)}: {len(all_rows)} map shapes '
                             "(drawing data, not tabulated)</p>")
                continue
            rows = [{c: row.get(c) for c in columns} for row in all_rows]
            name = f"{chart_id}-data-{i}" if len(datasets) > 1 else f"{chart_id}-data"
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_cell(row.get(c)))}</td>" for c in columns) + "</tr>"
                for row in rows[:TABLE_ROWS_SHOWN]
            )
            more = (f" (first {TABLE_ROWS_SHOWN} of {len(rows)} rows; the CSV has all)"
                    if len(rows) > TABLE_ROWS_SHOWN else "")
            csv_text = _csv_text(rows)
            if len(csv_text) <= MAX_EMBEDDED_BYTES:
                links = f'<a download="{name}.csv" href="{html.escape(data_uri(csv_text, "text/csv"))}">Download CSV</a>'
            else:
                more = f" (first {TABLE_ROWS_SHOWN} of {len(rows)} rows)" if len(rows) > TABLE_ROWS_SHOWN else ""
                links = (f"{len(csv_text) / 1e6:.1f} MB as CSV, too large to embed here: the dashboard's "
                         "API (?format=csv) and the CLI (--csv) give it")
            parts.append(
                f'<p class="data-links">Dataset {i} of {len(datasets)}{more}: {links}</p>'
                f'<div class="table-scroll"><table class="data"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>"
            )
        parts.append("</details>")
    parts.append("</figcaption>")
    return "".join(parts)


#: Whether :func:`chart_html` checks each chart against the Vega-Lite schema as it converts it
#: (altair's ``to_dict()`` check); off inside :func:`many_charts`. A context variable: a check
#: turned off for a build stays on for a page rendered in another thread at the same time.
_CHECK_CHARTS: contextvars.ContextVar[bool] = contextvars.ContextVar("computegov_check_charts", default=True)

#: How many :func:`many_charts` blocks are open (any thread), and altair's own functions replaced.
_SHORTCUTS: dict[str, Any] = {"depth": 0, "plain": {}}
_SHORTCUTS_LOCK = threading.Lock()

#: Values altair returns unchanged when it converts or copies (exact types: numpy's and pandas'
#: subclasses of these, ``np.float64`` among them, are not here and go through altair's code).
_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})


def _scalar_shortcut(plain: Any) -> Any:
    """Altair's ``_todict`` that returns a plain ``str``/``int``/``float``/``bool``/``None`` at once.

    Altair tests every value of a chart, each cell of its inline data among them, against each
    kind it converts (numpy arrays and numbers, its schema classes, lists, dicts, a
    ``runtime_checkable`` protocol whose ``isinstance`` costs ~20 µs, pandas timestamps,
    iterables, dates) before returning a plain scalar as it is. An object whose type is exactly
    one of these matches none of those tests, so returning it first gives the same dict.
    """

    def todict(obj: Any, context: Any, np_opt: Any, pd_opt: Any) -> Any:
        if type(obj) in _PLAIN_SCALARS:
            return obj
        return plain(obj, context, np_opt, pd_opt)

    todict.plain = plain  # type: ignore[attr-defined]
    return todict


def _copy_shortcut(plain: Any) -> Any:
    """Altair's ``_deep_copy`` that copies plain lists and dicts of plain values without a call per item.

    Altair copies every chart each time it is layered, concatenated or given properties, inline
    data row by row, through one call (and one ``functools.partial``) per value. A value of an
    exact plain scalar type is returned as it is by altair too; an exact ``list`` or ``dict`` is
    rebuilt item by item as altair does (a dict's keys named in ``by_ref`` kept by reference);
    anything else (its schema objects, subclasses) goes to altair's own function.

    altair's ``Undefined`` (the value of every property a schema object leaves unset: nine in
    ten of the values a report's charts copy) is returned as it is too, as altair's function
    returns it (it is neither a schema object, a list nor a dict); only when its type is none of
    those, else it goes to altair's function like any other value.
    """
    kept = set(_PLAIN_SCALARS)
    try:
        from altair.utils.schemapi import SchemaBase, Undefined
    except ImportError:  # no altair: nothing else is kept as it is
        pass
    else:
        if not issubclass(type(Undefined), SchemaBase | list | dict):
            kept.add(type(Undefined))
    plain_kinds = frozenset(kept)

    def deep_copy(obj: Any, by_ref: Any) -> Any:
        kind = type(obj)
        if kind in plain_kinds:
            return obj
        if kind is list:
            return [v if type(v) in plain_kinds else deep_copy(v, by_ref) for v in obj]
        if kind is dict:
            return {k: (v if k in by_ref or type(v) in plain_kinds else deep_copy(v, by_ref))
                    for k, v in obj.items()}
        return plain(obj, by_ref)

    deep_copy.plain = plain  # type: ignore[attr-defined]
    return deep_copy


def _plain_frame_records(frame: Any) -> list[dict[str, Any]] | None:
    """A pandas DataFrame's rows as altair makes them, for frames of plain columns; else None.

    For a frame whose columns are all ``float64``, ``int64`` or pandas' ``str`` dtype, with
    string names, no repeats and no hierarchical index, altair (``sanitize_pandas_dataframe``,
    then ``to_dict(orient="records")``) gives each row as a dict of Python floats (``None`` for
    NaN and infinities), ints and strs (``None`` where missing). This builds the same from the
    columns' arrays instead of converting the frame column by column through pandas. Any other
    frame: None, and altair's own conversion is used.
    """
    import numpy as np
    import pandas as pd

    columns = frame.columns
    if (type(columns) is not pd.Index or not all(type(c) is str for c in columns) or not columns.is_unique
            or isinstance(frame.index, pd.MultiIndex)):
        return None
    values: list[list[Any]] = []
    for name, dtype in zip(columns, frame.dtypes, strict=True):
        column = frame[name]
        if dtype == np.float64 and str(dtype) == "float64":
            array = column.to_numpy()
            cells = array.tolist()
            for i in np.flatnonzero(~np.isfinite(array)).tolist():
                cells[i] = None
        elif dtype == np.int64 and str(dtype) == "int64":
            cells = column.to_numpy().tolist()
        elif isinstance(dtype, pd.StringDtype) and str(dtype) == "str":
            cells = column.astype(object).tolist()
            for i in np.flatnonzero(column.isna().to_numpy()).tolist():
                cells[i] = None
        else:
            return None
        values.append(cells)
    names = list(columns)
    if not names:
        return None
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _frame_shortcut(plain: Any) -> Any:
    """Altair's ``to_values`` (inline data of a chart) with :func:`_plain_frame_records` for plain frames."""

    def to_values(data: Any) -> Any:
        native = data
        kind = type(data)
        if kind.__name__ == "DataFrame" and kind.__module__.startswith("narwhals"):
            native = data.to_native()  # altair's row limit hands the frame over wrapped by narwhals
        pd = sys.modules.get("pandas")
        if pd is not None and type(native) is pd.DataFrame:  # exactly: a GeoDataFrame is altair's
            records = _plain_frame_records(native)
            if records is not None:
                return {"values": records}
        return plain(data)

    to_values.plain = plain  # type: ignore[attr-defined]
    return to_values


#: altair's functions replaced in :func:`many_charts`: module, name, the parameters the
#: replacement was written for, and how to make it from altair's own.
_REPLACED = (
    ("altair.utils.schemapi", "_todict", ["obj", "context", "np_opt", "pd_opt"], _scalar_shortcut),
    ("altair.utils.schemapi", "_deep_copy", ["obj", "by_ref"], _copy_shortcut),
    ("altair.vegalite.data", "to_values", ["data"], _frame_shortcut),  # what the default data transformer calls
)


def _parameters(function: Any) -> list[str] | None:
    import inspect

    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return None


@contextlib.contextmanager
def many_charts() -> Iterator[None]:
    """Convert many charts quickly; the specs (and so the HTML) are the same.

    Inside the block:

    * :func:`chart_html` skips altair's check of each whole chart against the Vega-Lite schema
      (about a third of the time it took to turn a chart into a spec). The report builds in
      this block; its tests check every chart of the full report against the Vega-Lite schema
      with altair's own validator instead (``tests/report/test_report_chart_checks.py``), so a
      chart the report makes that is not valid Vega-Lite still fails, in the tests rather
      than in the user's build. Outside the block (the web pages, the API) each chart is
      checked as it is converted, as before.
    * altair converts and copies plain values without testing them against every other kind
      first (:func:`_scalar_shortcut`, :func:`_copy_shortcut`), and turns DataFrames of plain
      float, int and str columns into rows from their arrays (:func:`_frame_shortcut`): about
      half the remaining time of a conversion. They are altair's own functions for every other
      value, so the results are the same; the tests compare them with altair's on generated
      values, frames and charts. An altair whose functions have other parameters is left as it is.

    The replacements are process-wide while any block is open (they give the same results, so
    a chart converted in another thread meanwhile is not changed); the check is per thread.
    """
    import importlib

    token = _CHECK_CHARTS.set(False)
    with _SHORTCUTS_LOCK:
        if _SHORTCUTS["depth"] == 0:
            for module_name, name, params, make in _REPLACED:
                try:
                    module = importlib.import_module(module_name)
                except ImportError:  # no altair: nothing to replace
                    continue
                plain = getattr(module, name, None)
                if plain is not None and _parameters(plain) == params:
                    _SHORTCUTS["plain"][(module, name)] = plain
                    setattr(module, name, make(plain))
        _SHORTCUTS["depth"] += 1
    try:
        yield
    finally:
        _CHECK_CHARTS.reset(token)
        with _SHORTCUTS_LOCK:
            _SHORTCUTS["depth"] -= 1
            if _SHORTCUTS["depth"] == 0:
                for (module, name), plain in _SHORTCUTS["plain"].items():
                    setattr(module, name, plain)
                _SHORTCUTS["plain"] = {}


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec (``chart.to_dict()``), checked against the schema except in :func:`many_charts`."""
    spec: dict[str, Any] = chart.to_dict(validate=_CHECK_CHARTS.get())
    return spec


def chart_html(chart: alt.TopLevelMixin, chart_id: str) -> str:
    """An HTML fragment holding the chart's Vega-Lite spec, rendered by the page's vega-embed.

    The chart takes its container's width where it can (:func:`tidy_spec`), and carries a text
    alternative: a summary named by ``aria-describedby`` and its data as tables with CSV and
    JSON downloads (:func:`chart_text_alternative`).

    Args:
        chart: any Altair top-level chart.
        chart_id: unique id within the page (letters, digits, ``-``).

    Returns:
        ``<figure>`` with an empty ``<div>`` for the chart, the spec as a JSON script tag and
        a ``<figcaption>`` holding the text alternative.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", chart_id):
        raise ValueError(f"chart id {chart_id!r}: letters, digits, '-' and '_' only")
    spec: dict[str, Any] = tidy_spec(chart_spec(chart), responsive=True)
    title, lines = _title_lines(spec)
    spec.setdefault("description", " ".join([title, *lines]).strip() or "chart")
    payload = json.dumps(spec).replace("</", "<\\/")
    cid = html.escape(chart_id)
    # a concatenation keeps its size and scrolls sideways in its box on a narrow screen
    fixed = "" if spec.get("width") == "container" else " fixed-width"
    return (
        f'<figure class="chart{fixed}" aria-labelledby="{cid}-summary">'
        f'<div id="{cid}" class="vega-chart{fixed}" aria-describedby="{cid}-summary"></div>'
        f'<script type="application/json" data-chart-for="{cid}">{payload}</script>'
        f"{chart_text_alternative(spec, chart_id)}"
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
    if suffix in {".svg", ".png", ".json"}:  # through the tidied spec: integer year axes
        spec = tidy_spec(chart.to_dict())
        if suffix == ".json":
            path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
            return path
        import vl_convert

        if suffix == ".svg":
            path.write_text(vl_convert.vegalite_to_svg(spec), encoding="utf-8")
        else:
            path.write_bytes(vl_convert.vegalite_to_png(spec))
        return path
    chart.save(str(path))
    return path
