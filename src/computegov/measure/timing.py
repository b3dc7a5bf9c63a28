"""Step timing: which clock a device is timed with, and CUDA event pairs turned into seconds.

CUDA steps are timed with CUDA events (read once per interval, so the host never waits inside a
step); CPU steps with ``time.perf_counter``; other devices with ``perf_counter`` around the
backend's ``synchronize()`` when it has one, else unsynchronised host time (with a warning).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from computegov.measure.accounting import OpenStep

__all__ = ["add_event_seconds", "device_timing", "model_device", "start_step_clock", "stop_step_clock"]

log = logging.getLogger(__name__)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's first parameter, else first buffer, else the CPU."""
    for parameter in model.parameters():
        return parameter.device
    for buffer in model.buffers():
        return buffer.device
    return torch.device("cpu")


def device_timing(device: torch.device) -> tuple[str, Callable[[], None] | None]:
    """How steps on ``device`` are timed.

    Args:
        device: the device the steps run on.

    Returns:
        The timing method's name (recorded as ``timing_method``) and the device's
        ``synchronize`` to call around host timing, or None (CPU and CUDA need none: CUDA uses
        events; a device without ``synchronize`` is timed unsynchronised, with a warning).
    """
    if device.type == "cuda":
        return "cuda_events", None
    if device.type == "cpu":
        return "perf_counter", None
    backend = getattr(torch, device.type, None)
    sync: Callable[[], None] | None = getattr(backend, "synchronize", None)
    if sync is None:
        log.warning(
            "cannot time device %r exactly: step times are host wall-clock without synchronisation",
            device.type,
        )
        return "perf_counter (unsynchronised)", None
    return "perf_counter + synchronize", sync


def add_event_seconds(seconds: float, pending_events: Iterable[tuple[Any, Any]]) -> tuple[float, list[str]]:
    """Add the elapsed time of each (start, end) CUDA event pair to ``seconds``.

    Waits for each end event. A pair that cannot be read adds nothing and a gap message.

    Args:
        seconds: the interval's seconds so far (host-timed steps), s.
        pending_events: recorded ``(start_event, end_event)`` pairs, in step order.

    Returns:
        The new total, s, and the gap messages of the pairs that failed.
    """
    gaps: list[str] = []
    for start_event, end_event in pending_events:
        try:
            end_event.synchronize()
            seconds += start_event.elapsed_time(end_event) / 1e3  # ms -> s
        except Exception as err:
            gaps.append(f"CUDA event timing failed: {err!r}")
    return seconds, gaps


def start_step_clock(
    step: OpenStep, *, cuda: bool, new_event: Callable[[], Any], sync: Callable[[], None] | None
) -> None:
    """Start timing ``step``: a recorded CUDA start event, or a device sync; then the host clocks.

    Sets ``step.start_event`` (CUDA), ``step.wall0`` (Unix time, s) and ``step.t0``
    (``time.perf_counter``, s).

    Args:
        step: the step being opened.
        cuda: the steps run on a CUDA device.
        new_event: makes a timing CUDA event.
        sync: the device's ``synchronize`` (non-CUDA accelerators), or None.
    """
    if cuda:
        step.start_event = new_event()
        step.start_event.record()
    elif sync is not None:
        sync()
    step.wall0 = time.time()
    step.t0 = time.perf_counter()


def stop_step_clock(
    step: OpenStep, t1: float, *, new_event: Callable[[], Any], sync: Callable[[], None] | None
) -> tuple[Any, float, str | None]:
    """Stop timing ``step``: record a CUDA end event, or sync the device and re-read the clock.

    Args:
        step: the step being closed.
        t1: ``time.perf_counter`` when the step's block ended, s.
        new_event: makes a timing CUDA event.
        sync: the device's ``synchronize`` (non-CUDA accelerators), or None.

    Returns:
        The end event (None: the step is host-timed), the host end time, s, and an error
        message when device timing failed (the step then falls back to host time).
    """
    try:
        if step.start_event is not None:
            end_event = new_event()
            end_event.record()
            return end_event, t1, None
        if sync is not None:
            sync()
            t1 = time.perf_counter()
    except Exception as err:
        step.start_event = None
        return None, t1, f"device timing failed, host time used: {err!r}"
    return None, t1, None
