"""Threshold data, validation, dates in force and the over/under check."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import yaml

from computegov.compute import ComputeEstimate, estimate_total, phase_flop
from computegov.errors import DataError, InputError
from computegov.policy.thresholds import (
    PHASES,
    check,
    load_thresholds,
    parse_thresholds,
    probability_over,
    thresholds_in_force,
)


def _by_id() -> dict[str, object]:
    return {t.id: t for t in load_thresholds()}


def test_bundled_thresholds_are_valid_and_sourced() -> None:
    thresholds = load_thresholds()
    assert len(thresholds) >= 6
    for t in thresholds:
        assert t.sources and all(len(s) > 20 for s in t.sources)
        assert t.value_flop > 0 and set(t.counts) <= set(PHASES)
        assert t.in_force_until is None or t.in_force_until > t.in_force_from
        assert t.adopted is None or t.adopted <= t.in_force_from


@pytest.mark.parametrize(
    ("tid", "value"),
    [
        ("eu-ai-act-art51-systemic-risk", 1e25),
        ("eu-gpai-guidelines-indicative-criterion", 1e23),
        ("us-ca-sb53-frontier-model", 1e26),
        ("us-ny-raise-frontier-model", 1e26),
        ("us-eo14110-dual-use-foundation-model", 1e26),
        ("us-eo14110-biological-sequence", 1e23),
    ],
)
def test_threshold_values(tid: str, value: float) -> None:
    assert _by_id()[tid].value_flop == value  # type: ignore[attr-defined]


def test_eo_14110_is_history_after_its_revocation() -> None:
    eo = _by_id()["us-eo14110-dual-use-foundation-model"]
    assert eo.status == "revoked"  # type: ignore[attr-defined]
    assert eo.in_force_until == dt.date(2025, 1, 20)  # type: ignore[attr-defined]
    ids_2024 = {t.id for t in thresholds_in_force(dt.date(2024, 6, 1))}
    ids_2026 = {t.id for t in thresholds_in_force(dt.date(2026, 6, 1))}
    assert "us-eo14110-dual-use-foundation-model" in ids_2024
    assert "us-eo14110-dual-use-foundation-model" not in ids_2026
    assert "us-ca-sb53-frontier-model" in ids_2026
    assert "eu-ai-act-art51-systemic-risk" not in ids_2024  # GPAI rules apply from 2025-08-02


def test_probability_over_closed_forms() -> None:
    assert probability_over(1e25, 1e25, 5e24, 2e25) == pytest.approx(0.5)
    assert probability_over(2e25, 1e25, 5e24, 2e25) == pytest.approx(0.05, abs=1e-9)  # at the 95th pct
    assert probability_over(5e24, 1e25, 5e24, 2e25) == pytest.approx(0.95, abs=1e-9)  # at the 5th pct
    assert probability_over(1e26, 1e25, 1e25, 1e25) == 0.0
    with pytest.raises(InputError):
        probability_over(1e25, 1e25, 2e25, 3e25)


def test_check_margin_and_probability() -> None:
    est = ComputeEstimate(3e25, 1.5e25, 6e25, "architecture")
    results = {r.threshold.id: r for r in check(est, dt.date(2026, 1, 1))}
    eu = results["eu-ai-act-art51-systemic-risk"]
    assert eu.over and eu.margin_oom == pytest.approx(math.log10(3))
    ca = results["us-ca-sb53-frontier-model"]
    assert not ca.over and ca.margin_oom == pytest.approx(math.log10(0.3))
    assert 0 < ca.probability_over < 0.05
    assert "us-ny-raise-frontier-model" not in results  # in force from 2027


def test_check_counts_only_the_phases_a_threshold_names() -> None:
    t = parse_thresholds({"thresholds": [_entry(id="pre-only", counts=["pre-training"], value_flop=1e25)]})
    total = estimate_total([phase_flop(8e24, "pre-training"), phase_flop(5e24, "fine-tuning")])
    (only_pre,) = check(total, dt.date(2026, 1, 1), thresholds=t)
    assert only_pre.flop == pytest.approx(8e24) and not only_pre.over
    results = {r.threshold.id: r for r in check(total, dt.date(2026, 1, 1))}
    cumulative = results["eu-ai-act-art51-systemic-risk"]
    assert cumulative.flop == pytest.approx(1.3e25) and cumulative.over


def _entry(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "x",
        "jurisdiction": "XX",
        "instrument": "Test Act",
        "legal_reference": "s. 1",
        "value_flop": 1e25,
        "counts": ["pre-training"],
        "scope": "all",
        "in_force_from": "2025-01-01",
        "in_force_until": None,
        "status": "in_force",
        "sources": ["A primary source with a long enough citation"],
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"sources": []}, "missing sources"),
        ({"value_flop": "lots"}, "number of FLOP"),
        ({"counts": ["pretraining"]}, "unknown phase"),
        ({"status": "maybe"}, "expected one of"),
        ({"in_force_from": "2025-13-01"}, "expected a date"),
        ({"in_force_until": "2024-01-01"}, "after in_force_from"),
        ({"status": "revoked"}, "needs in_force_until"),
    ],
)
def test_bad_threshold_entries_are_data_errors(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(DataError, match=match):
        parse_thresholds({"thresholds": [_entry(**overrides)]})


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(DataError, match="duplicate"):
        parse_thresholds({"thresholds": [_entry(), _entry()]})


def test_threshold_file_round_trips_through_yaml(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"thresholds": [_entry(id="mine")]}))
    (t,) = load_thresholds(path)
    assert t.id == "mine" and t.to_dict()["in_force_from"] == "2025-01-01"


def test_thresholds_limited_to_some_models_follow_the_tags() -> None:
    est = ComputeEstimate(5e23, 4e23, 6e23, "measured")
    unknown = {r.threshold.id: r for r in check(est, all_dates=True)}
    assert unknown["us-eo14110-biological-sequence"].unconfirmed == ("biological-sequence-data",)
    assert unknown["eu-ai-act-art51-systemic-risk"].unconfirmed == ()
    bio = {r.threshold.id for r in check(est, all_dates=True, tags=["biological-sequence-data"])}
    assert "us-eo14110-biological-sequence" in bio
    assert "eu-gpai-guidelines-indicative-criterion" not in bio
    plain = {r.threshold.id for r in check(est, all_dates=True, tags=[])}
    assert "us-eo14110-biological-sequence" not in plain
    with pytest.raises(InputError, match="unknown tag"):
        check(est, tags=["protein"])


def test_a_point_estimate_exactly_at_a_threshold_is_not_over_it() -> None:
    # "greater than": a point mass at the value never exceeds it; a spread above gives one half
    assert probability_over(1e25, 1e25, 1e25, 1e25) == 0.0
    assert probability_over(1e25, 1e25, 1e25, 2e25) == pytest.approx(0.5)
    (eu,) = [r for r in check(phase_flop(1e25, "pre-training"), dt.date(2026, 1, 1)) if r.threshold.id.startswith("eu-ai-act")]
    assert not eu.over and eu.probability_over == 0.0


def test_us_state_laws_count_modifications_but_not_synthetic_data() -> None:
    # SB 53 (Bus. & Prof. Code § 22757.11) and RAISE (GBL § 1420): original training run plus later
    # fine-tuning, reinforcement learning or other modifications; synthetic-data generation unnamed.
    for tid in ("us-ca-sb53-frontier-model", "us-ny-raise-frontier-model"):
        t = _by_id()[tid]
        assert {"pre-training", "fine-tuning", "reinforcement-learning"} <= set(t.counts)  # type: ignore[attr-defined]
        assert "synthetic-data" not in t.counts  # type: ignore[attr-defined]


def test_state_law_dates() -> None:
    ca, ny = _by_id()["us-ca-sb53-frontier-model"], _by_id()["us-ny-raise-frontier-model"]
    assert ca.in_force_from == dt.date(2026, 1, 1) and ca.adopted == dt.date(2025, 9, 29)  # type: ignore[attr-defined]
    assert ny.in_force_from == dt.date(2027, 1, 1) and ny.adopted == dt.date(2026, 3, 27)  # type: ignore[attr-defined]
    assert "us-ca-sb53-frontier-model" not in {t.id for t in thresholds_in_force(dt.date(2025, 12, 31))}
    assert "us-ny-raise-frontier-model" in {t.id for t in thresholds_in_force(dt.date(2027, 1, 1))}
