"""Interval times of measurement records: a value no JSON writer of ours produces is a named problem."""

from __future__ import annotations

import pytest

from computegov.ledger.timeline import _interval_problem


@pytest.mark.parametrize("field", ["time_start_unix_s", "time_end_unix_s", "seconds"])
def test_an_interval_time_beyond_float_range_is_a_problem_not_a_crash(field: str) -> None:
    # only the stdlib parser (no orjson) hands such an integer over; orjson refuses it earlier
    interval = {"time_start_unix_s": 1.7e9, "time_end_unix_s": 1.7e9 + 1, "seconds": 1.0, field: 10**400}
    assert _interval_problem(interval, 1.7e9 - 10, 1.7e9 + 2) != ""


def test_a_plain_interval_inside_its_run_has_no_problem() -> None:
    interval = {"time_start_unix_s": 1.7e9, "time_end_unix_s": 1.7e9 + 1, "seconds": 1.0}
    assert _interval_problem(interval, 1.7e9 - 10, 1.7e9 + 2) == ""
