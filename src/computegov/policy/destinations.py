"""Destination data of the export-control rules: country groups, licence scope, review policy.

The ``licensing`` blocks and ``country_groups`` of ``export_control_rules.yaml`` (Supplement No. 1
to part 740 of the EAR, 15 CFR 742.6) parsed into typed records, and country lookup. Apart from
:mod:`computegov.policy.licensing` (which answers for one chip and destination) so that the
export-control history can name a chip's licensing actions without an import circle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

from computegov.errors import DataError, InputError
from computegov.inputyaml import load_bundled_yaml
from computegov.policy.rules import Condition, parse_conditions

__all__ = [
    "REVIEW_POLICIES",
    "ChipAction",
    "CountryGroup",
    "DestinationData",
    "LicenceRequirement",
    "Licensing",
    "ReviewPolicy",
    "load_destinations",
    "parse_destinations",
    "resolve_country",
]

#: Review policies a licensing block may name.
REVIEW_POLICIES = ("case_by_case", "presumption_of_denial", "denial", "not_encoded")
_RULES_FILE = "export_control_rules.yaml"


@dataclasses.dataclass(frozen=True)
class CountryGroup:
    """One EAR country group (e.g. ``D:5``) as ISO alpha-2 codes, with what was confirmed."""

    id: str
    title: str
    countries: frozenset[str]
    confirmed: str


@dataclasses.dataclass(frozen=True)
class LicenceRequirement:
    """Where a licence is required for the listed paragraphs (e.g. 15 CFR 742.6(a)(6)(iii))."""

    clause: str
    source: str
    url: str
    groups: tuple[str, ...]
    except_groups: tuple[str, ...]
    countries: tuple[str, ...]
    paragraphs: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ReviewPolicy:
    """A licence review policy for some destinations, optionally only when conditions hold."""

    id: str
    clause: str
    source: str
    groups: tuple[str, ...]
    countries: tuple[str, ...]
    all: tuple[Condition, ...]
    policy: str


@dataclasses.dataclass(frozen=True)
class Licensing:
    """A rule version's licence scope and its review policies, first match wins."""

    rule: str
    requirement: LicenceRequirement
    review: tuple[ReviewPolicy, ...]


@dataclasses.dataclass(frozen=True)
class ChipAction:
    """A licensing action addressed to named chips (e.g. the H20 'is-informed' letter)."""

    action: str
    chips: tuple[str, ...]
    countries: tuple[str, ...]
    groups: tuple[str, ...]
    effect: str


@dataclasses.dataclass(frozen=True)
class DestinationData:
    """Country groups, licensing blocks by rule id, and chip-specific actions."""

    url: str
    checked: dt.date
    treated_as: Mapping[str, str]
    groups: Mapping[str, CountryGroup]
    licensing: Mapping[str, Licensing]
    chip_actions: tuple[ChipAction, ...]

    def groups_of(self, code: str) -> tuple[str, ...]:
        """The group ids holding ``code`` (an alpha-2 code, after ``treated_as``)."""
        return tuple(g.id for g in self.groups.values() if code in g.countries)


def _codes(raw: Any, field: str, path: str) -> tuple[str, ...]:
    import pycountry

    codes = tuple(str(c) for c in raw or ())
    for code in codes:
        if pycountry.countries.get(alpha_2=code) is None:
            raise DataError("expected an ISO 3166-1 alpha-2 code", path=path, field=field, value=code)
    return codes


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _licensing(rid: str, raw: Mapping[str, Any], groups: Mapping[str, CountryGroup], path: str) -> Licensing:
    req = raw["requirement"]

    def known(ids: Any, field: str) -> tuple[str, ...]:
        out = tuple(str(g) for g in ids or ())
        unknown = [g for g in out if g not in groups]
        if unknown:
            raise DataError("unknown country group", path=path, field=field, value=unknown)
        return out

    requirement = LicenceRequirement(
        clause=str(req["clause"]),
        source=_text(req["source"]),
        url=str(req.get("url", "")),
        groups=known(req.get("groups"), f"{rid}.licensing.requirement.groups"),
        except_groups=known(req.get("except_groups"), f"{rid}.licensing.requirement.except_groups"),
        countries=_codes(req.get("countries"), f"{rid}.licensing.requirement.countries", path),
        paragraphs=tuple(req.get("paragraphs") or ()),
    )
    review = []
    for item in raw.get("review") or ():
        where = f"{rid}.licensing.review.{item.get('id')}"
        if item.get("policy") not in REVIEW_POLICIES:
            raise DataError(f"policy must be one of {REVIEW_POLICIES}", path=path, field=where)
        review.append(
            ReviewPolicy(
                id=str(item["id"]),
                clause=str(item["clause"]),
                source=_text(item["source"]),
                groups=known(item.get("groups"), where),
                countries=_codes(item.get("countries"), where, path),
                all=parse_conditions(item["all"], where, path) if item.get("all") else (),
                policy=str(item["policy"]),
            )
        )
    return Licensing(rule=rid, requirement=requirement, review=tuple(review))


def parse_destinations(data: Mapping[str, Any], path: str = _RULES_FILE) -> DestinationData:
    """Validate the country groups, licensing blocks and chip actions of the rules YAML.

    Raises:
        DataError: a field is missing or malformed, or a code is not ISO 3166-1 alpha-2.
    """
    try:
        cg = data["country_groups"]
        groups = {
            str(gid): CountryGroup(
                id=str(gid),
                title=_text(g.get("title")),
                countries=frozenset(_codes(g.get("countries"), f"country_groups.{gid}", path)),
                confirmed=_text(g.get("confirmed")),
            )
            for gid, g in cg["groups"].items()
        }
        treated = dict(cg.get("treated_as") or {})
        _codes([*treated, *treated.values()], "country_groups.treated_as", path)
        licensing = {
            str(v["id"]): _licensing(str(v["id"]), v["licensing"], groups, path)
            for v in data["versions"]
            if v.get("licensing")
        }
        actions = tuple(
            ChipAction(
                action=str(a["action"]),
                chips=tuple(a.get("chips") or ()),
                countries=_codes(a.get("countries"), f"chip_actions.{a['action']}", path),
                groups=tuple(a.get("groups") or ()),
                effect=_text(a["effect"]),
            )
            for a in data.get("chip_actions") or ()
        )
        checked = cg["checked"]
        checked = checked if isinstance(checked, dt.date) else dt.date.fromisoformat(str(checked))
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"missing or malformed destination field: {err}", path=path) from err
    return DestinationData(
        url=str(cg["url"]),
        checked=checked,
        treated_as=treated,
        groups=groups,
        licensing=licensing,
        chip_actions=actions,
    )


@functools.cache
def load_destinations() -> DestinationData:
    """The bundled country groups and licensing blocks (cached)."""
    text = resources.files("computegov.data").joinpath(_RULES_FILE).read_text(encoding="utf-8")
    return parse_destinations(load_bundled_yaml(text))


def resolve_country(text: str, field: str = "destination") -> tuple[str, str]:
    """An ISO 3166-1 alpha-2 code and name from a code or a country name.

    Raises:
        InputError: unknown country; the message names ``field``.
    """
    import pycountry

    key = " ".join(str(text).split())
    try:
        country = pycountry.countries.lookup(key) if key else None
    except LookupError:
        country = None
    if country is None:
        raise InputError(
            f"{field}: unknown country {text!r}; expected an ISO 3166-1 alpha-2 code (e.g. CN, GB)"
            " or a country name"
        )
    return str(country.alpha_2), str(country.name)
