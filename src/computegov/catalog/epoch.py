"""Reading Epoch AI's "Machine Learning Hardware" CSV into :class:`Chip` records.

Epoch AI, "Machine Learning Hardware", https://epoch.ai/data (CC-BY 4.0). Units in that table:
FLOP/s and OP/s, bytes, bytes/s, **bits/s** for inter-node bandwidth, millions of transistors;
this module converts each once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from computegov.catalog.chip import FIELD_MAXIMA, Chip
from computegov.catalog.records import normalise_kind, parse_date, parse_positive, require_columns
from computegov.catalog.textfile import read_text
from computegov.errors import DataError
from computegov.inputfiles import csv_dict_rows
from computegov.units import BITS_PER_BYTE

__all__ = ["EPOCH_ATTRIBUTION", "EPOCH_SNAPSHOT", "PRECISION_COLUMNS", "chips_from_epoch_csv"]

EPOCH_SNAPSHOT = "2025-12-05"
EPOCH_ATTRIBUTION = (
    f"Epoch AI, Machine Learning Hardware (snapshot {EPOCH_SNAPSHOT}), https://epoch.ai/data, CC-BY 4.0"
)

NAME = "Hardware name"

#: Epoch column -> our precision key.
PRECISION_COLUMNS: Mapping[str, str] = {
    "FP64 (double precision) performance (FLOP/s)": "fp64",
    "FP32 (single precision) performance (FLOP/s)": "fp32",
    "TF32 (TensorFloat-32) performance (FLOP/s)": "tf32",
    "FP16 (half precision) performance (FLOP/s)": "fp16_vector",
    "Tensor-FP16/BF16 performance (FLOP/s)": "bf16",
    "FP8 performance (FLOP/s)": "fp8",
    "FP4 performance (FLOP/s)": "fp4",
    "INT8 performance (OP/s)": "int8",
    "INT4 performance (OP/s)": "int4",
}

#: Epoch column -> (our field, factor to SI).
SCALAR_COLUMNS: Mapping[str, tuple[str, float]] = {
    "Memory size per board (Byte)": ("memory_bytes", 1.0),
    "Memory bandwidth (byte/s)": ("memory_bandwidth_bytes_per_s", 1.0),
    "Intranode bandwidth (byte/s)": ("intranode_bandwidth_bytes_per_s", 1.0),
    "Internode bandwidth (bit/s)": ("internode_bandwidth_bytes_per_s", 1.0 / BITS_PER_BYTE),
    "Die Size (mm^2)": ("die_area_mm2", 1.0),
    "TDP (W)": ("tdp_w", 1.0),
    "Process size (nm)": ("process_nm", 1.0),
    "Transistors (millions)": ("transistors", 1e6),
    "Release price (USD)": ("launch_price_usd", 1.0),
}

REQUIRED_COLUMNS = [NAME, "Manufacturer", "Type", "Release date", *PRECISION_COLUMNS, *SCALAR_COLUMNS]


def _text(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def chip_from_epoch_row(row: Mapping[str, Any], *, path: str | Path, row_number: int) -> Chip:
    """One Epoch row as a Chip, every value tagged with its source.

    Raises:
        DataError: a value that is not what its column promises.
    """
    name = _text(row, NAME)
    if not name:
        raise DataError("expected a hardware name, got an empty cell", path=path, row=row_number, field=NAME)
    datasheet = _text(row, "Link to datasheet")
    default_source = f"{EPOCH_ATTRIBUTION}; row {name!r}" + (f"; datasheet: {datasheet}" if datasheet else "")
    sources: dict[str, str] = {"*": default_source}
    peaks: dict[str, float] = {}
    for column, key in PRECISION_COLUMNS.items():
        value = parse_positive(
            row.get(column), path=path, row=row_number, field=column, high=FIELD_MAXIMA["peak_flop_per_s"]
        )
        if value is not None:
            peaks[key] = value
    scalars: dict[str, Any] = {}
    for column, (field, factor) in SCALAR_COLUMNS.items():
        value = parse_positive(
            row.get(column), path=path, row=row_number, field=column, high=FIELD_MAXIMA[field] / factor
        )
        if value is not None:
            scalars[field] = value * factor
    release = parse_date(row.get("Release date"), path=path, row=row_number, field="Release date")
    price_year = None
    if "launch_price_usd" in scalars:
        price_source = " ".join(_text(row, "Source for the price").split())
        sources["launch_price_usd"] = f"{EPOCH_ATTRIBUTION}: " + (price_source[:300] or "no source given")
        if release is None:
            raise DataError(
                "a release price needs a release date to know which year's dollars it is in",
                path=path,
                row=row_number,
                field="Release date",
            )
        price_year = release.year
    foundry = _text(row, "Foundry") or None
    return Chip(
        name=name,
        manufacturer=_text(row, "Manufacturer"),
        kind=normalise_kind(row.get("Type"), path=path, row=row_number, field="Type"),
        release_date=release,
        peak_flop_per_s=peaks,
        foundry=foundry,
        launch_price_year=price_year,
        origin="epoch",
        sources=sources,
        notes=" ".join(_text(row, "Notes").split()),
        **scalars,
    )


def chips_from_epoch_csv(source: str | Path, text: str | None = None) -> tuple[list[Chip], list[dict[str, str]]]:
    """Parse an Epoch ML-hardware CSV (the bundled snapshot or a newer download).

    Args:
        source: path of the file (used in messages and read unless ``text`` is given).
        text: the file's content, if already read.

    Returns:
        (chips, raw rows): the raw rows feed the anomaly checks.

    Raises:
        DataError: a missing column, a bad value or a duplicate name (file, row, field named).
    """
    if text is None:
        text = read_text(source)
    header, records = csv_dict_rows(text, path=source)  # CSV errors name the file and row
    require_columns(header, REQUIRED_COLUMNS, path=source)
    chips: list[Chip] = []
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for index, row in records:
        chip = chip_from_epoch_row(row, path=source, row_number=index)
        if chip.name in seen:
            raise DataError(
                f"duplicate name {chip.name!r} (first on row {seen[chip.name]})",
                path=source,
                row=index,
                field=NAME,
                value=chip.name,
            )
        seen[chip.name] = index
        chips.append(chip)
        rows.append(dict(row))
    return chips, rows
