"""Leading-system trends, export exposure and cluster thresholds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from computegov.clusters import (
    EO14110_CLUSTER,
    ClusterSystem,
    WhatIfThreshold,
    crossings,
    exposure,
    filter_systems,
    first_reaching,
    fit_leading,
    leading_systems,
    load_clusters,
    rule_in_force,
)
from computegov.errors import InputError


def _system(name: str, day: dt.date, flops: float, **kw: object) -> ClusterSystem:
    return ClusterSystem(name=name, row=0, status="existing", first_operational=day, flop_per_s_16bit=flops, **kw)  # type: ignore[arg-type]


def test_record_selection_keeps_only_record_setters() -> None:
    systems = [
        _system("a", dt.date(2020, 1, 1), 10.0),
        _system("b", dt.date(2020, 6, 1), 5.0),  # smaller than a: not a record
        _system("c", dt.date(2021, 1, 1), 20.0),
        _system("d", dt.date(2021, 6, 1), 15.0),
        _system("e", dt.date(2022, 1, 1), 40.0),
    ]
    names = [s.name for s, _ in leading_systems(systems, selection="record", since=None)]
    assert names == ["a", "c", "e"]
    top2 = [s.name for s, _ in leading_systems(systems, selection="top-k", k=2, since=None)]
    assert top2 == ["a", "b", "c", "d", "e"]  # b is 2nd of 2, d is 2nd of 3 on its day
    top1 = [s.name for s, _ in leading_systems(systems, selection="top-k-per-year", k=1, since=None)]
    assert top1 == ["a", "c", "e"]


def test_decommissioned_systems_do_not_count_in_ranks() -> None:
    systems = [
        _system("old", dt.date(2019, 1, 1), 100.0, decommissioned=dt.date(2020, 1, 1)),
        _system("new", dt.date(2021, 1, 1), 50.0),
    ]
    names = [s.name for s, _ in leading_systems(systems, selection="record", since=None)]
    assert names == ["old", "new"]


def test_fit_recovers_an_exact_nine_month_doubling() -> None:
    start = dt.date(2019, 1, 1)
    systems = [
        _system(f"s{i}", start + dt.timedelta(days=61 * i), 1e18 * 2 ** ((61 * i / 365.25) / 0.75))
        for i in range(30)
    ]
    trend = fit_leading(systems, selection="record", n_boot=500)
    assert trend.fit.n == 30
    # Decimal years count days per calendar year, so the slope is 9 months to within leap-day rounding.
    assert trend.doubling_time_months == pytest.approx(9.0, rel=2e-3)


def test_unknown_selection_and_metric_name_their_field() -> None:
    with pytest.raises(InputError, match=r"^selection: "):
        leading_systems([], selection="best")
    with pytest.raises(InputError, match=r"^metric: "):
        leading_systems([], metric="vibes")


def test_rule_in_force_follows_effective_dates_and_the_rescission() -> None:
    assert rule_in_force(dt.date(2022, 1, 1)) is None
    assert rule_in_force(dt.date(2023, 1, 1)).id == "2022-10"  # type: ignore[union-attr]
    assert rule_in_force(dt.date(2024, 1, 1)).id == "2023-10"  # type: ignore[union-attr]
    assert rule_in_force(dt.date(2025, 2, 1)).id == "2025-01"  # type: ignore[union-attr]
    # The AI Diffusion rule stops counting after the BIS rescission announcement (2025-05-13).
    later = rule_in_force(dt.date(2025, 6, 1))
    assert later is not None and later.id != "2025-01"


def test_exposure_shares_sum_to_one_and_h100_is_controlled() -> None:
    systems = [
        _system("h", dt.date(2024, 1, 1), 1e18, country="US", chip="NVIDIA H100 SXM5 80GB", h100e=1000.0),
        _system("v", dt.date(2019, 1, 1), 1e17, country="US", chip="NVIDIA V100", h100e=100.0),
        _system("x", dt.date(2024, 1, 1), 1e17, country="CN", chip=None, h100e=300.0),
    ]
    ex = exposure(systems, dt.date(2025, 3, 1), whatif=WhatIfThreshold(tpp=100.0))
    us = ex.country("US")
    assert us.today["controlled"] == pytest.approx(1000 / 1100)
    assert us.at_first_operation["no_rule"] == pytest.approx(100 / 1100)  # V100 in 2019: before any rule
    assert sum(us.today.values()) == pytest.approx(1.0)
    assert us.whatif is not None and us.whatif["controlled"] == pytest.approx(1.0)  # TPP >= 100 catches V100
    assert ex.country("CN").today == {"unknown_chip": 1.0}


def test_eo14110_cluster_threshold_is_history_with_dates() -> None:
    assert EO14110_CLUSTER.value_op_per_s == 1e20
    assert EO14110_CLUSTER.in_force_on(dt.date(2024, 6, 1))
    assert not EO14110_CLUSTER.in_force_on(dt.date(2025, 6, 1))
    systems = [
        ClusterSystem(name="big", row=0, status="existing", first_operational=dt.date(2024, 9, 2), max_op_per_s=1.98e20),
        ClusterSystem(name="late", row=0, status="existing", first_operational=dt.date(2025, 3, 1), max_op_per_s=3e20),
        ClusterSystem(name="small", row=0, status="existing", first_operational=dt.date(2024, 1, 1), max_op_per_s=9e19),
    ]
    found = crossings(systems)
    assert [(c.system, c.operational_while_in_force) for c in found] == [("big", True), ("late", False)]


def test_first_reaching_on_bundled_data_is_after_the_largest_existing_system() -> None:
    std, _ = filter_systems(load_clusters(), standard=True)
    largest = max(s.h100e or 0 for s in std)
    result = first_reaching(std, "h100e", 1e6, n_boot=300, n_samples=1000)
    assert largest < 1e6 and result.reached_by is None
    assert result.forecast_method is not None and result.interval is not None
    lo, _hi = result.interval
    latest = max(s.first_operational_year or 0 for s in std)
    assert lo is not None and latest < lo
    assert result.by_year[0][0] == result.origin == int(latest) + 1
    # Already reached: the answer is the system, not a forecast.
    reached = first_reaching(std, "h100e", largest)
    assert reached.reached_by is not None and reached.by_year == () and reached.p_reached_by(2030) == 1.0


def test_pilz_et_al_headline_within_tolerance() -> None:
    """Pilz et al. 2025 (arXiv:2504.16026): leading-system performance doubles every ~9 months."""
    std, _ = filter_systems(load_clusters(), standard=True)
    trend = fit_leading(std, until=dt.date(2025, 3, 1), rng=np.random.default_rng(0), n_boot=1000)
    lo, hi = trend.doubling_time_ci_months
    assert 7.0 < trend.doubling_time_months < 11.0
    assert lo < 9.0 + 1.5 and hi > 9.0 - 1.5


def test_top10_membership_agrees_with_epochs_rank_column() -> None:
    """Independent reference: Epoch's own "Rank when first operational" column (same CSV)."""
    from computegov.clusters.leading import rank_at_first_operation

    std, _ = filter_systems(load_clusters(), standard=True)
    ranks = rank_at_first_operation(std, "h100e")
    pairs = [(std[i].epoch_rank, r) for i, r in ranks.items() if std[i].epoch_rank is not None]
    assert len(pairs) > 400
    agree = sum((epoch <= 10) == (ours <= 10) for epoch, ours in pairs) / len(pairs)
    assert agree > 0.95  # measured 438/445 = 98.4 %; exact ranks differ (Epoch ranks a wider pool)


def test_record_ties_with_an_earlier_system_set_no_record() -> None:
    systems = [
        _system("a", dt.date(2020, 1, 1), 10.0),
        _system("b", dt.date(2021, 1, 1), 10.0),  # equals a: no new record
        _system("c", dt.date(2022, 1, 1), 30.0),
        _system("d", dt.date(2022, 1, 1), 30.0),  # same day as c: both count
    ]
    names = [s.name for s, _ in leading_systems(systems, selection="record", since=None)]
    assert names == ["a", "c", "d"]


def test_hindcast_uses_only_data_before_each_origin() -> None:
    from computegov.clusters import hindcast_first_reaching

    start = dt.date(2019, 1, 1)
    systems = [
        _system(f"s{i}", start + dt.timedelta(days=91 * i), 1e17 * 2 ** (i / 3), h100e=100.0 * 2 ** (i / 3))
        for i in range(24)
    ]
    origins = (dt.date(2022, 1, 1),)
    base = hindcast_first_reaching(systems, "h100e", origins, multiples=(2.0,), n_boot=300, n_samples=500)
    assert len(base.cases) == 1 and base.coverage in (0.0, 1.0)
    case = base.cases[0]
    # Truth: the first system at or above twice the largest before 2022-01-01.
    largest_before = max(s.h100e or 0 for s in systems if s.first_operational < origins[0])  # type: ignore[operator]
    first_after = min(s.first_operational_year for s in systems  # type: ignore[type-var]
                      if s.first_operational >= origins[0] and (s.h100e or 0) >= 2 * largest_before)  # type: ignore[operator]
    assert case.actual_year == pytest.approx(first_after)
    # Later rows change the truth, never the forecast.
    bumped = [s if s.first_operational < origins[0] else _system(s.name, s.first_operational, 1.0, h100e=(s.h100e or 0) * 10)  # type: ignore[arg-type,operator]
              for s in systems]
    again = hindcast_first_reaching(bumped, "h100e", origins, multiples=(2.0,), n_boot=300, n_samples=500)
    assert again.cases[0].expected_year == pytest.approx(case.expected_year)
    assert again.cases[0].interval == case.interval
    assert again.cases[0].actual_year <= case.actual_year  # type: ignore[operator]
