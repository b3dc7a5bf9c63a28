"""The country rule computed in full, value by value: what the fast paths are checked against.

A verbatim copy of ``computegov.attest.borders`` (TopoJSON decoding, disk drawing, country
decisions) and ``computegov.attest.geo.destination_ring`` as they were before the fast paths
(main 5a44c79): every distance computed and sorted, every coordinate decoded in Python, every
bearing's cos and sin computed afresh. Only the names differ (``reference_*``); the constants and
the border table are the package's own. One clause was added since, to the rule itself: a disk
with a NaN or infinite centre or radius makes a country claim undecidable (it used to reach GEOS,
which refused it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import shapely
import shapely.affinity

from computegov.attest.borders import (
    BORDER_TOLERANCE_KM,
    MIN_DRAWN_KM,
    PLANE_MARGIN,
    VERTICES,
    _disjoint_pair,
    country_code,
    country_shapes,
)
from computegov.attest.geo import EARTH_MEAN_RADIUS_KM, Disk, SiteDecision

__all__ = ["reference_decide_country", "reference_decode_topojson", "reference_destination_ring"]


def reference_destination_ring(lat: float, lon: float, dist_km: float, vertices: int) -> tuple[Any, Any]:
    """``geo.destination_ring``: the bearings' cos and sin computed on every call."""
    bearing = 2 * np.pi * np.arange(vertices) / vertices
    p1, l1, a = math.radians(lat), math.radians(lon), dist_km / EARTH_MEAN_RADIUS_KM
    p2 = np.arcsin(math.sin(p1) * math.cos(a) + math.cos(p1) * math.sin(a) * np.cos(bearing))
    l2 = l1 + np.arctan2(np.sin(bearing) * math.sin(a) * math.cos(p1), math.cos(a) - math.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540) % 360 - 180


def _reference_ring(topology: dict[str, Any], arcs: list[list[list[int]]], indices: list[int]) -> list[tuple[float, float]]:
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


def _reference_polygon(shell: list[tuple[float, float]], holes: list[list[tuple[float, float]]]) -> Any:
    """A polygon within [-180, 180] from unwrapped rings.

    The shell is closed over a pole when it circles one, holes are shifted to lie beside the
    shell, and the parts beyond ±180 are moved back by 360°.
    """
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


def reference_decode_topojson(topology: dict[str, Any], layer: str) -> list[tuple[dict[str, Any], Any]]:
    """(feature, shapely geometry) for each Polygon/MultiPolygon of a quantized TopoJSON layer.

    Raises:
        InputError: the attest extra is missing.
    """
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
            shell, *holes = (_reference_ring(topology, arcs, r) for r in rings)
            parts.append(_reference_polygon(shell, holes))
        polygons = [q for part in parts for q in getattr(part, "geoms", [part])]
        if len(polygons) == 1:
            geom = polygons[0]
        elif all(q.geom_type == "Polygon" for q in polygons):
            geom = shapely.MultiPolygon(polygons)
        else:
            geom = shapely.union_all(parts)
        out.append((feature, geom if geom.is_valid else shapely.make_valid(geom)))
    return out


def _reference_disk_polygon(disk: Disk) -> Any | None:
    """A circumscribed polygon of the disk in lon/lat (None when it wraps or nears a pole)."""
    # at least MIN_DRAWN_KM, so that a zero-radius disk is still a polygon (widening is sound)
    r = max(disk.radius_km, MIN_DRAWN_KM) / math.cos(math.pi / VERTICES) * PLANE_MARGIN
    if r >= math.pi * EARTH_MEAN_RADIUS_KM / 2:
        return None
    lats, lons = reference_destination_ring(disk.lat_deg, disk.lon_deg, r, VERTICES)
    if np.abs(lats).max() > 89 or lons.max() - lons.min() > 180:
        return None
    if abs(disk.lat_deg) + math.degrees(r / EARTH_MEAN_RADIUS_KM) > 89:
        return None
    return shapely.Polygon(np.column_stack([lons, lats]))


def reference_decide_country(disks: Sequence[Disk], iso3: str) -> SiteDecision:
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
    for k in disks:
        for field in ("lat_deg", "lon_deg", "radius_km"):
            value = getattr(k, field)
            if not math.isfinite(value):
                return SiteDecision(
                    "undecidable", None,
                    f"landmark {k.landmark}'s disk has {field} {value!r}, not a finite number: it bounds "
                    "nothing, so no verdict can rest on it; correct the landmark or the measurement",
                )
    drawn = [(k, _reference_disk_polygon(replace(k, radius_km=k.radius_km + BORDER_TOLERANCE_KM))) for k in disks]
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
    inside = [k for k in disks if country.contains(shapely.Point(k.lon_deg, k.lat_deg))]
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


