"""The meter's FLOP definitions, importable without torch (summaries are read without it).

The detail and the measured difference to ``FlopCounterMode`` are in
:mod:`computegov.measure.flops`' docstring.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FLOP_DEFINITIONS", "merge_counts"]

#: The meter's FLOP definitions in one paragraph (the module docstring has the detail).
FLOP_DEFINITIONS = (
    "1 FLOP = one floating-point add or multiply (a multiply-add is 2). Counted: matrix products, "
    "convolutions and fused attention, forward and backward, by torch.utils.flop_counter's formulas, "
    "plus formulas for the ops it counts as zero (CPU and XPU fused attention, mv/addmv/dot/vdot/addbmm). "
    "Not counted (by the meter or FlopCounterMode): element-wise ops, bias and residual adds, softmax, "
    "normalisation, embeddings, the loss and the optimizer step. flop_flopcounter_compatible is what "
    "FlopCounterMode reports; the difference is itemised in flop_beyond_flopcounter_by_op."
)


def merge_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """Per-op FLOP of ``a`` and ``b`` added up, by op name."""
    out = dict(a)
    for name, flop in b.items():
        out[name] = out.get(name, 0) + flop
    return out
