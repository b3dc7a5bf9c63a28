"""Stocks name every system they leave out and why (issue 28: clusters without a start date)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from computegov.clusters import load_clusters, stocks
from computegov.clusters.stocks import DROP_REASONS


def test_every_system_is_counted_or_named_as_dropped() -> None:
    systems = load_clusters().systems
    day = dt.date(2025, 3, 1)
    table = stocks(systems, day)
    dropped = sum(d.count for d in table.dropped)
    assert table.n_systems + dropped == len(systems)
    no_date = [s for s in systems if s.first_operational is None and s.status != "planned"]
    [row] = [d for d in table.dropped if d.reason == DROP_REASONS[0]]
    assert row.count == len(no_date) > 0
    assert row.h100e == sum(s.h100e or 0.0 for s in no_date)
    assert set(row.names) <= {s.name for s in no_date}
    assert table.to_dict()["dropped"][0]["reason"] == row.reason


def test_a_decommissioned_system_is_named_with_its_reason() -> None:
    base = load_clusters().systems[0]
    old = dataclasses.replace(base, status="decommissioned", first_operational=dt.date(2019, 1, 1),
                              decommissioned=dt.date(2020, 1, 1))
    table = stocks([old], dt.date(2024, 1, 1))
    assert [(d.reason, d.count) for d in table.dropped] == [(DROP_REASONS[3], 1)]
    assert table.total == 0
