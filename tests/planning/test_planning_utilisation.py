"""Achievable utilisation per chip family: evidence where published, a widened default elsewhere."""

from __future__ import annotations

import pytest

from computegov.catalog import load_catalog
from computegov.costs import default_assumptions
from computegov.planning import PlanRequest, evaluate
from computegov.planning.scaling import INTERNODE, ChipNumbers, ScalingAssumptions
from computegov.planning.utilisation import kernel_mfu_for

CATALOG = load_catalog()


def test_h100_takes_its_family_range_backed_by_llama3() -> None:
    k = kernel_mfu_for(CATALOG.get("H100 SXM"))
    assert k.has_evidence
    # published at-scale MFU includes communication, so it bounds the kernel MFU from below
    llama = next(e for e in k.evidence if "Llama 3" in e.run)
    assert (llama.mfu_low, llama.mfu_high) == (0.38, 0.43)
    assert k.value.low <= llama.mfu_low <= k.value.high
    assert "arXiv:2407.21783" in llama.source and llama.date


@pytest.mark.parametrize("name", ["Gaudi3", "Instinct MI300X"])
def test_chip_without_published_runs_keeps_the_generation_central_and_widens_the_low_end(
    name: str,
) -> None:
    chip = CATALOG.get(name)
    k = kernel_mfu_for(chip)
    generation = default_assumptions().mfu_for(chip.release_date).value
    assert not k.has_evidence
    assert k.value.central == generation.central
    assert k.value.low < generation.low
    assert "no published at-scale utilisation" in k.note


def test_plan_marks_unproven_utilisation_and_its_cost_interval_is_wider() -> None:
    request = PlanRequest(flop=1e24, failures=False)
    _, gaudi = evaluate(request, CATALOG.get("Gaudi3"), 1024)
    _, h100 = evaluate(request, CATALOG.get("H100 SXM"), 1024)
    assert not gaudi.utilisation_evidence and h100.utilisation_evidence
    spread = lambda o: o.duration_s.high / o.duration_s.low  # noqa: E731
    assert spread(gaudi) > spread(h100)
    assert any("no published at-scale utilisation" in n for n in gaudi.notes)


def test_b200_and_h200_network_is_sourced_not_assumed() -> None:
    for name in ("B200", "H200"):
        chip = CATALOG.get(name)
        numbers = ChipNumbers.from_chip(chip, 1e15, ScalingAssumptions.default())
        assert INTERNODE not in numbers.assumed
        assert numbers.inter_bytes_per_s == pytest.approx(50e9)  # one 400 Gb/s NIC per GPU
        assert any("docs.nvidia.com" in s for s in numbers.sources)


def test_a_users_evidence_file_overrides_the_bundled_table(tmp_path) -> None:
    from computegov.errors import DataError
    from computegov.planning.utilisation import load_evidence

    path = tmp_path / "mine.yaml"
    path.write_text(
        "families:\n"
        "  - name: our Gaudi 3 pilot\n"
        "    match: [Gaudi3]\n"
        "    kernel_mfu: {low: 0.30, central: 0.35, high: 0.40}\n"
        "    evidence:\n"
        "      - {run: pilot, mfu: [0.33, 0.33], stack: x, source: internal, date: 2026-11-01}\n",
        encoding="utf-8",
    )
    table = load_evidence(path)
    mine = kernel_mfu_for(CATALOG.get("Gaudi3"), table)
    assert mine.has_evidence and mine.value.central == 0.35
    # bundled families still match
    assert kernel_mfu_for(CATALOG.get("H100 SXM"), table).family is not None
    request = PlanRequest(flop=1e24, failures=False)
    _, default = evaluate(request, CATALOG.get("Gaudi3"), 256)
    _, slower = evaluate(request, CATALOG.get("Gaudi3"), 256, evidence=table)
    assert slower.days > default.days and slower.utilisation_evidence
    bad = tmp_path / "bad.yaml"
    bad.write_text("families:\n  - name: x\n    match: [y]\n    kernel_mfu: {low: 2, central: 3, high: 4}\n")
    with pytest.raises(DataError, match="row 1"):
        load_evidence(bad)
