"""The table of regulatory training-compute thresholds: the :class:`Threshold` record and its loader.

The thresholds are versioned data in ``computegov/data/thresholds.yaml``: each one has its
jurisdiction, legal reference, value in FLOP, the training phases that count toward it, the dates
it is in force and its sources. :func:`load_thresholds` reads and validates the file;
:func:`thresholds_in_force` picks those that apply on a date. The check of an estimate against
them is in :mod:`computegov.policy.thresholds`, which re-exports these names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from computegov.errors import DataError

__all__ = [
    "PHASES",
    "STATUSES",
    "TAGS",
    "Threshold",
    "load_thresholds",
    "parse_thresholds",
    "thresholds_in_force",
]

#: Training phases a threshold may count (``computegov.compute.PHASES`` is this tuple).
PHASES: tuple[str, ...] = (
    "pre-training",
    "fine-tuning",
    "reinforcement-learning",
    "synthetic-data",
    "other",
)
STATUSES: tuple[str, ...] = (
    "in_force",
    "enacted_not_yet_in_force",
    "guidance",
    "revoked",
    "superseded",
)
#: Model properties a threshold may be limited to (its ``requires``), with their meaning.
TAGS: dict[str, str] = {
    "biological-sequence-data": "trained using primarily biological sequence data",
    "generates-language-image-or-video": "can generate language (text or audio), text-to-image or text-to-video",
}

_REQUIRED = (
    "id",
    "jurisdiction",
    "instrument",
    "legal_reference",
    "value_flop",
    "counts",
    "scope",
    "in_force_from",
    "status",
    "sources",
)


@dataclasses.dataclass(frozen=True)
class Threshold:
    """One regulatory training-compute threshold.

    Attributes:
        id: stable identifier, e.g. ``"eu-ai-act-art51-systemic-risk"``.
        jurisdiction: ``"EU"``, ``"US"``, ``"US-CA"``, ``"US-NY"``, ...
        instrument: the law, order or guidance.
        legal_reference: article or section.
        value_flop: the threshold, FLOP (integer operations count alike).
        counts: training phases whose compute counts toward the value.
        scope: which models the threshold applies to.
        in_force_from: first day in force (or applicable).
        in_force_until: last day in force (exclusive: the revocation date), None if open.
        status: one of STATUSES.
        sources: citations, primary source first.
        extra_conditions: conditions beyond compute (revenue, cost, modality).
        adopted: date adopted or signed.
        comparison: ``"greater_than"`` (every current instrument) or ``"at_least"``.
        notes: caveats.
        short_name: a label for charts and tables (defaults to the id).
        requires: model properties (TAGS) the threshold is limited to; empty = every model.
    """

    id: str
    jurisdiction: str
    instrument: str
    legal_reference: str
    value_flop: float
    counts: tuple[str, ...]
    scope: str
    in_force_from: dt.date
    in_force_until: dt.date | None
    status: str
    sources: tuple[str, ...]
    extra_conditions: str = ""
    adopted: dt.date | None = None
    comparison: str = "greater_than"
    notes: str = ""
    short_name: str = ""
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.short_name:
            object.__setattr__(self, "short_name", self.id)

    def in_force_on(self, date: dt.date) -> bool:
        """True when the threshold applies on ``date`` (guidance counts as applying)."""
        if date < self.in_force_from:
            return False
        return self.in_force_until is None or date < self.in_force_until

    def status_on(self, date: dt.date) -> str:
        """The status on ``date``, so a historical check shows the status of its own date.

        ``in_force`` (or ``guidance``) while it applies, ``enacted_not_yet_in_force`` before it
        starts, and its recorded end status (``revoked``, ``superseded``) after it ends.
        """
        if date < self.in_force_from:
            return "enacted_not_yet_in_force" if self.status != "guidance" else "guidance"
        if self.in_force_until is not None and date >= self.in_force_until:
            return self.status if self.status in ("revoked", "superseded") else "revoked"
        return "guidance" if self.status == "guidance" else "in_force"

    def is_over(self, flop: float) -> bool:
        """Whether ``flop`` crosses the threshold under its comparison rule."""
        if self.comparison == "at_least":
            return flop >= self.value_flop
        return flop > self.value_flop

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings)."""
        out = dataclasses.asdict(self)
        out["counts"] = list(self.counts)
        out["requires"] = list(self.requires)
        out["sources"] = list(self.sources)
        for key in ("in_force_from", "in_force_until", "adopted"):
            value = out[key]
            out[key] = value.isoformat() if value is not None else None
        return out


def _date(value: Any, *, path: str, row: int, field: str, required: bool) -> dt.date | None:
    if value is None:
        if required:
            raise DataError("a date is required (YYYY-MM-DD)", path=path, row=row, field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise DataError(
            f"expected a date YYYY-MM-DD, got {value!r}", path=path, row=row, field=field, value=value
        ) from err


def _threshold_from_entry(entry: Mapping[str, Any], *, path: str, row: int) -> Threshold:
    missing = [key for key in _REQUIRED if entry.get(key) in (None, "", [])]
    if missing:
        raise DataError(f"missing {', '.join(missing)}", path=path, row=row, field=missing[0])
    try:
        value = float(entry["value_flop"])
    except (TypeError, ValueError) as err:
        raise DataError(
            "expected a number of FLOP", path=path, row=row, field="value_flop", value=entry["value_flop"]
        ) from err
    if not (math.isfinite(value) and value > 0):
        raise DataError("expected a positive number of FLOP", path=path, row=row, field="value_flop", value=value)
    counts = tuple(str(c) for c in entry["counts"])
    unknown = [c for c in counts if c not in PHASES]
    if unknown:
        raise DataError(
            f"unknown phase(s) {unknown}; expected some of {list(PHASES)}",
            path=path, row=row, field="counts", value=unknown,
        )
    requires = tuple(str(r) for r in entry.get("requires") or ())
    unknown_tags = [r for r in requires if r not in TAGS]
    if unknown_tags:
        raise DataError(
            f"unknown tag(s) {unknown_tags}; expected some of {list(TAGS)}",
            path=path, row=row, field="requires", value=unknown_tags,
        )
    status = str(entry["status"])
    if status not in STATUSES:
        raise DataError(f"expected one of {list(STATUSES)}", path=path, row=row, field="status", value=status)
    comparison = str(entry.get("comparison") or "greater_than")
    if comparison not in {"greater_than", "at_least"}:
        raise DataError("expected greater_than or at_least", path=path, row=row, field="comparison", value=comparison)
    start = _date(entry["in_force_from"], path=path, row=row, field="in_force_from", required=True)
    end = _date(entry.get("in_force_until"), path=path, row=row, field="in_force_until", required=False)
    adopted = _date(entry.get("adopted"), path=path, row=row, field="adopted", required=False)
    assert start is not None
    if end is not None and end <= start:
        raise DataError("in_force_until must be after in_force_from", path=path, row=row, field="in_force_until", value=end)
    if status == "revoked" and end is None:
        raise DataError("a revoked threshold needs in_force_until", path=path, row=row, field="in_force_until")
    sources = tuple(str(s) for s in entry["sources"])
    return Threshold(
        id=str(entry["id"]),
        jurisdiction=str(entry["jurisdiction"]),
        instrument=str(entry["instrument"]),
        legal_reference=str(entry["legal_reference"]),
        value_flop=value,
        counts=counts,
        scope=str(entry["scope"]),
        in_force_from=start,
        in_force_until=end,
        status=status,
        sources=sources,
        extra_conditions=str(entry.get("extra_conditions") or ""),
        adopted=adopted,
        comparison=comparison,
        notes=str(entry.get("notes") or "").strip(),
        short_name=str(entry.get("short_name") or ""),
        requires=requires,
    )


def parse_thresholds(data: Mapping[str, Any], *, path: str = "thresholds.yaml") -> tuple[Threshold, ...]:
    """Validate a parsed thresholds document (``{"version": ..., "thresholds": [...]}``).

    Raises:
        DataError: a missing field, a bad value, an unknown phase or status, bad dates,
            or a duplicated id (row numbers count entries from 1).
    """
    entries = data.get("thresholds") if isinstance(data, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise DataError("expected a non-empty list under 'thresholds'", path=path)
    out: list[Threshold] = []
    seen: set[str] = set()
    for row, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            raise DataError("expected a mapping", path=path, row=row)
        threshold = _threshold_from_entry(entry, path=path, row=row)
        if threshold.id in seen:
            raise DataError("duplicate id", path=path, row=row, field="id", value=threshold.id)
        seen.add(threshold.id)
        out.append(threshold)
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str | None) -> tuple[Threshold, ...]:
    if path is None:
        text = resources.files("computegov.data").joinpath("thresholds.yaml").read_text(encoding="utf-8")
        label = "thresholds.yaml"
    else:
        label = path
        from computegov.inputfiles import read_input_text  # regular file, size cap, UTF-8

        text = read_input_text(path, what="thresholds file")
    from computegov.inputyaml import parse_yaml_text  # safe-loaded, depth and aliases limited

    return parse_thresholds(parse_yaml_text(text, path=label), path=label)


def load_thresholds(path: str | Path | None = None) -> tuple[Threshold, ...]:
    """The bundled thresholds (or those in ``path``), validated and cached.

    Raises:
        DataError: the file is not valid (see :func:`parse_thresholds`).
    """
    return _load_cached(str(path) if path is not None else None)


def thresholds_in_force(
    date: dt.date | None = None,
    thresholds: Iterable[Threshold] | None = None,
    *,
    include_guidance: bool = True,
) -> tuple[Threshold, ...]:
    """Thresholds that apply on ``date`` (today by default), smallest value first."""
    date = date or dt.date.today()
    pool = load_thresholds() if thresholds is None else tuple(thresholds)
    chosen = [
        t for t in pool if t.in_force_on(date) and (include_guidance or t.status != "guidance")
    ]
    return tuple(sorted(chosen, key=lambda t: (t.value_flop, t.id)))
