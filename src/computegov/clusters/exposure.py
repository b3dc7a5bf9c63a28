"""Export-control exposure of compute stocks: how much of each country's compute sits on controlled chips.

Every system's primary chip (mapped to the catalogue) is classified with the project's own
classifier (:func:`computegov.policy.classify`) twice: under the rule in force on the system's
first operational date (:func:`rule_in_force`) and under today's rule (the newest in force).
"Controlled" means the chip falls in ECCN 3A090.a/.b, so exporting it needs a licence to the
destinations those paragraphs cover; destination-by-destination outcomes are not evaluated here.

A what-if threshold (:class:`WhatIfThreshold`, the inputs of ``computegov policy whatif``: a TPP
and optionally a performance density) replaces the rule by "controlled if TPP >= x (or PD >= y)"
and shows how each country's share moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from computegov.clusters.stocks import METRICS, metric_value
from computegov.clusters.table import ClusterSystem
from computegov.errors import InputError

if TYPE_CHECKING:
    from computegov.catalog import Catalog
    from computegov.policy import Rule

__all__ = [
    "CountryExposure",
    "Exposure",
    "SystemExposure",
    "WhatIfThreshold",
    "exposure",
    "rule_in_force",
]

#: Outcome labels of one system.
OUTCOMES = ("controlled", "not_controlled", "indeterminate", "no_rule", "unknown_chip")


def rule_in_force(date: dt.date, rules: Sequence[Rule] | None = None) -> Rule | None:
    """The rule version in force on ``date`` (None before the first one, 2022-10-07).

    The newest version whose effective date is on or before ``date``; a rescinded version counts
    only until the first rescission action dated after its effective date (the AI Diffusion rule,
    2025-01, until the BIS announcement of 2025-05-13).
    """
    from computegov.policy import load_rules

    ruleset = load_rules()
    pool = tuple(rules) if rules is not None else ruleset.rules
    rescissions = sorted(a.date for a in ruleset.actions if a.kind == "rescission")
    live = []
    for rule in pool:
        if rule.effective > date:
            continue
        if rule.status == "rescinded":
            ends = [d for d in rescissions if d > rule.effective]
            if ends and ends[0] <= date:
                continue
        live.append(rule)
    return max(live, key=lambda r: r.effective) if live else None


@dataclasses.dataclass(frozen=True)
class WhatIfThreshold:
    """A hypothetical control: a chip is controlled when TPP >= ``tpp`` or PD >= ``performance_density``.

    Attributes:
        tpp: total processing performance threshold (TOPS x bit length).
        performance_density: optional performance-density threshold (TPP per mm^2 of die).
    """

    tpp: float
    performance_density: float | None = None

    def __post_init__(self) -> None:
        if not self.tpp > 0:
            raise InputError(f"tpp: expected a positive TPP threshold, got {self.tpp}")
        if self.performance_density is not None and not self.performance_density > 0:
            raise InputError(f"performance_density: expected a positive threshold, got {self.performance_density}")

    def outcome(self, chip: Any) -> str:
        """``controlled``, ``not_controlled`` or ``indeterminate`` (no TPP) for a catalogue chip."""
        from computegov.policy import performance_density, tpp_of_chip

        result = tpp_of_chip(chip)
        if result is None:
            return "indeterminate"
        if result.tpp >= self.tpp:
            return "controlled"
        if self.performance_density is not None:
            if chip.die_area_mm2 is None:
                return "indeterminate"
            if performance_density(result.tpp, chip.die_area_mm2) >= self.performance_density:
                return "controlled"
        return "not_controlled"


@dataclasses.dataclass(frozen=True)
class SystemExposure:
    """One system's primary chip under the rule of its first operation, today's rule and a what-if."""

    system: str
    country: str | None
    chip: str | None
    value: float
    rule_at_first_operation: str | None
    at_first_operation: str
    today: str
    whatif: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class CountryExposure:
    """Shares of one country's compute by outcome (each dict sums to 1 when ``total`` > 0)."""

    country: str
    total: float
    n_systems: int
    today: dict[str, float]
    at_first_operation: dict[str, float]
    whatif: dict[str, float] | None

    @property
    def licence_share_today(self) -> float:
        """Share of the country's compute on chips controlled under today's rule."""
        return self.today.get("controlled", 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {**dataclasses.asdict(self), "licence_share_today": self.licence_share_today}


@dataclasses.dataclass(frozen=True)
class Exposure:
    """Exposure of the systems operational on ``date``, per system and per country."""

    date: dt.date
    metric: str
    rule_today: str
    whatif: WhatIfThreshold | None
    systems: tuple[SystemExposure, ...]
    countries: tuple[CountryExposure, ...]

    def country(self, code: str) -> CountryExposure:
        """The row of one country (ISO code or ``unknown``).

        Raises:
            InputError: the country has no operational systems with the metric.
        """
        for row in self.countries:
            if row.country == code:
                return row
        raise InputError(f"country: no operational systems in {code!r} on {self.date}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "date": self.date.isoformat(),
            "metric": self.metric,
            "unit": METRICS[self.metric][0],
            "rule_today": self.rule_today,
            "whatif": dataclasses.asdict(self.whatif) if self.whatif else None,
            "meaning": "controlled = ECCN 3A090.a/.b under the rule (licence needed for the destinations it covers)",
            "countries": [c.to_dict() for c in self.countries],
            "systems": [s.to_dict() for s in self.systems],
        }


def _shares(values: dict[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in sorted(values.items())}


def exposure(
    systems: Iterable[ClusterSystem],
    date: dt.date,
    *,
    metric: str = "h100e",
    catalog: Catalog | None = None,
    whatif: WhatIfThreshold | None = None,
) -> Exposure:
    """Classify the primary chip of every system operational on ``date`` and aggregate by country.

    Args:
        systems: the systems (filter them first with :func:`~computegov.clusters.filter_systems`).
        date: stock date.
        metric: the compute measure weighting each system (see :data:`~computegov.clusters.stocks.METRICS`).
        catalog: catalogue the systems' chips were mapped to (None: the bundled one).
        whatif: optional hypothetical threshold.

    Raises:
        InputError: unknown metric.
    """
    from computegov.catalog import load_catalog
    from computegov.policy import classify, load_rules

    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    catalog = catalog or load_catalog(user_config=False)
    today = load_rules().current
    cache: dict[tuple[str, str], str] = {}

    def outcome(chip_name: str, rule: Rule) -> str:
        key = (chip_name, rule.id)
        if key not in cache:
            cache[key] = classify(catalog.get(chip_name), rule).status
        return cache[key]

    rows: list[SystemExposure] = []
    for system in systems:
        value = metric_value(system, metric)
        if value is None or not system.operational_on(date):
            continue
        first = system.first_operational
        assert first is not None
        then_rule = rule_in_force(first)
        if system.chip is None:
            rows.append(SystemExposure(system.name, system.country, None, value,
                                       then_rule.id if then_rule else None, "unknown_chip", "unknown_chip",
                                       "unknown_chip" if whatif else None))
            continue
        at_first = outcome(system.chip, then_rule) if then_rule else "no_rule"
        hypothetical = whatif.outcome(catalog.get(system.chip)) if whatif else None
        rows.append(SystemExposure(system.name, system.country, system.chip, value,
                                   then_rule.id if then_rule else None, at_first,
                                   outcome(system.chip, today), hypothetical))
    by_country: dict[str, list[SystemExposure]] = defaultdict(list)
    for row in rows:
        by_country[row.country or "unknown"].append(row)
    countries = []
    for code, items in by_country.items():
        sums: dict[str, dict[str, float]] = {"today": defaultdict(float), "first": defaultdict(float),
                                              "whatif": defaultdict(float)}
        for item in items:
            sums["today"][item.today] += item.value
            sums["first"][item.at_first_operation] += item.value
            if item.whatif is not None:
                sums["whatif"][item.whatif] += item.value
        countries.append(CountryExposure(
            code, float(sum(i.value for i in items)), len(items), _shares(sums["today"]),
            _shares(sums["first"]), _shares(sums["whatif"]) if whatif else None,
        ))
    countries.sort(key=lambda c: (-c.total, c.country))
    return Exposure(date, metric, today.id, whatif, tuple(rows), tuple(countries))
