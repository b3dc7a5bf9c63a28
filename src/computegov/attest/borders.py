"""Country claims: landmark disks against Natural Earth country borders (needs the ``attest`` extra).

Borders: Natural Earth 1:110m Admin 0 countries (public domain, https://www.naturalearthdata.com/,
read 2026-12-04), as bundled with the ``pyogrio`` package (``naturalearth_lowres``), read with
pyogrio and handled with ``shapely``. 1:110m leaves out the smallest countries (Singapore,
Bahrain, ...): claim a site (a point and radius) for those.

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

from computegov.attest.geo import EARTH_MEAN_RADIUS_KM, Disk, SiteDecision, destination_point
from computegov.errors import InputError

__all__ = ["VERTICES", "country_shapes", "decide_country", "disk_polygon", "require_extra"]

VERTICES = 96
#: Widen drawn disks by 2 % more, a safety margin: straight lon/lat edges are not the circle's
#: arcs, and the plane's scale changes with latitude across a disk. (The property test
#: tests/attest/test_location.py::test_a_drawn_disk_holds_every_point_of_the_disk finds no point
#: of a disk outside its drawn polygon, with or without this margin.)
PLANE_MARGIN = 1.02
#: Smallest radius drawn, km: a landmark next to the chip measures ~0 km.
MIN_DRAWN_KM = 1.0


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


@functools.lru_cache(maxsize=1)
def country_shapes() -> dict[str, Any]:
    """Natural Earth 1:110m countries as shapely geometries by ISO 3166 alpha-3 code.

    Raises:
        InputError: the attest extra is missing or the bundled file is not found.
    """
    import importlib.resources

    shapely = require_extra("shapely")
    raw = require_extra("pyogrio.raw")
    path = importlib.resources.files("pyogrio") / "tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp"
    if not path.is_file():
        raise InputError(f"Natural Earth countries not found at {path} (pyogrio changed its layout)")
    meta, _, geoms, fields = raw.read(str(path))
    names = list(meta["fields"])
    iso, label = fields[names.index("iso_a3")], fields[names.index("name")]
    out: dict[str, Any] = {}
    for code, name, wkb in zip(iso, label, geoms, strict=True):
        key = str(code)
        if key == "-99":  # Natural Earth leaves a few (France, Norway, Kosovo) without a code
            import pycountry

            try:
                key = pycountry.countries.lookup(str(name)).alpha_3
            except LookupError:
                continue
        out[key] = shapely.from_wkb(wkb)
    return out


def disk_polygon(disk: Disk) -> Any | None:
    """A circumscribed polygon of the disk in lon/lat (None when it wraps or nears a pole)."""
    shapely = require_extra("shapely")
    # at least MIN_DRAWN_KM, so that a zero-radius disk is still a polygon (widening is sound)
    r = max(disk.radius_km, MIN_DRAWN_KM) / math.cos(math.pi / VERTICES) * PLANE_MARGIN
    if r >= math.pi * EARTH_MEAN_RADIUS_KM / 2:
        return None
    pts = [destination_point(disk.lat_deg, disk.lon_deg, 2 * math.pi * k / VERTICES, r) for k in range(VERTICES)]
    lons = [p[1] for p in pts]
    if max(abs(p[0]) for p in pts) > 89 or max(lons) - min(lons) > 180:
        return None
    if abs(disk.lat_deg) + math.degrees(r / EARTH_MEAN_RADIUS_KM) > 89:
        return None
    return shapely.Polygon([(lon, lat) for lat, lon in pts])


def decide_country(disks: Sequence[Disk], iso3: str) -> SiteDecision:
    """Decide a country claim (see :func:`computegov.attest.geo.decide_site` for the outcomes).

    Raises:
        InputError: the attest extra is missing.
    """
    shapes = country_shapes()
    code = iso3.upper()
    country = shapes.get(code)
    if country is None:
        return SiteDecision(
            "undecidable", None,
            f"country {code!r} is not in Natural Earth 1:110m (too small or unknown); claim a site",
        )
    drawn = [(k, disk_polygon(k)) for k in disks]
    polys = [(k, p) for k, p in drawn if p is not None]
    polys.sort(key=lambda kp: kp[1].distance(country))
    for k, p in polys:
        if not p.intersects(country):
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
        if not region.is_empty and region.within(country):
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
