"""Hand-curated corrections and additions (data/curated.yaml), each value with its own source.

Format: a list of entries. ``name`` names an existing chip exactly, or a new one with ``add: true``
(then ``manufacturer``, ``kind``, ``release_date`` and ``release_date_source`` describe it).
``aliases`` adds names users type; ``datacenter`` with ``datacenter_source`` records whether the
chip is designed or marketed for datacenters; ``set`` maps a field (``peak_flop_per_s.<precision>``
for peaks, ``kind`` for the device class) to ``{value, source}`` (prices also carry ``year``).
``value: null`` removes a source value (e.g. an on-chip SRAM rate in the memory-bandwidth column);
``disputed: true`` marks a value that sources contest. Every value a curation replaces is kept in
:attr:`Chip.upstream_values`, so the source's figure is always shown beside the correction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from computegov.catalog.chip import FIELD_MAXIMA, NUMERIC_FIELDS, PRECISIONS, Chip
from computegov.catalog.records import normalise_kind, parse_date, parse_positive
from computegov.errors import DataError
from computegov.inputyaml import load_bundled_yaml

__all__ = ["apply_curation", "read_curation"]

_STRING_FIELDS = {"foundry"}


def read_curation(text: str, *, path: str = "curated.yaml") -> list[dict[str, Any]]:
    """Parse the curation file into a list of entries (validated in :func:`apply_curation`)."""
    import yaml  # here, not at module level: `import computegov` need not load a YAML parser

    try:
        data = load_bundled_yaml(text) or []
    except yaml.YAMLError as err:
        raise DataError(f"not valid YAML: {err}", path=path) from err
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise DataError("expected a list of mappings", path=path)
    return data


def _current(chip: Chip, field: str) -> Any:
    """The chip's value of ``field`` (a peak as ``peak_flop_per_s.<precision>``), None if unknown."""
    if field.startswith("peak_flop_per_s."):
        return chip.peak_flop_per_s.get(field.split(".", 1)[1])
    return getattr(chip, field, None)


def _set_value(
    chip: Chip, field: str, spec: Any, *, path: str, row: int
) -> tuple[dict[str, float | None], dict[str, Any], dict[str, str]]:
    """One ``set:`` item: (peak changes, scalar changes, sources); a peak or scalar of None clears it.

    ``value: null`` removes a value the source table has (with the reason as its source), e.g. an
    on-chip SRAM rate in the memory-bandwidth column; ``kind`` takes a device class.
    """
    if not isinstance(spec, Mapping) or "value" not in spec or not str(spec.get("source") or "").strip():
        raise DataError("expected {value: ..., source: ...}", path=path, row=row, field=field, value=spec)
    source = " ".join(str(spec["source"]).split())
    raw = spec["value"]
    peaks: dict[str, float | None] = {}
    scalars: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if field.startswith("peak_flop_per_s."):
        precision = field.split(".", 1)[1]
        if precision not in PRECISIONS:
            raise DataError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}",
                            path=path, row=row, field=field)
        peaks[precision] = None if raw is None else parse_positive(
            raw, path=path, row=row, field=field, allow_blank=False, high=FIELD_MAXIMA["peak_flop_per_s"])
    elif field == "kind":
        scalars[field] = normalise_kind(raw, path=path, row=row)
    elif field in _STRING_FIELDS:
        scalars[field] = None if raw is None else str(raw).strip()
    elif field in NUMERIC_FIELDS:
        value = None if raw is None else parse_positive(raw, path=path, row=row, field=field, allow_blank=False,
                                                        high=FIELD_MAXIMA[field])
        scalars[field] = value
        if field == "launch_price_usd" and value is not None:
            year = spec.get("year")
            if not isinstance(year, int) or not 1950 <= year <= 2100:
                raise DataError("a price needs `year:` (the year of its dollars)", path=path, row=row,
                                field=field, value=year)
            scalars["launch_price_year"] = year
            sources["launch_price_year"] = source
    else:
        raise DataError(f"unknown field {field!r}", path=path, row=row, field=field)
    sources[field] = source
    return peaks, scalars, sources


def apply_curation(
    chips: Sequence[Chip],
    entries: Sequence[Mapping[str, Any]],
    *,
    path: str = "curated.yaml",
    skipped: list[str] | None = None,
) -> list[Chip]:
    """Apply curated entries to ``chips`` and return the new list (order kept, additions last).

    Args:
        chips: the chips from the source table.
        entries: parsed curation entries.
        path: file name for messages.
        skipped: if given, entries amending a chip that the table lacks (a newer Epoch table may
            drop or rename rows) are skipped and their names appended here instead of raising.

    Raises:
        DataError: an entry naming an unknown chip (when ``skipped`` is None), a duplicate
            addition, or a bad value.
    """
    by_name = {c.name: i for i, c in enumerate(chips)}
    out = list(chips)
    for row, entry in enumerate(entries, start=1):
        name = str(entry.get("name") or "").strip()
        if not name:
            raise DataError("expected a name", path=path, row=row, field="name")
        if entry.get("add"):
            if name in by_name:
                raise DataError(f"{name!r} is already in the catalogue; drop `add: true` to amend it",
                                path=path, row=row, field="name")
            release = parse_date(entry.get("release_date"), path=path, row=row, field="release_date",
                                 today=dt.date.today())
            base = Chip(
                name=name,
                manufacturer=str(entry.get("manufacturer") or ""),
                kind=normalise_kind(entry.get("kind", "other"), path=path, row=row),
                release_date=release,
                origin="curated",
                sources={"*": f"computegov curation ({Path(path).name})",
                         "release_date": " ".join(str(entry.get("release_date_source") or "curated").split())},
                notes=str(entry.get("notes") or ""),
            )
            out.append(base)
            by_name[name] = len(out) - 1
        elif name not in by_name:
            if skipped is not None:
                skipped.append(name)
                continue
            raise DataError(f"no chip named {name!r} to amend (names must match exactly)",
                            path=path, row=row, field="name")
        index = by_name[name]
        chip = out[index]
        peaks = dict(chip.peak_flop_per_s)
        sources = dict(chip.sources)
        upstream = dict(chip.upstream_values)
        disputed = list(chip.disputed)
        updates: dict[str, Any] = {}
        for field, spec in (entry.get("set") or {}).items():
            field = str(field)
            p, s, src = _set_value(chip, field, spec, path=path, row=row)
            before = _current(chip, field)
            new = p[field.split(".", 1)[1]] if p else s[field]
            if not entry.get("add") and before is not None and before != new:
                upstream.setdefault(field, before)
            if isinstance(spec, Mapping) and spec.get("disputed"):
                if field not in upstream:
                    raise DataError("a disputed value needs a different value in the source table to dispute",
                                    path=path, row=row, field=field)
                disputed.append(field)
            for precision, value in p.items():
                if value is None:
                    peaks.pop(precision, None)
                else:
                    peaks[precision] = value
            updates.update(s)
            sources.update(src)
        updates["upstream_values"] = upstream
        updates["disputed"] = tuple(dict.fromkeys(disputed))
        if "aliases" in entry:
            updates["aliases"] = tuple(dict.fromkeys([*chip.aliases, *map(str, entry["aliases"] or [])]))
        if "datacenter" in entry:
            if not isinstance(entry["datacenter"], bool):
                raise DataError("expected true or false", path=path, row=row, field="datacenter")
            updates["datacenter"] = entry["datacenter"]
            sources["datacenter"] = " ".join(str(entry.get("datacenter_source") or "computegov curation").split())
        if entry.get("notes") and not entry.get("add"):
            updates["notes"] = (chip.notes + " " if chip.notes else "") + str(entry["notes"])
        out[index] = dataclasses.replace(chip, peak_flop_per_s=peaks, sources=sources, **updates)
    return out
