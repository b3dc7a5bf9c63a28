"""Named, cited default assumptions of the cost model and planner, and the ``Range`` they live in.

The defaults are bundled in ``data/cost_assumptions.yaml``: each has a low, central and high value,
a unit and a source (``assumption: true`` marks our own judgement). :func:`default_assumptions`
reads them once per process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, NamedTuple

from computegov.errors import DataError, InputError
from computegov.inputyaml import load_bundled_yaml

__all__ = [
    "ASSUMPTIONS_FILE",
    "Assumption",
    "Assumptions",
    "ChipMatch",
    "GenerationMfu",
    "InterconnectEntry",
    "Range",
    "default_assumptions",
]

ASSUMPTIONS_FILE = "cost_assumptions.yaml"


class Range(NamedTuple):
    """A quantity as low / central / high (ends of a range, not percentiles).

    A NamedTuple so that ``low, central, high = cost_of_compute(...)`` unpacks.
    """

    low: float
    central: float
    high: float

    @classmethod
    def point(cls, value: float) -> Range:
        """A range with no spread."""
        return cls(value, value, value)

    @classmethod
    def of(cls, value: float | tuple[float, float, float] | Range) -> Range:
        """Coerce a number or a (low, central, high) triple into a validated Range.

        Raises:
            InputError: not finite, or not ordered low <= central <= high.
        """
        if isinstance(value, int | float):
            items: tuple[float, ...] = (float(value),) * 3
        else:
            items = tuple(float(v) for v in value)
            if len(items) != 3:
                raise InputError(f"expected (low, central, high), got {value!r}")
        triple = items
        if not all(math.isfinite(v) for v in triple):
            raise InputError(f"expected finite numbers, got {value!r}")
        low, central, high = triple
        if not low <= central <= high:
            raise InputError(f"expected low <= central <= high, got {value!r}")
        return cls(low, central, high)

    def map(self, func: Callable[[float], float]) -> Range:
        """Apply a monotone increasing function to each end."""
        return Range(func(self.low), func(self.central), func(self.high))

    def scale(self, factor: float) -> Range:
        """Multiply by a non-negative number."""
        return Range(self.low * factor, self.central * factor, self.high * factor)

    def times(self, other: Range) -> Range:
        """End-by-end product with another non-negative range (low x low, ..., high x high)."""
        return Range(self.low * other.low, self.central * other.central, self.high * other.high)

    def inverse(self) -> Range:
        """1 / x for a positive range (ends swap)."""
        return Range(1.0 / self.high, 1.0 / self.central, 1.0 / self.low)

    def to_dict(self) -> dict[str, float]:
        """``{"low": .., "central": .., "high": ..}``."""
        return {"low": self.low, "central": self.central, "high": self.high}


@dataclasses.dataclass(frozen=True)
class Assumption:
    """One named default with its range, unit and source.

    Attributes:
        name: key, e.g. ``"pue"``.
        value: low / central / high.
        unit: unit of the value.
        description: what it is.
        source: citation, or the reasoning behind an assumption.
        assumption: True when the number is our judgement rather than a published figure.
    """

    name: str
    value: Range
    unit: str
    description: str
    source: str
    assumption: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            **self.value.to_dict(),
            "unit": self.unit,
            "description": self.description,
            "source": self.source,
            "assumption": self.assumption,
        }


@dataclasses.dataclass(frozen=True)
class GenerationMfu:
    """Kernel-level MFU of one hardware generation (chips released before ``until``)."""

    name: str
    until: dt.date
    value: Range
    source: str


@dataclasses.dataclass(frozen=True)
class ChipMatch:
    """A cited fact about the chips whose name or alias matches ``match`` (case-insensitive regex)."""

    match: str
    source: str

    def matches(self, names: tuple[str, ...]) -> bool:
        """Whether any of ``names`` matches."""
        pattern = re.compile(self.match, re.IGNORECASE)
        return any(pattern.search(name) for name in names)


@dataclasses.dataclass(frozen=True)
class InterconnectEntry(ChipMatch):
    """Chip-to-chip bandwidths for chips whose catalogue entry lacks them.

    Attributes:
        fabric: what the links are.
        intranode_bytes_per_s: bidirectional per-chip bandwidth inside the fast domain, bytes/s.
        internode_bytes_per_s: one-direction per-chip bandwidth between fast domains, bytes/s.
    """

    fabric: str = ""
    intranode_bytes_per_s: float = 0.0
    internode_bytes_per_s: float = 0.0


@dataclasses.dataclass(frozen=True)
class Assumptions:
    """Every bundled default.

    Attributes:
        dollar_year: the year whose US dollars money assumptions are in.
        costs: cost-model assumptions by name.
        planning: planner assumptions by name.
        mfu_by_generation: kernel-level MFU by hardware generation, oldest first.
        price_includes_server: chips whose catalogue price already includes the server share.
        interconnect: cited chip-to-chip bandwidths for chips the catalogue lacks them for.
    """

    dollar_year: int
    costs: Mapping[str, Assumption]
    planning: Mapping[str, Assumption]
    mfu_by_generation: tuple[GenerationMfu, ...]
    price_includes_server: tuple[ChipMatch, ...] = ()
    interconnect: tuple[InterconnectEntry, ...] = ()

    def interconnect_for(self, names: tuple[str, ...]) -> InterconnectEntry | None:
        """The first interconnect entry matching one of ``names`` (a chip's name and aliases)."""
        return next((entry for entry in self.interconnect if entry.matches(names)), None)

    def server_included(self, names: tuple[str, ...]) -> ChipMatch | None:
        """The entry saying the catalogue price of the chip ``names`` includes its server share."""
        return next((entry for entry in self.price_includes_server if entry.matches(names)), None)

    def mfu_for(self, release_date: dt.date | None) -> GenerationMfu:
        """The generation a chip released on ``release_date`` belongs to (latest if unknown)."""
        if release_date is not None:
            for generation in self.mfu_by_generation:
                if release_date < generation.until:
                    return generation
        return self.mfu_by_generation[-1]


def _parse_assumption(name: str, raw: Mapping[str, Any], path: str) -> Assumption:
    try:
        value = Range.of((raw["low"], raw["central"], raw["high"]))
        return Assumption(
            name=name,
            value=value,
            unit=str(raw["unit"]),
            description=str(raw.get("description", "")),
            source=str(raw["source"]).strip(),
            assumption=bool(raw.get("assumption", False)),
        )
    except (KeyError, TypeError, ValueError, InputError) as err:
        raise DataError(f"bad assumption entry: {err}", path=path, field=name) from err


@functools.cache
def default_assumptions() -> Assumptions:
    """The bundled defaults (read once).

    Raises:
        DataError: the bundled file is malformed.
    """
    path = f"computegov/data/{ASSUMPTIONS_FILE}"
    text = resources.files("computegov.data").joinpath(ASSUMPTIONS_FILE).read_text(encoding="utf-8")
    raw = load_bundled_yaml(text)
    costs = {k: _parse_assumption(k, v, path) for k, v in raw["costs"].items()}
    planning = {k: _parse_assumption(k, v, path) for k, v in raw["planning"].items()}
    generations = []
    for entry in raw["mfu_by_generation"]:
        until = entry["until"]
        if isinstance(until, str):
            until = dt.date.fromisoformat(until)
        generations.append(
            GenerationMfu(
                name=str(entry["name"]),
                until=until,
                value=Range.of((entry["low"], entry["central"], entry["high"])),
                source=str(entry["source"]).strip(),
            )
        )
    generations.sort(key=lambda g: g.until)
    try:
        included = tuple(
            ChipMatch(match=str(e["match"]), source=str(e["source"]).strip())
            for e in raw.get("price_includes_server") or ()
        )
        links = tuple(
            InterconnectEntry(
                match=str(e["match"]),
                source=str(e["source"]).strip(),
                fabric=str(e.get("fabric", "")),
                intranode_bytes_per_s=float(e["intranode_bytes_per_s"]),
                internode_bytes_per_s=float(e["internode_bytes_per_s"]),
            )
            for e in raw.get("interconnect") or ()
        )
        for entry in (*included, *links):
            re.compile(entry.match)
    except (KeyError, TypeError, ValueError, re.error) as err:
        raise DataError(f"bad chip entry: {err}", path=path) from err
    return Assumptions(
        dollar_year=int(raw["dollar_year"]),
        costs=costs,
        planning=planning,
        mfu_by_generation=tuple(generations),
        price_includes_server=included,
        interconnect=links,
    )
