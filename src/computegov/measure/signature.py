"""Step signatures: what determines a training step's FLOP, learnt before the step runs.

Two steps with equal signatures run the same ops on tensors of the same shapes (for models
whose shapes do not depend on data values), so the meter counts one and reuses the count:

* the static part: the module tree, each module's train/eval flag, each parameter's identity,
  shape, dtype and ``requires_grad``;
* per forward call: autocast state and dtype, grad mode, and the shapes, dtypes and devices of
  the inputs (looked into through containers, dataclasses and plain objects).

Also :func:`count_model_params`, the N of 6·N·D.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch

__all__ = [
    "count_model_params",
    "forward_signature",
    "input_fingerprint",
    "static_signature",
    "token_count",
]

_SCALARS = (int, float, bool, str, bytes, type(None), torch.dtype, torch.device)
_FINGERPRINT_DEPTH = 4  # levels of nested inputs looked into (tensors in a batch object's dict)


def count_model_params(model: torch.nn.Module) -> int:
    """Trainable parameters that take part in matrix products: N of the 6·N·D model FLOP.

    Embedding tables are left out (a lookup costs no FLOP; Kaplan et al. 2020, arXiv:2001.08361,
    count non-embedding parameters) unless the same tensor is also a Linear weight (tied
    input/output embeddings), whose output projection is a real matrix product.
    """
    embedding_ids = {
        id(m.weight)
        for m in model.modules()
        if isinstance(m, torch.nn.Embedding | torch.nn.EmbeddingBag)
    }
    linear_ids = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.Linear)}
    seen: set[int] = set()
    total = 0
    for parameter in model.parameters():
        if id(parameter) in seen or not parameter.requires_grad:
            continue
        seen.add(id(parameter))
        if id(parameter) in embedding_ids and id(parameter) not in linear_ids:
            continue
        total += parameter.numel()
    return total


def input_fingerprint(value: Any, depth: int = 0) -> Any:
    """Hashable description of forward inputs: tensor shapes, dtypes, devices; scalar values.

    Containers, dataclasses and plain objects (their ``vars()``) are looked into, down to
    ``_FINGERPRINT_DEPTH`` levels, so a batch object carrying tensors of a new shape gives a
    new signature; deeper than that, an object is described by its type alone.
    """
    if isinstance(value, torch.Tensor):
        return (tuple(value.shape), value.dtype, value.device, value.requires_grad)
    if isinstance(value, _SCALARS):
        return value
    if depth >= _FINGERPRINT_DEPTH:
        return type(value).__qualname__
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(input_fingerprint(v, depth + 1) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple((str(k), input_fingerprint(v, depth + 1)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (
            type(value).__qualname__,
            tuple(
                (f.name, input_fingerprint(getattr(value, f.name, None), depth + 1)) for f in fields
            ),
        )
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict) and not isinstance(value, torch.nn.Module | type):
        return (
            type(value).__qualname__,
            tuple((str(k), input_fingerprint(v, depth + 1)) for k, v in attributes.items()),
        )
    return type(value).__qualname__


def static_signature(model: torch.nn.Module) -> tuple[Any, ...]:
    """Module tree, train/eval flags and parameters (identity, shape, dtype, grad) as a tuple.

    Walks ``_modules``/``_parameters`` directly: ``named_modules()`` builds name strings and
    costs several times more, and this runs once per step.
    """
    out: list[Any] = []
    stack: list[torch.nn.Module] = [model]
    while stack:
        module = stack.pop()
        out.append((id(module), type(module), module.training))
        out.extend(
            (id(p), p.shape, p.dtype, p.requires_grad)
            for p in module._parameters.values()
            if p is not None
        )
        stack.extend(child for child in module._modules.values() if child is not None)
    return tuple(out)


def forward_signature(device_type: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """Autocast state, grad mode and input fingerprints of one forward call (hashable).

    Args:
        device_type: the model's device type (autocast state is per device type).
        args: the forward call's positional inputs.
        kwargs: its keyword inputs.
    """
    autocast: tuple[bool, torch.dtype | None]
    try:
        autocast = (
            torch.is_autocast_enabled(device_type),
            torch.get_autocast_dtype(device_type),
        )
    except (RuntimeError, TypeError):
        autocast = (False, None)
    return (
        autocast,
        torch.is_grad_enabled(),
        input_fingerprint(args),
        input_fingerprint(kwargs),
    )


def token_count(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    """Tokens in one forward call: the elements of its token-id input, or None if it has none.

    The token ids are the first positional input or the ``input_ids=`` keyword (Hugging Face's
    name), when that is an integer-typed tensor; floating-point inputs (images, embeddings) are
    not tokens.
    """
    first = args[0] if args else kwargs.get("input_ids")
    if isinstance(first, torch.Tensor) and not first.is_floating_point() and not first.is_complex():
        return int(first.numel())
    return None
