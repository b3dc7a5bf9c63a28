"""Memory a dense-transformer training run needs per chip, and whether a parallel layout fits.

Model states (Rajbhandari et al. 2020, "ZeRO", arXiv:1910.02054, section 3.1): mixed-precision
Adam keeps 2 bytes of BF16/FP16 weights and 2 bytes of gradients per parameter, plus K = 12 bytes
of FP32 optimiser state (master weights, momentum, variance): 16 bytes per parameter. Tensor (t)
and pipeline (p) parallelism divide all of it by t x p; over the data-parallel degree d, ZeRO
stage 1 divides the optimiser states, stage 2 also the gradients, stage 3 (FSDP) also the weights.

Activations (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
Models", arXiv:2205.05198, Table 2), per layer for a micro-batch of b sequences of s tokens, width
h, a heads, 16-bit activations: no recomputation s*b*h*(34 + 5*a*s/h) bytes; with tensor and
sequence parallelism divided by t; selective recomputation (attention recomputed) leaves
34*s*b*h/t; full recomputation keeps only each layer's input, 2*s*b*h/t. With the 1F1B pipeline
schedule the first stage holds p micro-batches of its L/p layers, i.e. L layers' worth
(Korthikanti et al., section 4.2.3), which is what we count; with the interleaved schedule of v
virtual stages per chip it holds ``L (1 + (p - 1) / (p v))`` layers' worth (same section).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

from computegov.errors import InputError

__all__ = [
    "OPTIMIZER_BYTES_PER_PARAM",
    "Architecture",
    "MemoryNeed",
    "Recompute",
    "activation_bytes_per_layer",
    "architecture_from_params",
    "min_chips_for_memory",
    "training_memory",
]

Recompute = Literal["none", "selective", "full"]

#: Optimiser state bytes per parameter (K in the ZeRO paper, section 3.1), by optimiser.
OPTIMIZER_BYTES_PER_PARAM: dict[str, float] = {
    "adam_mixed": 12.0,  # FP32 master weights + momentum + variance (ZeRO paper, K = 12)
    "adam_fp32": 8.0,  # momentum + variance; weights already FP32
    "sgd_momentum_mixed": 8.0,  # FP32 master weights + momentum
    "adafactor_mixed": 4.0
    + 0.1,  # FP32 master weights + factored second moments (assumption: ~0.1 B/param)
}


@dataclasses.dataclass(frozen=True)
class Architecture:
    """Shape of a dense decoder-only transformer.

    Attributes:
        params: parameter count.
        layers: number of transformer layers, L.
        hidden: model width, h.
        heads: attention heads, a.
        seq_len: training sequence length, tokens.
        inferred: True when layers/width were inferred from the parameter count.
    """

    params: float
    layers: int
    hidden: int
    heads: int
    seq_len: int
    inferred: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def architecture_from_params(
    params: float, *, aspect_ratio: float = 128.0, head_dim: int = 128, seq_len: int = 8192
) -> Architecture:
    """A plausible shape for ``params`` parameters: N = 12 L h^2 with h = aspect_ratio x L.

    The 12 L h^2 count (attention 4h^2 + MLP 8h^2 per layer) is from Kaplan et al. (2020),
    arXiv:2001.08361, Table 1; embeddings are ignored.

    Raises:
        InputError: params not positive.
    """
    if not params > 0:
        raise InputError(f"parameter count must be positive, got {params!r}")
    layers = max(1, round((params / (12.0 * aspect_ratio**2)) ** (1.0 / 3.0)))
    hidden = max(head_dim, round(math.sqrt(params / (12.0 * layers)) / head_dim) * head_dim)
    return Architecture(
        params=params,
        layers=layers,
        hidden=hidden,
        heads=max(1, hidden // head_dim),
        seq_len=seq_len,
        inferred=True,
    )


def activation_bytes_per_layer(
    arch: Architecture, *, micro_batch: int = 1, tp: int = 1, recompute: Recompute = "selective"
) -> float:
    """Activation memory of one layer for one micro-batch on one chip, bytes (16-bit activations).

    With ``tp > 1`` sequence parallelism is assumed (everything divided by t).
    """
    s, b, h, a = arch.seq_len, micro_batch, arch.hidden, arch.heads
    if recompute == "full":
        per = 2.0 * s * b * h
    elif recompute == "selective":
        per = 34.0 * s * b * h
    else:
        per = s * b * h * (34.0 + 5.0 * a * s / h)
    return per / tp


@dataclasses.dataclass(frozen=True)
class MemoryNeed:
    """Per-chip memory of a training layout, bytes.

    Attributes:
        weights_bytes / gradients_bytes / optimizer_bytes / activations_bytes: the parts.
        total_bytes: their sum.
        capacity_bytes: usable memory per chip (after the reserve), or None if unknown.
        tp / pp / dp / zero_stage / recompute: the layout.
    """

    weights_bytes: float
    gradients_bytes: float
    optimizer_bytes: float
    activations_bytes: float
    total_bytes: float
    capacity_bytes: float | None
    tp: int
    pp: int
    dp: int
    zero_stage: int
    recompute: str

    @property
    def fits(self) -> bool | None:
        """True/False, or None when the chip's memory is unknown."""
        if self.capacity_bytes is None:
            return None
        return self.total_bytes <= self.capacity_bytes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["fits"] = self.fits
        return out


def training_memory(
    arch: Architecture,
    *,
    tp: int = 1,
    pp: int = 1,
    dp: int = 1,
    zero_stage: int = 1,
    recompute: Recompute = "selective",
    micro_batch: int = 1,
    optimizer: str = "adam_mixed",
    weight_bytes: float = 2.0,
    grad_bytes: float = 2.0,
    capacity_bytes: float | None = None,
    interleave: int = 1,
) -> MemoryNeed:
    """Per-chip memory of training ``arch`` with the given parallel layout.

    Args:
        arch: model shape.
        tp: tensor-parallel degree (with sequence parallelism).
        pp: pipeline-parallel degree (1F1B schedule).
        dp: data-parallel degree.
        zero_stage: 0 (plain data parallel), 1 (shard optimiser states), 2 (+ gradients),
            3 (+ weights; FSDP full sharding).
        recompute: activation recomputation: ``none``, ``selective`` or ``full``.
        micro_batch: sequences per micro-batch.
        optimizer: key of :data:`OPTIMIZER_BYTES_PER_PARAM`.
        weight_bytes: bytes per weight as used in compute (2 for BF16).
        grad_bytes: bytes per gradient (2 for BF16).
        capacity_bytes: usable memory per chip to compare with, bytes.
        interleave: virtual pipeline stages per chip, v (interleaved 1F1B schedule when > 1).

    Raises:
        InputError: degrees below 1, unknown ZeRO stage or optimiser.
    """
    if min(tp, pp, dp, micro_batch, interleave) < 1:
        raise InputError(f"parallel degrees must be >= 1, got tp={tp}, pp={pp}, dp={dp}")
    if zero_stage not in (0, 1, 2, 3):
        raise InputError(f"ZeRO stage must be 0, 1, 2 or 3, got {zero_stage}")
    if optimizer not in OPTIMIZER_BYTES_PER_PARAM:
        raise InputError(
            f"unknown optimiser {optimizer!r}; expected one of {', '.join(OPTIMIZER_BYTES_PER_PARAM)}"
        )
    per_model_shard = arch.params / (tp * pp)
    weights = weight_bytes * per_model_shard / (dp if zero_stage >= 3 else 1)
    grads = grad_bytes * per_model_shard / (dp if zero_stage >= 2 else 1)
    opt = OPTIMIZER_BYTES_PER_PARAM[optimizer] * per_model_shard / (dp if zero_stage >= 1 else 1)
    acts = arch.layers * activation_bytes_per_layer(
        arch, micro_batch=micro_batch, tp=tp, recompute=recompute
    )
    if interleave > 1 and pp > 1:
        acts *= 1.0 + (pp - 1) / (pp * interleave)  # Korthikanti et al. 2022, section 4.2.3
    total = weights + grads + opt + acts
    return MemoryNeed(
        weights_bytes=weights,
        gradients_bytes=grads,
        optimizer_bytes=opt,
        activations_bytes=acts,
        total_bytes=total,
        capacity_bytes=capacity_bytes,
        tp=tp,
        pp=pp,
        dp=dp,
        zero_stage=zero_stage,
        recompute=recompute,
    )


def min_chips_for_memory(
    arch: Architecture,
    capacity_bytes: float,
    *,
    recompute: Recompute = "full",
    optimizer: str = "adam_mixed",
) -> int:
    """Fewest chips whose pooled memory holds the model states and one micro-batch's activations.

    The model states are fully sharded (ZeRO-3) next to the activations of one micro-batch per
    chip: a lower bound for any layout.

    Args:
        arch: model shape.
        capacity_bytes: usable memory per chip, bytes.
        recompute: recomputation assumed for the activation term.
        optimizer: key of :data:`OPTIMIZER_BYTES_PER_PARAM`.

    Raises:
        InputError: the activations of one layer alone exceed a chip even when sharded 8 ways.
    """
    if not capacity_bytes > 0:
        raise InputError(f"chip memory must be positive, got {capacity_bytes!r}")
    state_bytes = arch.params * (4.0 + OPTIMIZER_BYTES_PER_PARAM[optimizer])
    # activations: under 1F1B the first stage holds L layers' worth whatever p is, so the
    # smallest per-chip term is with t = 8 (sequence parallel) and the chosen recomputation
    acts = activation_bytes_per_layer(arch, tp=8, recompute=recompute) * arch.layers
    room = capacity_bytes - acts
    if room <= 0:
        raise InputError(
            f"the activations of one micro-batch ({acts / 1e9:.1f} GB per chip even with 8-way "
            f"tensor parallelism and {recompute} recomputation) do not fit in "
            f"{capacity_bytes / 1e9:.1f} GB per chip"
        )
    return max(1, math.ceil(state_bytes / room))
