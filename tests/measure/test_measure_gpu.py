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
