"""Rendering a command's result: ``--csv`` rows and tables that fit the terminal.

``--csv``
    A command that prints a table takes ``--csv`` through :func:`csv_option`. The command then
    runs as for ``--json``, and :func:`~computegov.cli.common.print_json` writes the rows of that
    same JSON as CSV (RFC 4180: the :mod:`csv` module, CRLF line ends, quotes where needed).
    The rows are the list the command names (``rows="checks"``), or the only list of objects in
    the JSON, or the JSON itself as one row. Nested objects are flattened with dotted names
    (``estimate.central_flop``), so the header keeps the JSON's SI unit in each name; a list
    inside a row is written as compact JSON. ``--csv`` rows therefore equal ``--json`` rows by
    construction (:func:`flat_rows` is the mapping, and the tests use it).

Tables at 80 columns
    :func:`print_table` renders a Rich table so that nothing is cut with an ellipsis: every
    token holding a digit (a number, a date, a range) keeps its full width, text wraps and long
    words fold; when even that does not fit, the rows are printed as ``name: value`` blocks.
"""

from __future__ import annotations

import contextvars
import csv
import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from computegov.jsonsafe import json_safe

#: The CLI's standard output and standard error (cli.common re-exports them).
console = Console()
err_console = Console(stderr=True)

__all__ = [
    "CSV_OPTION",
    "csv_active",
    "csv_option",
    "flat_rows",
    "print_table",
    "write_csv",
]

R = TypeVar("R")

CSV_OPTION = typer.Option(
    False,
    "--csv",
    help="Print the table's rows as CSV (RFC 4180; SI units in the header names; the same rows as --json).",
)

_UNSET = object()
#: The rows spec of the command running with ``--csv`` (unset: print JSON as usual).
_CSV_ROWS: contextvars.ContextVar[Any] = contextvars.ContextVar("csv_rows", default=_UNSET)


def csv_active() -> bool:
    """True while a command runs with ``--csv`` (``print_json`` then writes CSV)."""
    return _CSV_ROWS.get() is not _UNSET


def csv_option(rows: str | None = None) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Give a command with ``as_json`` a ``--csv`` option writing the rows of its JSON as CSV.

    Args:
        rows: dotted path of the list of rows inside the command's JSON (``"checks"``,
            ``"result.rows"``), or alternatives separated by ``|`` (the first present and not
            null); None picks the only list of objects, else the whole JSON as one row.
    """

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        own = inspect.signature(func, eval_str=True)
        if "as_json" not in own.parameters:
            raise TypeError(f"{func.__name__} has no as_json parameter to drive --csv")
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own.parameters.values()]
        params.append(
            inspect.Parameter("as_csv", inspect.Parameter.KEYWORD_ONLY, default=CSV_OPTION, annotation=bool)
        )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            as_csv = bool(kwargs.pop("as_csv", False))
            if not as_csv:
                return func(*args, **kwargs)
            if kwargs.get("as_json"):
                raise typer.BadParameter("give --json or --csv, not both", param_hint="--csv")
            kwargs["as_json"] = True
            token = _CSV_ROWS.set(rows)
            try:
                return func(*args, **kwargs)
            finally:
                _CSV_ROWS.reset(token)

        wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": own.return_annotation}
        return wrapper

    return decorate


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            raise KeyError(path)
        data = data[part]
    return data


def _pick(data: Any, rows: str | None) -> list[Any]:
    if rows:
        for path in rows.split("|"):  # alternatives: the first present and not null
            try:
                found = _at(data, path)
            except KeyError:
                continue
            if found is not None:
                return list(found) if isinstance(found, list) else [found]
        raise KeyError(rows)
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
        if len(lists) == 1:
            return list(lists[0])
    return [data]


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list | dict):
        out[prefix or "value"] = json.dumps(value, separators=(",", ":"), allow_nan=False)
    else:
        out[prefix or "value"] = value


def flat_rows(obj: Any, rows: str | None = None) -> list[dict[str, Any]]:
    """The rows ``--csv`` writes for the JSON ``obj``: flattened dicts (dotted keys).

    Args:
        obj: the command's JSON value (before or after :func:`~computegov.jsonsafe.json_safe`).
        rows: see :func:`csv_option`.
    """
    out = []
    for row in _pick(json_safe(obj), rows):
        flat: dict[str, Any] = {}
        _flatten(row, "", flat)
        out.append(flat)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(obj: Any, rows: str | None = None, stream: Any = None) -> None:
    """Write the rows of ``obj`` as RFC 4180 CSV (header: the union of the rows' keys, in order)."""
    table = flat_rows(obj, rows)
    header: dict[str, None] = {}
    for row in table:
        header.update(dict.fromkeys(row))
    writer = csv.writer(stream or sys.stdout, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in table:
        writer.writerow([_cell(row.get(name)) for name in header])


def write_csv_if_active(obj: Any) -> bool:
    """Write ``obj`` as CSV when a ``--csv`` command is running; False otherwise."""
    rows = _CSV_ROWS.get()
    if rows is _UNSET:
        return False
    write_csv(obj, rows)
    return True


# --- tables that fit --------------------------------------------------------------------------

#: Words (no digit) up to this long are kept whole; longer ones may fold across lines.
_WHOLE_WORD = 14


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except Exception:  # not valid markup: Rich prints it as it is
            return cell
    return str(cell)


def _tokens(text: str) -> Iterable[str]:
    return text.split()


def _unbreakable(token: str, strict: bool) -> bool:
    """Numbers and dates always stay whole; strictly, also identifiers and words up to 14 letters."""
    if any(c.isdigit() for c in token):
        return True
    return strict and (len(token) <= _WHOLE_WORD or any(c in "_+=<>" for c in token))


def _widths(table: Table, strict: bool) -> tuple[list[int], list[int]]:
    """(narrowest width keeping tokens whole, natural width) of each column, characters."""
    narrow, natural = [], []
    for column in table.columns:
        texts = [_plain(column.header), *(_plain(c) for c in column._cells)]
        natural.append(max((len(line) for t in texts for line in t.splitlines() or [""]), default=0))
        narrow.append(
            max((len(tok) for t in texts for tok in _tokens(t) if _unbreakable(tok, strict)), default=1)
        )
    return narrow, natural


def _overhead(table: Table) -> int:
    """Characters a table spends outside its cells: padding and borders."""
    n = len(table.columns)
    left, right = table.padding[3], table.padding[1]
    pad = n * (left + right) - (0 if table.pad_edge else left + right)
    borders = 0
    if table.box is not None:
        borders = n - 1 + (2 if table.show_edge else 0)
    return pad + borders


#: Ever more compact frames tried in turn: Rich's default, no outer edge, no borders at all.
_FRAMES: tuple[dict[str, Any], ...] = (
    {},
    {"show_edge": False, "pad_edge": False},
    {"box": None, "show_edge": False, "pad_edge": False},
)


def _allocate(narrow: list[int], natural: list[int], room: int) -> list[int]:
    """Widths from ``narrow`` up towards ``natural``, sharing ``room`` by what each still lacks."""
    widths = list(narrow)
    spare = room - sum(widths)
    while spare > 0:
        wanting = [i for i, (w, n) in enumerate(zip(widths, natural, strict=True)) if w < n]
        if not wanting:
            break
        share = max(1, spare // len(wanting))
        for i in wanting:
            add = min(share, natural[i] - widths[i], spare)
            widths[i] += add
            spare -= add
            if spare <= 0:
                break
    return widths


def _print_blocks(table: Table, out: Console) -> None:
    if table.title:
        out.print(table.title, style="bold", highlight=False)
    rows = len(table.columns[0]._cells) if table.columns else 0
    names = [_plain(c.header) for c in table.columns]
    for r in range(rows):
        for name, column in zip(names, table.columns, strict=True):
            cell = column._cells[r]
            value = cell if isinstance(cell, Text) else Text.from_markup(cell) if isinstance(cell, str) else Text(str(cell))
            if value.plain.strip():
                out.print(Text.assemble((f"{name}: ", "bold"), value), highlight=False)
        if r < rows - 1:
            out.print()
    if table.caption:
        out.print(table.caption, style="dim", highlight=False)


def _fit(table: Table, out: Console, strict: bool) -> bool:
    """Print ``table`` in the first frame where it fits the console's width; False if none."""
    width = out.width
    narrow, natural = _widths(table, strict)
    for frame in _FRAMES:
        for name, value in frame.items():
            setattr(table, name, value)
        overhead = _overhead(table)
        if sum(natural) + overhead <= width:
            out.print(table)
            return True
        if sum(narrow) + overhead <= width:
            for column, w in zip(table.columns, _allocate(narrow, natural, width - overhead), strict=True):
                column.width = w
                column.min_width = w
            out.print(table)
            return True
    for name, value in _FRAMES[0].items():
        setattr(table, name, value)
    return False


def print_table(table: Table, out: Console | None = None, *, optional: Iterable[str] = ()) -> None:
    """Print ``table`` within the console's width, cutting nothing with an ellipsis.

    Tried in turn, each in ever more compact frames (Rich's box, no outer edge, no borders):
    every number, date, identifier and word up to 14 letters whole, other text wrapped; the same
    without the ``optional`` columns (a note names them); numbers and dates whole but long words
    folded. If even that is wider than the console, each row is printed as a block of
    ``column: value`` lines.

    Args:
        table: the Rich table.
        out: the console (default: the CLI's stdout console).
        optional: headers of columns of lesser value that may be left out on narrow terminals.
    """
    out = out or console
    if not table.columns:
        out.print(table)
        return
    for column in table.columns:
        column.overflow = "fold"
        column.no_wrap = False
    if _fit(table, out, strict=True):
        return
    droppable = [c for c in table.columns if _plain(c.header) in set(optional)]
    if droppable:
        for column in droppable:
            table.columns.remove(column)
        if _fit(table, out, strict=True):
            names = ", ".join(_plain(c.header) for c in droppable)
            out.print(f"[dim]({names} left out at this width; --csv or --json has every column)[/dim]",
                      highlight=False)
            return
    if _fit(table, out, strict=False):
        return
    _print_blocks(table, out)
