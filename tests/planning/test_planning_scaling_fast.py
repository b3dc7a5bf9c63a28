"""The layout search's fast loop chooses what a plain loop over every candidate chooses.

:func:`computegov.planning.scaling.best_layout` writes the step-time arithmetic out inside its
loops and remembers memory figures and data-parallel candidates between calls. The reference here
is the search as it was written before that: every (t, p, v, d, share recomputed) candidate timed
with :func:`~computegov.planning.scaling._step`, the memory of each candidate worked out afresh
with :func:`~computegov.planning.memory.training_memory`, the first shortest step kept. The two
must agree exactly (the same layout and the same floats), on ordinary and on odd inputs.
"""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.planning import Architecture, ChipNumbers, ScalingAssumptions, best_layout
from computegov.planning.layout_memory import data_parallel_candidates, recompute_options
from computegov.planning.memory import training_memory
from computegov.planning.scaling import _layout, _step


def _plain_options(
    arch: Architecture, tp: int, pp: int, vp: int, d_max: int, d_node: int,
    capacity: float | None, a: ScalingAssumptions,
) -> tuple[tuple[int, float], ...]:
    """The (d, share fully recomputed) candidates, recomputed from training_memory every time."""
    if capacity is None:
        return tuple((d, 0.0) for d in data_parallel_candidates(1, d_max, d_node))
    common = {"tp": tp, "pp": pp, "dp": 1, "zero_stage": a.zero_stage, "interleave": vp}
    sel = training_memory(arch, recompute="selective", **common)  # type: ignore[arg-type]
    acts_full = training_memory(arch, recompute="full", **common).activations_bytes  # type: ignore[arg-type]
    acts_sel = sel.activations_bytes
    sharded = sel.optimizer_bytes
    fixed = sel.weights_bytes + sel.gradients_bytes
    if a.zero_stage >= 2:
        fixed -= sel.gradients_bytes
        sharded += sel.gradients_bytes
    if a.zero_stage >= 3:
        fixed -= sel.weights_bytes
        sharded += sel.weights_bytes

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


def _powers(limit: int) -> list[int]:
    out, value = [], 1
    while value <= limit:
        out.append(value)
        value *= 2
    return out


def _plain_best_layout(chip: ChipNumbers, n: int, arch: Architecture, kernel_mfu: float,
                       a: ScalingAssumptions) -> object:
    sequences = max(1, int(a.global_batch_tokens // arch.seq_len))
    capacity = chip.memory_bytes * (1.0 - a.memory_reserve_fraction) if chip.memory_bytes else None
    best = None
    for tp in _powers(min(a.chips_per_node, n)):
        for pp in _powers(min(arch.layers, n // tp)):
            d_max = max(1, min(n // (tp * pp), sequences))
            d_node = a.chips_per_node // (tp * pp)
            vps = [1] if pp <= 1 else _powers(max(1, min(int(a.pipeline_interleave), arch.layers // pp)))
            for vp in vps:
                for dp, share in _plain_options(arch, tp, pp, vp, d_max, d_node, capacity, a):
                    step = _step(chip, arch, tp, pp, dp, vp, share, kernel_mfu, a)[0]
                    if best is None or step < best[0]:
                        best = (step, tp, pp, vp, dp, share)
    if best is None:
        return None
    return _layout(chip, n, arch, kernel_mfu, a, best[1:], capacity)


_CHIP = st.builds(
    ChipNumbers,
    name=st.just("chip"),
    peak_flop_per_s=st.floats(1e13, 5e15),
    memory_bytes=st.one_of(st.none(), st.floats(4e9, 300e9)),
    intra_bytes_per_s=st.floats(1e10, 2e12),
    inter_bytes_per_s=st.floats(1e9, 2e11),
)
_ARCH = st.builds(
    lambda params, layers, hidden, seq: Architecture(
        params=params, layers=layers, hidden=hidden, heads=max(1, hidden // 128), seq_len=seq,
        inferred=False),
    st.floats(1e8, 2e12), st.integers(1, 160), st.sampled_from([512, 2048, 8192, 16384, 20480]),
    st.sampled_from([1024, 4096, 8192]),
)
_ASSUME = st.builds(
    ScalingAssumptions,
    global_batch_tokens=st.floats(1e5, 6e7),
    seq_len=st.just(4096),
    chips_per_node=st.sampled_from([1, 4, 8, 16, 72]),
    dp_overlap=st.one_of(st.floats(0.0, 1.0), st.floats(1.0, 1.5)),  # > 1: a negative term
    pipeline_interleave=st.sampled_from([1.0, 2.0, 8.0]),
    memory_reserve_fraction=st.floats(0.0, 0.3),
    zero_stage=st.integers(0, 3),
    p2p_overlap=st.one_of(st.floats(0.0, 1.0), st.floats(1.0, 1.5)),
)


@settings(max_examples=60, deadline=None)
@given(chip=_CHIP, arch=_ARCH, a=_ASSUME, n=st.integers(1, 40000), kernel_mfu=st.floats(0.05, 1.0))
def test_fast_search_equals_the_plain_loop(chip: ChipNumbers, arch: Architecture, a: ScalingAssumptions,
                                           n: int, kernel_mfu: float) -> None:
    expected = _plain_best_layout(chip, n, arch, kernel_mfu, a)
    # twice: the second call answers from the remembered tables
    assert best_layout(chip, n, arch, kernel_mfu=kernel_mfu, assumptions=a) == expected
    assert best_layout(chip, n, arch, kernel_mfu=kernel_mfu, assumptions=a) == expected


@settings(max_examples=40, deadline=None)
@given(arch=_ARCH, a=_ASSUME, tp=st.sampled_from([1, 2, 4, 8]), pp=st.sampled_from([1, 2, 4, 16]),
       vp=st.sampled_from([1, 2, 4]), d_max=st.integers(1, 5000), d_node=st.integers(0, 16),
       capacity=st.one_of(st.none(), st.floats(1e9, 3e11)))
def test_rememberedrecompute_options_equal_fresh_ones(
    arch: Architecture, a: ScalingAssumptions, tp: int, pp: int, vp: int, d_max: int, d_node: int,
    capacity: float | None,
) -> None:
    fresh = _plain_options(arch, tp, pp, vp, d_max, d_node, capacity, a)
    assert recompute_options(arch, tp, pp, vp, d_max, d_node, capacity, a) == fresh
    assert recompute_options(arch, tp, pp, vp, d_max, d_node, capacity, a) == fresh


def test_the_default_planning_sizes_match_the_plain_loop() -> None:
    a = ScalingAssumptions.default()
    arch = Architecture(params=405e9, layers=126, hidden=16384, heads=128, seq_len=a.seq_len, inferred=False)
    chip = ChipNumbers("H100-like", 9.894e14, 80e9, 450e9, 50e9)
    for n in (1, 8, 96, 1024, 3072, 16384, 98304):
        for kernel in (0.35, 0.5, 0.62):
            assert best_layout(chip, n, arch, kernel_mfu=kernel, assumptions=a) == _plain_best_layout(
                chip, n, arch, kernel, a)
    no_memory = dataclasses.replace(chip, memory_bytes=None)
    assert best_layout(no_memory, 4096, arch, kernel_mfu=0.5, assumptions=a) == _plain_best_layout(
        no_memory, 4096, arch, 0.5, a)


def test_overlaps_above_one_still_match() -> None:
    # an overlap above 1 makes a communication term negative: no shortcut may assume terms >= 0
    arch = Architecture(params=1e8, layers=8, hidden=512, heads=4, seq_len=1024, inferred=False)
    # slow inter-node link: with p2p_overlap 1.5 the interleaved pipeline's "communication" is negative
    chip = ChipNumbers("odd", 5.2456e14, None, 1.2423e10, 1.0915e9)
    for p2p, dp_overlap in ((1.5, 0.0), (0.0, 1.4), (0.8, 0.8)):
        a = ScalingAssumptions(global_batch_tokens=1e5, seq_len=4096, chips_per_node=1, dp_overlap=dp_overlap,
                               pipeline_interleave=2.0, memory_reserve_fraction=0.0, zero_stage=0, p2p_overlap=p2p)
        for n in (2, 8, 16, 64, 512):
            assert best_layout(chip, n, arch, kernel_mfu=1.0, assumptions=a) == _plain_best_layout(chip, n, arch, 1.0, a)


@settings(max_examples=30, deadline=None)
@given(chip=_CHIP, arch=_ARCH, a=_ASSUME,
       asks=st.lists(st.tuples(st.integers(1, 40000), st.floats(0.05, 1.0)), min_size=2, max_size=5))
def test_shared_communication_terms_change_no_search(chip: ChipNumbers, arch: Architecture, a: ScalingAssumptions,
                                                     asks: list[tuple[int, float]]) -> None:
    # the (t, p) communication table is filled by one search and read by the next ones (other chip
    # counts, other kernel MFUs, the same shape and bandwidths): each still equals the plain loop
    from computegov.planning.scaling import _comm_terms

    _comm_terms.cache_clear()
    for n, kernel_mfu in asks:
        assert best_layout(chip, n, arch, kernel_mfu=kernel_mfu, assumptions=a) == _plain_best_layout(
            chip, n, arch, kernel_mfu, a)
    assert _comm_terms.cache_info().currsize == 1  # one table for the shape and bandwidths
