"""Licence outcome by destination: the 2026-01 review thresholds, country groups, bad input.

Expected values are computed by hand from the datasheets and the rule's numbers (91 FR 1684:
case-by-case for China and Macau below TPP 21,000 and total DRAM bandwidth 6,500 GB/s,
presumption of denial at or above), not taken from the code's output:

* H20: FP8 296 TFLOPS dense x 8 bits = TPP 2,368 < 2,400 and PD 2,368 / 814 = 2.91 < 3.2:
  not 3A090, so no licence under 742.6(a)(6)(iii) (the 2025-04 'is-informed' letter is listed).
* H200: FP8 1,979 TFLOPS x 8 = 15,832 (21,000 - 15,832 = 5,168 below); 4,800 GB/s (1,700 below).
* MI325X: FP8 2,614.9 TFLOPS x 8 = 20,919.2 (80.8 below); 6,000 GB/s (500 below).
* B200-class: FP8 4.5 PFLOPS dense x 8 = 36,000 (15,000 above); the catalogue's 7,700 GB/s
  (1,200 above), and NVIDIA's DGX B200 64 TB/s / 8 GPUs = 8,000 GB/s for the typed-in chip.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from computegov.catalog import load_catalog
from computegov.cli import app
from computegov.errors import InputError, RuleError
from computegov.policy import classify
from computegov.policy.facts import ChipFacts
from computegov.policy.licensing import LicenceAnswer, licence_for, load_destinations
from computegov.policy.rules import load_rules

GB = 1e9


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def _margins(answer: LicenceAnswer) -> dict[str, float]:
    return {k.metric: k.margin for k in answer.checks if k.margin is not None}


@pytest.mark.parametrize(
    ("chip", "policy", "tpp_margin", "dram_margin_gb_per_s"),
    [
        ("H200", "case_by_case", 15_832 - 21_000, 4_800 - 6_500),
        ("MI325X", "case_by_case", 20_919.2 - 21_000, 6_000 - 6_500),
        ("B200", "presumption_of_denial", 36_000 - 21_000, 7_700 - 6_500),
    ],
)
def test_china_review_policy_and_margins_under_the_january_2026_rule(
    catalog, chip: str, policy: str, tpp_margin: float, dram_margin_gb_per_s: float
) -> None:
    answer = licence_for(catalog.get(chip), "CN", "2026-01")
    assert answer.classification.eccn == "3A090.a"
    assert answer.licence_required is True
    assert answer.requirement_clause == "15 CFR 742.6(a)(6)(iii)"
    assert answer.review_policy == policy
    assert "91 FR 1684" in (answer.review_clause or "")
    margins = _margins(answer)
    assert margins["tpp"] == pytest.approx(tpp_margin, abs=0.05)
    assert margins["dram_bandwidth_gb_per_s"] == pytest.approx(dram_margin_gb_per_s, abs=0.5)
    assert {k.threshold for k in answer.checks} == {21_000, 6_500}


def test_h20_needs_no_3a090_licence_to_china_but_the_is_informed_letter_is_listed(catalog) -> None:
    answer = licence_for(catalog.get("H20"), "CN", "2026-01")
    assert answer.classification.status == "not_controlled"
    assert answer.classification.facts.tpp == pytest.approx(296 * 8)
    assert answer.licence_required is False and answer.review_policy is None
    assert "not 3A090.a/3A090.b" in answer.reason
    assert any(a.startswith("2025-04-h20-licence") for a in answer.chip_actions)


def test_a_typed_in_b200_class_chip_is_presumed_denied_for_china() -> None:
    b200_class = ChipFacts(
        name="B200-class", tpp=36_000, datacenter=True, dram_bandwidth_bytes_per_s=8_000 * GB
    )
    answer = licence_for(b200_class, "CN", "2026-01")
    assert answer.review_policy == "presumption_of_denial"
    assert _margins(answer) == pytest.approx({"tpp": 15_000, "dram_bandwidth_gb_per_s": 1_500})


@pytest.mark.parametrize(
    ("tpp", "dram_gb_per_s", "policy"),
    [
        (20_999, 6_499, "case_by_case"),
        (21_000, 6_000, "presumption_of_denial"),  # "below 21,000": equal is not below
        (15_000, 6_500, "presumption_of_denial"),  # either threshold alone decides
        (4_800, 100, "case_by_case"),  # "less advanced chips" too
    ],
)
def test_the_2026_thresholds_are_strict_and_each_decides_alone(
    tpp: float, dram_gb_per_s: float, policy: str
) -> None:
    facts = ChipFacts(name="x", tpp=tpp, datacenter=True, dram_bandwidth_bytes_per_s=dram_gb_per_s * GB)
    assert licence_for(facts, "MO", "2026-01").review_policy == policy


def test_before_2026_china_was_presumption_of_denial_for_the_h200(catalog) -> None:
    for version in ("2023-10", "2024-12", "2025-05"):
        answer = licence_for(catalog.get("H200"), "CN", version)
        assert answer.licence_required is True
        assert answer.review_policy == "presumption_of_denial"


@pytest.mark.parametrize("destination", ["GB", "JP", "United Kingdom"])
def test_destinations_outside_the_controlled_groups_need_no_licence(catalog, destination: str) -> None:
    answer = licence_for(catalog.get("B200"), destination, "2026-01")
    assert answer.licence_required is False and answer.review_policy is None
    assert answer.groups == ()
    assert "D:1, D:4, D:5" in answer.reason and "742.6(a)(6)(iii)" in answer.reason


def test_hong_kong_is_treated_as_china_and_israel_is_excluded_as_a6(catalog) -> None:
    hk = licence_for(catalog.get("H200"), "HK", "2026-01")
    assert hk.treated_as == "CN" and hk.review_policy == "case_by_case"
    il = licence_for(catalog.get("H200"), "IL", "2026-01")
    assert "D:4" in il.groups and "A:6" in il.groups and il.licence_required is False


def test_embargoed_destinations_need_a_licence_for_any_chip(catalog) -> None:
    answer = licence_for(catalog.get("H20"), "IR", "2026-01")
    assert answer.licence_required is True and answer.review_policy == "denial"


def test_missing_dram_bandwidth_leaves_the_china_review_undecided() -> None:
    facts = ChipFacts(name="x", tpp=10_000, datacenter=True)
    answer = licence_for(facts, "CN", "2026-01")
    assert answer.licence_required is True and answer.review_policy is None
    assert answer.missing == (("total DRAM bandwidth, GB/s", "--dram-bandwidth"),)


def test_unknown_destination_names_the_field() -> None:
    with pytest.raises(InputError, match=r"^--destination: unknown country 'XX'"):
        licence_for(ChipFacts(name="x", tpp=1.0), "XX", field="--destination")


def test_a_rule_without_destination_data_is_refused() -> None:
    with pytest.raises(RuleError, match="no destination data"):
        licence_for(ChipFacts(name="x", tpp=1.0), "CN", "2022-10")


def test_the_answer_is_frozen_and_json_ready(catalog) -> None:
    answer = licence_for(catalog.get("MI325X"), "CN")
    assert answer.rule == "2026-01"
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.licence_required = False  # type: ignore[misc]
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["review_policy"] == "case_by_case" and data["classification"]["eccn"] == "3A090.a"


def test_the_2025_05_rescission_is_listed_and_changes_no_classification(catalog) -> None:
    rules = {r.id: r for r in load_rules().rules}
    rescission = rules["2025-05"]
    assert rescission.effective.isoformat() == "2025-05-13"
    assert "no Federal Register document" in rescission.citation
    before, after = rules["2024-12"], rules["2026-01"]
    for chip in catalog:
        expected = classify(chip, before)
        for rule in (rescission, after):
            got = classify(chip, rule)
            assert (got.status, got.eccn) == (expected.status, expected.eccn), chip.name


def test_country_groups_hold_china_and_macau_as_published() -> None:
    groups = load_destinations().groups
    assert {"CN", "MO"} <= groups["D:1"].countries & groups["D:4"].countries
    assert "CN" in groups["D:5"].countries and "MO" not in groups["D:5"].countries
    assert {"GB", "JP"}.isdisjoint(set().union(*(g.countries for g in groups.values())))



def test_country_groups_carry_the_changes_published_since_2019() -> None:
    # Sources in the rules file: Cambodia out of D:5 on 2026-02-03 (EAR conforming rule after the
    # ITAR 126.1 removal, Fenwick 2026) but still D:1; Nicaragua into D:1 and D:5 (BIS, 2024-03-14);
    # Belarus (87 FR 13048, 2022) and Venezuela (2019) into D:4; Syria still E:1 (Tri-Seal advisory,
    # 2025-11-10); Iran in D:4/D:5/E:1 but not D:1 (eCFR copy dated 2026-07-08).
    groups = {g: c.countries for g, c in load_destinations().groups.items()}
    assert "KH" in groups["D:1"] and "KH" not in groups["D:5"]
    assert "NI" in groups["D:1"] & groups["D:5"]
    assert {"BY", "VE"} <= groups["D:4"] & groups["D:5"]
    assert "SY" in groups["E:1"] and "IR" not in groups["D:1"]


@pytest.mark.parametrize("destination", ["AE", "SA", "KH"])
def test_gulf_d4_states_and_cambodia_need_a_licence_with_no_review_policy_encoded(catalog, destination: str) -> None:
    # Neither the UAE nor Saudi Arabia is in A:5/A:6 (they are absent from the eCFR A table), so the
    # D:4 membership alone brings them under 742.6(a)(6)(iii); Cambodia now falls only under D:1.
    answer = licence_for(catalog.get("H200"), destination, "2026-01")
    assert answer.licence_required is True and answer.review_policy == "not_encoded"
    assert not {"A:5", "A:6", "D:5"} & set(answer.groups)


def test_syria_is_case_by_case_since_the_2025_rule_and_other_embargoed_destinations_stay_denied(catalog) -> None:
    # 90 FR 42315 (effective 2025-09-02) replaced Syria's general policy of denial; it is still in
    # E:1, so a licence is required. An entry naming Syria comes before the E:1 embargo entry.
    now = licence_for(catalog.get("H200"), "SY", "2026-01")
    assert now.licence_required is True and now.review_policy == "case_by_case"
    assert "E:1" in now.groups and "746.9(c)" in (now.review_clause or "")
    assert licence_for(catalog.get("H200"), "SY", "2024-12").review_policy == "denial"
    for destination in ("IR", "KP", "CU"):
        assert licence_for(catalog.get("H200"), destination, "2026-01").review_policy == "denial"


runner = CliRunner()


def test_cli_destination_json_and_table() -> None:
    result = runner.invoke(app, ["policy", "classify", "MI325X", "--destination", "CN", "--rule", "2026-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["licence_required"] is True and data["review_policy"] == "case_by_case"
    assert {c["metric"]: c["margin"] for c in data["checks"]} == pytest.approx(
        {"tpp": -80.8, "dram_bandwidth_gb_per_s": -500}, abs=0.05
    )
    table = runner.invoke(app, ["policy", "classify", "B200", "--destination", "CN"])
    assert table.exit_code == 0 and "presumption of denial" in table.stdout


def test_cli_unknown_destination_is_one_line_exit_2() -> None:
    result = runner.invoke(app, ["policy", "classify", "H200", "--destination", "Narnia"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "--destination" in result.stderr
    assert "Traceback" not in result.output


def test_cli_rule_2026_01_is_known() -> None:
    result = runner.invoke(app, ["policy", "classify", "H200", "--rule", "2026-01", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["rule"] == "2026-01"


def test_cli_dram_bandwidth_overrides_the_catalogue_and_zero_is_refused() -> None:
    # H200 with 7,000 GB/s typed in: 500 GB/s above 6,500, so the presumption of denial applies.
    args = ["policy", "classify", "H200", "--destination", "CN", "--dram-bandwidth", "7000", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["review_policy"] == "presumption_of_denial"
    assert {c["metric"]: c["margin"] for c in data["checks"]}["dram_bandwidth_gb_per_s"] == pytest.approx(500)
    zero = runner.invoke(app, ["policy", "classify", "H200", "--destination", "CN", "--dram-bandwidth", "0"])
    assert zero.exit_code == 2 and "--dram-bandwidth" in zero.stderr


def _minimal_destinations(**review: object) -> dict[str, object]:
    policy = {"id": "r", "clause": "c", "source": "s", "countries": ["CN"], "policy": "case_by_case", **review}
    return {
        "country_groups": {"url": "u", "checked": "2026-12-04", "groups": {"D:5": {"countries": ["CN"]}}},
        "versions": [
            {
                "id": "x",
                "licensing": {
                    "requirement": {"clause": "c", "source": "s", "groups": ["D:5"]},
                    "review": [policy],
                },
            }
        ],
    }


def test_destination_data_validation_names_the_field() -> None:
    from computegov.errors import DataError
    from computegov.policy.licensing import parse_destinations

    assert parse_destinations(_minimal_destinations()).licensing["x"].review[0].policy == "case_by_case"
    with pytest.raises(DataError, match="policy must be one of"):
        parse_destinations(_minimal_destinations(policy="maybe"))
    with pytest.raises(DataError, match="ISO 3166-1 alpha-2"):
        parse_destinations(_minimal_destinations(countries=["ZZ"]))
    with pytest.raises(DataError, match="unknown country group"):
        parse_destinations(_minimal_destinations(groups=["D:9"]))
