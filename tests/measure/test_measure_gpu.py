"""The GPU path on a real CUDA device: CUDA-event timing, NVML energy, MFU. Skips without one."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU with CUDA"),
]


def test_cuda_run_has_event_timing_nvml_energy_and_a_plausible_mfu() -> None:
    import torch.nn.functional as F

    from computegov.measure.demo import GPTConfig, build_demo_model, demo_batches, gpt_training_flop
    from computegov.measure.meter import ComputeMeter

    config = GPTConfig(vocab_size=1024, context=256, d_model=512, n_layers=4, n_heads=8)
    model = build_demo_model(0, config).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    meter = ComputeMeter(model, chip="auto", records=None)
    for inputs, targets in demo_batches(0, 30, batch_size=16, seq_len=256, vocab_size=1024):
        inputs, targets = inputs.cuda(), targets.cuda()
        with meter.step(), torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(inputs)
            F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1)
            ).backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    summary = meter.close()
    assert summary.timing_method == "cuda_events" and summary.seconds > 0
    assert summary.precision == "bf16"
    assert summary.flop_full_attention == 30 * gpt_training_flop(config, 16, 256)["total"]
    if summary.mfu is not None:
        assert 0 < summary.mfu < 1
    if summary.energy_j is not None:
        assert summary.energy_j > 0
    else:
        assert summary.energy_unavailable_reason


def test_cuda_matmul_run_is_counted_exactly_and_reaches_a_plausible_share_of_peak() -> None:
    """A bf16 linear stack big enough to be compute-bound: exact FLOP, MFU and power in range.

    Forward and backward of ``y = x @ W`` (no bias) cost 2·b·n² FLOP forward and 4·b·n² backward
    (grad of input and of weight): 6·b·n² per layer per step, except the first layer, whose input
    needs no gradient (4·b·n²). The meter must count exactly that.
    """
    from computegov.measure.meter import ComputeMeter

    n, batch, layers, steps = 8192, 8192, 4, 12
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        *[torch.nn.Linear(n, n, bias=False) for _ in range(layers)]
    ).cuda().to(torch.bfloat16)
    x = torch.randn(batch, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(2):  # warm-up outside the meter (cuBLAS heuristics, allocator)
        model(x).float().pow(2).mean().backward()
    torch.cuda.synchronize()
    meter = ComputeMeter(model, chip="auto", records=None, tokens_per_step=None)
    for _ in range(steps):
        with meter.step():
            model(x).float().pow(2).mean().backward()
    summary = meter.close()
    matmul_flop = steps * (6 * layers - 2) * batch * n * n
    assert summary.flop is not None
    # Matrix products dominate; the elementwise loss adds far less than 0.1 %.
    assert matmul_flop <= summary.flop <= matmul_flop * 1.001
    assert summary.timing_method == "cuda_events"
    print(  # shown by `pytest -rA` in scripts/device_check.sh, for the notes
        f"chip={summary.chip} flop={summary.flop:.4e} seconds={summary.seconds:.3f} "
        f"flop_per_s={summary.flop_per_s} mfu={summary.mfu} energy_j={summary.energy_j} "
        f"wall_s={summary.wall_seconds:.3f} energy_source={summary.energy_source}"
    )
    if summary.mfu is not None:  # the chip was found in the catalogue
        # Dense bf16 matmuls at n = 8192 reach well over a third of peak on Hopper and cannot
        # exceed it (a ratio above 1 would mean a wrong peak or a wrong count).
        assert 0.35 < summary.mfu < 1.0, summary
    if summary.energy_j is not None:
        mean_power_w = summary.energy_j / summary.wall_seconds
        assert 50.0 < mean_power_w < 1200.0, mean_power_w
