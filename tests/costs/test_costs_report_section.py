"""The report's TCO section and the planning charts."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from computegov.catalog import Chip
from computegov.costs import TCO_DOLLAR_YEAR, tco_table
from computegov.planning import PlanRequest, plan
from computegov.report.section import ReportContext


def chip(name: str, year: int, peak: float, price: float) -> Chip:
    return Chip(
        name=name,
        kind="gpu",
        release_date=dt.date(year, 6, 1),
        peak_flop_per_s={"bf16": peak},
        memory_bytes=80e9,
        tdp_w=400.0,
        launch_price_usd=price,
        launch_price_year=TCO_DOLLAR_YEAR,
    )


# price-performance (chip only) doubles exactly every 2 years: peak x2 per 2 years, same price
CHIPS = [chip(f"Chip {y}", y, 1e14 * 2 ** ((y - 2016) / 2), 10_000.0) for y in range(2016, 2025)]


class FakeCatalog(list):
    """Just enough of a Catalog for the section (iteration, lookup by name)."""

    def get(self, name: str):  # type: ignore[no-untyped-def]
        from computegov.errors import UnknownNameError

        for chip in self:
            if chip.name == name:
                return chip
        raise UnknownNameError(f"no chip named {name!r}")


def test_trend_rates_recover_a_known_doubling_time() -> None:
    from computegov.report.sections.tco import trend_rates

    rates = trend_rates(tco_table(CHIPS))
    growth, doubling, n = rates["chip price only"]
    assert n == len(CHIPS)
    assert doubling == pytest.approx(
        2.0, rel=0.01
    )  # release dates are mid-year, so spacing is exact
    # same price and TDP every year: TCO per chip-hour is constant, so TCO doubles at the same pace
    assert rates["total cost of ownership"][1] == pytest.approx(2.0, rel=0.01)
    assert growth == pytest.approx(math.sqrt(2.0), rel=0.01)


def test_section_builds_with_chart_and_table_at_order_70() -> None:
    from computegov.report.sections.tco import build

    section = build(ReportContext(catalog=FakeCatalog(CHIPS)))  # type: ignore[arg-type]
    assert section.order == 70
    assert section.id == "tco"
    assert 'data-chart-for="tco-trend"' in section.html
    assert "Chip 2024" in section.html
    assert "NaN" not in section.html


def test_plan_chart_has_every_option() -> None:
    from computegov.charts.planning import plan_chart, plan_frame

    result = plan(PlanRequest(flop=1e22, utilisation=0.5, deadline_days=30), CHIPS[-3:])
    frame = plan_frame(result)
    assert set(frame["chip"]) >= {o.chip_name for o in result.options}
    spec = plan_chart(result).to_dict()
    assert spec["layer"]
