"""Checkpoint and failure arithmetic of one synchronous training job (pure formulas).

The job's mean time between failures is the per-chip MTBF divided by the chip count; one segment
of ``L = tau + delta`` seconds takes ``M e^(R/M) (e^(L/M) - 1)`` seconds of wall-clock time in
expectation (Daly 2006, doi:10.1016/j.future.2004.11.016, eq. 13); the checkpoint interval is
Daly's higher-order optimum (eq. 37), whose first term is Young's (1974,
doi:10.1145/361147.361115). :mod:`computegov.planning.reliability` draws the assumptions and
reports ranges; this module holds the formulas it uses, each testable alone.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError
from computegov.units import S_PER_HOUR

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "checkpoint_write_s",
    "daly_interval_s",
    "expected_wall_s",
    "job_mtbf_s",
    "require_positive",
    "segment_wall_s",
    "simulate_wall_s",
    "young_interval_s",
]


def require_positive(value: float, what: str, unit: str) -> float:
    """``value`` as a float when finite and > 0, else an InputError naming ``what`` and its ``unit``."""
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{what} must be a positive number ({unit}), got {value!r}")
    return float(value)


def job_mtbf_s(rate_per_chip_hour: float, chips: int) -> float:
    """Mean time between interruptions of a job spanning ``chips`` chips, s.

    Any chip's failure stops a synchronous job, so rates add: ``M = 1 / (n x rate)``.

    Raises:
        InputError: rate or chips not positive.
    """
    require_positive(rate_per_chip_hour, "interruption rate", "per chip-hour")
    if chips < 1:
        raise InputError(f"chip count must be at least 1, got {chips}")
    return S_PER_HOUR / (rate_per_chip_hour * chips)


def checkpoint_write_s(checkpoint_bytes: float, storage_bytes_per_s: float) -> float:
    """Time the job stalls to write one checkpoint, s (size / aggregate write bandwidth).

    Raises:
        InputError: size or bandwidth not positive.
    """
    require_positive(checkpoint_bytes, "checkpoint size", "bytes")
    require_positive(storage_bytes_per_s, "storage bandwidth", "bytes/s")
    return checkpoint_bytes / storage_bytes_per_s


def young_interval_s(checkpoint_s: float, mtbf_s: float) -> float:
    """Young's (1974, doi:10.1145/361147.361115) first-order optimum ``sqrt(2 delta M)``, s."""
    require_positive(checkpoint_s, "checkpoint time", "s")
    require_positive(mtbf_s, "MTBF", "s")
    return math.sqrt(2.0 * checkpoint_s * mtbf_s)


def daly_interval_s(checkpoint_s: float, mtbf_s: float) -> float:
    """Daly's (2006, doi:10.1016/j.future.2004.11.016, eq. 37) higher-order optimum, s.

    ``sqrt(2 delta M) [1 + (delta/2M)^0.5 / 3 + (delta/2M) / 9] - delta`` when
    ``delta < 2M``, else ``M``.
    """
    require_positive(checkpoint_s, "checkpoint time", "s")
    require_positive(mtbf_s, "MTBF", "s")
    if checkpoint_s >= 2.0 * mtbf_s:
        return mtbf_s
    x = checkpoint_s / (2.0 * mtbf_s)
    return math.sqrt(2.0 * checkpoint_s * mtbf_s) * (1.0 + math.sqrt(x) / 3.0 + x / 9.0) - checkpoint_s


def segment_wall_s(length_s: Any, restart_s: Any, mtbf_s: Any) -> Any:
    """Expected wall-clock time of one segment of ``length_s`` s of work plus checkpoint, s.

    Daly 2006 eq. 13: ``M e^(R/M) (e^(L/M) - 1)`` with restart ``R`` s and job MTBF ``M`` s;
    numpy arrays or floats.
    """
    import numpy as np

    return mtbf_s * np.exp(restart_s / mtbf_s) * np.expm1(length_s / mtbf_s)


def expected_wall_s(
    work_s: float, interval_s: float, checkpoint_s: float, restart_s: float, mtbf_s: float
) -> float:
    """Expected wall-clock time to finish ``work_s`` of failure-free work, s (Daly 2006, eq. 13).

    Work runs in segments of ``interval_s`` (the last one shorter), each followed by a checkpoint
    of ``checkpoint_s``; a failure (exponential, mean ``mtbf_s``) loses the segment and costs a
    restart of ``restart_s``, itself interruptible.

    Raises:
        InputError: a non-positive work, interval, checkpoint or MTBF, or a negative restart.
    """
    for value, what in ((work_s, "work"), (interval_s, "checkpoint interval")):
        require_positive(value, what, "s")
    require_positive(checkpoint_s, "checkpoint time", "s")
    require_positive(mtbf_s, "MTBF", "s")
    if restart_s < 0:
        raise InputError(f"restart time must be >= 0 s, got {restart_s!r}")
    full = math.floor(work_s / interval_s)
    rest = work_s - full * interval_s
    total = full * float(segment_wall_s(interval_s + checkpoint_s, restart_s, mtbf_s))
    if rest > 1e-12 * work_s:
        total += float(segment_wall_s(rest + checkpoint_s, restart_s, mtbf_s))
    return total


def simulate_wall_s(
    work_s: float,
    interval_s: float,
    checkpoint_s: float,
    restart_s: float,
    mtbf_s: float,
    *,
    runs: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Discrete-event simulation of ``runs`` independent jobs: (wall-clock s, failures) per run.

    Each step draws the time to the next failure (exponential, memoryless) for every unfinished
    run; a run in a restart either finishes it or fails again, a run in a work segment either
    completes segment and checkpoint (committing the work) or fails and restarts. Vectorised over
    runs; used to check :func:`expected_wall_s`.
    """
    import numpy as np

    wall = np.zeros(runs)
    failures = np.zeros(runs, dtype=np.int64)
    done = np.zeros(runs)
    restarting = np.zeros(runs, dtype=bool)
    active = np.ones(runs, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        next_failure = rng.exponential(mtbf_s, size=idx.size)
        in_restart = restarting[idx]
        segment = np.minimum(interval_s, work_s - done[idx]) + checkpoint_s
        length = np.where(in_restart, restart_s, segment)
        ok = next_failure >= length
        wall[idx] += np.where(ok, length, next_failure)
        failures[idx] += ~ok
        finished_work = ok & ~in_restart
        done[idx] += np.where(finished_work, segment - checkpoint_s, 0.0)
        restarting[idx] = ~ok
        active[idx] = done[idx] < work_s * (1.0 - 1e-12)
    return wall, failures
