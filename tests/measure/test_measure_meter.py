"""ComputeMeter: cached exact counts equal FlopCounterMode on every step; misuse and failures."""

from __future__ import annotations

import copy
import dataclasses
import logging
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from computegov.catalog.chip import Chip  # noqa: E402
from computegov.errors import InputError, MeterError, UnknownNameError  # noqa: E402
from computegov.measure.demo import GPTConfig, build_demo_model, gpt_training_flop  # noqa: E402
from computegov.measure.flops import complete_flop_mapping  # noqa: E402
from computegov.measure.meter import ComputeMeter, count_model_params  # noqa: E402
from computegov.measure.records import read_records  # noqa: E402
from computegov.measure.summary import summarize_file  # noqa: E402

SMALL_GPT = GPTConfig(vocab_size=64, context=32, d_model=32, n_layers=2, n_heads=4)


def _regression_step(model: Any, batch: Any, optimizer: Any) -> None:
    x, y = batch
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def _lm_step(model: Any, batch: Any, optimizer: Any) -> None:
    inputs, targets = batch
    logits = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def _flopcounter_every_step(
    model: Any, batches: Iterable[Any], step_fn: Callable[..., None]
) -> tuple[int, int]:
    """(plain FlopCounterMode total, FlopCounterMode with the meter's extra formulas total)."""
    plain_total = complete_total = 0
    plain_model = copy.deepcopy(model)
    complete_model = copy.deepcopy(model)
    opt_plain = torch.optim.SGD(plain_model.parameters(), lr=1e-3)
    opt_complete = torch.optim.SGD(complete_model.parameters(), lr=1e-3)
    for batch in batches:
        with FlopCounterMode(display=False) as plain:
            step_fn(plain_model, batch, opt_plain)
        plain_total += plain.get_total_flops()
        with FlopCounterMode(display=False, custom_mapping=complete_flop_mapping()) as complete:
            step_fn(complete_model, batch, opt_complete)
        complete_total += complete.get_total_flops()
    return plain_total, complete_total


def _metered(
    model: Any, batches: Iterable[Any], step_fn: Callable[..., None], **options: Any
) -> Any:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    meter = ComputeMeter(model, energy=None, **options)
    for batch in batches:
        with meter.step():
            step_fn(model, batch, optimizer)
    return meter.close()


def _mlp_batches() -> list[Any]:
    g = torch.Generator().manual_seed(1)
    sizes = [8, 8, 8, 5, 8, 8, 5]  # a short batch in between, twice
    return [(torch.randn(n, 16, generator=g), torch.randn(n, 4, generator=g)) for n in sizes]


def _cnn_batches() -> list[Any]:
    g = torch.Generator().manual_seed(2)
    sides = [16, 16, 12, 16, 12]  # variable image size
    return [(torch.randn(2, 3, s, s, generator=g), torch.randn(2, 10, generator=g)) for s in sides]


def _gpt_batches(lengths: Iterable[int], batch_size: int = 2) -> list[Any]:
    g = torch.Generator().manual_seed(3)
    out = []
    for length in lengths:
        data = torch.randint(0, SMALL_GPT.vocab_size, (batch_size, length + 1), generator=g)
        out.append((data[:, :-1], data[:, 1:]))
    return out


@pytest.mark.parametrize("case", ["mlp", "cnn", "gpt"])
def test_cached_totals_equal_flopcountermode_on_every_step(case: str, mlp: Any, cnn: Any) -> None:
    if case == "mlp":
        model, batches, step_fn, distinct = mlp, _mlp_batches(), _regression_step, 2
    elif case == "cnn":
        model, batches, step_fn, distinct = cnn, _cnn_batches(), _regression_step, 2
    else:
        model, batches, step_fn, distinct = (
            build_demo_model(0, SMALL_GPT),
            _gpt_batches([32, 32, 16, 32, 16]),
            _lm_step,
            2,
        )
    plain, complete = _flopcounter_every_step(model, batches, step_fn)
    summary = _metered(copy.deepcopy(model), batches, step_fn)
    assert summary.flop_flopcounter_compatible == plain
    assert summary.flop_full_attention == complete
    assert summary.flop == complete  # default convention: full
    assert summary.steps == len(batches)
    assert summary.counted_steps == distinct  # one count per distinct signature
    assert summary.flop_exact and summary.gaps == ()
    if case == "gpt":  # the CPU attention kernel is invisible to FlopCounterMode
        assert complete > plain
    else:
        assert complete == plain


def test_gpt_count_is_the_closed_form_and_palm_within_the_recompute_term() -> None:
    batch_size, seq = 2, 32
    model = build_demo_model(0, SMALL_GPT)
    summary = _metered(model, _gpt_batches([seq]), _lm_step)
    expected = gpt_training_flop(SMALL_GPT, batch_size, seq)
    assert summary.flop_full_attention == expected["total"]
    # PaLM's 6N + 12·L·H·Q·T per token (appendix B) omits the fused backward's recomputation of
    # the scores: the count exceeds it by exactly that term, here < 4 % of the total.
    palm = expected["matmul"] + expected["attention_palm"]
    assert 0 < summary.flop_full_attention - palm == expected["attention_recompute"]
    assert (summary.flop_full_attention - palm) / palm < 0.04
    attention = expected["attention_palm"] + expected["attention_recompute"]
    assert summary.flop_causal_halved == expected["total"] - attention // 2
    assert summary.flop_flopcounter_compatible == expected["matmul"]


def test_six_n_d_uses_non_embedding_params_and_token_ids() -> None:
    model = build_demo_model(0, SMALL_GPT)
    d, layers, vocab = SMALL_GPT.d_model, SMALL_GPT.n_layers, SMALL_GPT.vocab_size
    per_layer = 12 * d * d + 9 * d + 4 * d  # weights, biases (3d + d + 4d + d), two layer norms
    final_norm, tied_head = 2 * d, vocab * d  # the position table is left out
    assert count_model_params(model) == layers * per_layer + final_norm + tied_head
    summary = _metered(model, _gpt_batches([32, 16]), _lm_step)
    assert summary.tokens == 2 * 32 + 2 * 16
    assert summary.model_flop_6nd == 6 * count_model_params(model) * summary.tokens


def test_causal_halved_convention_is_stated_and_used() -> None:
    summary = _metered(
        build_demo_model(0, SMALL_GPT),
        _gpt_batches([32]),
        _lm_step,
        causal_attention="causal_halved",
    )
    assert summary.causal_attention_convention == "causal_halved"
    assert summary.flop == summary.flop_causal_halved < summary.flop_full_attention


def test_train_eval_switch_and_frozen_layers_are_new_signatures(mlp: Any) -> None:
    x, y = torch.randn(8, 16), torch.randn(8, 4)
    optimizer = torch.optim.SGD(mlp.parameters(), lr=1e-3)
    meter = ComputeMeter(mlp, energy=None)
    reference = copy.deepcopy(mlp)
    expected = 0
    for phase in ["train", "train", "eval", "eval", "frozen", "frozen", "train"]:
        for module in (mlp, reference):
            module.train(phase != "eval")
            module.net[0].weight.requires_grad_(phase != "frozen")
            module.net[0].bias.requires_grad_(phase != "frozen")
        with FlopCounterMode(display=False) as fc:
            if phase == "eval":
                with torch.no_grad():
                    reference(x)
            else:
                F.mse_loss(reference(x), y).backward()
        expected += fc.get_total_flops()
        with meter.step():
            if phase == "eval":
                with torch.no_grad():
                    mlp(x)
            else:
                _regression_step(mlp, (x, y), optimizer)
    summary = meter.close()
    assert summary.flop == expected
    assert summary.counted_steps == 3  # train, eval, frozen


def test_microbatch_sequence_that_diverges_midway_is_marked_then_counted(mlp: Any) -> None:
    def accumulate(model: Any, sizes: list[int], optimizer: Any) -> None:
        for n in sizes:
            F.mse_loss(model(torch.randn(n, 16)), torch.randn(n, 4)).backward()
        optimizer.step()
        optimizer.zero_grad()

    steps = [[8, 8], [8, 5], [8, 5], [8, 8]]
    plain, _ = _flopcounter_every_step(mlp, steps, accumulate)
    summary = _metered(mlp, steps, accumulate)
    per_step = {
        8: 2 * 3 * (16 * 32 + 32 * 32 + 32 * 4) * 8,
        5: 2 * 3 * (16 * 32 + 32 * 32 + 32 * 4) * 5,
    }
    per_step = {n: f - 2 * 16 * 32 * n for n, f in per_step.items()}  # no grad for the input
    assert plain == sum(per_step[n] for s in steps for n in s)
    # step 1 diverges at the second forward call: only that part is counted, and said so
    assert summary.flop == plain - per_step[8]
    assert not summary.flop_exact
    assert any("part-way" in gap for gap in summary.gaps)


def test_count_every_step_mode_counts_every_step(mlp: Any) -> None:
    batches = _mlp_batches()
    plain, _ = _flopcounter_every_step(mlp, batches, _regression_step)
    summary = _metered(mlp, batches, _regression_step, count="every")
    assert summary.counted_steps == len(batches)
    assert summary.flop == plain


class _DataDependent(torch.nn.Module):
    """Runs an extra matmul when the input sum is positive: shapes alone do not fix its FLOP."""

    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Linear(4, 4)
        self.b = torch.nn.Linear(4, 4)

    def forward(self, x: Any) -> Any:
        y = self.a(x)
        return self.b(y) if x.sum() > 0 else y


def test_verification_sampling_catches_data_dependent_flop() -> None:
    model = _DataDependent()
    meter = ComputeMeter(model, energy=None, verify_fraction=1.0)
    for sign in (1.0, -1.0):
        with meter.step():
            model(sign * torch.ones(2, 4)).sum().backward()
    summary = meter.close()
    assert summary.counted_steps == 2
    assert any("verification found" in gap for gap in summary.gaps) and not summary.flop_exact
    matmul = 2 * 2 * 4 * 4  # one (2, 4) @ (4, 4) product
    # step 1: a forward + grad weight, b forward + grad weight + grad input; step 2: a only
    assert summary.flop == 5 * matmul + 2 * matmul


def test_signature_key_counts_steps_that_bypass_the_root_forward(mlp: Any) -> None:
    x = torch.randn(8, 16)
    meter = ComputeMeter(mlp, energy=None)
    for _ in range(3):
        with meter.step(signature=("head-only", tuple(x.shape))):
            mlp.net[0](x).sum().backward()  # a submodule: the root's pre-hook never fires
    summary = meter.close()
    assert summary.counted_steps == 1
    assert summary.flop == 3 * (2 * 8 * 16 * 32 * 2)  # forward + grad-weight (no input grad)


def test_step_without_forward_call_is_a_gap_not_a_crash(mlp: Any) -> None:
    meter = ComputeMeter(mlp, energy=None)
    with meter.step():
        mlp.net[0](torch.randn(2, 16))
    summary = meter.close()
    assert summary.steps == 1 and not summary.flop_exact
    assert "forward was not called" in summary.gaps[0]


def test_nested_step_is_an_error(mlp: Any) -> None:
    meter = ComputeMeter(mlp, energy=None)
    with meter.step(), pytest.raises(MeterError, match="nested"), meter.step():
        pass


def test_unclosed_step_is_dropped_and_marked(mlp: Any) -> None:
    meter = ComputeMeter(mlp, energy=None)
    meter.begin_step()
    mlp(torch.randn(2, 16))
    meter.begin_step()  # the first one was never closed
    mlp(torch.randn(2, 16))
    meter.end_step()
    summary = meter.close()
    assert summary.steps == 1
    assert any("not closed" in gap for gap in summary.gaps)


def test_failures_inside_the_meter_never_stop_the_loop(
    mlp: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_sink(record: dict[str, Any]) -> None:
        raise RuntimeError("ledger down")

    meter = ComputeMeter(mlp, energy=None, sink=broken_sink, interval_steps=1)
    optimizer = torch.optim.SGD(mlp.parameters(), lr=1e-3)
    monkeypatch.setattr(meter, "_static_signature", lambda: 1 / 0)
    batch = (torch.randn(4, 16), torch.randn(4, 4))
    with caplog.at_level(logging.WARNING, logger="computegov.measure.meter"):
        for _ in range(3):
            with meter.step():
                _regression_step(mlp, batch, optimizer)
        summary = meter.close()
    assert summary.steps == 3 and not summary.flop_exact
    assert [r["steps"] for r in meter.records if r["kind"] == "interval"] == [1, 1, 1]
    assert any("signature hook failed" in gap for gap in summary.gaps)
    assert any("ledger down" in record.message for record in caplog.records)


def test_exception_in_the_step_propagates_and_the_step_is_marked(mlp: Any) -> None:
    meter = ComputeMeter(mlp, energy=None)
    with pytest.raises(ValueError, match="bad batch"), meter.step():
        mlp(torch.randn(2, 16))
        raise ValueError("bad batch")
    with meter.step():
        mlp(torch.randn(2, 16))
    summary = meter.close()
    assert summary.steps == 2
    assert summary.flop == 2 * 2 * (16 * 32 + 32 * 32 + 32 * 4)  # the good step's forward only
    assert any("raised ValueError" in gap for gap in summary.gaps)


def test_decorator_and_callback_forms_measure_each_call(mlp: Any) -> None:
    meter = ComputeMeter(mlp, energy=None)
    x = torch.randn(3, 16)

    @meter.track
    def train_step() -> float:
        return float(mlp(x).sum().detach())

    train_step()
    meter.begin_step()
    mlp(x)
    meter.end_step()
    summary = meter.close()
    assert summary.steps == 2
    assert summary.flop == 2 * 2 * 3 * (16 * 32 + 32 * 32 + 32 * 4)


def test_mfu_uses_the_chip_peak_at_the_parameter_dtype(mlp: Any, fake_chip: Chip) -> None:
    summary = _metered(mlp, _mlp_batches()[:2], _regression_step, chip=fake_chip)
    assert summary.precision == "fp32" and summary.peak_flop_per_s == 1e12
    assert summary.mfu == pytest.approx(summary.flop / summary.seconds / 1e12, rel=1e-12)
    assert summary.chip == "Fake X1"


def test_mfu_uses_the_autocast_dtype(mlp: Any, fake_chip: Chip) -> None:
    meter = ComputeMeter(mlp, chip=fake_chip, energy=None)
    with meter.step(), torch.autocast("cpu", dtype=torch.bfloat16):
        mlp(torch.randn(4, 16))
    summary = meter.close()
    assert summary.precision == "bf16" and summary.peak_flop_per_s == 8e12


def test_dtype_without_a_catalogue_peak_skips_mfu_with_the_reason(
    mlp: Any, fake_chip: Chip
) -> None:
    model = mlp.double()
    meter = ComputeMeter(model, chip=fake_chip, energy=None)
    with meter.step():
        model(torch.randn(4, 16, dtype=torch.float64))
    summary = meter.close()
    assert summary.mfu is None
    assert "no fp64 peak for Fake X1" in (summary.mfu_unavailable_reason or "")


def test_no_chip_on_cpu_means_no_mfu_and_says_why(mlp: Any) -> None:
    summary = _metered(mlp, _mlp_batches()[:1], _regression_step)
    assert summary.mfu is None and "no chip given" in (summary.mfu_unavailable_reason or "")
    auto = _metered(mlp, _mlp_batches()[:1], _regression_step, chip="auto", catalog=_StubCatalog())
    assert auto.mfu is None and auto.chip is None
    assert "finds CUDA devices only" in (auto.mfu_unavailable_reason or "")
    assert "'cpu'" in (auto.mfu_unavailable_reason or "")


def test_the_issue_usage_runs_verbatim_with_the_catalogue_h100() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = [torch.randn(8, 16) for _ in range(4)]

    def loss_fn(out: Any) -> Any:
        return out.pow(2).mean()

    # --- the usage block of the issue, unchanged ---
    # fmt: off
    meter = ComputeMeter(model, chip="H100 SXM")
    for batch in loader:
        with meter.step():
            loss = loss_fn(model(batch)); loss.backward(); opt.step(); opt.zero_grad()  # noqa: E702
    # fmt: on
    summary = meter.summary()
    # ---
    per_step = 2 * 8 * (16 * 32 + 32 * 4) + 2 * 2 * 8 * (16 * 32 + 32 * 4) - 2 * 8 * 16 * 32
    assert summary.flop == 4 * per_step  # forward, grad weights, grad input but the first layer's
    assert summary.steps == 4 and summary.seconds > 0
    assert summary.flop_per_s == pytest.approx(summary.flop / summary.seconds, rel=1e-12)
    assert summary.chip is not None and "H100" in summary.chip and summary.precision == "fp32"
    assert summary.peak_flop_per_s is not None and summary.peak_flop_per_s > 1e13
    assert summary.mfu == pytest.approx(summary.flop_per_s / summary.peak_flop_per_s, rel=1e-12)
    assert (summary.energy_j is None) == bool(summary.energy_unavailable_reason)
    assert summary.causal_attention_convention == "full"


class _StubCatalog:
    def __init__(self, chips: dict[str, Chip] | None = None) -> None:
        self.chips = chips or {}

    def get(self, name: str) -> Chip:
        if name in self.chips:
            return self.chips[name]
        raise UnknownNameError(f"no chip named {name!r}", name=name, candidates=("Fake X1",))


def test_unknown_chip_name_raises_with_suggestions(mlp: Any) -> None:
    with pytest.raises(UnknownNameError, match="did you mean: Fake X1") as info:
        ComputeMeter(mlp, chip="Fake X2", catalog=_StubCatalog(), energy=None)
    assert info.value.candidates == ("Fake X1",) and info.value.name == "Fake X2"


def test_bad_options_are_input_errors(mlp: Any) -> None:
    for options in (
        {"causal_attention": "half"},
        {"count": "sometimes"},
        {"precision": "fp7"},
        {"verify_fraction": 2.0},
    ):
        with pytest.raises(InputError):
            ComputeMeter(mlp, energy=None, **options)
    with pytest.raises(MeterError, match="meta"):
        ComputeMeter(torch.nn.Linear(2, 2, device="meta"), energy=None)


def test_interval_records_reach_the_sink_and_the_file_and_resummarise_identically(
    mlp: Any, tmp_path: Any
) -> None:
    received: list[dict[str, Any]] = []
    path = tmp_path / "run.jsonl"
    summary = _metered(
        mlp, _mlp_batches(), _regression_step, sink=received.append, records=path, interval_steps=3
    )
    assert [r["steps"] for r in received] == [3, 3, 1]
    assert [(r["step_first"], r["step_last"]) for r in received] == [(0, 2), (3, 5), (6, 6)]
    assert sum(r["flop"] for r in received) == summary.flop
    assert all(r["kind"] == "interval" and r["energy_j"] is None for r in received)
    records = read_records(path)
    assert [r["kind"] for r in records] == [
        "meter_start",
        "interval",
        "interval",
        "interval",
        "summary",
    ]
    assert summarize_file(records) == summary


def test_fake_cuda_timing_and_nvml_energy_give_exact_seconds_and_joules(
    mlp: Any, monkeypatch: pytest.MonkeyPatch, fake_clock: Any
) -> None:
    from computegov.measure.energy import NvmlEnergySource

    class FakeEvent:
        def record(self) -> None:
            self.t_s = fake_clock.now_s

        def synchronize(self) -> None:
            pass

        def elapsed_time(self, end: FakeEvent) -> float:
            return (end.t_s - self.t_s) * 1e3  # ms, like torch.cuda.Event

    class FakeNvml:
        def nvmlInit(self) -> None:
            pass

        def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
            return index

        def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
            return round(250.0 * fake_clock.now_s * 1e3)  # 250 W, in mJ

    chip = Chip(name="Fake H1", kind="gpu", peak_flop_per_s={"fp32": 5e13})
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "FAKE-H1-PCIE")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    energy = NvmlEnergySource([0], nvml=FakeNvml())
    meter = ComputeMeter(
        mlp, chip="auto", device="cuda", energy=energy, catalog=_StubCatalog({"FAKE-H1-PCIE": chip})
    )
    meter._new_event = FakeEvent
    x = torch.randn(4, 16)
    for _ in range(3):
        with meter.step():
            mlp(x)
            fake_clock.advance(0.5)
        fake_clock.advance(0.25)  # data loading between steps: in the energy, not in the seconds
    summary = meter.close()
    assert summary.timing_method == "cuda_events" and summary.device == "cuda"
    assert summary.seconds == pytest.approx(1.5, abs=1e-12)
    assert summary.energy_j == pytest.approx(250.0 * 2.0, abs=1e-9)  # 0.5+0.25+0.5+0.25+0.5 s
    assert summary.chip == "Fake H1"
    assert summary.mfu == pytest.approx(summary.flop / 1.5 / 5e13, rel=1e-9)


def test_importing_the_measure_package_does_not_import_torch() -> None:
    code = "import sys, computegov, computegov.measure; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_device_without_synchronisation_is_timed_on_the_host_with_a_warning(
    mlp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="computegov.measure.meter"):
        meter = ComputeMeter(mlp, device="privateuseone", energy="auto")
    assert any("cannot time device" in record.message for record in caplog.records)
    with meter.step():
        mlp(torch.randn(2, 16))
    summary = meter.close()
    assert summary.timing_method == "perf_counter (unsynchronised)"
    assert "privateuseone" in (summary.energy_unavailable_reason or "")
    assert summary.steps == 1 and summary.flop_exact


@dataclasses.dataclass
class _Batch:
    """A batch object: its tensors' shapes are part of the step signature too."""

    x: Any
    y: Any


class _BatchMLP(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(16, 4)

    def forward(self, batch: Any) -> Any:
        return F.mse_loss(self.layer(batch.x), batch.y)


class _Holder:
    """A plain object carrying a batch (looked into through its ``__dict__``)."""

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch


@pytest.mark.parametrize("wrap", ["dataclass", "plain object"])
def test_tensors_inside_batch_objects_are_part_of_the_signature(wrap: str) -> None:
    torch.manual_seed(0)
    model = _BatchMLP()
    sizes = [8, 8, 3, 8, 3]

    def make(n: int) -> Any:
        batch = _Batch(torch.randn(n, 16), torch.randn(n, 4))
        return batch if wrap == "dataclass" else _Holder(batch)

    def unwrap(b: Any) -> Any:
        return b if wrap == "dataclass" else b.batch

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, b: Any) -> Any:
            return self.inner(unwrap(b))

    root = Wrapped()
    meter = ComputeMeter(root, energy=None)
    for n in sizes:
        with meter.step():
            root(make(n)).backward()
    summary = meter.close()
    per_sample = 2 * 16 * 4 * 2  # forward and grad weight of one (16 -> 4) layer
    assert summary.flop == per_sample * sum(sizes) and summary.counted_steps == 2


def test_input_ids_keyword_gives_the_tokens_for_six_n_d() -> None:
    class KeywordLM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(10, 4)
            self.head = torch.nn.Linear(4, 10)

        def forward(self, *, input_ids: Any) -> Any:
            return self.head(self.embed(input_ids))

    model = KeywordLM()
    meter = ComputeMeter(model, energy=None)
    for length in (5, 7):
        with meter.step():
            model(input_ids=torch.zeros(2, length, dtype=torch.long)).sum().backward()
    summary = meter.close()
    assert summary.tokens == 2 * 5 + 2 * 7
    assert summary.model_flop_6nd == 6 * (4 * 10 + 10) * summary.tokens  # head only
