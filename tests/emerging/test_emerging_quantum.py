"""Quantum break-even: Babbush et al. (2021) Tables I and II reproduced from their stated inputs."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.catalog import Chip
from computegov.emerging import against_chip, break_even, paper_rows
from computegov.emerging.quantum import TOFFOLI_TIME_S, quantum_primitive_time_s
from computegov.errors import InputError

#: The paper prints two significant figures, and its inputs (17 ms, 33 ns, 440 ms, 7 ns) are
#: themselves rounded: 3 % covers both.
TOLERANCE = 0.03


@pytest.mark.parametrize("row", paper_rows(), ids=lambda r: f"{r['table']}-{r['example']}-d{r['degree']}-S{r['parallel_speedup']:g}-R{r['R']:g}")
def test_paper_break_even_times_are_reproduced(row: dict[str, float]) -> None:
    assert row["break_even_s"] == pytest.approx(row["break_even_s_paper"], rel=TOLERANCE)


def test_paper_call_counts_are_reproduced_except_one_misprint() -> None:
    for row in paper_rows():
        if (row["table"], row["example"], row["degree"], row["parallel_speedup"]) == ("I", "simulated_annealing", 4, 1e6):
            # printed M = 4.0e5, but the row's own T* = 4.9 h = M x 440 ms gives M = 4.0e4
            assert row["calls"] * 440e-3 == pytest.approx(4.9 * 3600, rel=TOLERANCE)
            assert row["calls"] == pytest.approx(row["calls_paper"] / 10, rel=TOLERANCE)
            continue
        assert row["calls"] == pytest.approx(row["calls_paper"], rel=TOLERANCE)


def test_quadratic_break_even_is_s_tq_squared_over_tc() -> None:
    result = break_even(17e-3, 33e-9, 2, 3000)
    assert result.break_even_s == pytest.approx(3000 * 17e-3**2 / 33e-9)
    assert result.break_even_s / (365.25 * 86400) == pytest.approx(0.83, abs=0.02)  # the text's "one year"
    assert result.speedup_after(2 * result.break_even_s) == pytest.approx(2.0)


def test_toffoli_time_is_the_papers_170_microseconds() -> None:
    assert quantum_primitive_time_s(100) == pytest.approx(17e-3)
    assert quantum_primitive_time_s(2.6e3) == pytest.approx(0.442)  # the paper's 440 ms
    assert quantum_primitive_time_s(100, distillation_speedup=10) == pytest.approx(1.7e-3)
    assert pytest.approx(TOFFOLI_TIME_S, rel=0.03) == 5.5 * 30 * 1e-6  # 5.5 d cycles, d = 30, 1 us


def test_against_a_chip_the_call_count_does_not_depend_on_the_primitive_size() -> None:
    chip = Chip(name="Fast", release_date=dt.date(2024, 1, 1), peak_flop_per_s={"int8": 2e15}, tdp_w=700)
    small, large = against_chip(chip, 100, 2), against_chip(chip, 1e6, 2)
    assert small.calls == pytest.approx(TOFFOLI_TIME_S * 2e15)
    assert large.calls == pytest.approx(small.calls)
    assert large.break_even_s == pytest.approx(small.break_even_s * 1e4)
    with pytest.raises(InputError, match="no FP8 peak"):
        against_chip(chip, 100, 2, precision="fp8")


@pytest.mark.parametrize(
    ("args", "match"),
    [((0.0, 1e-9), "positive"), ((1e-3, -1.0), "positive"), ((1e-3, 1e-9, 1), "degree"),
     ((1e-3, 1e-9, 2, 0.5), "parallel")],
)
def test_bad_break_even_inputs_are_refused(args: tuple[float, ...], match: str) -> None:
    with pytest.raises(InputError, match=match):
        break_even(*args)
