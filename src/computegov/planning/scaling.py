"""Utilisation at cluster size: communication and pipeline bubbles against chip bandwidths.

A dense transformer of N parameters trains on a global batch of B tokens (G = B / s sequences)
with t-way tensor parallelism (inside a node), p-way pipeline parallelism and d-way data
parallelism (ZeRO-1). Per global step, on the chips actually used (t x p x d <= n):

- compute of one micro-batch (one sequence) on one stage:
  ``6 N s / (t p x peak x kernel MFU)``, x (1 + f/3) when a share f of the layers is fully
  recomputed to fit in memory (the rest selectively; Korthikanti et al. 2022, arXiv:2205.05198);
- tensor-parallel all-reduces: 4 per layer per micro-batch (2 forward, 2 backward; Shoeybi et al.
  2019, arXiv:1909.08053), each moving ``2 (t-1)/t x s h x 2 bytes`` per chip over one direction
  of the intra-node link (half the catalogue's bidirectional figure);
- pipeline point-to-point: ``v x 2 x s h x 2 bytes`` per micro-batch over the inter-node link
  (interleaving multiplies it by v, Narayanan et al. 2021, arXiv:2104.04473, section 2.2.2), of
  which ``1 - p2p_overlap`` is exposed when v > 1 (Megatron overlaps it with compute then);
- pipeline bubble of the interleaved 1F1B schedule, ``(p - 1) / v`` micro-batch times
  (Narayanan et al. 2021, section 2.2.2), so a stage runs ``(m + (p-1)/v)`` micro-batch times with
  m = G / d micro-batches; v (virtual stages per chip) is searched in powers of two up to
  ``pipeline_interleave`` and the layers per stage, and costs activation memory
  (:func:`computegov.planning.memory.training_memory`);
- data-parallel gradient all-reduce of ``2 x N / (t p)`` bytes, ``2 (d-1)/d`` of it per chip over
  the inter-node link, of which ``1 - dp_overlap`` is not hidden behind the backward pass.

MFU over all n chips = ``6 N B / (step time x n x peak)``. For each n the layout (t, p, v, d) with
the shortest step that fits in memory is chosen; chips beyond what the batch can feed sit idle, so
more chips never slow a run.

Inputs (:mod:`computegov.planning.scaling_inputs`): bandwidths come from the catalogue, else from
the cited ``interconnect`` table of
``data/cost_assumptions.yaml`` (TPU ICI, Gaudi). A chip with no intra-node (chip-to-chip) bandwidth
anywhere cannot be modelled beyond one chip (:func:`best_layout` raises); one with no inter-node
bandwidth gets the ``internode_bandwidth_fallback_bytes_per_s`` assumption, recorded in
:attr:`ChipNumbers.assumed` so that callers flag it. Not modelled: context and expert parallelism, failures and restarts,
network congestion, stragglers and collective latency. :mod:`benchmarks.known_runs` compares the
result with reported MFU of real runs.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

from computegov.errors import InputError
from computegov.planning.layout_memory import (
    memory_need,
    memory_table,
    options_from_parts,
    options_table,
    recompute_label,
)
from computegov.planning.memory import Architecture, MemoryNeed
from computegov.planning.scaling_inputs import (
    INTERNODE,
    INTRANODE,
    ChipNumbers,
    ScalingAssumptions,
)

__all__ = [
    "INTERNODE",
    "INTRANODE",
    "ChipNumbers",
    "ClusterLayout",
    "ScalingAssumptions",
    "best_layout",
    "cluster_mfu",
]

#: Full recomputation repeats the forward pass: 8ND instead of 6ND of compute for those layers
#: (Korthikanti et al. 2022, arXiv:2205.05198, section 5).
_FULL_RECOMPUTE_EXTRA = 1.0 / 3.0
_BYTES_PER_ACTIVATION = 2.0  # BF16
_BYTES_PER_GRADIENT = 2.0  # BF16 gradients reduced in 16 bits (Megatron default)


@dataclasses.dataclass(frozen=True)
class ClusterLayout:
    """The chosen parallel layout for n chips and where the time goes (per optimiser step).

    Attributes:
        chips: chips available, n.
        tp / pp / dp: tensor, pipeline and data-parallel degrees (t x p x d chips used).
        vp: virtual pipeline stages per chip (1: plain 1F1B; > 1: interleaved schedule).
        recompute: activation recomputation needed to fit in memory.
        step_time_s: wall-clock time of one optimiser step, s.
        compute_s / tp_comm_s / pp_comm_s / bubble_s / dp_exposed_s: its parts, s.
        kernel_mfu: communication-free MFU assumed.
        mfu: model FLOP utilisation over all n chips.
        memory: per-chip memory of the layout.
    """

    chips: int
    tp: int
    pp: int
    dp: int
    vp: int
    recompute: str
    step_time_s: float
    compute_s: float
    tp_comm_s: float
    pp_comm_s: float
    bubble_s: float
    dp_exposed_s: float
    kernel_mfu: float
    mfu: float
    memory: MemoryNeed

    @property
    def chips_used(self) -> int:
        """t x p x d."""
        return self.tp * self.pp * self.dp

    @property
    def efficiency(self) -> float:
        """mfu / kernel_mfu: the share of compute-bound speed the cluster keeps."""
        return self.mfu / self.kernel_mfu

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "chips": self.chips,
            "chips_used": self.chips_used,
            "tp": self.tp,
            "pp": self.pp,
            "dp": self.dp,
            "vp": self.vp,
            "recompute": self.recompute,
            "step_time_s": self.step_time_s,
            "compute_s": self.compute_s,
            "tp_comm_s": self.tp_comm_s,
            "pp_comm_s": self.pp_comm_s,
            "bubble_s": self.bubble_s,
            "dp_exposed_s": self.dp_exposed_s,
            "kernel_mfu": self.kernel_mfu,
            "mfu": self.mfu,
            "efficiency": self.efficiency,
            "memory": self.memory.to_dict(),
        }


@functools.lru_cache(maxsize=256)
def _powers_of_two(limit: int) -> tuple[int, ...]:
    out, value = [], 1
    while value <= limit:
        out.append(value)
        value *= 2
    return tuple(out)


def _step(
    chip: ChipNumbers,
    arch: Architecture,
    tp: int,
    pp: int,
    dp: int,
    vp: int,
    full_fraction: float,
    kernel_mfu: float,
    a: ScalingAssumptions,
) -> tuple[float, float, float, float, float, float]:
    """(step, compute, tp comm, pp comm, bubble, dp exposed) seconds for one layout.

    ``full_fraction`` is the share of layers fully recomputed (the rest selectively); ``vp`` the
    virtual pipeline stages per chip.
    """
    s, h, params = arch.seq_len, arch.hidden, arch.params
    sequences = max(1.0, a.global_batch_tokens / s)
    micro_batches = sequences / dp
    compute = (
        6.0
        * params
        * s
        / (tp * pp * chip.peak_flop_per_s * kernel_mfu)
        * (1.0 + _FULL_RECOMPUTE_EXTRA * full_fraction)
    )
    layers_per_stage = arch.layers / pp
    tp_comm = 0.0
    if tp > 1:
        volume = 2.0 * (tp - 1) / tp * s * h * _BYTES_PER_ACTIVATION
        tp_comm = layers_per_stage * 4.0 * volume / chip.intra_bytes_per_s
    pp_comm = 0.0
    if pp > 1:
        pp_comm = vp * 2.0 * s * h * _BYTES_PER_ACTIVATION / chip.inter_bytes_per_s
        if vp > 1:
            pp_comm *= 1.0 - a.p2p_overlap
    per_micro = compute + tp_comm + pp_comm
    bubble = (pp - 1) / vp * per_micro if pp > 1 else 0.0
    pipeline = micro_batches * per_micro + bubble
    dp_exposed = 0.0
    if dp > 1:
        grad = _BYTES_PER_GRADIENT * params / (tp * pp)
        in_node = tp * pp * dp <= a.chips_per_node
        bandwidth = chip.intra_bytes_per_s if in_node else chip.inter_bytes_per_s
        dp_exposed = (1.0 - a.dp_overlap) * 2.0 * (dp - 1) / dp * grad / bandwidth
    return (
        pipeline + dp_exposed,
        micro_batches * compute,
        micro_batches * tp_comm,
        micro_batches * pp_comm,
        bubble,
        dp_exposed,
    )


def _pp_comm(vp: int, pp: int, s: int, h: int, inter: float, p2p_share: float) -> float:
    """Pipeline point-to-point time per micro-batch, s, as :func:`_step` computes it."""
    if pp <= 1:
        return 0.0
    pp_comm = vp * 2.0 * s * h * _BYTES_PER_ACTIVATION / inter
    if vp > 1:
        pp_comm *= p2p_share
    return pp_comm


def _positive_finite(*numbers: float) -> bool:
    """Whether every number is a float (or int) that is finite and > 0."""
    return all(type(x) in (float, int) and 0.0 < x < math.inf for x in numbers)


@functools.lru_cache(maxsize=256)
def _comm_terms(
    arch: Architecture, intra: float, inter: float, p2p_share: float, interleave_cap: int
) -> dict[tuple[int, int], tuple[float, tuple[int, ...], tuple[float, ...], float]]:
    """A table, filled as :func:`best_layout` asks, of each (t, p)'s communication terms.

    Per (t, p): the tensor-parallel time per micro-batch, the virtual-stage counts searched,
    the pipeline time per micro-batch of each and the least of those, computed as
    :func:`best_layout` computes them. They depend only on the model shape, the bandwidths, the
    point-to-point share and the interleave cap (the key), not on the chip count or the kernel
    MFU, and the planner searches the same (t, p) at every chip count and at three kernel MFUs.
    Only used for finite positive bandwidths (a key then equals only the same numbers: no NaN,
    no signed zero); ``p2p_share`` is ``1 - overlap``, never -0.0.
    """
    return {}


def _interleave_options(arch: Architecture, pp: int, a: ScalingAssumptions) -> tuple[int, ...]:
    """Virtual stages per chip to try: powers of two up to the cap and the layers per stage."""
    if pp <= 1:
        return (1,)
    return _powers_of_two(max(1, min(int(a.pipeline_interleave), arch.layers // pp)))


def best_layout(
    chip: ChipNumbers,
    n_chips: int,
    arch: Architecture,
    *,
    kernel_mfu: float,
    assumptions: ScalingAssumptions | None = None,
) -> ClusterLayout | None:
    """The fastest layout of at most ``n_chips`` chips that fits in memory, or None if none fits.

    Searches t in powers of two up to the node size, p in powers of two up to the layer count,
    v (virtual stages per chip) in powers of two up to ``pipeline_interleave`` and the layers
    per stage, the data-parallel degrees the memory and the batch allow (see
    :func:`~computegov.planning.layout_memory.data_parallel_candidates`), and for each the least activation recomputation that fits
    (selective, or full on a share of the layers). Chips beyond t x p x d sit idle.

    The search times each candidate with :func:`_step`'s arithmetic written out in the loop, its
    parts that do not change with d hoisted (the same operations on the same numbers, so the same
    floats), and takes the memory of each (t, p, v) from :func:`~computegov.planning.layout_memory.memory_parts`; the first
    candidate with the shortest step wins, as in a plain loop over :func:`_step` (tested in
    ``tests/planning/test_planning_scaling_fast.py`` against that loop).

    Args:
        chip: the chip's numbers.
        n_chips: chips available (>= 1).
        arch: model shape.
        kernel_mfu: MFU without communication (fraction of dense peak, in (0, 1]).
        assumptions: scaling assumptions (default: bundled central values).

    Raises:
        InputError: more than one chip of a chip with no intra-node bandwidth (nothing to model
            its communication with).
    """
    a = assumptions or ScalingAssumptions.default()
    if INTRANODE in chip.missing and n_chips > 1:
        raise InputError(
            f"{chip.name}: no chip-to-chip bandwidth (field {INTRANODE}) in the catalogue or the "
            "interconnect table, so its utilisation at cluster size cannot be modelled; fix the "
            "utilisation instead (CLI --utilisation)"
        )
    sequences = max(1, int(a.global_batch_tokens // arch.seq_len))
    capacity = chip.memory_bytes * (1.0 - a.memory_reserve_fraction) if chip.memory_bytes else None
    parts = memory_table(arch, a.zero_stage)
    known = options_table(arch, a.zero_stage, capacity)
    interleave_cap = int(a.pipeline_interleave)
    # _step's terms, hoisted out of the loops where they do not depend on the inner variables
    s, h, params = arch.seq_len, arch.hidden, arch.params
    sequences_f = max(1.0, a.global_batch_tokens / s)
    work = 6.0 * params * s
    peak = chip.peak_flop_per_s
    intra, inter = chip.intra_bytes_per_s, chip.inter_bytes_per_s
    dp_share = (1.0 - a.dp_overlap) * 2.0
    per_node = a.chips_per_node
    p2p_share = 1.0 - a.p2p_overlap
    # (t, p) groups in search order, with a lower bound of every step in the group (below); the
    # communication terms of a (t, p) do not depend on the chip count or the kernel MFU, so they
    # come from a table shared by every search of this model shape and these bandwidths
    terms = _comm_terms(arch, intra, inter, p2p_share, interleave_cap) if _positive_finite(
        intra, inter, p2p_share + 1.0) else {}
    groups = []
    for tp in _powers_of_two(min(per_node, n_chips)):
        for pp in _powers_of_two(min(arch.layers, n_chips // tp)):
            d_max = max(1, min(n_chips // (tp * pp), sequences))
            base = work / (tp * pp * peak * kernel_mfu)
            got = terms.get((tp, pp))
            if got is None:
                volume = 2.0 * (tp - 1) / tp * s * h * _BYTES_PER_ACTIVATION
                tp_comm = arch.layers / pp * 4.0 * volume / intra if tp > 1 else 0.0
                vps = _powers_of_two(max(1, min(interleave_cap, arch.layers // pp))) if pp > 1 else (1,)
                pp_comms = tuple(_pp_comm(vp, pp, s, h, inter, p2p_share) for vp in vps)
                got = terms[tp, pp] = (tp_comm, vps, pp_comms, min(pp_comms))
            tp_comm, vps, pp_comms, least = got
            floor = sequences_f / d_max * (base + tp_comm + least)
            groups.append((tp, pp, d_max, base, tp_comm, vps, pp_comms, floor))
    # A group whose lower bound exceeds a step already found cannot hold the fastest layout nor
    # one tied with it, so it is skipped. The bound is the compute and per-micro-batch
    # communication of the most data-parallel degree allowed, with no recomputation, bubble or
    # exposed all-reduce: every term left out is >= 0 and rounding is monotone, so the bound is
    # <= every step of the group as computed, float for float. The group with the lowest bound is
    # timed first to give a step to compare with; the search itself keeps its order, so ties go
    # to the same layout as without skipping. Only with finite numbers, overlaps <= 1 and positive
    # bandwidths (else a term could be negative or NaN, and nothing is skipped).
    numbers = (dp_share, p2p_share, intra, inter, peak, kernel_mfu, work, sequences_f)
    can_skip = all(math.isfinite(x) for x in numbers) and min(dp_share, p2p_share) >= 0.0 and min(
        intra, inter, peak, kernel_mfu, work) > 0.0

    def scan(group: tuple[Any, ...], best: tuple[float, int, int, int, int, float] | None, best_step: float,
             ) -> tuple[tuple[float, int, int, int, int, float] | None, float]:
        tp, pp, d_max, base, tp_comm, vps, pp_comms, _ = group
        d_node = per_node // (tp * pp)
        grad = _BYTES_PER_GRADIENT * params / (tp * pp)
        for vp, pp_comm in zip(vps, pp_comms, strict=True):
            options = known.get((tp, pp, vp, d_max, d_node))
            if options is None:
                options = known[tp, pp, vp, d_max, d_node] = options_from_parts(
                    parts, arch, a.zero_stage, tp, pp, vp, d_max, d_node, capacity
                )
            bubble_share = (pp - 1) / vp
            for dp, full_fraction in options:
                per_micro = base * (1.0 + _FULL_RECOMPUTE_EXTRA * full_fraction) + tp_comm + pp_comm
                step = sequences_f / dp * per_micro + (bubble_share * per_micro if pp > 1 else 0.0)
                if dp > 1:
                    bandwidth = intra if tp * pp * dp <= per_node else inter
                    step = step + dp_share * (dp - 1) / dp * grad / bandwidth
                else:
                    step = step + 0.0
                if best is None or step < best_step:
                    best, best_step = (step, tp, pp, vp, dp, full_fraction), step
        return best, best_step

    bar = math.inf
    if can_skip and len(groups) > 1:
        seed = min(groups, key=lambda g: g[-1])
        found, seed_step = scan(seed, None, math.inf)
        if found is not None:
            bar = seed_step
    best: tuple[float, int, int, int, int, float] | None = None
    best_step = math.inf
    for group in groups:
        if can_skip and group[-1] > min(bar, best_step):
            continue
        best, best_step = scan(group, best, best_step)
    if best is None:
        return None
    return _layout(chip, n_chips, arch, kernel_mfu, a, best[1:], capacity)


def _layout(
    chip: ChipNumbers,
    n_chips: int,
    arch: Architecture,
    kernel_mfu: float,
    a: ScalingAssumptions,
    chosen: tuple[int, int, int, int, float],
    capacity: float | None,
) -> ClusterLayout:
    """The :class:`ClusterLayout` of the chosen (t, p, v, d, share fully recomputed)."""
    tp, pp, vp, dp, full_fraction = chosen
    step, comp, tpc, ppc, bub, dpe = _step(chip, arch, tp, pp, dp, vp, full_fraction, kernel_mfu, a)
    return ClusterLayout(
        chips=n_chips,
        tp=tp,
        pp=pp,
        dp=dp,
        vp=vp,
        recompute=recompute_label(full_fraction),
        step_time_s=step,
        compute_s=comp,
        tp_comm_s=tpc,
        pp_comm_s=ppc,
        bubble_s=bub,
        dp_exposed_s=dpe,
        kernel_mfu=kernel_mfu,
        mfu=6.0 * arch.params * a.global_batch_tokens / (step * n_chips * chip.peak_flop_per_s),
        memory=memory_need(arch, tp, pp, vp, dp, full_fraction, capacity, a),
    )


def cluster_mfu(
    chip: ChipNumbers,
    n_chips: int,
    arch: Architecture,
    *,
    kernel_mfu: float,
    assumptions: ScalingAssumptions | None = None,
) -> float | None:
    """MFU over ``n_chips`` with the best layout, or None if the model does not fit."""
    layout = best_layout(chip, n_chips, arch, kernel_mfu=kernel_mfu, assumptions=assumptions)
    return None if layout is None else layout.mfu
