"""The register of post-CMOS and beyond-GPU claims (``data/emerging_register.yaml``), typed and validated.

:class:`Claim` is one demonstrated system or credible claim; :class:`ClaimMetric` one quoted
figure of it. :func:`load_register` reads the bundled file (or a user's file of the same shape) and
turns any bad entry into a :class:`~computegov.errors.DataError` naming the file, the entry, the
field and what was expected. Every metric carries the quote it came from, and every entry a source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from computegov.errors import DataError, UnknownNameError
from computegov.units import decimal_year

__all__ = [
    "BASES",
    "EVIDENCE_KINDS",
    "LEVELS",
    "MATURITY_LEVELS",
    "METRIC_NAMES",
    "PARADIGMS",
    "PHASES",
    "RATIO_METRICS",
    "Claim",
    "ClaimMetric",
    "ClaimSource",
    "Register",
    "load_register",
]

REGISTER_FILE = "emerging_register.yaml"

PARADIGMS: tuple[str, ...] = (
    "photonic", "analog_in_memory", "neuromorphic", "cmos_3d", "wafer_scale", "superconducting", "quantum",
)
EVIDENCE_KINDS: tuple[str, ...] = ("peer_reviewed_measurement", "vendor_claim", "projection")
MATURITY_LEVELS: tuple[str, ...] = ("research_demo", "pilot", "shipping")
LEVELS: tuple[str, ...] = ("device", "chip", "system")
PHASES: tuple[str, ...] = ("inference", "training", "both", "other")
DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year")
BASES: tuple[str, ...] = ("measured", "claimed", "projected")
#: Metric names and their units (the unit is in the name, per STYLE.md).
METRIC_NAMES: Mapping[str, str] = {
    "op_per_s": "OP/s at the entry's precision",
    "op_per_j": "OP/J at the entry's precision (= OP/s per W)",
    "power_w": "W",
    "tokens_per_s": "generated tokens/s",
    "latency_s": "s",
    "relative_energy_efficiency": "x against the named baseline",
    "relative_throughput": "x against the named baseline (speed on the same task)",
    "model_parameters": "count",
    "transistors": "count",
    "physical_qubits": "count",
    "logical_qubits": "count",
    "logical_error_per_cycle": "probability of a logical error per error-correction cycle (0 to 1)",
    "energy_per_op_j": "J per elementary logic operation (gate or bit operation)",
    "clock_hz": "Hz",
}
#: Ratios: a metric that means nothing without the ``baseline`` it is relative to.
RATIO_METRICS: frozenset[str] = frozenset({"relative_energy_efficiency", "relative_throughput"})
#: Counts: whole numbers (a fractional qubit or transistor is a typing error).
COUNT_METRICS: frozenset[str] = frozenset({"transistors", "physical_qubits", "logical_qubits"})
#: Probabilities: strictly between 0 and 1.
PROBABILITY_METRICS: frozenset[str] = frozenset({"logical_error_per_cycle"})
#: Precision keys an entry may count its operations at (the catalogue's, see catalog.chip.PRECISIONS).
PRECISION_KEYS: tuple[str, ...] = ("fp64", "fp32", "tf32", "fp16_vector", "bf16", "fp8", "fp4", "int8", "int4")


@dataclasses.dataclass(frozen=True)
class ClaimMetric:
    """One quoted figure.

    Attributes:
        name: a key of :data:`METRIC_NAMES` (the unit is in the name).
        value: the figure in that unit.
        basis: ``measured``, ``claimed`` (by the builder, unchecked) or ``projected``.
        quote: the figure as the source states it.
        baseline: for a ratio (:data:`RATIO_METRICS`), what it is relative to.
        via: a secondary source the figure was read in, when not read in the primary source.
        low: lower end when the value is an estimate with a range (else None).
        high: upper end when the value is an estimate with a range (else None).
    """

    name: str
    value: float
    basis: str
    quote: str
    baseline: str = ""
    via: str = ""
    low: float | None = None
    high: float | None = None

    @property
    def is_estimate(self) -> bool:
        """True when entered as an estimate with a range."""
        return self.low is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ClaimSource:
    """Where an entry's figures come from.

    Attributes:
        citation: authors, year, title, venue (or the announcement and who reported it).
        url: a URL where the figures can be read.
        doi: DOI when the source has one (else empty).
        checked: when we read it.
    """

    citation: str
    url: str
    checked: dt.date
    doi: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"citation": self.citation, "url": self.url, "doi": self.doi, "checked": self.checked.isoformat()}


@dataclasses.dataclass(frozen=True)
class Claim:
    """One demonstrated system or credible claim.

    Attributes:
        id: unique key.
        paradigm: one of :data:`PARADIGMS`.
        system: the system's name.
        organisation: who built it.
        date: publication or announcement date.
        date_precision: ``day``, ``month`` or ``year`` (how much of ``date`` is known).
        evidence: one of :data:`EVIDENCE_KINDS`.
        maturity: one of :data:`MATURITY_LEVELS` (definitions in the register file).
        level: ``device``, ``chip`` or ``system`` (what the power and throughput cover).
        phase: ``inference``, ``training``, ``both`` or ``other``.
        workload: what was run (workload and model size).
        precision: the operand precision in the source's words.
        precision_key: the catalogue precision the operations are counted at, or None (not stated).
        sparsity: ``dense``, ``sparse`` or ``unknown``.
        metrics: the quoted figures.
        source: where they come from.
        process_nm: process node when the source states it.
        notes: caveats.
    """

    id: str
    paradigm: str
    system: str
    organisation: str
    date: dt.date
    date_precision: str
    evidence: str
    maturity: str
    level: str
    phase: str
    workload: str
    precision: str
    precision_key: str | None
    sparsity: str
    metrics: tuple[ClaimMetric, ...]
    source: ClaimSource
    process_nm: float | None = None
    notes: str = ""

    def metric(self, name: str) -> ClaimMetric | None:
        """The figure called ``name``, or None."""
        return next((m for m in self.metrics if m.name == name), None)

    @property
    def decimal_year(self) -> float:
        """The date as a decimal year (as the catalogue counts release dates)."""
        return decimal_year(self.date.year, self.date.month, self.date.day)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["date"] = self.date.isoformat()
        out["metrics"] = [m.to_dict() for m in self.metrics]
        out["source"] = self.source.to_dict()
        return out


@dataclasses.dataclass(frozen=True)
class Register:
    """The loaded register: its entries in file order and the maturity definitions."""

    claims: tuple[Claim, ...]
    maturity_levels: Mapping[str, str]
    path: str

    def get(self, claim_id: str) -> Claim:
        """The entry with this id.

        Raises:
            UnknownNameError: no such entry.
        """
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        ids = [c.id for c in self.claims]
        raise UnknownNameError(f"no register entry {claim_id!r}; entries: {', '.join(ids)}",
                               name=claim_id, candidates=tuple(ids))

    def by_paradigm(self, paradigm: str) -> list[Claim]:
        """Entries of one paradigm.

        Raises:
            UnknownNameError: not a paradigm of :data:`PARADIGMS`.
        """
        check_paradigm(paradigm)
        return [c for c in self.claims if c.paradigm == paradigm]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"path": self.path, "maturity_levels": dict(self.maturity_levels),
                "entries": [c.to_dict() for c in self.claims]}


def check_paradigm(paradigm: str) -> str:
    """``paradigm`` if it is in :data:`PARADIGMS`.

    Raises:
        UnknownNameError: anything else.
    """
    if paradigm not in PARADIGMS:
        raise UnknownNameError(f"unknown paradigm {paradigm!r}; choose one of {', '.join(PARADIGMS)}",
                               name=paradigm, candidates=PARADIGMS)
    return paradigm


class _Entry:
    """Reads the fields of one YAML entry, raising DataError with file, entry and field."""

    def __init__(self, raw: Any, path: str, row: int) -> None:
        self.path, self.row = path, row
        if not isinstance(raw, Mapping):
            raise DataError(f"entry {row}: expected a mapping of fields, got {type(raw).__name__}", path=path, row=row)
        self.raw = raw
        self.label = f"entry {raw.get('id', row)!r}"

    def fail(self, field: str, expected: str, value: object) -> DataError:
        return DataError(f"{self.label}: expected {expected}, got {value!r}", path=self.path, row=self.row,
                         field=field, value=value)

    def text(self, field: str, raw: Mapping[str, Any] | None = None, *, required: bool = True) -> str:
        value = (self.raw if raw is None else raw).get(field, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(field, "a non-empty text" if required else "a text", value)
        return value.strip()

    def choice(self, field: str, allowed: Sequence[str]) -> str:
        value = self.raw.get(field)
        if value not in allowed:
            raise self.fail(field, f"one of {', '.join(allowed)}", value)
        return str(value)

    def date(self, field: str, raw: Mapping[str, Any] | None = None) -> dt.date:
        value = (self.raw if raw is None else raw).get(field)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(field, "an ISO date (YYYY-MM-DD)", value) from None

    def number(self, field: str, value: object, *, positive: bool = True) -> float:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise self.fail(field, "a number", value) from None
        if not math.isfinite(number) or (positive and number <= 0):
            raise self.fail(field, "a positive finite number", value)
        return number


def _metric(entry: _Entry, raw: Any, index: int) -> ClaimMetric:
    field = f"metrics[{index}]"
    if not isinstance(raw, Mapping):
        raise entry.fail(field, "a mapping with name, value, basis and quote", raw)
    name = raw.get("name")
    if name not in METRIC_NAMES:
        raise entry.fail(f"{field}.name", f"one of {', '.join(METRIC_NAMES)}", name)
    basis = raw.get("basis")
    if basis not in BASES:
        raise entry.fail(f"{field}.basis", f"one of {', '.join(BASES)}", basis)
    value = entry.number(f"{field}.value", raw.get("value"))
    low = high = None
    if "low" in raw or "high" in raw:
        low = entry.number(f"{field}.low", raw.get("low"))
        high = entry.number(f"{field}.high", raw.get("high"))
        if not low <= value <= high:
            raise entry.fail(f"{field}.low/high", f"low <= value <= high around {value:g}", (low, high))
    if name in COUNT_METRICS and value != math.floor(value):
        raise entry.fail(f"{field}.value", f"a whole number ({name} is a count)", raw.get("value"))
    if name in PROBABILITY_METRICS and not value < 1:
        raise entry.fail(f"{field}.value", f"a probability between 0 and 1 ({name})", raw.get("value"))
    baseline = entry.text("baseline", raw, required=name in RATIO_METRICS)
    return ClaimMetric(name=str(name), value=value, basis=str(basis), quote=entry.text("quote", raw),
                       baseline=baseline, via=entry.text("via", raw, required=False), low=low, high=high)


def _source(entry: _Entry) -> ClaimSource:
    raw = entry.raw.get("source")
    if not isinstance(raw, Mapping):
        raise entry.fail("source", "a mapping with citation, url (or doi) and checked", raw)
    doi = entry.text("doi", raw, required=False)
    url = entry.text("url", raw, required=not doi)
    if url and not url.startswith(("http://", "https://")):
        raise entry.fail("source.url", "an http(s) URL", url)
    return ClaimSource(citation=entry.text("citation", raw), url=url, doi=doi, checked=entry.date("checked", raw))


def _claim(entry: _Entry) -> Claim:
    precision_key = entry.raw.get("precision_key")
    if precision_key is not None and precision_key not in PRECISION_KEYS:
        raise entry.fail("precision_key", f"null or one of {', '.join(PRECISION_KEYS)}", precision_key)
    raw_metrics = entry.raw.get("metrics", [])
    if not isinstance(raw_metrics, list):
        raise entry.fail("metrics", "a list of metrics", raw_metrics)
    metrics = tuple(_metric(entry, m, i) for i, m in enumerate(raw_metrics))
    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        raise entry.fail("metrics", "each metric name at most once", names)
    process = entry.raw.get("process_nm")
    return Claim(
        id=entry.text("id"), paradigm=entry.choice("paradigm", PARADIGMS), system=entry.text("system"),
        organisation=entry.text("organisation"), date=entry.date("date"),
        date_precision=entry.choice("date_precision", DATE_PRECISIONS),
        evidence=entry.choice("evidence", EVIDENCE_KINDS), maturity=entry.choice("maturity", MATURITY_LEVELS),
        level=entry.choice("level", LEVELS), phase=entry.choice("phase", PHASES),
        workload=entry.text("workload"), precision=entry.text("precision"), precision_key=precision_key,
        sparsity=entry.choice("sparsity", ("dense", "sparse", "unknown")), metrics=metrics,
        source=_source(entry), process_nm=None if process is None else entry.number("process_nm", process),
        notes=entry.text("notes", required=False),
    )


def parse_register(data: Any, path: str) -> Register:
    """Validate parsed YAML (``{maturity_levels, entries}``) into a :class:`Register`.

    Raises:
        DataError: naming the file, the entry (row = its 1-based position), the field and what was expected.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
        raise DataError("expected a mapping with an 'entries' list", path=path, field="entries")
    levels = data.get("maturity_levels")
    if not isinstance(levels, Mapping) or set(levels) != set(MATURITY_LEVELS):
        raise DataError(f"expected a definition for each of {', '.join(MATURITY_LEVELS)}", path=path,
                        field="maturity_levels", value=levels)
    for level in MATURITY_LEVELS:
        if not isinstance(levels[level], str) or not levels[level].strip():
            raise DataError(f"expected a written definition (text) of maturity level {level!r}", path=path,
                            field=f"maturity_levels.{level}", value=levels[level])
    claims = [_claim(_Entry(raw, path, row)) for row, raw in enumerate(data["entries"], start=1)]
    seen: set[str] = set()
    for row, claim in enumerate(claims, start=1):
        if claim.id in seen:
            raise DataError(f"entry {claim.id!r}: expected a unique id, got a repeat", path=path, row=row, field="id")
        seen.add(claim.id)
    return Register(claims=tuple(claims), maturity_levels={k: str(v) for k, v in levels.items()}, path=path)


def load_register(path: str | Path | None = None) -> Register:
    """The bundled register, or a user's file of the same shape.

    Args:
        path: a YAML file; None reads the bundled ``data/emerging_register.yaml``.

    Raises:
        DataError: unreadable file, invalid YAML, or a bad entry (file, entry, field, expected).
    """
    if path is None:
        return _bundled()
    from computegov.inputfiles import read_input_text  # regular file, size cap, UTF-8

    return _parse_text(read_input_text(path, what="register"), str(path))


def _parse_text(text: str, path: str) -> Register:
    from computegov.inputyaml import parse_yaml_text  # safe-loaded, depth and aliases limited

    return parse_register(parse_yaml_text(text, path=path), path)


@functools.cache
def _bundled() -> Register:
    from computegov.inputyaml import load_bundled_yaml  # shipped file: one fast parse

    text = resources.files("computegov.data").joinpath(REGISTER_FILE).read_text(encoding="utf-8")
    return parse_register(load_bundled_yaml(text), REGISTER_FILE)
