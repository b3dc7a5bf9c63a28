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


def _decide(disks: list[Disk], claim: str) -> tuple[str, str | None, str]:
    from computegov.attest.borders import decide_country

    d = decide_country(disks, claim)
    return d.outcome, d.landmark, d.detail


@pytest.mark.parametrize("field", sorted(FINITE))
@pytest.mark.parametrize("value", BAD, ids=repr)
def test_a_country_claim_on_a_non_finite_disk_is_undecidable_and_says_which(field: str, value: float) -> None:
    bad = Disk("rome", **{**FINITE, field: value})
    outcome, landmark, detail = _decide([Disk("ok", 41.9, 12.45, 5.0), bad], "ITA")
    assert (outcome, landmark) == ("undecidable", None)
    assert f"landmark rome's disk has {field} {value!r}, not a finite number" in detail


def test_a_non_finite_disk_outweighs_disks_that_would_decide_either_way() -> None:
    inside = Disk("chengdu", 30.66, 104.06, 100.0)  # certifies China alone
    assert _decide([inside], "CHN")[0] == "consistent"
    assert _decide([inside, Disk("bad", 30.66, 104.06, math.nan)], "CHN")[0] == "undecidable"
    assert _decide([inside], "SGP")[0] == "inconsistent"
    assert _decide([Disk("bad", math.inf, 0.0, 5.0), inside], "SGP")[0] == "undecidable"  # still a failing verdict
    assert _decide([Disk("bad", 30.66, 104.06, math.inf)], "CHN")[0] == "undecidable"  # no bound is no evidence


def test_an_unknown_country_is_still_named_first() -> None:
    outcome, _, detail = _decide([Disk("bad", math.nan, 0.0, 5.0)], "ZZZ")
    assert outcome == "undecidable" and "is not in Natural Earth 1:50m" in detail


def test_the_location_checker_s_claim_decision_fails_rather_than_raises() -> None:
    from computegov.attest.location_checker import decide_claim

    outcome, detail = decide_claim([Disk("bad", 41.9, math.nan, 5.0)], {"country": "ITA"})
    assert outcome == "undecidable" and "lon_deg nan" in detail


@pytest.mark.parametrize("field", ["lat", "lon"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_trust_list_built_in_python_refuses_a_non_finite_landmark_position(field: str, value: float) -> None:
    # Trust files on disk cannot hold NaN (their JSON reader refuses it); a dict built in Python can.
    from computegov.attest.trust import parse_trust
    from computegov.errors import InputError

    entry = {"name": "rome", "lat": 41.9, "lon": 12.5, "public_key": "ab" * 32, field: value}
    with pytest.raises(InputError, match=rf"landmarks\[0\]\.{field}: expected degrees"):
        parse_trust({"landmarks": [entry]})
