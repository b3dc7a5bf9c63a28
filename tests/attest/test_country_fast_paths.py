"""Country decisions and borders give exactly what the rule computed in full gives.

The reference (tests/attest/country_reference.py) is the code before the fast paths: every
distance computed and sorted, every coordinate decoded in Python. The package's version skips
the distances a verdict does not depend on, decodes with numpy and draws disks from cached
bearings; here both run on the same inputs, honest and hostile (landmarks on border vertices,
zero, huge, negative and NaN radii, latitudes past the poles), and must agree to the character.
"""

from __future__ import annotations

import importlib.resources
import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

shapely = pytest.importorskip("shapely", reason="country borders need the attest extra (shapely)")

import numpy as np  # noqa: E402 - after the extra's importorskip
from country_reference import (  # noqa: E402
    reference_decide_country,
    reference_decode_topojson,
    reference_destination_ring,
)

from computegov.attest.borders import (  # noqa: E402
    BORDER_TOLERANCE_KM,
    BORDERS_FILE,
    country_shapes,
    decide_country,
    decode_topojson,
    disk_polygon,
)
from computegov.attest.geo import Disk, destination_ring  # noqa: E402

#: Countries with every kind of border: huge (CHN, RUS across the antimeridian), tiny (SGP, VAT,
#: MCO), an enclave (LSO in ZAF), islands (FJI, NZL, NOR), a long thin one (CHL).
COUNTRIES = ["CHN", "RUS", "SGP", "VAT", "MCO", "ITA", "LSO", "ZAF", "FJI", "NZL", "NOR", "CHL", "FRA", "DEU",
             "USA", "XKX"]


def _same(disks: list[Disk], claim: str) -> None:
    """Both decide ``claim`` alike: the same outcome, landmark and sentence, or the same error."""

    def run(fn: Any) -> Any:
        try:
            return fn(disks, claim)
        except Exception as err:  # a hostile input may make GEOS refuse: both must refuse alike
            return ("raised", type(err).__name__)

    assert run(decide_country) == run(reference_decide_country), (disks, claim)


def _border_vertices(code: str, every: int) -> list[tuple[float, float]]:
    coords = shapely.get_coordinates(country_shapes()[code])
    return [(float(lon), float(lat)) for lon, lat in coords[::every]]


def test_the_bundled_borders_decode_exactly_as_value_by_value() -> None:
    topology = json.loads((importlib.resources.files("computegov") / "data" / BORDERS_FILE).read_text("utf-8"))
    fast, slow = decode_topojson(topology, "countries"), reference_decode_topojson(topology, "countries")
    assert [f for f, _ in fast] == [f for f, _ in slow]
    # WKB holds every coordinate bit for bit (even the sign of a zero) and the parts' order
    assert [shapely.to_wkb(g) for _, g in fast] == [shapely.to_wkb(g) for _, g in slow]


_arc = st.lists(st.tuples(st.integers(-40_000, 40_000), st.integers(-30_000, 30_000)), min_size=2, max_size=6)


@settings(max_examples=40, deadline=None)
@example(arcs=[[(0, 0), (99_990, 0), (0, 50)], [(99_990, 50), (-99_990, 0), (0, -50)]],
         scale=[0.0036, 0.0017], translate=[-180, -85])  # a ring that crosses the antimeridian
@given(
    arcs=st.lists(_arc, min_size=3, max_size=6),
    scale=st.sampled_from([[0.0036000360003600037, 0.001736003453784538], [0.01, 0.01], [1, 1]]),
    translate=st.sampled_from([[-180, -89.999], [-180.0, -90.0], [0, 0]]),
)
def test_any_small_topology_decodes_exactly_as_value_by_value(
    arcs: list[list[tuple[int, int]]], scale: list[float], translate: list[float]
) -> None:
    n = len(arcs)
    topology = {
        "transform": {"scale": scale, "translate": translate},
        "arcs": [[list(p) for p in arc] for arc in arcs],
        "objects": {"countries": {"geometries": [
            {"type": "Polygon", "arcs": [[0, 1, ~2 if n > 2 else 0]], "id": "1"},
            {"type": "MultiPolygon", "arcs": [[[~0, *range(1, n)]], [[n - 1]]], "id": "2"},
        ]}},
    }

    def run(fn: Any) -> Any:
        try:
            return [shapely.to_wkb(g) for _, g in fn(topology, "countries")]
        except Exception as err:  # a ring GEOS cannot build fails the same way in both
            return ("raised", type(err).__name__)

    assert run(decode_topojson) == run(reference_decode_topojson)


@settings(max_examples=50, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-540, 540), dist_km=st.floats(0, 20_000),
       vertices=st.sampled_from([3, 72, 96, 97]))
def test_a_ring_from_cached_bearings_is_the_formula_bit_for_bit(
    lat: float, lon: float, dist_km: float, vertices: int
) -> None:
    for got, want in zip(destination_ring(lat, lon, dist_km, vertices),
                         reference_destination_ring(lat, lon, dist_km, vertices), strict=True):
        assert got.tobytes() == want.tobytes()


_radius = st.one_of(st.floats(0, 6000), st.sampled_from([0.0, 1e-9, 1.0, 2.0, 9_999.0, 10_010.0]))
_hostile = st.sampled_from([math.nan, math.inf, -math.inf, -5.0, 1e300])


@st.composite
def _country_disks(draw: Any) -> tuple[list[Disk], str]:
    code = draw(st.sampled_from(COUNTRIES))
    vertices = _border_vertices(code, 7)
    disks = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):  # on or beside a border vertex
            lon, lat = draw(st.sampled_from(vertices))
            lat += draw(st.sampled_from([0.0, 0.01, -0.02, 0.3]))
            lon += draw(st.sampled_from([0.0, -0.01, 0.02, -0.3]))
        else:
            lat, lon = draw(st.floats(-95, 95)), draw(st.floats(-200, 200))
        radius = draw(st.one_of(_radius, _hostile) if draw(st.integers(0, 9)) == 0 else _radius)
        disks.append(Disk(f"L{i}", lat, lon, radius))
    if draw(st.booleans()):
        disks.append(disks[0])  # a repeated measurement
    claim = draw(st.sampled_from([code, code, code.lower(), "FR", "250", "ZZZ", " sgp "]))
    return disks, claim


@settings(max_examples=50, deadline=None)
@example(case=([Disk("ctu", 30.66, 104.06, 100.0), Disk("ckg", 29.56, 106.55, 300.0)], "CHN"))
@example(case=([Disk("sin", 1.35, 103.82, 60.0), Disk("kul", 3.14, 101.69, 400.0)], "SGP"))
@example(case=([Disk("ber", 52.52, 13.40, 50.0), Disk("par", 48.85, 2.35, 30.0)], "ITA"))  # both outside
@example(case=([Disk("a", 41.9, 12.45, math.nan), Disk("b", 41.9, 12.45, 5.0)], "VAT"))
@example(case=([Disk("a", 95.0, 12.45, 5.0), Disk("b", -29.6, 28.25, math.inf)], "LSO"))
@example(case=([], "FRA"))
@given(case=_country_disks())
def test_country_decisions_equal_the_rule_computed_in_full(case: tuple[list[Disk], str]) -> None:
    _same(*case)


@pytest.mark.parametrize("code", ["SGP", "LSO", "VAT", "FJI", "RUS"])
def test_disks_centred_on_border_vertices_decide_as_the_full_rule(code: str) -> None:
    """Landmarks exactly on the drawn border, alone and in pairs, with radii at and around the tolerance."""
    vertices = _border_vertices(code, max(1, len(_border_vertices(code, 1)) // 12))
    for (lon, lat), (lon2, lat2) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        for radius in (0.0, BORDER_TOLERANCE_KM, 40.0, 800.0):
            _same([Disk("on", lat, lon, radius)], code)
            _same([Disk("on", lat, lon, radius), Disk("next", lat2, lon2, radius / 2)], code)


@settings(max_examples=40, deadline=None)
@given(case=_country_disks())
def test_a_first_vertex_in_the_country_is_at_distance_zero_in_geos(case: tuple[list[Disk], str]) -> None:
    """The shortcut the fast order takes: GEOS's distance is exactly 0.0 there, never computed."""
    disks, claim = case
    country = country_shapes().get(claim.strip().upper())
    if country is None:
        return
    for k in disks:
        if not all(math.isfinite(v) for v in (k.lat_deg, k.lon_deg, k.radius_km)):
            continue  # non-finite disks are refused before any drawing (disk_polygon raises, decide_country: undecidable)
        p = disk_polygon(Disk(k.landmark, k.lat_deg, k.lon_deg, k.radius_km + BORDER_TOLERANCE_KM))
        if p is None or not np.isfinite(shapely.get_coordinates(p)).all():
            continue
        x0, y0 = p.exterior.coords[0]
        if shapely.intersects_xy(country, x0, y0):
            assert p.distance(country) == 0.0


@settings(max_examples=40, deadline=None)
@given(case=_country_disks())
def test_the_nearest_first_order_is_the_sort_by_geos_distance(case: tuple[list[Disk], str]) -> None:
    """The region is intersected in this order: it must be the full rule's order, tie for tie."""
    from computegov.attest.borders import _drawn_ring, _nearest_first, _valid_area

    disks, claim = case
    code = claim.strip().upper()
    country = country_shapes().get(code)
    if country is None or not all(math.isfinite(v) for k in disks for v in (k.lat_deg, k.lon_deg, k.radius_km)):
        return
    rings = [(k, _drawn_ring(k.lat_deg, k.lon_deg, k.radius_km + BORDER_TOLERANCE_KM)) for k in disks]
    kept = [(k, r) for k, r in rings if r is not None]
    polys = [(k, shapely.Polygon(r)) for k, r in kept]
    starts = np.array([r[0] for _, r in kept]).reshape(-1, 2)
    got = _nearest_first(polys, starts, country, _valid_area(code))
    want = sorted(polys, key=lambda kp: kp[1].distance(country))
    assert [id(p) for _, p in got] == [id(p) for _, p in want]
