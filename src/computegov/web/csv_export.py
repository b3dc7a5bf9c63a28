"""CSV out of the JSON API: ``?format=csv`` or ``Accept: text/csv`` on any ``GET /api/v1/...``.

One pure-ASGI middleware (:class:`CsvMiddleware`) asks the endpoint for its JSON as usual and
turns the answer's rows into RFC 4180 CSV (Python's :mod:`csv`, CRLF line ends, UTF-8), so
no endpoint needs code of its own and the CSV always holds the same rows as the JSON:

* the rows are the answer itself when it is a list; otherwise the longest list of objects in it
  (searched three levels deep; annotations such as ``filters`` or ``notes``, and rows nested in
  rows, only when nothing else is there), or the path named by ``?table=`` (dotted, e.g. ``table=country_stocks.rows``;
  ``stocks[].rows`` is every ``rows`` of every ``stocks`` item, each led by its item's plain
  fields such as ``date``); an object with no list of objects is one row;
* nested objects become dotted columns (``peak_flop_per_s.bf16``), a list inside a row is
  compact JSON, ``null`` an empty cell (as the CLI's ``--csv``); a text that a spreadsheet would
  run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or CR, and not a number) gets a leading
  ``'`` (registry titles and organisation names come from submitters);
* the header names are the JSON keys, which carry their SI unit (``memory_bytes``,
  ``tdp_w``, ``duration_s``): see the API reference for each field.

The answer names the table it used in ``X-CSV-Table`` and every other table it could have used
in ``X-CSV-Tables``. An error answer stays JSON (with its status); an answer that is not JSON
(a ledger, a checkpoint) is refused with 406.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CsvMiddleware", "flatten_row", "rows_to_csv", "table_paths", "wants_csv"]

#: Endpoints under this prefix answer CSV on request.
API_PREFIX = "/api/v1/"
#: How deep :func:`table_paths` looks for a list of objects.
MAX_DEPTH = 3


def wants_csv(query_string: str, accept: str) -> bool:
    """True when the request asks for CSV: ``format=csv`` in the query, or ``text/csv`` accepted.

    ``Accept`` counts only when ``text/csv`` is listed before any JSON type (a browser's
    ``*/*`` never asks for CSV).
    """
    params = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    if any(v.strip().lower() == "csv" for v in params.get("format", [])):
        return True
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media == "text/csv":
            return True
        if media in {"application/json", "*/*", "application/*"} or media.endswith("+json"):
            return False
    return False


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)


def table_paths(data: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, list[Any]]]:
    """Every list of objects inside ``data`` with its dotted path ("" for ``data`` itself)."""
    if _is_rows(data):
        yield prefix, data
        if depth < MAX_DEPTH and data:  # rows inside each row: one table, each row with its parent's fields
            for key, child in data[0].items():
                if child and _is_rows(child):
                    yield f"{prefix}[].{key}" if prefix else f"[].{key}", _explode(data, key)
        return
    if isinstance(data, Mapping) and depth < MAX_DEPTH:
        for key, value in data.items():
            yield from table_paths(value, f"{prefix}.{key}" if prefix else str(key), depth + 1)


def _explode(parents: list[Any], key: str) -> list[Any]:
    """The rows under ``key`` of every parent, each led by its parent's plain fields."""
    out: list[Any] = []
    for parent in parents:
        lead = {k: v for k, v in parent.items() if not isinstance(v, Mapping | list)}
        renamed = {f"parent.{k}": v for k, v in lead.items()}
        children = parent.get(key)
        out.extend({**lead, **row} if not set(lead) & set(row) else {**renamed, **row}
                   for row in (children if isinstance(children, list) else []) if isinstance(row, Mapping))
    return out


#: Lists that annotate an answer rather than hold its rows: picked only when named or alone.
META_TABLES = frozenset({"filters", "dropped", "notes", "sources", "violations", "estimated_inputs",
                         "alternatives", "components", "pareto", "skipped", "disputed"})


def _pick(data: Any, table: str | None) -> tuple[str, list[Any], list[str]]:
    """The rows to write, their path and every candidate path.

    Raises:
        KeyError: ``table`` names no list of objects in ``data``.
    """
    found = list(table_paths(data))
    names = [p for p, _ in found]
    if table:
        for path, rows in found:
            if path == table:
                return path, rows, names
        raise KeyError(table)
    if isinstance(data, list):  # a list of plain values: one column
        return "", [item if isinstance(item, Mapping) else {"value": item} for item in data], names
    if not found:
        return "", [data] if isinstance(data, Mapping) else [{"value": data}], names
    best = max(found, key=lambda pr: (pr[0].rsplit(".", 1)[-1] not in META_TABLES, "[]" not in pr[0], len(pr[1]),
                                      pr[0].rsplit(".", 1)[-1] == "rows"))
    listing = isinstance(data, Mapping) and all(
        not isinstance(v, Mapping | list) or k == best[0] for k, v in data.items())
    if not best[1] and not listing:  # a record with empty lists in it: the record is the row
        return "", [data], names
    return best[0], best[1], names


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection",
#: https://owasp.org/www-community/attacks/CSV_Injection, read 2026-12-07).
_FORMULA_STARTS = frozenset("=+-@\t\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS and not _is_number(value):
        return "'" + value  # a spreadsheet would run it as a formula (OWASP "CSV injection")
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # a list: compact JSON, as the CLI


def flatten_row(row: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """One JSON object as CSV cells: nested objects become dotted columns (``a.b``)."""
    out: dict[str, str] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten_row(value, name + "."))
        else:
            out[name] = _cell(value)
    return out


def rows_to_csv(rows: list[Mapping[str, Any]]) -> str:
    """RFC 4180 CSV of ``rows``: a header of every column in first-seen order, CRLF line ends."""
    flat = [flatten_row(r) for r in rows]
    columns: dict[str, None] = {}
    for r in flat:
        columns.update(dict.fromkeys(r))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def _without_format(query_string: bytes) -> tuple[bytes, str | None]:
    """The query without ``format`` and ``table`` (endpoints do not know them), and ``table``."""
    pairs = urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    table = next((v for k, v in pairs if k == "table"), None)
    kept = [(k, v) for k, v in pairs if k not in {"format", "table"}]
    return urllib.parse.urlencode(kept).encode("latin-1"), table


class CsvMiddleware:
    """Answers ``GET /api/v1/...?format=csv`` (or ``Accept: text/csv``) with the JSON's rows as CSV."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; when it asks for CSV, answer the endpoint's JSON rows as CSV."""
        if scope["type"] != "http" or scope.get("method") not in {"GET", "HEAD"} or not str(
            scope.get("path", "")
        ).startswith(API_PREFIX) or str(scope.get("path", "")).endswith("openapi.json"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        accept = headers.get(b"accept", b"").decode("latin-1")
        if not wants_csv(scope.get("query_string", b"").decode("latin-1"), accept):
            await self.app(scope, receive, send)
            return
        query, table = _without_format(scope.get("query_string", b""))
        inner = dict(scope, query_string=query)
        inner["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept"] + [
            (b"accept", b"application/json")
        ]
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner, receive, capture)
        status = int(start.get("status", 500))
        response_headers = {k.lower(): v for k, v in start.get("headers", [])}
        body = b"".join(chunks)
        media = response_headers.get(b"content-type", b"").split(b";", 1)[0].strip()
        passthrough = [(k, v) for k, v in start.get("headers", []) if k.lower() not in {b"content-length"}]
        if status >= 400 or media != b"application/json":
            if status < 400:
                status, body = 406, json.dumps(
                    {"detail": f"{scope['path']}: this answer is {media.decode() or 'not JSON'}, not rows; "
                     "no CSV form (drop format=csv)"}).encode()
                passthrough = [(k, v) for k, v in passthrough if k.lower() != b"content-type"] + [
                    (b"content-type", b"application/json")]
            await _send(send, status, body, passthrough)
            return
        data = json.loads(body)
        try:
            path, rows, names = _pick(data, table)
        except KeyError:
            names = [p for p, _ in table_paths(data)]
            detail = (f"table: no list of rows named {table!r} in {scope['path']}; "
                      f"expected one of: {', '.join(p for p in names if p) or '(the answer itself)'}")
            await _send(send, 422, json.dumps({"detail": detail, "field": "table"}).encode(),
                        [(b"content-type", b"application/json")])
            return
        text = rows_to_csv(rows)
        filename = (scope["path"].removeprefix(API_PREFIX).strip("/").replace("/", "-") or "data") + (
            f"-{path}" if path else "")
        out_headers = [
            (k, v) for k, v in passthrough if k.lower() not in {b"content-type", b"content-disposition"}
        ] + [
            (b"content-type", b"text/csv; charset=utf-8; header=present"),
            (b"content-disposition", f'attachment; filename="{filename}.csv"'.encode("latin-1", "replace")),
            (b"x-csv-table", path.encode("latin-1", "replace")),
            (b"x-csv-tables", ",".join(names).encode("latin-1", "replace")),
            (b"vary", b"Accept"),
        ]
        await _send(send, 200, b"" if scope.get("method") == "HEAD" else text.encode("utf-8"), out_headers)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
