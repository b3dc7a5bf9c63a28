"""Memory of a training run against the ZeRO and activation-recomputation formulas."""

from __future__ import annotations

import math

import pytest

from computegov.errors import InputError
from computegov.planning import (
    Architecture,
    activation_bytes_per_layer,
    architecture_from_params,
    min_chips_for_memory,
    training_memory,
)

ARCH = Architecture(params=7e9, layers=32, hidden=4096, heads=32, seq_len=4096, inferred=False)


def test_mixed_precision_adam_needs_16_bytes_per_parameter() -> None:
    need = training_memory(ARCH, zero_stage=0)
    assert need.weights_bytes + need.gradients_bytes + need.optimizer_bytes == pytest.approx(
        16 * 7e9
    )


@pytest.mark.parametrize(
    ("stage", "expected_states"),
    [
        (0, 16 * 7e9),
        (1, (2 + 2) * 7e9 + 12 * 7e9 / 8),  # ZeRO paper, section 5: P_os
        (2, 2 * 7e9 + (2 + 12) * 7e9 / 8),  # P_os+g
        (3, 16 * 7e9 / 8),  # P_os+g+p
    ],
)
def test_zero_stages_shard_states_over_data_parallel_ranks(
    stage: int, expected_states: float
) -> None:
    need = training_memory(ARCH, dp=8, zero_stage=stage)
    states = need.weights_bytes + need.gradients_bytes + need.optimizer_bytes
    assert states == pytest.approx(expected_states)


def test_tensor_and_pipeline_parallelism_divide_model_states() -> None:
    one = training_memory(ARCH, zero_stage=0)
    split = training_memory(ARCH, tp=4, pp=2, zero_stage=0)
    assert split.weights_bytes == pytest.approx(one.weights_bytes / 8)
    assert split.optimizer_bytes == pytest.approx(one.optimizer_bytes / 8)


def test_activations_follow_korthikanti_table_2() -> None:
    s, h, a = 4096, 4096, 32
    assert activation_bytes_per_layer(ARCH, recompute="none") == pytest.approx(
        s * h * (34 + 5 * a * s / h)
    )
    assert activation_bytes_per_layer(ARCH, tp=8, recompute="selective") == pytest.approx(
        34 * s * h / 8
    )
    assert activation_bytes_per_layer(ARCH, tp=8, recompute="full") == pytest.approx(2 * s * h / 8)
    need = training_memory(ARCH, recompute="full")
    assert need.activations_bytes == pytest.approx(32 * 2 * s * h)


def test_fit_is_reported_against_capacity() -> None:
    assert training_memory(ARCH, capacity_bytes=80e9, tp=8, dp=8).fits is True
    assert training_memory(ARCH, capacity_bytes=24e9).fits is False
    assert training_memory(ARCH).fits is None


def test_architecture_from_params_recovers_gpt3_shape() -> None:
    arch = architecture_from_params(175e9, aspect_ratio=128)
    # GPT-3 175B: 96 layers of width 12288 (Brown et al. 2020, Table 2.1)
    assert arch.layers == pytest.approx(96, rel=0.05)
    assert arch.hidden == pytest.approx(12288, rel=0.05)
    assert 12 * arch.layers * arch.hidden**2 == pytest.approx(175e9, rel=0.1)


def test_min_chips_for_memory_is_state_bytes_over_room() -> None:
    arch = architecture_from_params(70e9, seq_len=4096)
    acts = activation_bytes_per_layer(arch, tp=8, recompute="full") * arch.layers
    expected = math.ceil(70e9 * 16 / (80e9 - acts))
    assert min_chips_for_memory(arch, 80e9) == expected


def test_bad_layouts_are_rejected() -> None:
    with pytest.raises(InputError):
        training_memory(ARCH, tp=0)
    with pytest.raises(InputError):
        training_memory(ARCH, zero_stage=4)
    with pytest.raises(InputError):
        architecture_from_params(0)


def test_interleaved_schedule_holds_more_activations() -> None:
    """Korthikanti et al. 2022, section 4.2.3: L (1 + (p-1)/(p v)) layers' worth on stage one."""
    plain = training_memory(ARCH, tp=8, pp=8)
    interleaved = training_memory(ARCH, tp=8, pp=8, interleave=4)
    assert interleaved.activations_bytes == pytest.approx(
        plain.activations_bytes * (1 + 7 / (8 * 4))
    )
    assert interleaved.weights_bytes == plain.weights_bytes
    with pytest.raises(InputError):
        training_memory(ARCH, interleave=0)
