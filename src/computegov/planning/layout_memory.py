"""Memory of a training layout, as the layout search needs it (split from :mod:`computegov.planning.scaling`).

For each tensor-, pipeline- and virtual-pipeline degree (t, p, v) the per-chip memory
(:func:`computegov.planning.memory.training_memory`, bytes) splits into what does not shrink
with the data-parallel degree d, what ZeRO shards over d, and the activations with selective or
full recomputation; from those, :func:`recompute_options` gives the data-parallel degrees worth
evaluating and the least share of layers fully recomputed that fits in the chip's memory.
Memory does not depend on the chip's speed or the kernel MFU, so the tables are remembered per
model shape, ZeRO stage and usable memory.
"""

from __future__ import annotations

import dataclasses
import functools
import math

from computegov.planning.memory import Architecture, MemoryNeed, training_memory
from computegov.planning.scaling_inputs import ScalingAssumptions

__all__ = [
    "data_parallel_candidates",
    "memory_need",
    "memory_parts",
    "memory_table",
    "options_from_parts",
    "options_table",
    "recompute_label",
    "recompute_options",
]


def data_parallel_candidates(d_lo: int, d_max: int, d_node: int) -> set[int]:
    """Degrees where the step time can be smallest: the ends of the intra- and inter-node pieces.

    For fixed t and p the step time is ``a / d + b`` on each piece (d inside one node, d across
    nodes), so its minimum over a piece is at one of the piece's ends; evaluating the ends gives
    the exact minimum over every feasible d, which keeps the best time non-increasing in n.
    """
    ends = {d_lo, d_max, min(d_node, d_max), max(d_node + 1, d_lo)}
    return {d for d in ends if d_lo <= d <= d_max}


def recompute_label(full_fraction: float) -> str:
    """How a layout recomputes activations: selective, full, or partial with the share fully recomputed."""
    if full_fraction <= 0.0:
        return "selective"
    if full_fraction >= 1.0:
        return "full"
    return f"partial ({full_fraction:.0%} full)"


def memory_need(
    arch: Architecture,
    tp: int,
    pp: int,
    vp: int,
    dp: int,
    full_fraction: float,
    capacity: float | None,
    a: ScalingAssumptions,
) -> MemoryNeed:
    """Per-chip memory (bytes) of a layout with ``full_fraction`` of its layers fully recomputed, the rest selectively."""
    common = {
        "tp": tp,
        "pp": pp,
        "dp": dp,
        "zero_stage": a.zero_stage,
        "capacity_bytes": capacity,
        "interleave": vp,
    }
    selective = training_memory(arch, recompute="selective", **common)  # type: ignore[arg-type]
    if full_fraction <= 0.0:
        return selective
    full = training_memory(arch, recompute="full", **common)  # type: ignore[arg-type]
    acts = (
        1.0 - full_fraction
    ) * selective.activations_bytes + full_fraction * full.activations_bytes
    return dataclasses.replace(
        selective,
        activations_bytes=acts,
        total_bytes=selective.total_bytes - selective.activations_bytes + acts,
        recompute=recompute_label(full_fraction),
    )


#: (fixed, sharded, selective activations, full activations) bytes per chip at d = 1.
_Parts = tuple[float, float, float, float]


@functools.lru_cache(maxsize=64)
def memory_table(arch: Architecture, zero_stage: int) -> dict[tuple[int, int, int], _Parts]:
    """A table, filled as (t, p, v) are asked for, of :func:`memory_parts` for ``arch``.

    One per model shape and ZeRO stage, so that a layout search hashes the shape once, not at
    every (t, p, v).
    """
    return {}


@functools.lru_cache(maxsize=256)
def options_table(
    arch: Architecture, zero_stage: int, capacity: float | None
) -> dict[tuple[int, int, int, int, int], tuple[tuple[int, float], ...]]:
    """A table, filled as they are asked for, of :func:`options_from_parts` answers by (t, p, v, d_max, d_node).

    The answers depend only on the model shape, the ZeRO stage and the chip's usable memory, and
    the planner asks for the same ones at every chip count and at both ends of the kernel MFU.
    """
    return {}


def memory_parts(arch: Architecture, tp: int, pp: int, vp: int, zero_stage: int) -> _Parts:
    """The per-chip memory of (t, p, v) at d = 1, split as the data-parallel search needs it.

    Returns:
        (bytes that do not shrink with d, bytes ZeRO shards over d, activations with selective
        recomputation, activations with full recomputation).
    """
    common = {"tp": tp, "pp": pp, "dp": 1, "zero_stage": zero_stage, "interleave": vp}
    sel = training_memory(arch, recompute="selective", **common)  # type: ignore[arg-type]
    acts_full = training_memory(arch, recompute="full", **common).activations_bytes  # type: ignore[arg-type]
    sharded = sel.optimizer_bytes
    fixed = sel.weights_bytes + sel.gradients_bytes
    if zero_stage >= 2:
        fixed -= sel.gradients_bytes
        sharded += sel.gradients_bytes
    if zero_stage >= 3:
        fixed -= sel.weights_bytes
        sharded += sel.weights_bytes
    return fixed, sharded, sel.activations_bytes, acts_full


def recompute_options(
    arch: Architecture,
    tp: int,
    pp: int,
    vp: int,
    d_max: int,
    d_node: int,
    capacity: float | None,
    a: ScalingAssumptions,
) -> tuple[tuple[int, float], ...]:
    """(data-parallel degree, share of layers fully recomputed) pairs worth evaluating.

    Recomputation is chosen per layer, as Megatron-LM's ``--recompute-num-layers`` does: the
    smallest share of layers with full recomputation (the rest selective) that fits in memory.
    Memory does not depend on the chip's speed or the kernel MFU, so the memory of each
    (t, p, v) is remembered (:func:`memory_table`): the planner searches the same layouts for
    every chip count and at both ends of the kernel MFU.
    """
    parts = memory_table(arch, a.zero_stage)
    return options_from_parts(parts, arch, a.zero_stage, tp, pp, vp, d_max, d_node, capacity)


def options_from_parts(
    parts: dict[tuple[int, int, int], _Parts],
    arch: Architecture,
    zero_stage: int,
    tp: int,
    pp: int,
    vp: int,
    d_max: int,
    d_node: int,
    capacity: float | None,
) -> tuple[tuple[int, float], ...]:
    """:func:`recompute_options` with ``arch``'s memory table (:func:`memory_table`) given."""
    if capacity is None:
        return tuple((d, 0.0) for d in data_parallel_candidates(1, d_max, d_node))
    got = parts.get((tp, pp, vp))
    if got is None:
        got = parts[tp, pp, vp] = memory_parts(arch, tp, pp, vp, zero_stage)
    fixed, sharded, acts_sel, acts_full = got

    def smallest_d(acts: float) -> int | None:
        room = capacity - fixed - acts
        if room <= 0:
            return None
        d = max(1, math.ceil(sharded / room - 1e-9))
        return d if d <= d_max else None

    d_full = smallest_d(acts_full)
    if d_full is None:
        return ()
    candidates = set(data_parallel_candidates(d_full, d_max, d_node))
    d_sel = smallest_d(acts_sel)
    if d_sel is not None:
        candidates |= data_parallel_candidates(d_sel, d_max, d_node)
    out = []
    for d in sorted(candidates):
        room = capacity - fixed - sharded / d
        share = (acts_sel - room) / (acts_sel - acts_full) if acts_sel > acts_full else 0.0
        out.append((d, min(1.0, max(0.0, share))))
    return tuple(out)
