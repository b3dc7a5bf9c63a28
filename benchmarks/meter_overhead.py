"""Overhead of ComputeMeter on a CPU training loop, against no instrumentation and FlopCounterMode.

Four variants train the same small GPT-style transformer (``computegov.measure.demo``) in one
process: uninstrumented; under one long-lived ``ComputeMeter`` (steady state: the signature
cache is warm after the first steps, as in a real run); counted once, as a practitioner would
do without the meter (``FlopCounterMode`` on the first step, then that count added per step:
the baseline; it misses any change of shapes or model, which the meter catches); and under a
fresh ``FlopCounterMode`` on every step (shown for reference). Ratios are per step, ours /
baseline time. Variants alternate in short blocks (rotating order) so that machine load hits
them alike; the per-step time of each variant is the median over blocks.

Run: ``python benchmarks/meter_overhead.py [--blocks 30] [--steps-per-block 4] [--quick] [--json]``
(about 15 s on a loaded 2-core machine with the defaults). Ratios are per block, paired with
the uninstrumented block run next to it; the printed range is their interquartile range, so a
ratio below 1 within that range is noise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

try:  # the torch extra; without it the benchmark says so and exits 0
    import torch
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    from computegov.measure.demo import GPTConfig, build_demo_model, demo_batches
    from computegov.measure.meter import ComputeMeter
except ModuleNotFoundError as _err:
    TORCH_MISSING: str | None = f"skipped: {_err.name} is not installed (pip install 'computegov[torch]')"
else:
    TORCH_MISSING = None


def _make_step(config: GPTConfig, seed: int) -> tuple[torch.nn.Module, Callable[[Any], None]]:
    model = build_demo_model(seed, config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step(batch: Any) -> None:
        inputs, targets = batch
        logits = model(inputs)
        F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return model, step


def run(blocks: int, steps_per_block: int, batch_size: int, threads: int) -> dict[str, Any]:
    """Time the three variants; returns per-step medians (s) and ratios."""
    torch.set_num_threads(threads)
    config = GPTConfig()
    batches = list(demo_batches(0, steps_per_block, batch_size=batch_size, seq_len=config.context))

    _, plain_step = _make_step(config, 0)
    meter_model, meter_step = _make_step(config, 0)
    meter = ComputeMeter(meter_model, energy=None, interval_steps=50)
    _, fcm_step = _make_step(config, 0)
    _, once_step = _make_step(config, 0)
    with FlopCounterMode(display=False) as once_counter:
        once_step(batches[0])
    once_flop_per_step = once_counter.get_total_flops()
    counted = [0]

    def plain() -> None:
        for batch in batches:
            plain_step(batch)

    def metered() -> None:
        for batch in batches:
            with meter.step():
                meter_step(batch)

    def flopcounter() -> None:
        for batch in batches:
            with FlopCounterMode(display=False):
                fcm_step(batch)

    def counted_once() -> None:
        for batch in batches:
            once_step(batch)
            counted[0] += once_flop_per_step

    variants: dict[str, Callable[[], None]] = {
        "uninstrumented": plain,
        "compute_meter": metered,
        "flopcounter_once_then_reuse": counted_once,
        "flopcounter_every_step": flopcounter,
    }
    for fn in variants.values():  # warm-up (allocator, caches, the meter's first count)
        fn()
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for block in range(blocks):
        order = names[block % len(names) :] + names[: block % len(names)]
        for name in order:
            t0 = time.perf_counter()
            variants[name]()
            times[name].append((time.perf_counter() - t0) / steps_per_block)
    summary = meter.close()
    median = {name: statistics.median(values) for name, values in times.items()}
    fastest = {name: min(values) for name, values in times.items()}
    ratios = {
        name: [t / b for t, b in zip(times[name], times["uninstrumented"], strict=True)]
        for name in names
    }
    paired = {name: statistics.median(values) for name, values in ratios.items()}
    quartiles = {name: _quartiles(values) for name, values in ratios.items()}
    bookkeeping_s = _bookkeeping_per_step_s()
    base = median["uninstrumented"]
    return {
        "threads": threads,
        "blocks": blocks,
        "steps_per_block": steps_per_block,
        "batch_size": batch_size,
        "median_step_s": median,
        "fastest_step_s": fastest,
        "meter_over_uninstrumented_paired_median": paired["compute_meter"],
        "flopcounter_over_uninstrumented_paired_median": paired["flopcounter_every_step"],
        "count_once_over_uninstrumented_paired_median": paired["flopcounter_once_then_reuse"],
        "count_once_over_uninstrumented_paired_iqr": quartiles["flopcounter_once_then_reuse"],
        "meter_over_count_once": statistics.median(
            [t / b for t, b in zip(times["compute_meter"], times["flopcounter_once_then_reuse"], strict=True)]),
        "meter_over_uninstrumented_paired_iqr": quartiles["compute_meter"],
        "flopcounter_over_uninstrumented_paired_iqr": quartiles["flopcounter_every_step"],
        "meter_over_uninstrumented_fastest": fastest["compute_meter"] / fastest["uninstrumented"],
        "flopcounter_over_uninstrumented_fastest": (
            fastest["flopcounter_every_step"] / fastest["uninstrumented"]
        ),
        "meter_bookkeeping_s_per_step": bookkeeping_s,
        "meter_bookkeeping_share_of_step": bookkeeping_s / base,
        "flopcounter_overhead_s_per_step": median["flopcounter_every_step"] - base,
        "meter_counted_steps": summary.counted_steps,
        "meter_steps": summary.steps,
        "flop_per_step": summary.flop // summary.steps if summary.flop else None,
    }


def _quartiles(values: list[float]) -> tuple[float, float]:
    """(first quartile, third quartile) of ``values``."""
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


def _bookkeeping_per_step_s(repeats: int = 2000) -> float:
    """The meter's own cost per cached step, s: a near-empty step with and without the meter.

    The step runs the demo model's signature hook (module walk, parameter walk, input
    fingerprint) on the real model, but the model's forward is replaced by a no-op so that
    only the meter's work is timed; timing noise of the training step is avoided this way.
    """
    model = build_demo_model(0)
    model.forward = lambda tokens: tokens  # type: ignore[method-assign]
    tokens = torch.zeros(8, 64, dtype=torch.long)
    meter = ComputeMeter(model, energy=None, interval_steps=100)

    def bare() -> None:
        for _ in range(repeats):
            model(tokens)

    def metered() -> None:
        for _ in range(repeats):
            with meter.step():
                model(tokens)

    bare()
    metered()
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        bare()
        t1 = time.perf_counter()
        metered()
        t2 = time.perf_counter()
        samples.append(((t2 - t1) - (t1 - t0)) / repeats)
    meter.close()
    return statistics.median(samples)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--steps-per-block", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="3 blocks of 1 step (CI smoke run)")
    args = parser.parse_args()
    if TORCH_MISSING:
        print(json.dumps({"skipped": TORCH_MISSING}) if args.json else TORCH_MISSING)
        return
    if args.quick:
        args.blocks, args.steps_per_block = 3, 1
    result = run(args.blocks, args.steps_per_block, args.batch_size, args.threads)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    ratio = result["meter_over_count_once"]
    print(f"baseline: FlopCounterMode on the first step, that count reused (and no instrumentation); meter / "
          f"count-once, paired median: {ratio:.4f} ({'SLOWER' if ratio > 1 else 'faster or equal'}; within the "
          "IQRs below it is noise)")
    for name, seconds in result["median_step_s"].items():
        print(f"{name:>28}: {seconds * 1e3:8.2f} ms/step (median)")
    for label, key in (("meter", "meter"), ("count once", "count_once"),
                       ("FlopCounterMode every step", "flopcounter")):
        q1, q3 = result[f"{key}_over_uninstrumented_paired_iqr"]
        print(
            f"{label} / uninstrumented (paired median): "
            f"{result[f'{key}_over_uninstrumented_paired_median']:.4f} (IQR {q1:.4f}-{q3:.4f})"
        )
    print(
        f"meter bookkeeping: {result['meter_bookkeeping_s_per_step'] * 1e6:.1f} µs/step = "
        f"{result['meter_bookkeeping_share_of_step']:.2%} of a step; FlopCounterMode adds "
        f"{result['flopcounter_overhead_s_per_step'] * 1e3:.2f} ms/step"
    )
    print(f"counted {result['meter_counted_steps']} of {result['meter_steps']} metered steps")


if __name__ == "__main__":
    main()
