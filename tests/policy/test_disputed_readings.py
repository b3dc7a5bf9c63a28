"""A disputed catalogue value: the licence answer under each reading (MI308X's memory bandwidth)."""

from __future__ import annotations

from computegov.catalog import load_catalog
from computegov.policy.export_control import history
from computegov.policy.sensitivity import disputed_readings


def test_mi308x_licence_review_depends_on_which_bandwidth_is_right() -> None:
    chip = load_catalog(user_config=False).get("MI308X")
    readings = {r.reading: r for r in disputed_readings(chip, destination="CN", rule="2026-01")}
    assert readings["computegov"].value == 5.3e12
    assert readings["source table"].value == 1.03e13
    # below 6,500 GB/s of DRAM bandwidth: case by case; above it: presumption of denial (91 FR 1684)
    assert readings["computegov"].review_policy == "case_by_case"
    assert readings["source table"].review_policy == "presumption_of_denial"
    assert all(r.licence_required for r in readings.values())
    assert "source table" in readings["computegov"].assumption


def test_mi308x_history_no_longer_says_controlled_since_2023_and_names_the_april_2025_requirement() -> None:
    chip = load_catalog(user_config=False).get("MI308X")
    result = history(chip)
    assert all(c.status != "controlled" for c in result.classifications)
    assert any("2025-04-15" in a and "AMD" in a for a in result.licensing_actions)


def test_h20_history_names_its_letter() -> None:
    result = history(load_catalog(user_config=False).get("H20"))
    assert any(a.startswith("2025-04-09 2025-04-h20-licence") for a in result.licensing_actions)
