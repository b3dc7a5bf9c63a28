"""What changed between two versions of a chip table."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from computegov.catalog.chip import NUMERIC_FIELDS, PRECISIONS, Chip

__all__ = ["CatalogDiff", "FieldChange", "diff_chips"]

_COMPARED = ("manufacturer", "kind", "release_date", *NUMERIC_FIELDS, "launch_price_year", "foundry")


@dataclasses.dataclass(frozen=True)
class FieldChange:
    """One changed value of one chip."""

    chip: str
    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"chip": self.chip, "field": self.field, "old": _plain(self.old), "new": _plain(self.new)}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@dataclasses.dataclass(frozen=True)
class CatalogDiff:
    """Added and removed chip names, and field-level changes of the chips in both."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[FieldChange, ...]

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_dict() for c in self.changed],
        }


def _values(chip: Chip) -> dict[str, Any]:
    out = {f: getattr(chip, f) for f in _COMPARED}
    out.update({f"peak_flop_per_s.{p}": chip.peak_flop_per_s.get(p) for p in PRECISIONS})
    return out


def diff_chips(old: Sequence[Chip], new: Sequence[Chip]) -> CatalogDiff:
    """Compare two chip lists by exact name."""
    before = {c.name: c for c in old}
    after = {c.name: c for c in new}
    changes: list[FieldChange] = []
    for name in before.keys() & after.keys():
        a, b = _values(before[name]), _values(after[name])
        changes.extend(FieldChange(name, f, a[f], b[f]) for f in a if a[f] != b[f])
    changes.sort(key=lambda c: (c.chip, c.field))
    return CatalogDiff(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(changes),
    )
