"""Small helpers shared by the JSON API and the pages: querying the catalogue, JSON safety.

Each helper is a thin shim over a public library function (``Catalog.filter``, ``Catalog.get``);
the same inputs give the same answer on a page and in the API.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from computegov.catalog import PRECISIONS, Catalog, Chip
from computegov.catalog.chip import NUMERIC_FIELDS
from computegov.errors import InputError
from computegov.jsonsafe import json_safe as jsonsafe

__all__ = ["CHIP_KINDS", "SORT_KEYS", "ChipQuery", "jsonsafe", "query_chips"]

CHIP_KINDS: tuple[str, ...] = ("gpu", "tpu", "npu", "asic", "cpu", "other")
#: Sortable columns: name, release date, every numeric field and every precision's peak.
SORT_KEYS: tuple[str, ...] = (
    "name",
    "manufacturer",
    "release_date",
    *NUMERIC_FIELDS,
    *(f"peak_flop_per_s_{p}" for p in PRECISIONS),
)


@dataclasses.dataclass(frozen=True)
class ChipQuery:
    """A catalogue query as typed into the catalogue page or the API.

    Attributes:
        q: case-insensitive substring of the name, an alias or the manufacturer.
        kind: one of :data:`CHIP_KINDS` or empty.
        manufacturer: case-insensitive substring of the manufacturer.
        since: earliest release year (decimal years).
        until: latest release year (a whole year includes that year).
        datacenter: keep only datacenter (True) or other (False) chips.
        sort: one of :data:`SORT_KEYS`.
        descending: sort order.
        limit: page size (1-500).
        offset: rows to skip.
    """

    q: str = ""
    kind: str = ""
    manufacturer: str = ""
    since: float | None = None
    until: float | None = None
    datacenter: bool | None = None
    sort: str = "release_date"
    descending: bool = True
    limit: int = 100
    offset: int = 0

    def check(self) -> dict[str, str]:
        """Problems by field name (empty when the query is valid)."""
        errors: dict[str, str] = {}
        if self.kind and self.kind not in CHIP_KINDS:
            errors["kind"] = f"unknown kind {self.kind!r}; expected one of {', '.join(CHIP_KINDS)}"
        if self.sort not in SORT_KEYS:
            errors["sort"] = f"cannot sort by {self.sort!r}; expected one of {', '.join(SORT_KEYS)}"
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and not (1950 <= value <= 2100):
                errors[name] = "expected a year between 1950 and 2100"
        if self.since is not None and self.until is not None and self.since > self.until:
            errors["until"] = "must not be before 'since'"
        if not 1 <= self.limit <= 500:
            errors["limit"] = "expected 1 to 500"
        if self.offset < 0:
            errors["offset"] = "must not be negative"
        if len(self.q) > 200 or len(self.manufacturer) > 200:
            errors["q"] = "at most 200 characters"
        return errors


def _sort_value(chip: Chip, key: str) -> Any:
    if key == "name":
        return chip.name.lower()
    if key == "manufacturer":
        return chip.manufacturer.lower()
    if key == "release_date":
        return chip.release_date
    if key.startswith("peak_flop_per_s_"):
        return chip.peak_flop_per_s.get(key.removeprefix("peak_flop_per_s_"))
    return getattr(chip, key, None)


def query_chips(catalog: Catalog, query: ChipQuery) -> tuple[list[Chip], int]:
    """The chips matching ``query``, sorted and paged, and how many matched in all.

    Chips without a value for the sort key come last whatever the order.

    Raises:
        InputError: an invalid query (the message lists every problem).
    """
    errors = query.check()
    if errors:
        raise InputError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    selected = catalog.filter(
        kind=query.kind or None,
        manufacturer=query.manufacturer or None,
        since=query.since,
        until=query.until,
        datacenter=query.datacenter,
    )
    needle = query.q.strip().lower()
    chips = [
        c
        for c in selected
        if not needle
        or needle in c.name.lower()
        or needle in c.manufacturer.lower()
        or any(needle in a.lower() for a in c.aliases)
    ]
    present = [c for c in chips if _sort_value(c, query.sort) is not None]
    missing = [c for c in chips if _sort_value(c, query.sort) is None]
    present.sort(key=lambda c: _sort_value(c, query.sort), reverse=query.descending)
    ordered = present + sorted(missing, key=lambda c: c.name.lower())
    return ordered[query.offset : query.offset + query.limit], len(ordered)
