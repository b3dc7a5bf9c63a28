"""A disk whose centre or radius is NaN or infinite: a clear refusal, never a GEOS or math error."""

from __future__ import annotations

import math

import pytest

shapely = pytest.importorskip("shapely", reason="country borders need the attest extra (shapely)")

from computegov.attest.borders import disk_polygon  # noqa: E402 - after the extra's importorskip
from computegov.attest.geo import Disk  # noqa: E402

FINITE = {"lat_deg": 41.9, "lon_deg": 12.45, "radius_km": 50.0}
BAD = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("field", sorted(FINITE))
@pytest.mark.parametrize("value", BAD, ids=repr)
def test_disk_polygon_names_the_field_and_value_that_is_not_finite(field: str, value: float) -> None:
    disk = Disk("rome", **{**FINITE, field: value})
    with pytest.raises(ValueError, match=rf"landmark 'rome': {field} is {value!r}, not a finite number"):
        disk_polygon(disk)


def test_the_first_bad_field_is_named_and_a_finite_disk_is_drawn_as_before() -> None:
    with pytest.raises(ValueError, match=r"lat_deg is nan"):
        disk_polygon(Disk("x", math.nan, math.inf, math.nan))
    poly = disk_polygon(Disk("rome", **FINITE))
    assert poly is not None and poly.is_valid and poly.contains(shapely.Point(12.45, 41.9))
    assert disk_polygon(Disk("pole", 89.5, 0.0, 10.0)) is None  # near a pole: not drawn, as documented
    assert disk_polygon(Disk("huge", 0.0, 0.0, 1e300)) is None  # finite but too wide to draw
