"""A map of a location simulation: landmarks, claimed and actual sites, and the deciding disks.

An Altair (Vega-Lite) chart; the CLI saves it with :func:`computegov.charts.base.save_chart`.
Country outlines (Natural Earth 1:50m, simplified: :mod:`computegov.attest.map_outlines`) are
drawn when the ``attest`` extra is installed; the rest needs only Altair. Disks are drawn as geodesic polygons (clockwise rings, as d3-geo wants
for a region smaller than a hemisphere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from computegov.attest.geo import destination_point
from computegov.attest.location_sim import City, RouteResult, find_city, simulate_disks

__all__ = ["location_map"]

_OUTCOME_COLOURS = {"consistent": "#1a9850", "inconsistent": "#d73027", "undecidable": "#fdae61"}


def _disk_feature(lat: float, lon: float, radius_km: float, props: dict[str, Any]) -> dict[str, Any]:
    ring = [destination_point(lat, lon, 2 * math.pi * k / 72, radius_km)[::-1] for k in range(72)]
    ring.append(ring[0])
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": props}


def location_map(landmarks: Sequence[City], results: Sequence[RouteResult]) -> Any:
    """The chart: one line per route (claimed -> actual) coloured by verdict, and its decisive disk."""
    import altair as alt

    first_delay = min((r.added_delay_ms for r in results), default=0.0)
    shown = [r for r in results if r.added_delay_ms == first_delay]
    disks: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for i, r in enumerate(shown):
        claimed, actual = find_city(r.claimed), find_city(r.actual)
        route = f"{r.claimed} → {r.actual}"
        disks.extend(
            _disk_feature(d.lat_deg, d.lon_deg, d.radius_km,
                          {"route": route, "outcome": r.outcome, "landmark": d.landmark,
                           "radius_km": round(d.radius_km)})
            for d in simulate_disks(landmarks, actual, first_delay / 1e3)
            if d.landmark == r.landmark
        )
        for role, c in (("claimed", claimed), ("actual", actual)):
            points.append({"name": c.name, "role": role, "lat": c.lat_deg, "lon": c.lon_deg, "route": route})
            lines.append({"route": route, "order": 0 if role == "claimed" else 1, "lat": c.lat_deg,
                          "lon": c.lon_deg, "outcome": r.outcome, "i": i})
    points += [{"name": c.name, "role": "landmark", "lat": c.lat_deg, "lon": c.lon_deg, "route": ""}
               for c in landmarks]
    colour = alt.Color("outcome:N", scale=alt.Scale(domain=list(_OUTCOME_COLOURS),
                                                     range=list(_OUTCOME_COLOURS.values())))
    from computegov.attest.map_outlines import OutlinedLayerChart, has_outlines, outline_layer

    layers: list[Any] = []
    outlined = has_outlines()
    if outlined:  # a placeholder: the outlines join the spec as it is written (map_outlines)
        layers.append(outline_layer([]))
    if disks:
        layers.append(alt.Chart(alt.Data(values=disks)).mark_geoshape(fillOpacity=0.15, strokeWidth=1)
                      .encode(color=colour, tooltip=["properties.route:N", "properties.landmark:N",
                                                     "properties.radius_km:Q"])
                      .transform_calculate(outcome="datum.properties.outcome"))
    layers.append(alt.Chart(alt.Data(values=lines)).mark_line(strokeWidth=2)
                  .encode(longitude="lon:Q", latitude="lat:Q", detail="route:N", order="order:Q",
                          color=colour))
    layers.append(alt.Chart(alt.Data(values=points)).mark_point(filled=True, size=60)
                  .encode(longitude="lon:Q", latitude="lat:Q",
                          shape=alt.Shape("role:N", scale=alt.Scale(domain=["landmark", "claimed", "actual"],
                                                                    range=["triangle-up", "circle", "cross"])),
                          tooltip=["name:N", "role:N", "route:N"]))
    chart = OutlinedLayerChart(layer=layers) if outlined else alt.layer(*layers)
    return (chart
            .project(type="equalEarth")
            .properties(width=900, height=480,
                        title=f"Location claims: routes coloured by verdict, decisive disk per route "
                              f"(+{first_delay:g} ms delay)"))
