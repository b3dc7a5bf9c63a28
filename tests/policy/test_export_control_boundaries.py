"""Every clause boundary of every rule version: just below, at, and just above the threshold."""

from __future__ import annotations

import pytest

from computegov.policy.export_control import ChipFacts, classify

EPS = 1e-6  # far above float resolution at these magnitudes, far below any real chip's margin
DC_VERSIONS = ["2023-10", "2024-12", "2025-01"]


def _ic(
    tpp: float, area: float | None = None, *, dc: bool | None = True, io_gb: float | None = None
) -> ChipFacts:
    io = None if io_gb is None else io_gb * 1e9
    return ChipFacts(
        name="probe",
        tpp=tpp,
        die_area_mm2=area,
        datacenter=dc,
        io_bandwidth_min_bytes_per_s=io,
        io_bandwidth_max_bytes_per_s=io,
    )


def _outcome(facts: ChipFacts, version: str) -> str:
    result = classify(facts, version)
    assert result.status != "indeterminate", result.missing
    return result.eccn or "none"


# 2022-10: 3A090.a.1 = I/O >= 600 GB/s AND TPP >= 4800 (87 FR 62186).
@pytest.mark.parametrize(
    ("tpp", "io_gb", "expected"),
    [
        (4800 - EPS, 900, "none"),
        (4800, 900, "3A090.a"),
        (4800 + EPS, 900, "3A090.a"),
        (15832, 600 - EPS, "none"),
        (15832, 600, "3A090.a"),
        (15832, 600 + EPS, "3A090.a"),
    ],
)
def test_2022_boundaries(tpp: float, io_gb: float, expected: str) -> None:
    assert _outcome(_ic(tpp, 814, io_gb=io_gb), "2022-10") == expected


# (tpp, die area mm^2, expected) for datacenter ICs; each group straddles one threshold with the
# other facts placed where only that threshold decides. PD = tpp / area is exact in each case.
BOUNDARIES_2023: dict[str, list[tuple[float, float, str]]] = {
    # a.1: TPP 4800 at PD ~1.2 (outside every PD band of .b)
    "a.1 TPP>=4800": [
        (4800 - EPS, 4000, "none"),
        (4800, 4000, "3A090.a"),
        (4800 + EPS, 4000, "3A090.a"),
    ],
    # a.2: TPP 1600 at PD 16
    "a.2 TPP>=1600": [
        (1600 - EPS, 100, "none"),
        (1600, 100, "3A090.a"),
        (1600 + EPS, 100, "3A090.a"),
    ],
    # a.2 / b upper: PD 5.92 at TPP 2960 (2960 / 500 = 5.92)
    "a.2 PD>=5.92": [
        (2960, 500 + EPS, "3A090.b"),
        (2960, 500, "3A090.a"),
        (2960, 500 - EPS, "3A090.a"),
    ],
    # b.1: TPP 2400 at PD 2.0 (area 1200; PD in [1.6, 3.2): only b.1 can apply)
    "b.1 TPP>=2400": [
        (2400 - EPS, 1200, "none"),
        (2400, 1200, "3A090.b"),
        (2400 + EPS, 1200, "3A090.b"),
    ],
    # b.1: TPP < 4800 at PD ~2 (area 2400): .b below, .a at and above
    "b.1 TPP<4800": [
        (4800 - EPS, 2400, "3A090.b"),
        (4800, 2400, "3A090.a"),
        (4800 + EPS, 2400, "3A090.a"),
    ],
    # b.1: PD 1.6 at TPP 3000 (3000 / 1875 = 1.6)
    "b.1 PD>=1.6": [
        (3000, 1875 + EPS, "none"),
        (3000, 1875, "3A090.b"),
        (3000, 1875 - EPS, "3A090.b"),
    ],
    # b.2: TPP 1600 at PD 4 (area 400)
    "b.2 TPP>=1600": [
        (1600 - EPS, 400, "none"),
        (1600, 400, "3A090.b"),
        (1600 + EPS, 400, "3A090.b"),
    ],
    # b.2: PD 3.2 at TPP 2000 (2000 / 625 = 3.2; TPP below 2400, so b.1 cannot apply)
    "b.2 PD>=3.2": [
        (2000, 625 + EPS, "none"),
        (2000, 625, "3A090.b"),
        (2000, 625 - EPS, "3A090.b"),
    ],
    # b.2 PD < 5.92 / a.2: TPP 1776 (1776 / 300 = 5.92)
    "b.2 PD<5.92": [
        (1776, 300 + EPS, "3A090.b"),
        (1776, 300, "3A090.a"),
        (1776, 300 - EPS, "3A090.a"),
    ],
}


@pytest.mark.parametrize("version", DC_VERSIONS)
@pytest.mark.parametrize(
    ("label", "tpp", "area", "expected"),
    [(label, *case) for label, cases in BOUNDARIES_2023.items() for case in cases],
)
def test_2023_and_later_boundaries(
    version: str, label: str, tpp: float, area: float, expected: str
) -> None:
    assert _outcome(_ic(tpp, area), version) == expected, label


# Licence exceptions open to a non-datacenter 3A090.a IC: NAC from 2023 (88 FR 73458); the
# AI diffusion rule (90 FR 4544) added ACA for such items.
NON_DC_EXCEPTIONS = {"2023-10": ("NAC",), "2024-12": ("NAC",), "2025-01": ("NAC", "ACA")}


@pytest.mark.parametrize("version", DC_VERSIONS)
@pytest.mark.parametrize(
    ("tpp", "expected"), [(4800 - EPS, "none"), (4800, "3A090.a"), (4800 + EPS, "3A090.a")]
)
def test_note_2_non_datacenter_boundary_at_tpp_4800(
    version: str, tpp: float, expected: str
) -> None:
    # PD 10 would put a datacenter IC in .a at any TPP >= 1600; Note 2 keeps non-datacenter ICs out below 4800.
    result = classify(_ic(tpp, tpp / 10, dc=False), version)
    assert (result.eccn or "none") == expected
    if expected == "none":
        assert result.exclusions == ("Note 2 to 3A090",)
        assert result.license_exceptions == ()
    else:
        assert result.exclusions == ()
        assert result.license_exceptions == NON_DC_EXCEPTIONS[version]


@pytest.mark.parametrize("version", DC_VERSIONS)
def test_datacenter_3a090b_items_are_nac_eligible(version: str) -> None:
    result = classify(_ic(2400, 1200), version)
    assert result.eccn == "3A090.b" and result.license_exceptions == ("NAC",)


def _hbm(density_gb_per_mm2: float) -> ChipFacts:
    return ChipFacts(
        name="HBM stack",
        item="hbm",
        memory_bandwidth_density_bytes_per_s_per_mm2=density_gb_per_mm2 * 1e9,
    )


@pytest.mark.parametrize("version", ["2024-12", "2025-01"])
@pytest.mark.parametrize(
    ("density", "expected"), [(2 - EPS, "none"), (2.0, "none"), (2 + EPS, "3A090.c")]
)
def test_hbm_boundary_is_strictly_above_2(version: str, density: float, expected: str) -> None:
    assert _outcome(_hbm(density), version) == expected


@pytest.mark.parametrize("version", ["2024-12", "2025-01"])
@pytest.mark.parametrize(
    ("density", "exceptions"), [(3.3 - EPS, ("HBM",)), (3.3, ()), (3.3 + EPS, ())]
)
def test_license_exception_hbm_is_strictly_below_3_3(
    version: str, density: float, exceptions: tuple[str, ...]
) -> None:
    # 15 CFR 740.25 (89 FR 96790): only 3A090.c stacks below 3.3 GB/s/mm^2 are eligible.
    result = classify(_hbm(density), version)
    assert result.eccn == "3A090.c"
    assert result.license_exceptions == exceptions


@pytest.mark.parametrize("version", ["2022-10", "2023-10"])
def test_hbm_was_not_in_3a090_before_december_2024(version: str) -> None:
    assert _outcome(_hbm(10.0), version) == "none"
