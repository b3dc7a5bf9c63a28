"""The meter states its FLOP definitions and reports FlopCounterMode's figure with the difference itemised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from computegov.measure import ComputeMeter  # noqa: E402
from computegov.measure.demo import GPTConfig, build_demo_model, gpt_training_flop  # noqa: E402
from computegov.measure.flop_definitions import FLOP_DEFINITIONS  # noqa: E402
from computegov.measure.summary import MeterSummary, summarize_records  # noqa: E402

TINY = GPTConfig(vocab_size=32, context=16, d_model=16, n_layers=1, n_heads=2)
CPU_ATTENTION = {
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_flash_attention_for_cpu_backward",
}


def _step(model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    inputs, targets = batch
    logits = model(inputs)
    F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)).backward()


def _batch(seed: int = 0, batch: int = 2, seq: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    data = torch.randint(0, TINY.vocab_size, (batch, seq + 1), generator=g)
    return data[:, :-1], data[:, 1:]


def test_comparable_figure_equals_flopcountermode_and_the_difference_is_itemised(tmp_path: Path) -> None:
    model = build_demo_model(0, TINY)
    batches = [_batch(i) for i in range(3)]
    with FlopCounterMode(display=False) as plain:
        for b in batches:
            _step(model, b)
    reference = plain.get_total_flops()
    records = tmp_path / "r.jsonl"
    meter = ComputeMeter(build_demo_model(0, TINY), energy=None, records=records, interval_steps=2)
    for b in batches:
        with meter.step():
            _step(meter.model, b)
    summary = meter.close()
    assert summary.flop_flopcounter_compatible is not None and summary.flop_full_attention is not None
    assert abs(summary.flop_flopcounter_compatible - reference) <= 1e-3 * reference
    beyond = summary.flop_beyond_flopcounter_by_op
    assert set(beyond) == CPU_ATTENTION  # only the CPU attention kernel: no softmax, no element-wise op
    assert sum(beyond.values()) == summary.flop_full_attention - summary.flop_flopcounter_compatible
    closed = gpt_training_flop(TINY, 2, 16)
    assert sum(beyond.values()) == 3 * (closed["attention_palm"] + closed["attention_recompute"])
    assert summary.flop_definitions == FLOP_DEFINITIONS
    # the records carry it, and a summary recomputed from them says the same
    lines = [json.loads(line) for line in records.read_text().splitlines()]
    assert all("flop_beyond_flopcounter_by_op" in r for r in lines if r.get("kind") == "interval")
    again = summarize_records(lines)
    assert again.flop_beyond_flopcounter_by_op == beyond
    assert MeterSummary.from_dict(summary.to_dict()).flop_beyond_flopcounter_by_op == beyond


def test_definitions_name_what_is_not_counted() -> None:
    for word in ("element-wise", "softmax", "optimizer", "FlopCounterMode", "multiply-add is 2"):
        assert word in FLOP_DEFINITIONS


def test_a_garbled_itemisation_is_named(tmp_path: Path) -> None:
    from computegov.errors import DataError
    from computegov.measure.summary import check_interval

    record = {"steps": 1, "seconds": 1.0, "time_start_unix_s": 0.0, "time_end_unix_s": 1.0,
              "flop_beyond_flopcounter_by_op": {"mv": -3}}
    with pytest.raises(DataError, match="op name"):
        check_interval(record, 1)
