"""One replay segment: re-run training from one checkpoint to the next and compare.

Used by :mod:`computegov.ledger.replay` in-process and on Ray workers (functions here take and
return plain picklable values). See that module for the method, its tolerance and its limits.
"""

from __future__ import annotations

import importlib
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError
from computegov.ledger.digests import digest_state_dict
from computegov.ledger.evidence import DEFAULT_MAX_CHECKPOINT_BYTES, digest_regular_file

if TYPE_CHECKING:  # numpy is imported by the replay functions, not by `computegov verify`
    import numpy as np

__all__ = [
    "TOLERANCE_FLOOR",
    "TOLERANCE_SAFETY",
    "SegmentResult",
    "SegmentSpec",
    "calibrate_segment",
    "flat_params",
    "landing_message",
    "load_state",
    "replay_segment",
]

#: Smallest relative replay tolerance. Assumption: float32 rounding differences between BLAS
#: builds accumulate to ~1e-6 relative over tens of steps; 1e-4 leaves margin while a skipped
#: step (an error of order 1/k of the segment's update) is far above it for k <= 1000.
TOLERANCE_FLOOR = 1e-4
#: Multiplier on measured run-to-run nondeterminism (assumption, as in Jia et al.'s choice of a
#: threshold above the reproduction error they measured).
TOLERANCE_SAFETY = 10.0


@dataclass(frozen=True)
class SegmentSpec:
    """One segment to replay: from the checkpoint at ``start_step`` to the one at ``end_step``.

    Attributes:
        index: segment number (0 = first segment of the run).
        start_step: steps done at the start checkpoint.
        end_step: steps done at the end checkpoint.
        start_path: start checkpoint file.
        end_path: end checkpoint file.
        start_file_sha256: recorded SHA-256 of the start file.
        end_file_sha256: recorded SHA-256 of the end file.
        end_state_blake3: recorded BLAKE3 of the end state's canonical tensors.
        batch_digests: recorded batch digests by step (may be empty).
        trainer: ``module:Class`` of the replay trainer.
        config: the trainer's config.
        reason: why it was sampled (``random`` or ``largest update``).
    """

    index: int
    start_step: int
    end_step: int
    start_path: str
    end_path: str
    start_file_sha256: str | None
    end_file_sha256: str | None
    end_state_blake3: str | None
    batch_digests: dict[int, str]
    trainer: str
    config: dict[str, Any]
    reason: str = "random"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (without the batch digests)."""
        return {
            "index": self.index,
            "start_step": self.start_step,
            "end_step": self.end_step,
            "start_path": self.start_path,
            "end_path": self.end_path,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SegmentResult:
    """The outcome of replaying one segment.

    Attributes:
        spec: the segment.
        ok: True when the replay lands within tolerance and every digest matched.
        distance: relative L2 distance replay vs claimed (see the module docstring); None if the
            replay could not run.
        update_norm: ``||w_end - w_start||_2`` of the claimed checkpoints.
        tolerance: the tolerance applied.
        message: what was found.
        duration_s: wall time of the replay.
        unusable: the segment could not be replayed (an input could not be used at all).
        missing: the segment could not be replayed because a checkpoint file it needs is
            missing (the replay is then incomplete, not failed).
    """

    spec: SegmentSpec
    ok: bool
    distance: float | None
    update_norm: float | None
    tolerance: float
    message: str
    duration_s: float
    unusable: bool = False
    missing: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            **self.spec.to_dict(),
            "ok": self.ok,
            "distance": self.distance,
            "update_norm": self.update_norm,
            "tolerance": self.tolerance,
            "message": self.message,
            "duration_s": self.duration_s,
            "unusable": self.unusable,
            "missing": self.missing,
        }


def _resolve_trainer(ref: str, config: Mapping[str, Any]) -> Any:
    module_name, _, attr = ref.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as err:
        raise InputError(f"replay trainer {ref!r} cannot be imported: {err}") from err
    # Defence in depth (plan_replay already refused untrusted names): only a class with the
    # trainer interface is instantiated, never an arbitrary callable named by a ledger.
    if not isinstance(cls, type) or not all(
        callable(getattr(cls, m, None)) for m in ("replay", "params")
    ):
        raise InputError(f"replay trainer {ref!r} is not a class with replay() and params()")
    return cls(config)


def flat_params(params: Mapping[str, Any]) -> np.ndarray:
    """Concatenate floating-point tensors (sorted by name) into one float64 vector."""
    import numpy as np

    parts = []
    for name in sorted(params):
        t = params[name]
        if hasattr(t, "is_floating_point") and not t.is_floating_point():
            continue
        arr = t.detach().cpu().double().numpy() if hasattr(t, "detach") else np.asarray(t)
        parts.append(arr.reshape(-1).astype(np.float64))
    return np.concatenate(parts) if parts else np.zeros(0)


def _distance(
    replayed: Mapping[str, Any], claimed: Mapping[str, Any], start: Mapping[str, Any]
) -> tuple[float, float]:
    import numpy as np

    r, c, s = flat_params(replayed), flat_params(claimed), flat_params(start)
    if not (r.shape == c.shape == s.shape):
        return math.inf, float(np.linalg.norm(c - s)) if c.shape == s.shape else math.nan
    update = float(np.linalg.norm(c - s))
    err = float(np.linalg.norm(r - c))
    return err / max(update, 1e-30), update


def replay_segment(
    spec: SegmentSpec, tolerance: float = TOLERANCE_FLOOR, *, _repeat: list[float] | None = None
) -> SegmentResult:
    """Re-run one segment and compare with its recorded end checkpoint (runs on a Ray worker too).

    Never raises for a bad segment: a missing or altered file is a failed result.
    """
    import time

    t0 = time.perf_counter()
    repeat = _repeat

    def fail(
        message: str,
        distance: float | None = None,
        update: float | None = None,
        unusable: bool = False,
        missing: bool = False,
    ) -> SegmentResult:
        elapsed = time.perf_counter() - t0
        return SegmentResult(
            spec, False, distance, update, tolerance, message, elapsed, unusable, missing
        )

    for label, path, want in (
        ("start", spec.start_path, spec.start_file_sha256),
        ("end", spec.end_path, spec.end_file_sha256),
    ):
        # plan_replay resolved the path inside the checkpoint directory; here it must still
        # be a regular file (never a FIFO or device: opening one could block or never end)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return fail(f"{label} checkpoint {path} is missing", missing=True)
        except OSError as err:
            return fail(f"{label} checkpoint {path} cannot be examined: {err.strerror}")
        if not stat.S_ISREG(st.st_mode):
            return fail(f"{label} checkpoint {path} is not a regular file")
        try:
            got = digest_regular_file(path, DEFAULT_MAX_CHECKPOINT_BYTES, "checkpoint file")
        except InputError as err:
            return fail(str(err))
        if want is not None and got["sha256"] != want:
            return fail(f"{label} checkpoint {Path(path).name} does not match its ledger digest")
    try:
        trainer = _resolve_trainer(spec.trainer, spec.config)
        claimed_state = load_state(spec.end_path)
        if spec.end_state_blake3 is not None:
            state_blake3 = digest_state_dict(claimed_state, algorithms=("blake3",)).blake3
            if state_blake3 != spec.end_state_blake3:
                return fail("end checkpoint's tensors do not match the ledger's state digest")
        replayed, digests = trainer.replay(spec.start_path, spec.start_step, spec.end_step)
        claimed = trainer.params(spec.end_path)
        start = trainer.params(spec.start_path)
    except Exception as err:  # a replay crash is a failed segment, with the reason
        return fail(f"replay failed: {type(err).__name__}: {err}")
    for offset, d in enumerate(digests):
        step = spec.start_step + offset
        want = spec.batch_digests.get(step)
        if want is not None and want != d:
            return fail(
                f"data order differs at step {step}: batch digest does not match the ledger"
            )
    distance, update = _distance(replayed, claimed, start)
    ok = distance <= tolerance
    if repeat:
        try:
            again, _ = trainer.replay(spec.start_path, spec.start_step, spec.end_step)
        except Exception as err:  # pragma: no cover - the first replay just succeeded
            return fail(f"repeat replay failed: {type(err).__name__}: {err}", distance, update)
        import numpy as np

        a, b = flat_params(replayed), flat_params(again)
        repeat.append(float(np.linalg.norm(a - b)) / max(update, 1e-30))
    return SegmentResult(
        spec,
        ok,
        distance,
        update,
        tolerance,
        landing_message(distance, tolerance),
        time.perf_counter() - t0,
    )


def landing_message(distance: float, tolerance: float) -> str:
    """The one-line result of a replay that ran."""
    return f"replay lands {distance:.3g} (relative) from the claimed checkpoint, tolerance {tolerance:.3g}"


def calibrate_segment(spec: SegmentSpec) -> tuple[SegmentResult, float | None]:
    """Replay ``spec`` twice to measure run-to-run nondeterminism.

    Returns:
        The first replay's result (tolerance not yet applied: ``ok`` means it ran) and the
        distance between the two replays relative to the segment's update (None if it failed).
    """
    holder: list[float] = [math.nan]
    result = replay_segment(spec, math.inf, _repeat=holder)
    nondet = holder[-1] if len(holder) > 1 else None
    return result, nondet


def load_state(path: str | Path) -> Any:
    """A checkpoint file's contents (``torch.load``, weights only, on CPU)."""
    import torch

    return torch.load(Path(path), map_location="cpu", weights_only=True)
