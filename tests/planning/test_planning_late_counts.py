"""Counts whose central time already misses the deadline are left out of the full evaluation: same plans."""

from __future__ import annotations

from typing import Any

import pytest

from computegov.catalog import load_catalog
from computegov.errors import PlanInfeasibleError
from computegov.planning import PlanRequest, plan
from computegov.planning import configuration as configuration_module
from computegov.planning import planner as planner_module
from computegov.planning.configuration import Late


@pytest.fixture(scope="module")
def catalog() -> list[Any]:
    return list(load_catalog(user_config=False))


@pytest.fixture(scope="module")
def chips(catalog: list[Any]) -> list[Any]:
    """A dozen datacenter chips of several makers (the whole catalogue is the price reference)."""
    picked = [c for c in catalog if c.datacenter and c.training_peak() is not None][::4]
    return picked[:12]


def _outcome(request: PlanRequest, chips: list[Any], reference: list[Any]) -> Any:
    try:
        return plan(request, chips, reference=reference).to_dict()
    except PlanInfeasibleError as err:
        return ("infeasible", str(err), err.binding)


REQUESTS = [
    PlanRequest(flop=3e25, deadline_days=90.0),
    PlanRequest(flop=3e25, deadline_days=90.0, mode="rent", rank_by="time"),
    PlanRequest(flop=1e24, deadline_days=20.0, failures=False),
    PlanRequest(flop=1e24, deadline_days=30.0, utilisation=0.35),
    PlanRequest(flop=3e26, deadline_days=60.0, budget_usd=2e9),
    PlanRequest(flop=1e27, deadline_days=2.0),  # nothing meets it: the explanation needs every option
    PlanRequest(flop=3e25, deadline_days=90.0, max_chips=2048),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.flop:g}-{r.deadline_days:g}d")
def test_plans_equal_those_that_evaluate_every_count_in_full(
    request_: PlanRequest, chips: list[Any], catalog: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    late: list[Late] = []
    real = configuration_module.option_unless_late

    def spy(*args: Any, **kwargs: Any) -> Any:
        got = real(*args, **kwargs)
        if isinstance(got, Late):
            late.append(got)
        return got

    monkeypatch.setattr(planner_module, "option_unless_late", spy)
    fast = _outcome(request_, chips, catalog)
    assert late, "the request should leave some counts out as late"
    assert all(item.days > (request_.deadline_days or 0) for item in late)

    def never_late(*args: Any, **kwargs: Any) -> Any:
        return real(*args, **{**kwargs, "late_after_days": None})

    monkeypatch.setattr(planner_module, "option_unless_late", never_late)
    assert fast == _outcome(request_, chips, catalog)
