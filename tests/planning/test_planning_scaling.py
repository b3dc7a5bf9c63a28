"""The cluster-scaling model: limits, monotonicity and the communication arithmetic."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.catalog import Chip
from computegov.errors import InputError
from computegov.planning import (
    Architecture,
    ChipNumbers,
    ScalingAssumptions,
    architecture_from_params,
    best_layout,
)

H100_LIKE = ChipNumbers(
    name="H100-like",
    peak_flop_per_s=9.894e14,
    memory_bytes=80e9,
    intra_bytes_per_s=450e9,
    inter_bytes_per_s=50e9,
)
ASSUME = ScalingAssumptions(
    global_batch_tokens=4e6,
    seq_len=4096,
    chips_per_node=8,
    dp_overlap=0.8,
    pipeline_interleave=2,
    memory_reserve_fraction=0.1,
    internode_fallback_bytes_per_s=25e9,
)


def test_one_chip_runs_at_the_kernel_mfu() -> None:
    arch = architecture_from_params(1e9, seq_len=4096)
    layout = best_layout(H100_LIKE, 1, arch, kernel_mfu=0.5, assumptions=ASSUME)
    assert layout is not None
    assert (layout.tp, layout.pp, layout.dp) == (1, 1, 1)
    assert layout.mfu == pytest.approx(0.5)
    assert layout.efficiency == pytest.approx(1.0)


def test_data_parallel_step_matches_hand_calculation() -> None:
    arch = Architecture(params=1e9, layers=16, hidden=2048, heads=16, seq_len=4096, inferred=False)
    # tensor parallelism off, so only data parallelism over 16 chips (2 nodes) is possible
    assume = dataclasses.replace(ASSUME, chips_per_node=1)
    layout = best_layout(H100_LIKE, 16, arch, kernel_mfu=0.5, assumptions=assume)
    assert layout is not None and (layout.tp, layout.pp, layout.dp) == (1, 1, 16)
    sequences = 4e6 / 4096
    compute = sequences / 16 * 6 * 1e9 * 4096 / (9.894e14 * 0.5)
    allreduce = (1 - 0.8) * 2 * 15 / 16 * 2 * 1e9 / 50e9
    assert layout.compute_s == pytest.approx(compute)
    assert layout.dp_exposed_s == pytest.approx(allreduce)
    assert layout.step_time_s == pytest.approx(compute + allreduce)


def test_utilisation_falls_as_the_cluster_grows() -> None:
    arch = architecture_from_params(70e9, seq_len=4096)
    mfus = [
        best_layout(H100_LIKE, n, arch, kernel_mfu=0.5, assumptions=ASSUME).mfu  # type: ignore[union-attr]
        for n in (64, 512, 4096, 32768)
    ]
    assert mfus == sorted(mfus, reverse=True)
    assert mfus[-1] < 0.5 * mfus[0]  # past the batch size, chips sit idle


def test_model_too_big_for_any_layout_returns_none() -> None:
    tiny = dataclasses.replace(H100_LIKE, memory_bytes=1e9)
    arch = architecture_from_params(70e9, seq_len=4096)
    assert best_layout(tiny, 8, arch, kernel_mfu=0.5, assumptions=ASSUME) is None


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=20000),
    extra=st.integers(min_value=1, max_value=20000),
    params=st.sampled_from([1e9, 8e9, 70e9, 405e9]),
)
def test_more_chips_never_lengthen_a_step(n: int, extra: int, params: float) -> None:
    arch = architecture_from_params(params, seq_len=4096)
    small = best_layout(H100_LIKE, n, arch, kernel_mfu=0.45, assumptions=ASSUME)
    large = best_layout(H100_LIKE, n + extra, arch, kernel_mfu=0.45, assumptions=ASSUME)
    if small is None:
        return
    assert large is not None
    assert large.step_time_s <= small.step_time_s * (1 + 1e-9)
    assert 0 < large.mfu <= 0.45 * (1 + 1e-9)


def test_partial_recomputation_fits_just_enough_layers() -> None:
    arch = architecture_from_params(405e9, seq_len=8192)
    assume = dataclasses.replace(ASSUME, global_batch_tokens=16e6, seq_len=8192)
    layout = best_layout(H100_LIKE, 16384, arch, kernel_mfu=0.47, assumptions=assume)
    assert layout is not None
    capacity = 80e9 * 0.9
    assert layout.memory.total_bytes <= capacity * (1 + 1e-9)
    # Llama 3 405B's own layout (Dubey et al. 2024, Table 4: TP 8, PP 16, DP 128)
    assert (layout.tp, layout.pp, layout.dp) == (8, 16, 128)
    assert layout.recompute.startswith("partial")
    # the share recomputed is the least that fits: memory is full to within 1 %
    assert layout.memory.total_bytes == pytest.approx(capacity, rel=0.01)
    assert layout.memory.fits is True


def test_interleaving_divides_the_bubble_and_multiplies_exposed_point_to_point() -> None:
    """Narayanan et al. 2021, section 2.2.2: bubble (p-1)/v micro-batch times, traffic x v."""
    from computegov.planning.scaling import _step

    arch = Architecture(params=1e10, layers=32, hidden=4096, heads=32, seq_len=4096, inferred=False)
    tp, pp, dp = 8, 4, 2
    micro = 4e6 / 4096 / dp
    compute = 6 * 1e10 * 4096 / (tp * pp * 9.894e14 * 0.5)
    tp_comm = 32 / pp * 4 * (2 * 7 / 8 * 4096 * 4096 * 2) / 450e9
    p2p = 2 * 4096 * 4096 * 2 / 50e9
    for vp, exposed in ((1, p2p), (4, 4 * p2p * (1 - 0.8))):
        step, comp, tpc, ppc, bubble, dpe = _step(H100_LIKE, arch, tp, pp, dp, vp, 0.0, 0.5, ASSUME)
        per_micro = compute + tp_comm + exposed
        assert step == pytest.approx(micro * per_micro + bubble + dpe)
        assert comp == pytest.approx(micro * compute)
        assert tpc == pytest.approx(micro * tp_comm)
        assert ppc == pytest.approx(micro * exposed)
        assert bubble == pytest.approx((pp - 1) / vp * per_micro)


def test_interleaving_raises_mfu_of_a_deep_pipeline() -> None:
    arch = architecture_from_params(405e9, seq_len=8192)
    plain = dataclasses.replace(
        ASSUME, global_batch_tokens=16e6, seq_len=8192, pipeline_interleave=1
    )
    interleaved = dataclasses.replace(plain, pipeline_interleave=8)
    one = best_layout(H100_LIKE, 16384, arch, kernel_mfu=0.47, assumptions=plain)
    many = best_layout(H100_LIKE, 16384, arch, kernel_mfu=0.47, assumptions=interleaved)
    assert one is not None and many is not None
    assert one.vp == 1 and many.vp > 1
    assert many.mfu > one.mfu
    assert many.memory.fits is True  # the interleaved schedule's extra activations are counted


def _bare_chip(name: str, **changes: object) -> Chip:
    base: dict[str, object] = {
        "name": name,
        "kind": "tpu",
        "release_date": dt.date(2021, 5, 20),
        "peak_flop_per_s": {"bf16": 2.75e14},
        "memory_bytes": 32e9,
        "tdp_w": 170.0,
    }
    base.update(changes)
    return Chip(**base)  # type: ignore[arg-type]


def test_bandwidths_missing_from_the_catalogue_come_from_the_cited_table() -> None:
    numbers = ChipNumbers.from_chip(_bare_chip("Google TPU v4"), 2.75e14, ASSUME)
    # 1.1 PB/s all-reduce bandwidth per pod / 4096 chips (Cloud TPU v4 documentation)
    assert numbers.intra_bytes_per_s == pytest.approx(268.5e9)
    assert numbers.inter_bytes_per_s == pytest.approx(268.5e9)
    assert numbers.assumed == () and numbers.missing == ()
    assert any("cloud.google.com/tpu/docs/v4" in source for source in numbers.sources)


def test_a_catalogue_bandwidth_wins_over_the_table() -> None:
    chip = _bare_chip("Google TPU v4", intranode_bandwidth_bytes_per_s=100e9)
    numbers = ChipNumbers.from_chip(chip, 2.75e14, ASSUME)
    assert numbers.intra_bytes_per_s == pytest.approx(50e9)
    assert numbers.inter_bytes_per_s == pytest.approx(268.5e9)  # not catalogued: from the table


def test_no_intranode_bandwidth_means_no_model_beyond_one_chip() -> None:
    numbers = ChipNumbers.from_chip(_bare_chip("Mystery NPU 1"), 2.75e14, ASSUME)
    assert numbers.missing == ("intranode_bandwidth_bytes_per_s",)
    assert numbers.assumed == ("internode_bandwidth_bytes_per_s",)
    arch = architecture_from_params(1e9, seq_len=4096)
    assert best_layout(numbers, 1, arch, kernel_mfu=0.5, assumptions=ASSUME) is not None
    with pytest.raises(InputError, match="intranode_bandwidth_bytes_per_s"):
        best_layout(numbers, 64, arch, kernel_mfu=0.5, assumptions=ASSUME)
