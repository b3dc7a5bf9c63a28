"""The peak a meter divides by for MFU: which chip, which precision, how many FLOP/s.

The chip comes from the catalogue (a name, ``"auto"`` for the CUDA device, or a
:class:`~computegov.catalog.Chip`); the precision from ``precision=``, the autocast dtype or the
parameters' dominant dtype; the peak is the chip's dense peak at that precision, in FLOP/s, unless
the caller gave one. Every lookup that cannot give a peak says why, in a reason string that the
meter's records carry as ``mfu_unavailable_reason``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import torch

from computegov.catalog.chip import Chip, normalise_precision
from computegov.errors import UnknownNameError

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = ["detect_precision", "peak_flop_per_s", "resolve_chip"]

log = logging.getLogger(__name__)


def resolve_chip(
    chip: str | Chip | None, catalog: Catalog | None, device: torch.device
) -> tuple[Chip | None, str | None]:
    """The chip a meter's MFU refers to, or None and the reason there is none.

    Args:
        chip: a catalogue name, a :class:`~computegov.catalog.Chip`, ``"auto"`` (the CUDA
            device's name, looked up in the catalogue) or None.
        catalog: catalogue for the lookup (None: the bundled one, loaded only when needed).
        device: the device the steps run on (``"auto"`` needs a CUDA device).

    Returns:
        ``(chip, None)``, or ``(None, reason)`` when MFU will be unavailable.

    Raises:
        UnknownNameError: ``chip`` is a name the catalogue does not know (with suggestions).
    """
    if chip is None:
        return None, "no chip given: MFU needs a chip's peak (chip='H100 SXM', or --chip)"
    if isinstance(chip, Chip):
        return chip, None
    if catalog is None:
        from computegov.catalog import load_catalog

        catalog = load_catalog()
    if chip == "auto":
        if device.type != "cuda":
            return None, (
                f"chip='auto' finds CUDA devices only; the model is on {device.type!r} "
                "(pass chip= a catalogue name)"
            )
        name = torch.cuda.get_device_name(device.index or 0)
        try:
            return catalog.get(name), None
        except Exception as err:
            log.warning("CUDA device %r is not in the catalogue: %s", name, err)
            return None, f"CUDA device {name!r} is not in the catalogue ({err})"
    try:
        return catalog.get(chip), None
    except UnknownNameError as err:
        hint = ""
        if err.candidates:
            lead = "it matches several: " if err.ambiguous else "did you mean: "
            hint = f"; {lead}{', '.join(err.candidates)}?"
        raise UnknownNameError(
            f"{err}{hint} (or pass chip= a Chip, or peak_flop_per_s=)",
            name=err.name,
            candidates=err.candidates,
            ambiguous=err.ambiguous,
        ) from err


def detect_precision(model: torch.nn.Module, device_type: str) -> str | None:
    """The precision the model computes in now, as a catalogue precision key.

    The autocast dtype when autocast is on for ``device_type``, else the dtype holding the most
    parameter elements (``"tf32"`` for FP32 on CUDA when TF32 matmuls are allowed).

    Args:
        model: the metered model.
        device_type: torch device type the steps run on (``"cuda"``, ``"cpu"``...).

    Returns:
        A precision key (``"bf16"``, ``"fp32"``...) or None (no floating-point parameters, or a
        dtype the catalogue has no key for).
    """
    try:
        if torch.is_autocast_enabled(device_type):
            return normalise_precision(str(torch.get_autocast_dtype(device_type)))
    except (RuntimeError, TypeError, KeyError):
        pass
    sizes: dict[torch.dtype, int] = {}
    for parameter in model.parameters():
        if parameter.is_floating_point():
            sizes[parameter.dtype] = sizes.get(parameter.dtype, 0) + parameter.numel()
    if not sizes:
        return None
    dtype = max(sizes, key=lambda d: sizes[d])
    try:
        key = normalise_precision(str(dtype))
    except KeyError:
        return None
    if (
        key == "fp32"
        and device_type == "cuda"
        and torch.get_float32_matmul_precision() != "highest"
    ):
        return "tf32"  # FP32 matmuls run on TF32 tensor cores
    return key


def peak_flop_per_s(
    given_flop_per_s: float | None,
    chip: Chip | None,
    chip_reason: str | None,
    precision: str | None,
) -> tuple[float | None, str | None]:
    """The dense peak of one device, FLOP/s, or None and the reason MFU is unavailable.

    Args:
        given_flop_per_s: the caller's peak, FLOP/s; wins over the catalogue.
        chip: the resolved chip (see :func:`resolve_chip`).
        chip_reason: why ``chip`` is None.
        precision: the precision key in use (see :func:`detect_precision`).
    """
    if given_flop_per_s is not None:
        return given_flop_per_s, None
    if chip is None:
        return None, chip_reason
    if precision is None:
        return None, "precision unknown (no floating-point parameters and no precision= given)"
    peak = chip.peak(precision)
    if peak is None:
        log.warning("the catalogue has no %s peak for %s; MFU skipped", precision, chip.name)
        return None, f"the catalogue has no {precision} peak for {chip.name}"
    return peak, None
