"""The watch list: ranked by probability x multiplier x relevance; the user's weights are checked."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.emerging import Comparison, watch_list
from computegov.errors import InputError, UnknownNameError


def _row(claim_id: str, paradigm: str, ratio: float) -> Comparison:
    return Comparison(claim_id=claim_id, paradigm=paradigm, evidence="vendor_claim", quantity="energy_efficiency",
                      comparable=True, reason="test", trend_metric="flop_per_j", ratio_to_record=ratio)


ROWS = [_row("a", "photonic", 0.25), _row("b", "photonic", 100.0), _row("c", "analog_in_memory", 3.0),
        _row("d", "neuromorphic", 4.0)]


def test_ranked_by_expected_uplift_with_log_median_multipliers() -> None:
    items = watch_list(ROWS, {"photonic": 0.2, "analog_in_memory": 0.5, "neuromorphic": 0.5},
                       {"neuromorphic": 0.25})
    by = {i.paradigm: i for i in items}
    assert by["photonic"].multiplier == pytest.approx(5.0)  # geometric mean of 0.25 and 100
    assert by["photonic"].expected_uplift == pytest.approx(0.2 * 5.0)
    assert by["neuromorphic"].expected_uplift == pytest.approx(0.5 * 4.0 * 0.25)
    assert by["analog_in_memory"].expected_ooms == pytest.approx(0.5 * math.log10(3.0))
    assert [i.paradigm for i in items[:3]] == ["analog_in_memory", "photonic", "neuromorphic"]
    assert all(i.expected_uplift is None for i in items[3:])
    assert by["quantum"].note.startswith("no comparable")


def test_a_paradigm_without_a_probability_is_listed_unranked() -> None:
    item = next(i for i in watch_list(ROWS, {}) if i.paradigm == "photonic")
    assert item.expected_uplift is None and item.note == "no probability given"


@pytest.mark.parametrize(
    ("probabilities", "relevance", "error"),
    [({"photonic": 1.5}, {}, InputError), ({"photonic": -0.1}, {}, InputError),
     ({"photonic": 0.5}, {"photonic": -1.0}, InputError), ({"alchemy": 0.5}, {}, UnknownNameError)],
)
def test_bad_weights_are_refused(probabilities: dict[str, float], relevance: dict[str, float],
                                 error: type[Exception]) -> None:
    with pytest.raises(error):
        watch_list(ROWS, probabilities, relevance)


@pytest.mark.parametrize("args", [["--p", "photonic"], ["--p", "photonic=2"], ["--p", "alchemy=0.1"],
                                  ["--relevance", "photonic=-1"], ["--metric", "memory_bytes"]])
def test_watch_cli_bad_input_exits_2(args: list[str]) -> None:
    result = runner.invoke(app, ["emerging", "watch", *args])
    assert result.exit_code == 2 and "error" in result.output


runner = CliRunner()
