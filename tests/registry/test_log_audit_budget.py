"""The audit budget: hypergeometric segment counts against scipy, and the replay's cost."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import hypergeom

from computegov.errors import InputError
from computegov.registry.auditbudget import audit_budget, miss_probability, segments_to_replay


@given(st.integers(1, 3000), st.floats(0.0005, 1.0), st.floats(0.001, 0.5))
def test_segments_is_the_smallest_n_that_scipy_says_catches_the_fake(total: int, f: float, delta: float) -> None:
    n = segments_to_replay(total, f, delta)
    faked = max(1, math.ceil(f * total - 1e-9))
    assert hypergeom.pmf(0, total, faked, n) <= delta * (1 + 1e-9)
    if n > 0:
        assert hypergeom.pmf(0, total, faked, n - 1) > delta * (1 - 1e-9)
    assert math.isclose(miss_probability(total, faked, n), hypergeom.pmf(0, total, faked, n), rel_tol=1e-9,
                        abs_tol=1e-300)
    if faked < total:  # never more than the with-replacement bound
        assert n <= math.ceil(math.log(delta) / math.log1p(-faked / total))


def test_known_case_one_percent_faked_of_a_thousand_segments() -> None:
    # 10 faked of 1000; at delta 0.05 the binomial bound ln(0.05)/ln(0.99) = 298.07 -> 299
    n = segments_to_replay(1000, 0.01, 0.05)
    assert n < 299
    assert hypergeom.pmf(0, 1000, 10, n) <= 0.05 < hypergeom.pmf(0, 1000, 10, n - 1)


@pytest.mark.parametrize(("total", "f", "delta"), [(0, 0.1, 0.05), (10, 0.0, 0.05), (10, 1.5, 0.05), (10, 0.1, 1.0)])
def test_bad_inputs_are_refused(total: int, f: float, delta: float) -> None:
    with pytest.raises(InputError):
        segments_to_replay(total, f, delta)


def test_replay_cost_is_the_replayed_share_of_the_run_on_the_chip() -> None:
    from computegov.catalog import load_catalog
    from computegov.costs.tco import compute_cost

    chip = load_catalog().get("H100")
    budget = audit_budget(1000, 0.01, 0.05, total_flop=1e25, chip=chip)
    assert budget.replay_flop == pytest.approx(1e25 * budget.segments / 1000)
    whole = compute_cost(1e25, chip)
    assert budget.chip_hours[1] == pytest.approx(whole.chip_hours.central * budget.segments / 1000)
    assert budget.cost_usd[0] <= budget.cost_usd[1] <= budget.cost_usd[2]


def test_api_audit_budget_answers_and_refuses_bad_values(client: object) -> None:
    ok = client.get("/api/v1/audit-budget", params={"segments": 1000, "fake_fraction": 0.01, "delta": 0.05,  # type: ignore[attr-defined]
                                                     "total_flop": 1e25, "chip": "H100"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["segments"] == segments_to_replay(1000, 0.01, 0.05) and ok.json()["cost_usd"][1] > 0
    for params in ({"segments": 0}, {"segments": 10, "delta": 1.0}, {"segments": 10, "fake_fraction": 0}):
        assert client.get("/api/v1/audit-budget", params=params).status_code == 422  # type: ignore[attr-defined]
    assert client.get("/api/v1/audit-budget", params={"segments": 10, "chip": "no-such-chip"}).status_code == 404  # type: ignore[attr-defined]


def test_yearly_budget_scales_the_per_run_replay_by_the_forecast_count() -> None:
    import numpy as np

    from computegov.catalog import load_catalog
    from computegov.compute.trend import forecast_crossings
    from computegov.registry.auditbudget import yearly_audit_budget

    chip = load_catalog().get("H100")
    yearly = yearly_audit_budget(2027, 1e26, 1000, 0.01, 0.05, chip, np.random.default_rng(3), draws=500)
    (crossing,) = forecast_crossings([1e26], [2027], np.random.default_rng(3), draws=500)
    assert yearly.runs == (crossing.p10, crossing.p50, crossing.p90)
    per_run = audit_budget(1000, 0.01, 0.05, total_flop=1e26, chip=chip)
    assert yearly.chip_hours[1] == pytest.approx(crossing.p50 * per_run.chip_hours[1])
    assert yearly.chip_hours[0] <= yearly.chip_hours[1] <= yearly.chip_hours[2]
    assert yearly.replay_flop[1] == pytest.approx(crossing.p50 * 1e26 * per_run.segments / 1000)
