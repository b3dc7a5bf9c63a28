"""The watch list: ranked by probability x multiplier x relevance; the user's weights are checked."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.emerging import Comparison, watch_list
from computegov.errors import InputError, UnknownNameError


def _row(claim_id: str, paradigm: str, ratio: float, evidence: str = "vendor_claim") -> Comparison:
    return Comparison(claim_id=claim_id, paradigm=paradigm, evidence=evidence, quantity="energy_efficiency",
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


def test_an_evidence_filter_keeps_press_releases_out_of_the_multiplier() -> None:
    rows = [*ROWS, _row("m", "photonic", 1000.0, evidence="peer_reviewed_measurement")]
    everything = {i.paradigm: i for i in watch_list(rows, {"photonic": 0.5})}
    assert everything["photonic"].multiplier == pytest.approx(100.0)  # median of 0.25, 100, 1000
    assert everything["photonic"].evidence == ("vendor_claim", "vendor_claim", "peer_reviewed_measurement")
    measured = {i.paradigm: i for i in watch_list(rows, {"photonic": 0.5}, evidence=["peer_reviewed_measurement"])}
    assert measured["photonic"].multiplier == pytest.approx(1000.0)
    assert measured["photonic"].entries == ("m",) and measured["photonic"].expected_uplift == pytest.approx(500.0)
    assert measured["analog_in_memory"].multiplier is None
    assert "peer_reviewed_measurement" in measured["analog_in_memory"].note
    with pytest.raises(InputError, match="unknown evidence kind"):
        watch_list(rows, {}, evidence=["press_release"])


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
                                  ["--relevance", "photonic=-1"], ["--metric", "memory_bytes"],
                                  ["--evidence", "press_release"]])
def test_watch_cli_bad_input_exits_2(args: list[str]) -> None:
    result = runner.invoke(app, ["emerging", "watch", *args])
    assert result.exit_code == 2 and "error" in result.output


runner = CliRunner()
