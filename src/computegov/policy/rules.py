"""Versioned export-control rules as data: :class:`Rule` and its parts.

The rules live in ``computegov/data/export_control_rules.yaml`` (one entry per version of the US
advanced-computing controls, with its Federal Register citation). This module reads and
validates that file; :mod:`computegov.policy.export_control` applies a rule to a chip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from computegov.errors import DataError, RuleError
from computegov.inputyaml import load_bundled_yaml

__all__ = [
    "METRICS",
    "Action",
    "Clause",
    "Condition",
    "Exclusion",
    "LicenseException",
    "Paragraph",
    "Rule",
    "RuleSet",
    "get_rule",
    "load_rules",
    "parse_conditions",
]

#: Metrics a condition may test, with the unit the rule text uses.
METRICS: Mapping[str, str] = {
    "tpp": "TPP",
    "performance_density": "TPP/mm^2",
    "io_bandwidth_gb_per_s": "GB/s",
    "datacenter": "yes/no",
    "memory_bandwidth_density_gb_per_s_per_mm2": "GB/s/mm^2",
    # Total DRAM (HBM) bandwidth, tested by licence review policies (91 FR 1684), not by 3A090.
    "dram_bandwidth_gb_per_s": "GB/s",
}

_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}

Status = Literal["in_force", "superseded", "rescinded"]
_STATUSES = ("in_force", "superseded", "rescinded")
_RULES_FILE = "export_control_rules.yaml"


@dataclasses.dataclass(frozen=True)
class Condition:
    """One comparison from the rule text, e.g. ``tpp >= 4800``."""

    metric: str
    op: str
    value: float | bool

    def holds(self, measured: float | bool) -> bool:
        """Whether a known measured value satisfies the condition."""
        return bool(_OPS[self.op](measured, self.value))

    def describe(self) -> str:
        """Human form, e.g. ``TPP >= 4800``."""
        if self.metric == "datacenter":
            return (
                "designed or marketed for datacenters"
                if self.value
                else ("not designed or marketed for datacenters")
            )
        return f"{_LABELS[self.metric]} {self.op} {self.value:g}"


_LABELS = {
    "tpp": "TPP",
    "performance_density": "PD",
    "io_bandwidth_gb_per_s": "I/O GB/s",
    "memory_bandwidth_density_gb_per_s_per_mm2": "memory bandwidth density GB/s/mm^2",
    "datacenter": "datacenter",
    "dram_bandwidth_gb_per_s": "DRAM GB/s",
}


@dataclasses.dataclass(frozen=True)
class Clause:
    """A sub-paragraph (e.g. ``3A090.a.2``): all its conditions must hold."""

    id: str
    all: tuple[Condition, ...]


@dataclasses.dataclass(frozen=True)
class Paragraph:
    """An ECCN paragraph (e.g. ``3A090.a``): an item falls under it if any clause holds."""

    id: str
    item: str
    summary: str
    source: str
    clauses: tuple[Clause, ...]


@dataclasses.dataclass(frozen=True)
class Exclusion:
    """A note taking items out of paragraphs when all its conditions hold (e.g. Note 2 to 3A090)."""

    id: str
    source: str
    summary: str
    paragraphs: tuple[str, ...]
    all: tuple[Condition, ...]


@dataclasses.dataclass(frozen=True)
class LicenseException:
    """A licence exception open to items of ``paragraph`` when all its conditions hold."""

    id: str
    paragraph: str
    source: str
    summary: str
    all: tuple[Condition, ...]


@dataclasses.dataclass(frozen=True)
class Action:
    """A government action touching these chips that does not change their classification."""

    id: str
    date: dt.date
    kind: str
    citation: str
    summary: str
    changes_classification: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {**dataclasses.asdict(self), "date": self.date.isoformat()}


@dataclasses.dataclass(frozen=True)
class Rule:
    """One version of the US advanced-computing controls.

    Attributes:
        id: version id, ``YYYY-MM`` of publication (``"2023-10"``).
        title: Federal Register title.
        citation: Federal Register citation (``"88 FR 73458"``).
        fr_doc: Federal Register document number.
        url: where to read it.
        published: publication date in the Federal Register.
        effective: effective date.
        status: ``in_force``, ``superseded`` or ``rescinded``.
        superseded_by: version that replaced it, if any.
        status_note: what happened to it.
        notes: further remarks (what is and isn't evaluated).
        paragraphs: ECCN paragraphs, strictest first.
        exclusions: notes taking items out of paragraphs.
        license_exceptions: exceptions open to some items.
        related: related ECCNs (4A090, .z paragraphs) as text.
    """

    id: str
    title: str
    citation: str
    fr_doc: str
    url: str
    published: dt.date
    effective: dt.date
    status: Status
    superseded_by: str | None
    status_note: str
    notes: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]
    exclusions: tuple[Exclusion, ...]
    license_exceptions: tuple[LicenseException, ...]
    related: str

    @property
    def metrics(self) -> frozenset[str]:
        """Metrics any paragraph or exclusion of this rule tests."""
        names = {c.metric for p in self.paragraphs for cl in p.clauses for c in cl.all}
        names |= {c.metric for e in self.exclusions for c in e.all}
        return frozenset(names)

    def thresholds(self, metric: str) -> tuple[float, ...]:
        """Sorted distinct thresholds this rule sets on ``metric`` (paragraphs and exclusions)."""
        values = {
            float(c.value)
            for p in self.paragraphs
            for cl in p.clauses
            for c in cl.all
            if c.metric == metric
        }
        values |= {float(c.value) for e in self.exclusions for c in e.all if c.metric == metric}
        return tuple(sorted(values))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings)."""
        out = dataclasses.asdict(self)
        out["published"] = self.published.isoformat()
        out["effective"] = self.effective.isoformat()
        return out


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """Every rule version, oldest first, and the later actions that do not reclassify chips."""

    rules: tuple[Rule, ...]
    actions: tuple[Action, ...]
    metric_definitions: Mapping[str, Mapping[str, str]]

    @property
    def versions(self) -> tuple[str, ...]:
        """Version ids, oldest first."""
        return tuple(r.id for r in self.rules)

    @property
    def current(self) -> Rule:
        """The newest version in force."""
        in_force = [r for r in self.rules if r.status == "in_force"]
        return max(in_force, key=lambda r: r.effective)

    def get(self, version: str | None = None) -> Rule:
        """The rule with id ``version`` (None: the current one).

        Besides the id (``"2023-10"``), the Federal Register citation (``"88 FR 73458"``) and a
        year that only one version was published in (``"2023"``) are accepted.

        Raises:
            RuleError: unknown version; the message lists the known ones.
        """
        if version is None:
            return self.current
        key = " ".join(version.split()).upper()
        for rule in self.rules:
            if key in (rule.id, rule.citation.upper()):
                return rule
        same_year = [r for r in self.rules if r.id.split("-")[0] == key]
        if len(same_year) == 1:
            return same_year[0]
        known = ", ".join(f"{r.id} ({r.citation})" for r in self.rules)
        raise RuleError(f"unknown rule version {version!r}; known versions: {known}")


def _conditions(raw: Any, where: str, path: str) -> tuple[Condition, ...]:
    if not isinstance(raw, list) or not raw:
        raise DataError("expected a non-empty list of conditions", path=path, field=where)
    out = []
    for item in raw:
        metric, op, value = item.get("metric"), item.get("op"), item.get("value")
        if metric not in METRICS:
            raise DataError(f"unknown metric {metric!r}", path=path, field=where, value=metric)
        if op not in _OPS:
            raise DataError(f"unknown operator {op!r}", path=path, field=where, value=op)
        if metric == "datacenter":
            if not isinstance(value, bool) or op != "==":
                raise DataError("datacenter conditions are '== true/false'", path=path, field=where)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError("expected a number", path=path, field=where, value=value)
        out.append(Condition(metric=metric, op=op, value=value))
    return tuple(out)


def parse_conditions(raw: Any, where: str, path: str) -> tuple[Condition, ...]:
    """Validate a YAML list of ``{metric, op, value}`` (DataError naming ``where`` if malformed)."""
    return _conditions(raw, where, path)


def _date(value: Any, field: str, path: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise DataError("expected a date YYYY-MM-DD", path=path, field=field, value=value) from err


def _rule(raw: Mapping[str, Any], path: str) -> Rule:
    rid = str(raw["id"])
    status = raw.get("status")
    if status not in _STATUSES:
        raise DataError(f"status must be one of {_STATUSES}", path=path, field=f"{rid}.status")
    paragraphs = tuple(
        Paragraph(
            id=p["id"],
            item=p.get("item", "ic"),
            summary=" ".join(str(p["summary"]).split()),
            source=p["source"],
            clauses=tuple(
                Clause(id=c["id"], all=_conditions(c["all"], f"{rid}.{c['id']}", path))
                for c in p["clauses"]
            ),
        )
        for p in raw["paragraphs"]
    )
    exclusions = tuple(
        Exclusion(
            id=e["id"],
            source=e["source"],
            summary=" ".join(str(e["summary"]).split()),
            paragraphs=tuple(e["paragraphs"]),
            all=_conditions(e["all"], f"{rid}.{e['id']}", path),
        )
        for e in raw.get("exclusions") or ()
    )
    exceptions = tuple(
        LicenseException(
            id=x["id"],
            paragraph=x["paragraph"],
            source=x["source"],
            summary=" ".join(str(x["summary"]).split()),
            all=_conditions(x["all"], f"{rid}.{x['id']}", path),
        )
        for x in raw.get("license_exceptions") or ()
    )
    return Rule(
        id=rid,
        title=" ".join(str(raw["title"]).split()),
        citation=raw["citation"],
        fr_doc=str(raw["fr_doc"]),
        url=raw["url"],
        published=_date(raw["published"], f"{rid}.published", path),
        effective=_date(raw["effective"], f"{rid}.effective", path),
        status=status,
        superseded_by=raw.get("superseded_by"),
        status_note=" ".join(str(raw.get("status_note", "")).split()),
        notes=tuple(" ".join(str(n).split()) for n in raw.get("notes") or ()),
        paragraphs=paragraphs,
        exclusions=exclusions,
        license_exceptions=exceptions,
        related=" ".join(str(raw.get("related", "")).split()),
    )


def parse_rules(data: Mapping[str, Any], path: str = _RULES_FILE) -> RuleSet:
    """Validate the parsed YAML and build a :class:`RuleSet`.

    Raises:
        DataError: a field is missing or malformed (names the field).
    """
    try:
        rules = tuple(_rule(r, path) for r in data["versions"])
        actions = tuple(
            Action(
                id=a["id"],
                date=_date(a["date"], f"actions.{a['id']}.date", path),
                kind=a["kind"],
                citation=a["citation"],
                summary=" ".join(str(a["summary"]).split()),
                changes_classification=bool(a.get("changes_classification", False)),
            )
            for a in data.get("actions") or ()
        )
    except (KeyError, TypeError) as err:
        raise DataError(f"missing or malformed field: {err}", path=path) from err
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise DataError("duplicate rule version ids", path=path, field="versions", value=ids)
    definitions = {
        name: {
            "unit": str(d.get("unit", "")),
            "definition": " ".join(str(d.get("definition", "")).split()),
        }
        for name, d in (data.get("metrics") or {}).items()
    }
    return RuleSet(
        rules=tuple(sorted(rules, key=lambda r: r.published)),
        actions=tuple(sorted(actions, key=lambda a: a.date)),
        metric_definitions=definitions,
    )


@functools.cache
def _bundled() -> RuleSet:

    text = resources.files("computegov.data").joinpath(_RULES_FILE).read_text(encoding="utf-8")
    return parse_rules(load_bundled_yaml(text))


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The bundled rule versions (cached), or those of another YAML file in the same schema."""
    if path is None:
        return _bundled()

    from computegov.catalog.textfile import read_text

    path = Path(path)
    from computegov.inputyaml import parse_yaml_text  # safe-loaded, depth and aliases limited

    text = read_text(path)  # DataError naming the file: unreadable or not UTF-8
    return parse_rules(parse_yaml_text(text, path=path), str(path))


def get_rule(version: str | None = None) -> Rule:
    """A bundled rule by version id (None: the current one); RuleError lists the known ids."""
    return load_rules().get(version)
