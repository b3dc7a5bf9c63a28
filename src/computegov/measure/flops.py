"""Exact FLOP counting: ``FlopCounterMode`` plus the formulas it lacks, and a causal convention.

``torch.utils.flop_counter.FlopCounterMode`` counts matrix products, convolutions and the
CUDA attention kernels by op-level formulas, and counts every other op as zero. Two blind spots
matter for training runs:

* ops without a registered formula count as zero, notably the CPU attention kernel
  ``aten._scaled_dot_product_flash_attention_for_cpu`` (and its backward) that
  ``F.scaled_dot_product_attention`` uses on CPU, the XPU/"overrideable" attention kernel, and
  matrix-vector products (``mv``, ``addmv``, ``dot``, ``vdot``, ``addbmm``);
* causal attention is counted as full attention (its formulas ignore ``is_causal``).

:func:`counting` runs one ``FlopCounterMode`` with extra formulas for those ops (passed as its
``custom_mapping``, so torch's global registry is left untouched) and tallies, per step,

* the complete count with causal attention counted in full (``flop_full_attention``),
* the complete count with the score and value matmuls of causal attention halved
  (``flop_causal_halved``; the convention of the FlashAttention papers' benchmarks,
  Dao et al. 2022, arXiv:2205.14135, which divide causal attention FLOP by 2),
* what a plain ``FlopCounterMode`` reports (``flop_flopcounter_compatible``).

The new formulas reuse torch's own shape formulas (``sdpa_flop_count``,
``sdpa_backward_flop_count``), so a CPU attention call counts what the CUDA kernels count.

FLOP definitions (stated in every summary as :data:`FLOP_DEFINITIONS`):

* a FLOP is one floating-point add or multiply; a multiply-add is 2 FLOP (FlopCounterMode's and
  Kaplan et al. 2020's convention);
* counted: matrix products (``mm``, ``bmm``, ``addmm``/``baddbmm`` without their add), convolutions
  and their backward passes, fused attention (Q·Kᵀ and P·V forward; 5 matmuls backward with the
  scores recomputed), by torch's formulas, plus the ops of :func:`_new_formulas`;
* not counted, by the meter or by FlopCounterMode: element-wise ops (activations, residual and
  bias adds, the add of ``addmm``), softmax (also the one inside fused attention),
  normalisation, embedding lookups, the loss, reductions and the optimizer step. Measured on the
  demo GPT's training step (``computegov measure demo``: batch 8 x 64 tokens, 2 layers, width
  128): those ops write 2.78e6 output elements, 0.19 % of the counted 1.426e9 FLOP at one FLOP
  per element (GELU and layer norm cost a few FLOP per element, so about 1 %);
* the meter's total exceeds FlopCounterMode's only by the ops FlopCounterMode counts as zero:
  each step's ``flop_beyond_flopcounter_by_op`` lists them. On the CPU demo GPT
  (``computegov measure demo``: 1.426e9 against 1.309e9 FLOP per step, +9 %) the whole difference
  is ``_scaled_dot_product_flash_attention_for_cpu`` and its backward; on CUDA, where torch has
  formulas for the attention kernels, the two figures are equal.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch
from torch.utils import flop_counter as _fc

from computegov.measure.flop_definitions import FLOP_DEFINITIONS, merge_counts

__all__ = [
    "CAUSAL_CONVENTIONS",
    "FLOP_DEFINITIONS",
    "StepCount",
    "complete_flop_mapping",
    "counting",
    "merge_counts",
]

#: Ways to count causal attention: in full (FlopCounterMode, PaLM's 6N + 12LHQT, Chowdhery et
#: al. 2022 appendix B) or with the attention matmuls halved (FlashAttention benchmarks).
CAUSAL_CONVENTIONS: tuple[str, ...] = ("full", "causal_halved")

aten = torch.ops.aten

# Attention ops whose FLOP depend on is_causal; both torch's and ours. Keyed by packet name.
_ATTENTION_OPS: tuple[str, ...] = (
    "_scaled_dot_product_efficient_attention",
    "_scaled_dot_product_flash_attention",
    "_scaled_dot_product_cudnn_attention",
    "_scaled_dot_product_efficient_attention_backward",
    "_scaled_dot_product_flash_attention_backward",
    "_scaled_dot_product_cudnn_attention_backward",
    "_flash_attention_forward",
    "_flash_attention_backward",
    "_efficient_attention_forward",
    "_efficient_attention_backward",
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_flash_attention_for_cpu_backward",
    "_scaled_dot_product_fused_attention_overrideable",
    "_scaled_dot_product_fused_attention_overrideable_backward",
)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if isinstance(x, torch.Tensor) else tuple(x)


def _sdpa_forward(
    query: Any, key: Any, value: Any, *args: Any, out_val: Any = None, **kwargs: Any
) -> int:
    """FLOP of a fused attention forward: Q·Kᵀ and P·V, 2 FLOP per multiply-add."""
    return int(_fc.sdpa_flop_count(_shape(query), _shape(key), _shape(value)))


def _sdpa_backward(
    grad_out: Any, query: Any, key: Any, value: Any, *args: Any, out_val: Any = None, **kwargs: Any
) -> int:
    """FLOP of a fused attention backward (torch's formula: 5 matmuls, scores recomputed)."""
    return int(
        _fc.sdpa_backward_flop_count(_shape(grad_out), _shape(query), _shape(key), _shape(value))
    )


def _mv(a: Any, b: Any, *args: Any, out_val: Any = None, **kwargs: Any) -> int:
    """``mv``: (m, n) @ (n,) is m·n multiply-adds."""
    m, n = _shape(a)
    return 2 * m * n


def _addmv(_self: Any, a: Any, b: Any, *args: Any, out_val: Any = None, **kwargs: Any) -> int:
    """``addmv``: the mv part only (like torch's ``addmm`` formula ignores the add)."""
    return _mv(a, b)


def _dot(a: Any, b: Any, *args: Any, out_val: Any = None, **kwargs: Any) -> int:
    """``dot``/``vdot``: n multiply-adds."""
    return 2 * _shape(a)[0]


def _addbmm(_self: Any, a: Any, b: Any, *args: Any, out_val: Any = None, **kwargs: Any) -> int:
    """``addbmm``: a batch of (m, k) @ (k, n) products summed, 2·b·m·n·k."""
    batch, m, k = _shape(a)
    n = _shape(b)[2]
    return 2 * batch * m * n * k


def _new_formulas() -> dict[str, Callable[..., int]]:
    """Formulas for ops FlopCounterMode counts as zero, keyed by aten packet name."""
    return {
        "_scaled_dot_product_flash_attention_for_cpu": _sdpa_forward,
        "_scaled_dot_product_flash_attention_for_cpu_backward": _sdpa_backward,
        "_scaled_dot_product_fused_attention_overrideable": _sdpa_forward,
        "_scaled_dot_product_fused_attention_overrideable_backward": _sdpa_backward,
        "mv": _mv,
        "addmv": _addmv,
        "dot": _dot,
        "vdot": _dot,
        "addbmm": _addbmm,
    }


@dataclasses.dataclass
class _Tally:
    """What the formula wrappers add up while one counting context is open."""

    causal_attention_flop: int = 0  # attention FLOP (full convention) of calls with is_causal
    compatible_flop: int = 0  # what torch's own registry counts
    beyond: dict[str, int] = dataclasses.field(default_factory=dict)  # op -> FLOP torch counts as 0
    formula_errors: dict[str, str] = dataclasses.field(default_factory=dict)  # op -> error


_ACTIVE: list[_Tally] = []  # not thread-local: CUDA backward runs on autograd's own threads
_LOCK = threading.Lock()


def _is_causal(packet: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> bool:
    """Whether an attention call is causal, from its schema (``is_causal`` or ``custom_mask_type``)."""
    try:
        schema = packet.default._schema
    except AttributeError:  # pragma: no cover - every attention op has a default overload
        return False
    for index, argument in enumerate(schema.arguments):
        if argument.name in ("is_causal", "custom_mask_type"):
            value = kwargs.get(argument.name, args[index] if index < len(args) else None)
            return bool(value)  # custom_mask_type: 0 none, 1 causal top-left, 2 bottom-right
    return False


def _wrap(
    packet: Any, formula: Callable[..., int], *, in_torch: bool, attention: bool
) -> Callable[..., int]:
    """A raw-args formula that also feeds the active tally."""

    def wrapped(*args: Any, out_val: Any = None, **kwargs: Any) -> int:
        if not _ACTIVE:  # used directly as FlopCounterMode's custom_mapping: torch's behaviour
            return int(formula(*args, out_val=out_val, **kwargs))
        tally = _ACTIVE[-1]
        try:
            flop = int(formula(*args, out_val=out_val, **kwargs))
            causal = attention and _is_causal(packet, args, kwargs)
        except Exception as err:
            # A formula that raises would otherwise raise inside the training step it watches:
            # the op counts as 0 FLOP and the step is marked inexact instead.
            with _LOCK:
                tally.formula_errors.setdefault(_op_name(packet), repr(err))
            return 0
        with _LOCK:
            if in_torch:
                tally.compatible_flop += flop
            elif flop:
                name = _op_name(packet)
                tally.beyond[name] = tally.beyond.get(name, 0) + flop
            if causal:
                tally.causal_attention_flop += flop
        return flop

    wrapped._get_raw = True  # type: ignore[attr-defined]  # FlopCounterMode: pass raw args
    return wrapped


def _op_name(packet: Any) -> str:
    """``mm``, ``_scaled_dot_product_flash_attention``...: an aten packet's name."""
    return str(getattr(packet, "__name__", packet))


def _build_mapping() -> dict[Any, Callable[..., int]]:
    mapping: dict[Any, Callable[..., int]] = {}
    for packet, formula in _fc.flop_registry.items():
        name = _op_name(packet)
        mapping[packet] = _wrap(packet, formula, in_torch=True, attention=name in _ATTENTION_OPS)
    for name, raw in _new_formulas().items():
        packet = getattr(aten, name, None)
        if packet is None or packet in _fc.flop_registry:  # absent here, or torch caught up
            continue
        mapping[packet] = _wrap(packet, raw, in_torch=False, attention=name in _ATTENTION_OPS)
    return mapping


_MAPPING: dict[Any, Callable[..., int]] = {}
_MAPPING_SOURCE: dict[Any, Any] = {}  # torch's registry as it was when _MAPPING was built


def complete_flop_mapping() -> dict[Any, Callable[..., int]]:
    """The ``custom_mapping`` for ``FlopCounterMode`` that closes its blind spots.

    ``FlopCounterMode(custom_mapping=complete_flop_mapping())`` counts what the meter counts
    with causal attention in full (the meter's ``flop_full_attention``). Rebuilt when torch's
    registry changes (``register_flop_formula`` after import), so user formulas count in both
    the complete and the FlopCounterMode-compatible totals.
    """
    if not _MAPPING or _fc.flop_registry != _MAPPING_SOURCE:
        _MAPPING.clear()
        _MAPPING.update(_build_mapping())
        _MAPPING_SOURCE.clear()
        _MAPPING_SOURCE.update(_fc.flop_registry)
    return _MAPPING


@dataclasses.dataclass(frozen=True)
class StepCount:
    """FLOP of one counted step under each convention.

    Attributes:
        flop_full_attention: complete count, causal attention counted in full, FLOP.
        flop_causal_halved: complete count, causal attention matmuls halved, FLOP.
        flop_flopcounter_compatible: what a plain ``FlopCounterMode`` reports, FLOP.
        by_op: complete count (full attention) by aten op name, FLOP.
        formula_errors: ops whose FLOP formula raised (counted as 0 FLOP), with the error.
        flop_beyond_flopcounter_by_op: FLOP of the ops FlopCounterMode counts as zero, by op
            name; they sum to ``flop_full_attention - flop_flopcounter_compatible``.
    """

    flop_full_attention: int
    flop_causal_halved: int
    flop_flopcounter_compatible: int
    by_op: Mapping[str, int] = dataclasses.field(default_factory=dict)
    formula_errors: Mapping[str, str] = dataclasses.field(default_factory=dict)
    flop_beyond_flopcounter_by_op: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def flop(self, convention: str) -> int:
        """The complete count under ``convention`` (``"full"`` or ``"causal_halved"``), FLOP."""
        return (
            self.flop_causal_halved if convention == "causal_halved" else self.flop_full_attention
        )

    def __add__(self, other: StepCount) -> StepCount:
        return StepCount(
            self.flop_full_attention + other.flop_full_attention,
            self.flop_causal_halved + other.flop_causal_halved,
            self.flop_flopcounter_compatible + other.flop_flopcounter_compatible,
            merge_counts(self.by_op, other.by_op),
            {**other.formula_errors, **self.formula_errors},
            merge_counts(self.flop_beyond_flopcounter_by_op, other.flop_beyond_flopcounter_by_op),
        )


class Counting:
    """One open counting context; :meth:`stop` returns its :class:`StepCount`.

    Uses ``FlopCounterMode``'s dispatch mode without its module tracker (no per-module table is
    needed, and the tracker's global hooks cost time); falls back to the public class where the
    private one is missing.
    """

    def __init__(self) -> None:
        self._counter = _fc.FlopCounterMode(display=False, custom_mapping=complete_flop_mapping())
        self._tally = _Tally()
        self._mode: Any = None
        self._public = not hasattr(_fc, "_FlopCounterMode")

    def start(self) -> None:
        """Start counting the ops dispatched from now on (on this thread and autograd's)."""
        _ACTIVE.append(self._tally)
        try:
            if self._public:
                self._counter.__enter__()
            else:
                self._mode = _fc._FlopCounterMode(self._counter)
                self._mode.__enter__()
        except BaseException:
            _ACTIVE.remove(self._tally)
            self._mode = None
            raise

    def stop(self) -> StepCount:
        """Stop counting and return the counts."""
        try:
            if self._public:
                self._counter.__exit__(None, None, None)
            elif self._mode is not None:
                self._mode.__exit__(None, None, None)
                self._mode = None
        finally:
            if self._tally in _ACTIVE:
                _ACTIVE.remove(self._tally)
        by_op = {
            _op_name(packet): int(flop)
            for packet, flop in self._counter.flop_counts["Global"].items()
        }
        full = sum(by_op.values())
        causal = self._tally.causal_attention_flop
        return StepCount(
            flop_full_attention=full,
            flop_causal_halved=full - causal // 2,
            flop_flopcounter_compatible=self._tally.compatible_flop,
            by_op=by_op,
            formula_errors=dict(self._tally.formula_errors),
            flop_beyond_flopcounter_by_op=dict(self._tally.beyond),
        )


@contextmanager
def counting() -> Iterator[Callable[[], StepCount]]:
    """Count the FLOP of the ops run inside the block.

    Yields:
        A function returning the :class:`StepCount` (valid after the block ends).
    """
    counter = Counting()
    result: list[StepCount] = []
    counter.start()
    try:
        yield lambda: result[0]
    finally:
        result.append(counter.stop())
