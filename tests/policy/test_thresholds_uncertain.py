"""Threshold checks of uncertain figures: P(over) from the stated distribution, borderline verdicts."""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.compute import estimate_total
from computegov.compute.uncertain import uncertain_flop
from computegov.policy.thresholds import check, probability_over_sum, verdict_of

DAY = dt.date(2026, 1, 1)


def _eu(estimate: object) -> object:
    (row,) = [r for r in check(estimate, DAY) if r.threshold.id == "eu-ai-act-art51-systemic-risk"]  # type: ignore[arg-type]
    return row


def test_about_ten_to_the_25_with_a_tenth_of_a_dex_is_borderline_for_the_eu_line() -> None:
    row = _eu(uncertain_flop("1.001e25", dex=0.1))
    expected = 1 - NormalDist().cdf(math.log10(1e25 / 1.001e25) / 0.1)  # closed form: 0.5017
    assert row.probability_over == pytest.approx(expected, abs=1e-9)  # type: ignore[attr-defined]
    assert 0.2 <= row.probability_over <= 0.8  # type: ignore[attr-defined]
    assert row.verdict == "borderline" and row.borderline  # type: ignore[attr-defined]
    assert row.to_dict()["verdict"] == "borderline"  # type: ignore[attr-defined]


def test_a_point_figure_keeps_its_old_answer() -> None:
    row = _eu(uncertain_flop("1.001e25"))
    assert row.probability_over == 1.0 and row.verdict == "over"  # type: ignore[attr-defined]


def test_one_significant_figure_is_uniform_on_its_rounding_interval() -> None:
    # 1e25 to one figure: uniform on 9.5e24..1.5e25; P(> 1e25) = 0.5e25 / 0.55e25
    row = _eu(uncertain_flop("1e25", sig_figs=1))
    assert row.probability_over == pytest.approx(0.5 / 0.55, abs=1e-9)  # type: ignore[attr-defined]
    assert "uniform" in row.assumption  # type: ignore[attr-defined]


def test_comonotone_sum_adds_quantiles() -> None:
    a = uncertain_flop("4e24", dex=0.2)
    b = uncertain_flop("4e24", dex=0.2, phase="fine-tuning")
    # comonotone and identical: the sum is 2X, so P(2X > v) = P(X > v / 2)
    p = probability_over_sum(1e25, [a, b])
    assert p == pytest.approx(1 - NormalDist().cdf(math.log10(5e24 / 4e24) / 0.2), abs=1e-9)
    total = estimate_total([a, b])
    assert _eu(total).probability_over == pytest.approx(p, abs=1e-9)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("p", "verdict"), [(0.0, "under"), (0.05, "under"), (0.0501, "borderline"), (0.5, "borderline"), (0.95, "over"), (1.0, "over")])
def test_verdict_bands(p: float, verdict: str) -> None:
    assert verdict_of(p) == verdict


@given(
    flop=st.floats(1e20, 1e28),
    dex=st.floats(0.01, 1.0),
    lower=st.floats(1e20, 1e28),
    factor=st.floats(1.0, 100.0),
)
def test_probability_over_falls_as_the_threshold_rises(flop: float, dex: float, lower: float, factor: float) -> None:
    parts = [uncertain_flop(flop, dex=dex), uncertain_flop(flop / 3, dex=dex / 2, phase="fine-tuning")]
    assert probability_over_sum(lower * factor, parts) <= probability_over_sum(lower, parts) + 1e-9


@given(flop=st.floats(1e20, 1e28), dex=st.floats(0.01, 1.0), value=st.floats(1e19, 1e29))
def test_single_lognormal_bisection_matches_the_closed_form(flop: float, dex: float, value: float) -> None:
    est = uncertain_flop(flop, dex=dex)
    closed = 1 - NormalDist().cdf(math.log10(value / flop) / dex)
    assert probability_over_sum(value, [est]) == pytest.approx(closed, abs=1e-6)
