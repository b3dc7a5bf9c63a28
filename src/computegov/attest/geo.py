"""Round-trip times to distance bounds, and where a chip can be: pure spherical geometry.

A landmark that times a round trip of ``rtt_s`` to the chip knows the chip is at most
``(rtt_s - allowance_s) x v / 2`` away along the ground, where ``v`` is the fastest signal speed
the model admits. Every landmark's bound is a disk (a spherical cap); the chip lies in their
intersection, the *certified region*. A prover can add delay (the disks only grow) but never
remove it, so a chip outside a disk cannot get inside it.

Constants (each cited):

* :data:`C_VACUUM_KM_PER_S` — exact, SI definition of the metre (BIPM SI Brochure, 9th ed., 2019,
  https://www.bipm.org/en/publications/si-brochure).
* :data:`FIBRE_GROUP_INDEX` = 1.468 — group index of standard single-mode fibre (ITU-T G.652,
  e.g. Corning SMF-28 Ultra datasheet: 1.4682 at 1550 nm,
  https://www.corning.com/optical-communications/worldwide/en/home/products/fiber/optical-fiber-products/smf-28-ultra.html,
  read 2026-12-04), so light in fibre moves at ~0.68 c. The "about 2/3 c" rule of delay-based
  geolocation: Gueye et al. 2006, Constraint-Based Geolocation, IEEE/ACM ToN 14(6)
  (https://doi.org/10.1109/TNET.2006.886332); Katz-Bassett et al. 2006, Towards IP geolocation
  using delay and topology measurements, IMC (https://doi.org/10.1145/1177080.1177090).
  **Caveat:** a prover with a free-space link (microwave, laser, LEO satellite) moves data at up
  to c; use ``signal_speed_km_per_s=C_VACUUM_KM_PER_S`` when that adversary matters.
* :data:`PROCESSING_ALLOWANCE_S` = 0 — time subtracted from every RTT for the prover's signing.
  Only a guaranteed *lower* bound may be subtracted; Ed25519 signing takes ~87,500 cycles
  (Bernstein et al. 2012, https://doi.org/10.1007/s13389-012-0027-1), ~17 µs at 5 GHz = ~3.5 km
  of fibre, and faster hardware could do better, so the sound default is 0.
* :data:`EARTH_MEAN_RADIUS_KM` = 6371.0088 — IUGG mean radius R1 of GRS 80 (Moritz 2000,
  https://doi.org/10.1007/s001900050278). Spherical distances differ from ellipsoidal ones by
  < 0.6 %, so each disk is widened by :data:`SPHERE_MARGIN` (Lambert 1942 / Karney 2013,
  https://doi.org/10.1007/s00190-012-0578-z, bound the sphere-vs-ellipsoid error near 0.5 %).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "C_VACUUM_KM_PER_S",
    "EARTH_MEAN_RADIUS_KM",
    "FIBRE_GROUP_INDEX",
    "FIBRE_KM_PER_S",
    "PROCESSING_ALLOWANCE_S",
    "SPHERE_MARGIN",
    "Disk",
    "SiteDecision",
    "decide_site",
    "destination_point",
    "destination_ring",
    "great_circle_km",
    "max_distance_km",
    "rtt_for_distance_s",
]

C_VACUUM_KM_PER_S = 299_792.458  # exact (SI)
FIBRE_GROUP_INDEX = 1.468  # ITU-T G.652 single-mode fibre, group index at 1550 nm
FIBRE_KM_PER_S = C_VACUUM_KM_PER_S / FIBRE_GROUP_INDEX  # ~204,218 km/s ~ 0.68 c
PROCESSING_ALLOWANCE_S = 0.0  # see the module docstring: only a guaranteed lower bound
EARTH_MEAN_RADIUS_KM = 6371.0088  # IUGG R1
SPHERE_MARGIN = 1.006  # widen every disk by 0.6 % for the sphere-vs-ellipsoid error


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean-radius sphere (haversine), km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def destination_point(lat: float, lon: float, bearing_rad: float, dist_km: float) -> tuple[float, float]:
    """The point ``dist_km`` from (lat, lon) along ``bearing_rad`` on the sphere, (lat, lon) degrees."""
    p1, l1, a = math.radians(lat), math.radians(lon), dist_km / EARTH_MEAN_RADIUS_KM
    p2 = math.asin(math.sin(p1) * math.cos(a) + math.cos(p1) * math.sin(a) * math.cos(bearing_rad))
    l2 = l1 + math.atan2(
        math.sin(bearing_rad) * math.sin(a) * math.cos(p1), math.cos(a) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@functools.lru_cache(maxsize=8)
def _bearing_trig(vertices: int) -> tuple[Any, Any]:
    """cos and sin of the bearings ``2 pi k / vertices`` (read-only arrays, computed once per count)."""
    import numpy as np

    bearing = 2 * np.pi * np.arange(vertices) / vertices
    cos_b, sin_b = np.cos(bearing), np.sin(bearing)
    cos_b.flags.writeable = sin_b.flags.writeable = False
    return cos_b, sin_b


def destination_ring(lat: float, lon: float, dist_km: float, vertices: int) -> tuple[Any, Any]:
    """``vertices`` points ``dist_km`` from (lat, lon) at evenly spaced bearings from north.

    :func:`destination_point`'s formula for every bearing ``2 pi k / vertices`` at once (numpy;
    the bearings' cos and sin are computed once per vertex count).

    Returns:
        (latitudes, longitudes) in degrees, numpy arrays, longitudes in [-180, 180).
    """
    import numpy as np

    cos_b, sin_b = _bearing_trig(vertices)
    p1, l1, a = math.radians(lat), math.radians(lon), dist_km / EARTH_MEAN_RADIUS_KM
    p2 = np.arcsin(math.sin(p1) * math.cos(a) + math.cos(p1) * math.sin(a) * cos_b)
    l2 = l1 + np.arctan2(sin_b * math.sin(a) * math.cos(p1), math.cos(a) - math.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540) % 360 - 180


def max_distance_km(
    rtt_s: float,
    *,
    signal_speed_km_per_s: float = FIBRE_KM_PER_S,
    allowance_s: float = PROCESSING_ALLOWANCE_S,
) -> float:
    """Farthest the far end of a round trip of ``rtt_s`` can be, km (widened by SPHERE_MARGIN)."""
    return max(0.0, rtt_s - allowance_s) * signal_speed_km_per_s / 2 * SPHERE_MARGIN


def rtt_for_distance_s(distance_km: float, *, signal_speed_km_per_s: float = FIBRE_KM_PER_S) -> float:
    """The least round-trip time physics allows over ``distance_km`` (no margin, no allowance), s."""
    return 2 * distance_km / signal_speed_km_per_s


@dataclass(frozen=True)
class Disk:
    """Where one landmark's measurement allows the chip to be: within ``radius_km`` of it."""

    landmark: str
    lat_deg: float
    lon_deg: float
    radius_km: float

    def distance_km(self, lat: float, lon: float) -> float:
        """Great-circle distance from the landmark to a point, km."""
        return great_circle_km(self.lat_deg, self.lon_deg, lat, lon)

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies in the disk."""
        return self.distance_km(lat, lon) <= self.radius_km


@dataclass(frozen=True)
class SiteDecision:
    """The verdict on a claimed site (a disk of ``radius_km`` around a point).

    Attributes:
        outcome: ``consistent`` (every place the chip can be is inside the site),
            ``inconsistent`` (no place the chip can be is inside it) or ``undecidable``.
        landmark: the landmark that decides (consistent / inconsistent), or the one that would
            decide it with a shorter round trip (undecidable); None when none can.
        detail: one sentence for an auditor.
        needed_rtt_s: for undecidable: the round trip ``landmark`` would have to measure.
    """

    outcome: str
    landmark: str | None
    detail: str
    needed_rtt_s: float | None = None


def decide_site(
    disks: Sequence[Disk],
    site_lat: float,
    site_lon: float,
    site_radius_km: float,
    *,
    signal_speed_km_per_s: float = FIBRE_KM_PER_S,
) -> SiteDecision:
    """Decide whether the chip can only be / cannot be / may be inside the claimed site.

    Sound by construction: ``consistent`` needs one disk wholly inside the site (d + r <= R), and
    ``inconsistent`` needs one disk wholly outside it (d > r + R) or two disks that do not meet
    (measurements no single position explains). The chip is in every disk, so neither can be
    said of a chip that is not where the verdict says.
    """
    if not disks:
        return SiteDecision("undecidable", None, "no landmark measurements")
    by_d = sorted(disks, key=lambda k: k.distance_km(site_lat, site_lon))
    for a_i, a in enumerate(disks):
        for b in disks[a_i + 1 :]:
            if a.distance_km(b.lat_deg, b.lon_deg) > a.radius_km + b.radius_km:
                return SiteDecision(
                    "inconsistent", a.landmark,
                    f"landmarks {a.landmark} and {b.landmark} bound the chip to disks that do "
                    "not meet: no position explains both round trips",
                )
    for k in by_d:
        d = k.distance_km(site_lat, site_lon)
        if d > k.radius_km + site_radius_km:
            return SiteDecision(
                "inconsistent", k.landmark,
                f"{k.landmark} bounds the chip to {k.radius_km:.0f} km of it, but the claimed site "
                f"is {d:.0f} km away (radius {site_radius_km:.0f} km)",
            )
    for k in by_d:
        d = k.distance_km(site_lat, site_lon)
        if d + k.radius_km <= site_radius_km:
            return SiteDecision(
                "consistent", k.landmark,
                f"{k.landmark} bounds the chip to {k.radius_km:.0f} km of it, which lies inside "
                f"the claimed site ({d:.0f} km away, radius {site_radius_km:.0f} km)",
            )
    near = by_d[0]
    d = near.distance_km(site_lat, site_lon)
    room_km = site_radius_km - d
    if room_km <= 0:
        return SiteDecision(
            "undecidable", None,
            f"no landmark lies inside the claimed site; the nearest, {near.landmark}, is {d:.0f} km "
            f"away: a landmark within {site_radius_km:.0f} km of the site is needed",
        )
    needed = 2 * room_km / SPHERE_MARGIN / signal_speed_km_per_s
    return SiteDecision(
        "undecidable", near.landmark,
        f"the certified region overlaps the site but is not inside it; {near.landmark} would "
        f"decide it with a round trip under {needed * 1e3:.3f} ms (it measured a "
        f"{near.radius_km:.0f} km bound)",
        needed,
    )
