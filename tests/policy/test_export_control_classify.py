"""Classification of hand-made chips across rule versions, missing facts, margins, what-ifs."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.catalog.chip import Chip
from computegov.errors import InputError
from computegov.policy.export_control import (
    HOST_LINK_MAX_BYTES_PER_S,
    ChipFacts,
    classify,
    classify_many,
    facts_from_chip,
    history,
    outcome_intervals,
    summarize,
)
from computegov.policy.rules import get_rule
from computegov.policy.whatif import tpp_limits, whatif

T = 1e12
GB = 1e9

# Dense rates from NVIDIA datasheets; die areas: GA100 826 mm^2, GH100 814 mm^2, AD102 608.5 mm^2;
# NVLink (bidirectional): A100 600 GB/s, A800 400 GB/s, H100 900 GB/s, H800 400 GB/s, H20 900 GB/s.
CHIPS = {
    "A100": Chip(
        name="A100",
        peak_flop_per_s={"bf16": 312 * T, "int8": 624 * T},
        die_area_mm2=826,
        intranode_bandwidth_bytes_per_s=600 * GB,
        datacenter=True,
    ),
    "A800": Chip(
        name="A800",
        peak_flop_per_s={"bf16": 312 * T, "int8": 624 * T},
        die_area_mm2=826,
        intranode_bandwidth_bytes_per_s=400 * GB,
        datacenter=True,
    ),
    "H100": Chip(
        name="H100",
        peak_flop_per_s={"bf16": 989.4 * T, "fp8": 1979 * T},
        die_area_mm2=814,
        intranode_bandwidth_bytes_per_s=900 * GB,
        datacenter=True,
    ),
    "H800": Chip(
        name="H800",
        peak_flop_per_s={"bf16": 989.4 * T, "fp8": 1979 * T},
        die_area_mm2=814,
        intranode_bandwidth_bytes_per_s=400 * GB,
        datacenter=True,
    ),
    "H20": Chip(
        name="H20",
        peak_flop_per_s={"bf16": 148 * T, "fp8": 296 * T},
        die_area_mm2=814,
        intranode_bandwidth_bytes_per_s=900 * GB,
        datacenter=True,
    ),
    "RTX 4090": Chip(
        name="RTX 4090", peak_flop_per_s={"fp8": 660.6 * T}, die_area_mm2=608.5, datacenter=False
    ),
    "RTX 4090 D": Chip(
        name="RTX 4090 D", peak_flop_per_s={"fp8": 588.35 * T}, die_area_mm2=608.5, datacenter=False
    ),
}

EXPECTED = {  # outcome per version: 2022-10, 2023-10, 2024-12, 2025-01, 2025-05, 2026-01
    "A100": ["3A090.a"] * 6,
    "A800": ["not controlled", *["3A090.a"] * 5],
    "H100": ["3A090.a"] * 6,
    "H800": ["not controlled", *["3A090.a"] * 5],
    "H20": ["not controlled"] * 6,
    "RTX 4090": ["indeterminate (3A090.a | none)", *["3A090.a"] * 5],
    "RTX 4090 D": ["not controlled"] * 6,
}


@pytest.mark.parametrize("name", sorted(CHIPS))
def test_history_of_well_known_chips(name: str) -> None:
    assert [c.outcome for c in history(CHIPS[name]).classifications] == EXPECTED[name]


def test_4090_under_2022_names_the_missing_io_bandwidth_and_the_option() -> None:
    result = classify(CHIPS["RTX 4090"], "2022-10")
    assert result.status == "indeterminate"
    assert result.missing == (("aggregate bidirectional I/O bandwidth, GB/s", "--io-bandwidth"),)
    supplied = classify(
        facts_from_chip(CHIPS["RTX 4090"], io_bandwidth_bytes_per_s=64 * GB), "2022-10"
    )
    assert supplied.outcome == "not controlled"


def test_io_bounds_from_nvlink_plus_assumed_host_link() -> None:
    facts = facts_from_chip(CHIPS["A800"])
    assert facts.io_bandwidth_min_bytes_per_s == 400 * GB
    assert facts.io_bandwidth_max_bytes_per_s == 400 * GB + HOST_LINK_MAX_BYTES_PER_S
    # 528 GB/s upper bound < 600: determinately outside the 2022 rule; the bound is stated.
    assert any("PCIe 5.0 x16" in a for a in facts.assumptions)


def test_io_range_straddling_the_threshold_is_indeterminate() -> None:
    facts = ChipFacts(
        name="x",
        tpp=5000,
        io_bandwidth_min_bytes_per_s=500 * GB,
        io_bandwidth_max_bytes_per_s=700 * GB,
    )
    assert classify(facts, "2022-10").status == "indeterminate"


def test_missing_die_area_only_matters_when_it_decides() -> None:
    no_area = Chip(name="H100 no area", peak_flop_per_s={"fp8": 1979 * T}, datacenter=True)
    assert classify(no_area, "2023-10").outcome == "3A090.a"  # a.1 holds on TPP alone
    mid = Chip(name="mid", peak_flop_per_s={"bf16": 200 * T}, datacenter=True)  # TPP 3200
    result = classify(mid, "2023-10")
    assert result.status == "indeterminate"
    assert result.possible_eccns == ("3A090.a", "3A090.b", "none")
    assert ("applicable die area, mm^2", "--die-area") in result.missing


def test_unknown_datacenter_designation_is_reported_not_guessed() -> None:
    chip = Chip(name="x", peak_flop_per_s={"fp8": 500 * T}, die_area_mm2=400)  # TPP 4000, PD 10
    result = classify(chip, "2024-12")
    assert result.status == "indeterminate"
    assert result.missing == (
        ("designed or marketed for datacenters", "--datacenter / --not-datacenter"),
    )
    assert classify(facts_from_chip(chip, datacenter=True), "2024-12").eccn == "3A090.a"
    assert classify(facts_from_chip(chip, datacenter=False), "2024-12").outcome == "not controlled"


def test_h20_sits_32_tpp_below_3a090b() -> None:
    boundary = classify(CHIPS["H20"], "2023-10").boundary
    assert boundary is not None
    assert boundary.upper_tpp == 2400 and boundary.upper_outcome == "3A090.b"
    assert boundary.margin_tpp == pytest.approx(-32, abs=1e-9)


def test_every_clause_is_reported_with_both_sides_and_margin() -> None:
    result = classify(CHIPS["H20"], "2023-10")
    pd = next(
        c
        for c in result.checks
        if c.clause == "3A090.b.2" and c.metric == "performance_density" and c.op == ">="
    )
    assert pd.threshold == 3.2
    assert pd.value == pytest.approx(2368 / 814)
    assert pd.satisfied is False
    assert pd.margin == pytest.approx(2368 / 814 - 3.2)
    assert len(result.checks) == 10  # a.1 (1) + a.2 (2) + b.1 (4) + b.2 (3); Note 2 not needed


def test_classification_is_json_ready() -> None:
    for result in classify_many(CHIPS.values(), "2024-12"):
        json.dumps(result.to_dict(), allow_nan=False, default=str)


@pytest.mark.parametrize("area", [0.0, -5.0])
def test_zero_or_negative_die_area_is_an_input_error(area: float) -> None:
    with pytest.raises(InputError, match="die area"):
        facts_from_chip(CHIPS["H100"], die_area_mm2=area)


def test_tpp_limits_for_a_600_mm2_datacenter_die() -> None:
    limits = {lim.paragraph: lim for lim in tpp_limits(600, "2023-10")}
    assert limits["3A090.a"].max_tpp_outside == pytest.approx(5.92 * 600)  # 3,552 via a.2
    assert limits["3A090.b"].max_tpp_outside == pytest.approx(3.2 * 600)  # 1,920 via b.2


def test_tpp_limits_for_a_large_die() -> None:
    # 2000 mm^2: .a only via TPP 4800 (PD 5.92 would need 11,840); .b.1 starts where PD reaches
    # 1.6, i.e. TPP 3,200 (TPP 2,400 alone gives PD 1.2); .b.2 would need PD 3.2 = TPP 6,400.
    limits = {lim.paragraph: lim.max_tpp_outside for lim in tpp_limits(2000, "2023-10")}
    assert limits == {"3A090.a": 4800, "3A090.b": pytest.approx(3200)}
    limits = {lim.paragraph: lim.max_tpp_outside for lim in tpp_limits(1000, "2023-10")}
    assert limits == {"3A090.a": 4800, "3A090.b": 2400}  # PD 2.4 at TPP 2400: b.1 from 2,400


def test_tpp_limits_2022_depend_on_io() -> None:
    assert tpp_limits(600, "2022-10", io_bandwidth_bytes_per_s=900 * GB)[0].max_tpp_outside == 4800
    assert math.isinf(
        tpp_limits(600, "2022-10", io_bandwidth_bytes_per_s=400 * GB)[0].max_tpp_outside
    )


def test_whatif_planned_chip_under_every_version() -> None:
    result = whatif(4000, 600)
    assert [c.outcome for c in result.classifications] == [
        "not controlled",
        "3A090.a",
        "3A090.a",
        "3A090.a",
        "3A090.a",
        "3A090.a",
    ]
    assert len(result.limits) == 1 + 2 * 5


@given(
    area=st.floats(min_value=50, max_value=3000),
    datacenter=st.booleans(),
    version=st.sampled_from(["2023-10", "2024-12", "2025-01"]),
)
def test_tpp_limits_agree_with_classify(area: float, datacenter: bool, version: str) -> None:
    for lim in tpp_limits(area, version, datacenter=datacenter):
        if math.isinf(lim.max_tpp_outside):
            continue
        below = classify(
            ChipFacts(
                "p", tpp=lim.max_tpp_outside * (1 - 1e-9), die_area_mm2=area, datacenter=datacenter
            ),
            version,
        )
        at = classify(
            ChipFacts(
                "p", tpp=lim.max_tpp_outside * (1 + 1e-12), die_area_mm2=area, datacenter=datacenter
            ),
            version,
        )
        strict = {"3A090.a"} if lim.paragraph == "3A090.a" else {"3A090.a", "3A090.b"}
        assert below.eccn not in strict
        assert at.eccn in strict


@given(area=st.floats(min_value=50, max_value=3000), datacenter=st.booleans())
def test_control_is_monotone_in_tpp(area: float, datacenter: bool) -> None:
    facts = ChipFacts("p", die_area_mm2=area, datacenter=datacenter)
    rank = {"none": 0, "3A090.b": 1, "3A090.a": 2}
    ranks = [rank[label] for _lo, _hi, label in outcome_intervals(get_rule("2024-12"), facts)]
    assert ranks == sorted(ranks)


def test_planar_process_die_area_is_flagged() -> None:
    old = Chip(name="28nm", peak_flop_per_s={"bf16": 100 * T}, die_area_mm2=600, process_nm=28)
    assert any("probably planar" in a for a in facts_from_chip(old).assumptions)
    new = Chip(name="7nm", peak_flop_per_s={"bf16": 100 * T}, die_area_mm2=600, process_nm=7)
    assert not any("probably planar" in a for a in facts_from_chip(new).assumptions)


def test_reason_names_the_deciding_fact_for_each_kind_of_outcome() -> None:
    assert classify(CHIPS["H20"], "2023-10").reason == (
        "TPP 2,368 is 32 below 2,400, where 3A090.b starts"
    )
    assert classify(CHIPS["A800"], "2022-10").reason == "fails I/O GB/s 400..528 >= 600"
    assert classify(CHIPS["RTX 4090 D"], "2024-12").reason == (
        "excluded by Note 2 to 3A090 (not designed or marketed for datacenters, TPP 4,707 < 4800)"
    )
    assert classify(CHIPS["H100"], "2024-12").reason.startswith(
        "meets 3A090.a.1 (TPP 15,832 >= 4800)"
    )
    assert classify(CHIPS["RTX 4090"], "2022-10").reason == (
        "needs aggregate bidirectional I/O bandwidth, GB/s (--io-bandwidth)"
    )


def test_json_checks_carry_units_and_missing_facts_their_metric() -> None:
    data = classify(CHIPS["RTX 4090"], "2022-10").to_dict()
    units = {c["metric"]: c["unit"] for c in data["checks"]}
    assert units == {"io_bandwidth_gb_per_s": "GB/s", "tpp": "TPP"}
    assert data["missing"] == [
        {
            "metric": "io_bandwidth_gb_per_s",
            "fact": "aggregate bidirectional I/O bandwidth, GB/s",
            "option": "--io-bandwidth",
        }
    ]


def test_summarize_counts_status_paragraph_and_missing_facts() -> None:
    no_area = Chip(name="mid", peak_flop_per_s={"bf16": 200 * T}, datacenter=True)  # TPP 3200
    results = classify_many([*CHIPS.values(), no_area], "2024-12")
    summary = summarize(results)
    # 3A090.a: A100, A800, H100, H800, RTX 4090; outside: H20, RTX 4090 D; open: "mid".
    assert summary.total == 8
    assert summary.by_status == {"controlled": 5, "not_controlled": 2, "indeterminate": 1}
    assert summary.by_eccn == {"3A090.a": 5}
    assert summary.missing == {"--die-area": 1}
    assert summary.describe().startswith("8 chips under 2024-12: 5 controlled (3A090.a 5)")


def test_summarize_refuses_a_mix_of_rule_versions() -> None:
    mixed = [classify(CHIPS["H100"], "2023-10"), classify(CHIPS["H100"], "2024-12")]
    with pytest.raises(ValueError, match="several rule versions"):
        summarize(mixed)


def test_aca_is_open_to_non_datacenter_3a090a_chips_only_under_the_diffusion_rule() -> None:
    exceptions = [c.license_exceptions for c in history(CHIPS["RTX 4090"]).classifications]
    assert exceptions == [(), ("NAC",), ("NAC",), ("NAC", "ACA"), ("NAC",), ("NAC",)]
    assert classify(CHIPS["H100"], "2025-01").license_exceptions == ()
