"""The outlook's presets: ``epoch2024`` (the anchor's inputs) and ``toolkit`` (computegov's own).

Both are read from the bundled ``data/outlook_presets.yaml``, where every input carries its
source or is marked as an estimate with a range. The ``toolkit`` preset's static values are
fallbacks: :func:`computegov.outlook.toolkit.toolkit_preset` replaces the inputs marked
``derive`` with what the trends, clusters, supply, costs, planning and compute rooms answer.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from importlib import resources
from typing import Any

from computegov.errors import DataError, UnknownNameError
from computegov.outlook.inputs import Correlation, Input, parse_correlations
from computegov.outlook.model import CONSTRAINT_INPUTS, CONSTRAINTS, INPUT_UNITS

__all__ = ["PRESETS_FILE", "PRESET_NAMES", "Anchor", "Preset", "load_preset"]

PRESETS_FILE = "outlook_presets.yaml"
#: The presets, default first.
PRESET_NAMES: tuple[str, ...] = ("toolkit", "epoch2024")


@dataclasses.dataclass(frozen=True)
class Anchor:
    """A published figure for one constraint in 2030, to check the model against.

    Attributes:
        constraint: power, chips, data or latency.
        median_flop: the published (or, where said, derived) median, FLOP.
        low_flop: low end of the published range, FLOP.
        high_flop: high end, FLOP.
        source: where it comes from and how the median was read.
    """

    constraint: str
    median_flop: float
    low_flop: float
    high_flop: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Preset:
    """A full set of inputs, their correlations, and which constraints the minimum is over.

    Attributes:
        name: preset name.
        title: one line.
        source: where its inputs come from.
        inputs: every input of the model.
        correlations: stated correlations of the inputs' normal scores.
        binding: constraints the feasible run is the minimum of.
        notes: caveats shown with every result.
        anchors: published 2030 figures per constraint (epoch2024 only).
        headline_flop: the anchor's headline 2030 run, FLOP (or None).
        headline_binding: the anchor's binding constraint (or None).
        derive: input name -> the computegov function the toolkit derives it from.
    """

    name: str
    title: str
    source: str
    inputs: tuple[Input, ...]
    correlations: tuple[Correlation, ...]
    binding: tuple[str, ...]
    notes: tuple[str, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    headline_flop: float | None = None
    headline_binding: str | None = None
    derive: tuple[tuple[str, str], ...] = ()

    def input_map(self) -> dict[str, Input]:
        """Inputs by name."""
        return {i.name: i for i in self.inputs}

    def with_inputs(self, new: Iterable[Input]) -> Preset:
        """This preset with some inputs replaced (by name).

        Replacing a growth input drops the fan of every input that grows by it, so the override
        takes effect (the level is then read at its ``at_year`` and grown by the new factor).
        """
        current = self.input_map()
        for inp in new:
            current[inp.name] = inp
            for other in list(current.values()):
                if other.growth == inp.name and other.fan is not None:
                    current[other.name] = dataclasses.replace(other, fan=None)
        return dataclasses.replace(self, inputs=tuple(current[i.name] for i in self.inputs))

    def with_correlations(self, extra: Iterable[Correlation]) -> Preset:
        """This preset with correlations added or replaced (a pair given again wins)."""
        pairs = {frozenset((c.a, c.b)): c for c in self.correlations}
        for c in extra:
            pairs[frozenset((c.a, c.b))] = c
        return dataclasses.replace(self, correlations=tuple(pairs.values()))

    def with_binding(self, binding: Iterable[str]) -> Preset:
        """This preset with another binding set (checked)."""
        chosen = tuple(binding)
        bad = [c for c in chosen if c not in CONSTRAINTS]
        if bad or not chosen:
            raise UnknownNameError(f"constraint: unknown constraint {bad[0] if bad else ''!r}",
                                   name=bad[0] if bad else "", candidates=list(CONSTRAINTS))
        return dataclasses.replace(self, binding=chosen)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name, "title": self.title, "source": self.source,
            "binding": list(self.binding), "notes": list(self.notes),
            "inputs": [i.to_dict() for i in self.inputs],
            "correlations": [c.to_dict() for c in self.correlations],
            "copula": "Gaussian copula over the inputs' normal scores (log10 of each input drawn through its "
                      "own quantiles); pairs not listed are independent",
            "anchors": [a.to_dict() for a in self.anchors],
            "headline_flop": self.headline_flop, "headline_binding": self.headline_binding,
        }


def _input(name: str, raw: Any, where: str) -> tuple[Input, str | None]:
    field = f"presets.{where}.inputs.{name}"
    if name not in INPUT_UNITS:
        raise DataError(f"unknown input {name!r}", path=PRESETS_FILE, field=field)
    if not isinstance(raw, dict) or "value" not in raw:
        raise DataError("expected a mapping with 'value'", path=PRESETS_FILE, field=field)

    def num(key: str) -> float | None:
        v = raw.get(key)
        return None if v is None else float(v)

    value = num("value")
    assert value is not None
    try:
        inp = Input(name=name, unit=INPUT_UNITS[name], value=value, low=num("low"), high=num("high"),
                    source=str(raw.get("source", "")), estimate=bool(raw.get("estimate", False)),
                    at_year=raw.get("at_year"), growth=raw.get("growth"), upper=num("upper"))
    except Exception as err:
        raise DataError(str(err), path=PRESETS_FILE, field=field) from err
    if not inp.source:
        raise DataError("every input needs a source (or an estimate's reasoning)", path=PRESETS_FILE, field=field)
    derive = raw.get("derive")
    return inp, None if derive is None else str(derive)


def _preset(name: str, raw: dict[str, Any]) -> Preset:
    inputs, derive = [], []
    for key, spec in (raw.get("inputs") or {}).items():
        inp, how = _input(str(key), spec, name)
        inputs.append(inp)
        if how:
            derive.append((inp.name, how))
    names = {i.name for i in inputs}
    needed = {n for group in CONSTRAINT_INPUTS.values() for n in group}
    missing = sorted(needed - names)
    if missing:
        raise DataError(f"preset {name} lacks inputs {', '.join(missing)}", path=PRESETS_FILE, field=f"presets.{name}")
    for inp in inputs:
        if inp.growth is not None and (inp.growth not in names or inp.at_year is None):
            raise DataError(f"growth {inp.growth!r} needs that input and an at_year", path=PRESETS_FILE,
                            field=f"presets.{name}.inputs.{inp.name}")
    anchors = tuple(Anchor(a["constraint"], float(a["median_flop"]), float(a["low_flop"]), float(a["high_flop"]),
                           str(a["source"])) for a in raw.get("anchors") or ())
    return Preset(
        name=name, title=str(raw.get("title", name)), source=str(raw.get("source", "")),
        inputs=tuple(inputs),
        correlations=tuple(parse_correlations(raw.get("correlations") or (), names, PRESETS_FILE)),
        binding=tuple(raw.get("binding") or CONSTRAINTS), notes=tuple(raw.get("notes") or ()), anchors=anchors,
        headline_flop=None if raw.get("headline_flop") is None else float(raw["headline_flop"]),
        headline_binding=raw.get("headline_binding"), derive=tuple(derive),
    )


@functools.cache
def _bundled() -> dict[str, Preset]:
    from computegov.inputyaml import parse_yaml_text

    text = resources.files("computegov.data").joinpath(PRESETS_FILE).read_text("utf-8")
    raw = parse_yaml_text(text, path=PRESETS_FILE)
    return {str(k): _preset(str(k), v) for k, v in raw["presets"].items()}


def load_preset(name: str) -> Preset:
    """A bundled preset with its static values (``toolkit``: the fallbacks, nothing derived yet).

    Raises:
        UnknownNameError: no such preset.
    """
    presets = _bundled()
    if name not in presets:
        raise UnknownNameError(f"preset: unknown preset {name!r}", name=name, candidates=list(presets))
    return presets[name]
