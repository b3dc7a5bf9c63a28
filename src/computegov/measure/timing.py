"""Step timing: which clock a device is timed with, and CUDA event pairs turned into seconds.

CUDA steps are timed with CUDA events (read once per interval, so the host never waits inside a
step); CPU steps with ``time.perf_counter``; other devices with ``perf_counter`` around the
backend's ``synchronize()`` when it has one, else unsynchronised host time (with a warning).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import torch

__all__ = ["add_event_seconds", "device_timing", "model_device"]

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
