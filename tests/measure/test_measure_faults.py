"""Faults injected inside ComputeMeter never stop, slow or alter the training loop it watches."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch.utils import flop_counter  # noqa: E402

from computegov.measure import flops  # noqa: E402
from computegov.measure.meter import ComputeMeter  # noqa: E402

SIZES = (8, 8, 5, 8, 5, 8)  # new signatures at steps 0 and 2, cached ones in between

# The meter's methods that run inside the watched loop (hook, step start, step end, records).
METER_METHODS = (
    "_static_signature",
    "_forward_signature",
    "_detect_precision",
    "_start_counting",
    "_should_verify",
    "_account",
    "_flush",
    "_read_energy",
)


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


def _train(model: Any, meter: ComputeMeter | None) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(5)
    for n in SIZES:
        x, y = torch.randn(n, 16, generator=generator), torch.randn(n, 4, generator=generator)
        if meter is None:
            F.mse_loss(model(x), y).backward()
        else:
            with meter.step():
                F.mse_loss(model(x), y).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


def _no_counter_left() -> bool:
    return torch._C._len_torch_dispatch_stack() == 0 and not flops._ACTIVE


@pytest.mark.parametrize("fault", [*METER_METHODS, "Counting.start", "Counting.stop", "write"])
def test_an_injected_fault_is_logged_marked_and_the_loop_runs_on_unchanged(
    fault: str,
    mlp: Any,
    tmp_path: Path,
    make_fake_energy: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reference = copy.deepcopy(mlp)
    _train(reference, None)
    meter = ComputeMeter(
        mlp,
        energy=make_fake_energy(100.0),
        records=tmp_path / "run.jsonl",
        interval_steps=2,
        verify_fraction=0.5,
    )
    if fault == "Counting.start":
        monkeypatch.setattr(flops.Counting, "start", _boom)
    elif fault == "Counting.stop":
        real_stop = flops.Counting.stop

        def stop_then_fail(self: Any) -> Any:
            real_stop(self)
            raise RuntimeError("injected fault")

        monkeypatch.setattr(flops.Counting, "stop", stop_then_fail)
    elif fault == "write":
        assert meter._writer is not None
        monkeypatch.setattr(meter._writer, "write", _boom)
    else:
        monkeypatch.setattr(meter, fault, _boom)
    with caplog.at_level(logging.WARNING, logger="computegov.measure.meter"):
        _train(mlp, meter)  # must not raise
        assert _no_counter_left()
        monkeypatch.undo()  # the summary itself may need the patched parts
        summary = meter.close()
    for ours, theirs in zip(mlp.parameters(), reference.parameters(), strict=True):
        assert torch.equal(ours, theirs)  # the meter changed nothing in training
    assert summary.steps == len(SIZES)
    text = " ".join(summary.gaps) + " ".join(r.getMessage() for r in caplog.records)
    assert "injected fault" in text
    if fault not in ("write", "_read_energy", "_should_verify"):
        assert not summary.flop_exact  # FLOP of the failed steps are missing, and said so


def test_a_failing_flop_formula_counts_zero_and_marks_the_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lib = torch.library.Library("computegov_fault", "DEF")
    lib.define("double(Tensor x) -> Tensor")
    lib.impl("double", lambda x: 2 * x, "CompositeExplicitAutograd")
    monkeypatch.setattr(flop_counter, "flop_registry", dict(flop_counter.flop_registry))
    flop_counter.register_flop_formula(torch.ops.computegov_fault.double)(_boom)

    class Doubler(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(4, 4)

        def forward(self, x: Any) -> Any:
            return torch.ops.computegov_fault.double(self.linear(x))

    model = Doubler()
    meter = ComputeMeter(model, energy=None, interval_steps=2)
    outputs = []
    for _ in range(3):
        with meter.step():
            outputs.append(model(torch.ones(2, 4)))
    summary = meter.close()
    assert all(torch.equal(out, outputs[0]) for out in outputs)  # the op still ran
    assert summary.flop == 3 * 2 * 2 * 4 * 4  # the linear layer, counted and cached
    assert summary.counted_steps == 1 and not summary.flop_exact
    assert len(summary.gaps) == 2  # once per interval, cached steps included
    assert all("double" in gap and "injected fault" in gap for gap in summary.gaps)
    mapping = flops.complete_flop_mapping()
    with (  # outside the meter the mapping behaves as torch's registry: the error propagates
        pytest.raises(RuntimeError, match="injected"),
        flop_counter.FlopCounterMode(display=False, custom_mapping=mapping),
    ):
        torch.ops.computegov_fault.double(torch.ones(2))
