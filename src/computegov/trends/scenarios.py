"""Forecast scenarios and physical limits, with their sources (bundled YAML).

:class:`Scenario` is a named shape for a trend's future (``data/trend_scenarios.yaml``);
:class:`PhysicalLimit` is a cap on a metric (``data/physical_limits.yaml``). Both files cite every
figure; a scenario whose figures could not be found is kept with ``status: unavailable``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import yaml

from computegov.errors import DataError, InputError, UnknownNameError
from computegov.inputyaml import load_bundled_yaml

__all__ = [
    "PhysicalLimit",
    "Scenario",
    "limits_for",
    "load_limits",
    "load_scenarios",
    "resolve_scenario",
    "scenarios_for",
    "user_ceiling",
]

_KINDS = ("trend", "fixed_growth", "slowdown", "roadmap")
_SHAPES = ("saturating", "capped")
_RELATIONS = ("direct", "inverse")


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A named shape for the future of a trend.

    Attributes:
        name: key, e.g. ``"cotra_2020"``.
        title: label for people.
        kind: ``trend`` (the fit continues), ``fixed_growth`` (a fixed doubling time from the
            fitted level at the last data year), ``slowdown`` (growth toward a ceiling) or
            ``roadmap`` (the metric follows a published roadmap's projected quantity, see
            ``roadmap``).
        shape: how a ``slowdown`` approaches its ceiling: ``saturating`` (growth slows smoothly,
            ``L0 + M (1 - exp(-g0 (t - t0) / M))`` in log10 units) or ``capped`` (growth at
            ``g0`` until the ceiling, then flat: ``min(L0 + g0 (t - t0), ceiling)``).
        description: one sentence.
        source: citation of every parameter.
        doubling_time_years: fixed or starting doubling time; None uses the fitted slope.
        ceiling_ooms_above_start: slowdown headroom M in orders of magnitude above the fitted
            level at the last data year (or at ``ceiling_reference_year`` when given).
        ceiling_reference_year: the year whose fitted level the headroom is measured from (e.g.
            2020 for a 2020 forecast); None: the last data year.
        ceiling_value: slowdown ceiling as an absolute value in the metric's unit (instead of M).
        applies_to: metric names the scenario is meant for (empty: every metric). A ``roadmap``
            scenario runs only for these metrics.
        roadmap: for ``roadmap``: ``(year, value)`` points of the roadmap's projected quantity
            (in ``roadmap_quantity``'s unit), years increasing. Between points the quantity is
            interpolated linearly in log10; outside them it is held at the end values.
        roadmap_quantity: what ``roadmap`` projects, with its unit.
        roadmap_relation: ``direct`` (the metric grows as the quantity does) or ``inverse`` (as
            its reciprocal, e.g. FLOP/J against energy per switching event).
        status: ``ok``, or ``unavailable`` when its figures could not be found (not run).
        notes: caveats.
    """

    name: str
    title: str
    kind: str
    description: str = ""
    source: str = ""
    doubling_time_years: float | None = None
    ceiling_ooms_above_start: float | None = None
    ceiling_value: float | None = None
    shape: str = "saturating"
    ceiling_reference_year: float | None = None
    applies_to: tuple[str, ...] = ()
    roadmap: tuple[tuple[float, float], ...] = ()
    roadmap_quantity: str = ""
    roadmap_relation: str = "direct"
    status: str = "ok"
    notes: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InputError(
                f"scenario {self.name!r}: kind must be one of {', '.join(_KINDS)}, got {self.kind!r}"
            )
        if self.shape not in _SHAPES:
            raise InputError(
                f"scenario {self.name!r}: shape must be one of {', '.join(_SHAPES)}, "
                f"got {self.shape!r}"
            )
        if self.status == "ok" and self.kind == "fixed_growth" and not self.doubling_time_years:
            raise InputError(f"scenario {self.name!r}: fixed_growth needs doubling_time_years")
        if (
            self.status == "ok"
            and self.kind == "slowdown"
            and (self.ceiling_ooms_above_start is None and self.ceiling_value is None)
        ):
            raise InputError(
                f"scenario {self.name!r}: slowdown needs a ceiling (OOM above start or a value)"
            )
        if self.status == "ok" and self.kind == "roadmap":
            self._check_roadmap()

    def _check_roadmap(self) -> None:
        if self.roadmap_relation not in _RELATIONS:
            raise InputError(
                f"scenario {self.name!r}: roadmap_relation must be one of "
                f"{', '.join(_RELATIONS)}, got {self.roadmap_relation!r}"
            )
        if not self.applies_to:
            raise InputError(f"scenario {self.name!r}: a roadmap needs applies_to (its metrics)")
        if len(self.roadmap) < 2:
            raise InputError(f"scenario {self.name!r}: a roadmap needs at least 2 (year, value) points")
        years = [year for year, _ in self.roadmap]
        if any(later <= earlier for earlier, later in itertools.pairwise(years)):
            raise InputError(f"scenario {self.name!r}: roadmap years must increase, got {years}")
        for year, value in self.roadmap:
            if not (value > 0 and math.isfinite(value)):
                raise InputError(
                    f"scenario {self.name!r}: roadmap value for {year:g} must be a positive "
                    f"number, got {value!r}"
                )

    def roadmap_log10_change(self, years: Any, since: float) -> Any:
        """Log10 factor by which the metric changes from ``since`` to each of ``years``.

        The roadmap quantity is interpolated linearly in log10 between its points and held at
        its first and last values outside them; ``inverse`` flips the sign.

        Args:
            years: decimal years (array-like).
            since: decimal year the change is measured from.

        Returns:
            NumPy array shaped like ``years`` (orders of magnitude).
        """
        import numpy as np

        xs = np.array([year for year, _ in self.roadmap], dtype=float)
        logs = np.log10([value for _, value in self.roadmap])
        change = np.interp(np.asarray(years, dtype=float), xs, logs) - np.interp(since, xs, logs)
        return -change if self.roadmap_relation == "inverse" else change

    @property
    def available(self) -> bool:
        """True when the scenario has the figures it needs."""
        return self.status == "ok"

    def applies(self, metric: str) -> bool:
        """Whether the scenario is meant for ``metric``."""
        return not self.applies_to or metric in self.applies_to

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["applies_to"] = list(self.applies_to)
        out["roadmap"] = [{"year": year, "value": value} for year, value in self.roadmap]
        return out


@dataclasses.dataclass(frozen=True)
class PhysicalLimit:
    """A cap on a metric with its source.

    Attributes:
        name: key.
        title: label.
        applies_to: metric names it caps.
        unit: unit of ``value``.
        value: the cap in the metric's unit.
        hard: True for a physical law (Landauer), False for a paradigm's estimate (CMOS).
        source: citation and assumptions.
    """

    name: str
    title: str
    applies_to: tuple[str, ...]
    unit: str
    value: float
    hard: bool
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["applies_to"] = list(self.applies_to)
        return out


def _read_yaml(name: str) -> Any:
    path = resources.files("computegov.data").joinpath(name)
    try:
        return load_bundled_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise DataError(f"not valid YAML: {err}", path=name) from err


def _roadmap_points(raw: Any) -> tuple[tuple[float, float], ...]:
    """``{year: value}`` (YAML mapping) as sorted ``(year, value)`` float pairs."""
    if not isinstance(raw, Mapping):
        raise InputError(f"roadmap must map years to values, got {type(raw).__name__}")
    return tuple(sorted((float(year), float(value)) for year, value in raw.items()))


@functools.cache
def load_scenarios() -> Mapping[str, Scenario]:
    """The bundled scenarios (``data/trend_scenarios.yaml``), by name, unavailable ones included.

    Raises:
        DataError: the file is malformed.
    """
    data = _read_yaml("trend_scenarios.yaml")
    out: dict[str, Scenario] = {}
    known = {f.name for f in dataclasses.fields(Scenario)}
    for row_number, row in enumerate(data.get("scenarios", []), start=1):
        try:
            kwargs = {k: v for k, v in row.items() if k in known}
            kwargs["applies_to"] = tuple(kwargs.get("applies_to") or ())
            kwargs["roadmap"] = _roadmap_points(kwargs.get("roadmap") or {})
            scenario = Scenario(**kwargs)
        except (TypeError, ValueError, InputError) as err:
            raise DataError(str(err), path="trend_scenarios.yaml", row=row_number) from err
        out[scenario.name] = scenario
    return out


@functools.cache
def load_limits() -> tuple[PhysicalLimit, ...]:
    """The bundled physical limits (``data/physical_limits.yaml``).

    Raises:
        DataError: the file is malformed.
    """
    data = _read_yaml("physical_limits.yaml")
    out = []
    for row_number, row in enumerate(data.get("limits", []), start=1):
        try:
            out.append(
                PhysicalLimit(
                    name=row["name"],
                    title=row["title"],
                    applies_to=tuple(row["applies_to"]),
                    unit=row["unit"],
                    value=float(row["value"]),
                    hard=bool(row.get("hard", False)),
                    source=row["source"],
                )
            )
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(
                f"missing or bad field: {err}", path="physical_limits.yaml", row=row_number
            ) from err
    return tuple(out)


def scenarios_for(metric: str) -> list[Scenario]:
    """The bundled scenarios that have their figures and are meant for ``metric``, in file order."""
    return [s for s in load_scenarios().values() if s.available and s.applies(metric)]


def user_ceiling(value: float, *, name: str = "user_ceiling") -> Scenario:
    """A slowdown toward a ceiling the user gives, starting at the fitted rate.

    Args:
        value: the ceiling in the metric's unit (positive).
        name: scenario name.

    Raises:
        InputError: a non-positive ceiling.
    """
    if not (value > 0 and math.isfinite(value)):
        raise InputError(f"a ceiling must be a positive number, got {value}")
    return Scenario(
        name=name,
        title=f"Slowdown toward a ceiling of {value:.3g}",
        kind="slowdown",
        description="Growth starts at the fitted rate and slows toward a user-given ceiling.",
        source="user input",
        ceiling_value=value,
    )


def resolve_scenario(scenario: str | Scenario) -> Scenario:
    """A scenario by name (or unchanged), checked to be available.

    Raises:
        UnknownNameError: unknown name (``candidates`` lists the scenarios).
        InputError: the scenario is marked unavailable.
    """
    if isinstance(scenario, Scenario):
        chosen = scenario
    else:
        scenarios = load_scenarios()
        if scenario not in scenarios:
            raise UnknownNameError(
                f"unknown scenario {scenario!r}; available: {', '.join(scenarios)}",
                name=scenario,
                candidates=tuple(scenarios),
            )
        chosen = scenarios[scenario]
    if not chosen.available:
        raise InputError(
            f"scenario {chosen.name!r} is not available: {chosen.notes or chosen.status}"
        )
    return chosen


def limits_for(metric: str, limits: Iterable[PhysicalLimit] | None = None) -> list[PhysicalLimit]:
    """The limits (bundled by default) that cap ``metric``."""
    pool = load_limits() if limits is None else tuple(limits)
    return [limit for limit in pool if metric in limit.applies_to]
