"""The measured method on real signed ComputeReports from the ledger (and on plain reports)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.compute import MEASURED_INTERVAL_FRACTION, TrainingRun, estimate, measured_estimate
from computegov.errors import InputError

# Three meter intervals: counted 1e18 FLOP each, the meter's 6·N·D figure 0.9e18 each.
INTERVAL = {"steps": 10, "flop": 1.0e18, "model_flop_6nd": 0.9e18, "duration_s": 60.0, "tokens": 1.0e5}


@pytest.fixture
def report(tmp_path: Path):  # type: ignore[no-untyped-def]
    from computegov.ledger.recorder import RunRecorder
    from computegov.ledger.signing import Signer

    rec = RunRecorder(
        tmp_path / "run.jsonl",
        signer=Signer.generate(),
        metadata={"model": "tiny-lm", "hardware": {"chip": "H100 SXM5", "chip_count": 8}},
    )
    for _ in range(3):
        rec.record_measurement(INTERVAL)
    return rec.finish({"tokens": 3.0e5})


def test_signed_report_total_and_interval_span_the_meter_methods(report) -> None:  # type: ignore[no-untyped-def]
    est = measured_estimate(report)
    assert est.method == "measured"
    assert est.flop == pytest.approx(3e18)
    # low: the 6ND total (2.7e18) is below 3e18 x 0.95; high: 3e18 x 1.05 is above every method
    assert est.flop_low == pytest.approx(2.7e18)
    assert est.flop_high == pytest.approx(3e18 * (1 + MEASURED_INTERVAL_FRACTION))
    assert est.inputs["chip_count"] == 8 and est.inputs["chip_hours"] == pytest.approx(8 * 180 / 3600)
    assert est.inputs["ledger_head_hash"] == report.predicate["ledger"]["head_hash"]
    assert est.name == "tiny-lm"
    assert any("computegov verify" in a for a in est.assumptions)


def test_every_form_of_the_report_gives_the_same_estimate(report) -> None:  # type: ignore[no-untyped-def]
    expected = measured_estimate(report)
    for form in (report.to_dict(), report.envelope, report.statement, json.loads(report.to_bytes())):
        got = measured_estimate(form)
        assert (got.flop, got.flop_low, got.flop_high) == (expected.flop, expected.flop_low, expected.flop_high)


def test_report_wins_the_combination_over_architecture(report) -> None:  # type: ignore[no-untyped-def]
    est = estimate(TrainingRun(params=5e6, tokens=3e5, measured=report.envelope))
    assert est.method == "measured"
    assert [a.method for a in est.alternatives] == ["architecture"]


def test_intervals_without_flop_make_the_total_a_lower_bound(report) -> None:  # type: ignore[no-untyped-def]
    statement = json.loads(json.dumps(report.statement))
    statement["predicate"]["totals"]["intervals_flop_unknown"] = 2
    est = measured_estimate(statement)
    assert any("lower bound" in a for a in est.assumptions)


def test_an_envelope_whose_payload_is_not_a_statement_is_refused() -> None:
    bad = {"payload": base64.b64encode(b"not json").decode(), "payloadType": "application/vnd.in-toto+json"}
    with pytest.raises(InputError, match="payload"):
        measured_estimate(bad)


def test_a_statement_without_flop_is_refused(report) -> None:  # type: ignore[no-untyped-def]
    statement = json.loads(json.dumps(report.statement))
    statement["predicate"]["totals"]["flop"] = 0
    with pytest.raises(InputError, match="positive"):
        measured_estimate(statement)


@pytest.mark.parametrize(
    ("plain", "match"),
    [
        ({"flop": 1e20, "flop_low": 2e20, "flop_high": 3e20}, "flop_low <= flop"),
        ({"flop": 1e20, "phase": "pretraining"}, "phase"),
        ({"flop": "lots"}, "numeric"),
    ],
)
def test_inconsistent_plain_reports_are_refused(plain: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        measured_estimate(plain)


def test_cli_reads_the_signed_report_file(report) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["compute", "estimate", "--measured", str(report.path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"] == "measured" and out["flop"] == pytest.approx(3e18)


def test_cli_refuses_a_malformed_envelope_with_exit_2(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    envelope = dict(report.envelope, payloadType="text/plain")
    path = tmp_path / "bad.report.json"
    path.write_text(json.dumps(envelope))
    result = CliRunner().invoke(app, ["compute", "estimate", "--measured", str(path)])
    assert result.exit_code == 2
    assert "payloadType" in result.output
