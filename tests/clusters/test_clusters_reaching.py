"""When the first system of a size is expected: the calibrated record forecast read as a crossing date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.clusters import ClusterSystem, filter_systems, load_clusters
from computegov.clusters.reaching import (
    crossing_distribution,
    first_reaching,
    leading_forecast,
    record_points,
)
from computegov.errors import InputError

FAST = {"n_samples": 600, "n_boot": 200}


def _exponential(start: int = 2005, end: int = 2021, per_year: int = 6, doubling_years: float = 1.0,
                 seed: int = 1) -> list[ClusterSystem]:
    """Systems whose size doubles every ``doubling_years``: the leaders on the line, the rest below it."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range((end - start) * per_year):
        year = start + (i + 0.5) / per_year
        day = dt.date(int(year), 1, 1) + dt.timedelta(days=int(365 * (year % 1)))
        on_line = 100.0 * 2 ** ((year - start) / doubling_years)
        size = on_line if i % 3 == 0 else on_line * 10 ** -rng.uniform(0.3, 1.5)
        out.append(ClusterSystem(name=f"s{i}", row=i, status="existing", first_operational=day, h100e=size))
    return out


@pytest.fixture(scope="module")
def bundled() -> tuple[ClusterSystem, ...]:
    systems, _ = filter_systems(load_clusters(), standard=True)
    return systems


@pytest.fixture(scope="module")
def bundled_fan(bundled: tuple[ClusterSystem, ...]):  # type: ignore[no-untyped-def]
    return leading_forecast(bundled, "h100e", origin=2024, **FAST)


def test_forecast_ignores_every_row_after_the_origin(bundled: tuple[ClusterSystem, ...]) -> None:
    origin = 2024
    cutoff = dt.date(origin, 1, 1)
    base = first_reaching(bundled, "h100e", 1e6, origin=origin, **FAST)
    changed = [dataclasses.replace(s, h100e=(s.h100e or 1.0) * 50) if s.first_operational and s.first_operational >= cutoff
               else s for s in bundled]
    extra = ClusterSystem(name="giant", row=0, status="existing", first_operational=dt.date(2024, 2, 1), h100e=5e6)
    again = first_reaching([*changed, extra], "h100e", 1e6, origin=origin, **FAST)
    assert again.reached_by is None  # the giant came after the origin
    assert again.by_year == base.by_year and again.interval == base.interval
    assert again.forecast_method == base.forecast_method
    # ... while the rows before the origin do move it.
    earlier = [dataclasses.replace(s, h100e=(s.h100e or 1.0) * 3) if s.first_operational and s.first_operational < cutoff
               else s for s in bundled]
    moved = first_reaching(earlier, "h100e", 1e6, origin=origin, **FAST)
    assert moved.by_year != base.by_year


def test_calibration_learns_only_from_hindcasts_before_the_origin(bundled_fan) -> None:  # type: ignore[no-untyped-def]
    assert bundled_fan.origin == 2024
    assert bundled_fan.hindcast_since is None or bundled_fan.hindcast_since < 2024


@settings(max_examples=40, deadline=None)
@given(log_target=st.floats(min_value=4.0, max_value=9.0))
def test_p_reached_by_year_is_monotone_and_a_probability(bundled_fan, log_target: float) -> None:  # type: ignore[no-untyped-def]
    by_year, (lo, mid, hi) = crossing_distribution(bundled_fan, 10**log_target)
    probs = [p for _, p in by_year]
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert all(a <= b for a, b in itertools.pairwise(probs))
    ends = [v for v in (lo, mid, hi) if v is not None]
    assert ends == sorted(ends)
    # A larger size is never more likely to be reached by a given year.
    bigger, _ = crossing_distribution(bundled_fan, 10 ** (log_target + 0.5))
    assert all(pb <= p + 1e-12 for (_, p), (_, pb) in zip(by_year, bigger, strict=True))


@pytest.mark.parametrize("doubling_years", [1.0, 2.0])
def test_known_exponential_growth_gives_the_known_crossing_year(doubling_years: float) -> None:
    systems = _exponential(doubling_years=doubling_years)  # from 100 H100e in 2005, on a line
    fc = leading_forecast(systems, "h100e", **FAST)
    assert fc.origin == 2021
    target = 100.0 * 2 ** (26 / doubling_years)  # the line reaches it at 2005 + 26 = 2031.0
    result = first_reaching(systems, "h100e", target, fan=fc)
    assert result.expected_year is not None
    assert result.expected_year == pytest.approx(2031.0, abs=1.0)
    # The series continued: its first system at or above the target (releases every half year on the line).
    continued = _exponential(end=2035, doubling_years=doubling_years)
    truth = min(s.first_operational_year for s in continued if (s.h100e or 0) >= target)  # type: ignore[type-var]
    lo, hi = result.interval or (None, None)
    assert lo is not None and hi is not None and lo <= truth <= hi and hi - lo < 3.0


def test_crossing_distribution_reads_quantiles_between_years(bundled_fan) -> None:  # type: ignore[no-untyped-def]
    by_year, (mid,) = crossing_distribution(bundled_fan, 3e5, levels=(0.5,))
    if mid is not None:  # the median date lies in the year where P first passes 0.5
        year = math.floor(mid)
        p = dict(by_year)
        assert p[year] >= 0.5 and p.get(year - 1, 0.0) <= 0.5


def test_record_points_leave_out_planned_and_later_systems(bundled: tuple[ClusterSystem, ...]) -> None:
    x, v = record_points(bundled, "h100e", before=dt.date(2022, 1, 1))
    assert x.size > 0 and float(x.max()) < 2022.0 and np.all(v > 0)


@pytest.mark.parametrize(("metric", "target", "field"), [("flops", 1e6, "metric"), ("h100e", -1.0, "target"),
                                                         ("h100e", math.nan, "target")])
def test_bad_input_names_the_field(bundled: tuple[ClusterSystem, ...], metric: str, target: float, field: str) -> None:
    with pytest.raises(InputError, match=field):
        first_reaching(bundled, metric, target)


def test_bad_method_is_refused(bundled: tuple[ClusterSystem, ...]) -> None:
    with pytest.raises(InputError, match="method"):
        leading_forecast(bundled, "h100e", method="crystal_ball")


def test_hindcast_with_a_fixed_method_uses_it_at_every_origin(bundled: tuple[ClusterSystem, ...]) -> None:
    from computegov.clusters.reaching import hindcast_first_reaching

    h = hindcast_first_reaching(bundled, "h100e", (2022, 2024), multiples=(2.0,), method="loglinear_frontier+cal",
                                **FAST)
    assert h.cases and {c.forecast_method for c in h.cases} == {"loglinear_frontier+cal"}
    assert h.held == sum(c.covered for c in h.cases) and 0 <= h.open_ended <= len(h.cases)


def test_hindcast_refuses_an_origin_that_is_not_1_january(bundled: tuple[ClusterSystem, ...]) -> None:
    from computegov.clusters.reaching import hindcast_first_reaching

    with pytest.raises(InputError, match="origins"):
        hindcast_first_reaching(bundled, "h100e", (dt.date(2022, 7, 1),))
