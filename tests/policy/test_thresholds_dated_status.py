"""A dated threshold check shows each threshold's status on that date, not today's."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from computegov.policy.thresholds import check, load_thresholds


def _estimate(flop: float) -> SimpleNamespace:
    return SimpleNamespace(flop=flop, flop_low=flop / 2, flop_high=flop * 2)


def _eo14110(date: dt.date) -> list[str]:
    return [r.threshold.status for r in check(_estimate(1e26), date)
            if r.threshold.id == "us-eo14110-dual-use-foundation-model"]


def test_eo14110_is_in_force_on_a_date_it_applied() -> None:
    assert _eo14110(dt.date(2024, 6, 1)) == ["in_force"]
    assert check(_estimate(1e26), dt.date(2024, 6, 1))[0].to_dict()["status"] in {"in_force", "guidance"}


def test_eo14110_is_not_checked_after_its_revocation() -> None:
    assert _eo14110(dt.date(2025, 6, 1)) == []


def test_status_on_follows_the_dates_of_every_bundled_threshold() -> None:
    for t in load_thresholds():
        if t.status == "guidance":
            continue
        assert t.status_on(t.in_force_from) == "in_force"
        assert t.status_on(t.in_force_from - dt.timedelta(days=1)) == "enacted_not_yet_in_force"
        if t.in_force_until is not None:
            assert t.status_on(t.in_force_until) in {"revoked", "superseded"}
            assert t.status_on(t.in_force_until - dt.timedelta(days=1)) == "in_force"
