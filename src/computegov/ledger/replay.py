"""Replay of training segments, in the spirit of Proof-of-Learning.

Proof-of-Learning (Jia et al., 2021, "Proof-of-Learning: Definitions and Practice", IEEE S&P,
arXiv:2103.05633) has the prover keep checkpoints every k steps with the data order and seeds;
a verifier re-runs sampled segments from the earlier checkpoint and checks it lands close to the
later one. Here the run saves a checkpoint every k steps (with optimiser state) and the data
order and seeds live in the ledger's ``replay`` spec; :func:`replay_report` samples segments —
some at random, some with the largest weight updates (Jia et al. §VI: large updates are where a
spoofer must cut corners) — re-runs them and compares each with the recorded checkpoint.

Distance: ``d = ||w_replay - w_claimed||_2 / ||w_claimed - w_start||_2``, the replay error
relative to the segment's own update. The tolerance is calibrated from measured run-to-run
nondeterminism: the first sampled segment is replayed twice and
``tolerance = max(TOLERANCE_FLOOR, TOLERANCE_SAFETY x d_repeat)``.

Known weaknesses (stated, not solved): replay shows the claimed checkpoints are *consistent*
with training on the stated data, not that this was the only or the full computation.
Adversarial "spoofs" can construct cheap checkpoint sequences that pass PoL-style checks
(Zhang et al., 2022, "Adversarial examples for proof-of-learning", IEEE S&P,
arXiv:2108.09454; Fang et al., 2023, "Proof-of-Learning is currently more broken than you
think", IEEE EuroS&P, arXiv:2208.03567), and tolerances calibrated on one machine may not cover
another's nondeterminism (GPU kernels, different library versions). Sampling checks only a
fraction of segments: a prover faking a share f of segments escapes n random samples with
probability about (1 - f)^n.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from computegov.errors import InputError
from computegov.ledger.replay_plan import (  # re-exported: planning lives beside replay
    TRUSTED_TRAINER_PACKAGE,
    AuditCost,
    ReplayPlan,
    audit_cost,
    plan_replay,
    trainer_is_trusted,
)
from computegov.ledger.segments import (
    TOLERANCE_FLOOR,
    TOLERANCE_SAFETY,
    SegmentResult,
    SegmentSpec,
    calibrate_segment,
    landing_message,
    replay_segment,
)

__all__ = [
    "TOLERANCE_FLOOR",
    "TOLERANCE_SAFETY",
    "TRUSTED_TRAINER_PACKAGE",
    "AuditCost",
    "ReplayPlan",
    "ReplayResult",
    "SegmentResult",
    "SegmentSpec",
    "audit_cost",
    "calibrate_segment",
    "plan_replay",
    "replay_report",
    "replay_segment",
    "trainer_is_trusted",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayResult:
    """The outcome of a replay audit.

    Attributes:
        plan: what was replayed.
        segments: each segment's result.
        nondeterminism: relative distance between two replays of the same segment.
        tolerance: the tolerance applied to every segment.
        backend: ``in-process`` or ``ray <address>``.
    """

    plan: ReplayPlan
    segments: tuple[SegmentResult, ...]
    nondeterminism: float | None
    tolerance: float
    backend: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    allowed_missing: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """Each segment whose checkpoint files are missing, named."""
        return tuple(
            f"segment {s.spec.index} ({s.spec.start_step}-{s.spec.end_step}): {s.message}"
            for s in self.segments
            if s.missing
        )

    @property
    def outcome(self) -> str:
        """``failed``, ``incomplete`` or ``verified``, as a :class:`~computegov.ledger.Verdict`.

        ``failed``: a segment replayed outside tolerance or its files do not match the ledger.
        ``incomplete``: a segment's checkpoint files are missing (unless ``replay_inputs`` is
        allowed missing), or no segment replayed at all. Missing segments never count as passes.
        """
        if any(not s.ok and not s.missing for s in self.segments):
            return "failed"
        replayed = [s for s in self.segments if not s.missing]
        if not replayed:
            return "incomplete"
        if self.missing and "replay_inputs" not in self.allowed_missing:
            return "incomplete"
        return "verified"

    @property
    def ok(self) -> bool:
        """True only when the outcome is ``verified``."""
        return self.outcome == "verified"

    @property
    def partial(self) -> bool:
        """True when segments with missing inputs were accepted (``replay_inputs`` allowed)."""
        return self.ok and bool(self.missing)

    @property
    def exit_code(self) -> int:
        """0 verified, 2 a segment's input was unusable, 1 otherwise (failed or incomplete)."""
        if self.ok:
            return 0
        return 2 if any(s.unusable for s in self.segments) else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "outcome": self.outcome,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "missing": list(self.missing),
            "partial": self.partial,
            "allowed_missing": list(self.allowed_missing),
            "backend": self.backend,
            "nondeterminism": self.nondeterminism,
            "tolerance": self.tolerance,
            "plan": self.plan.to_dict(),
            "segments": [s.to_dict() for s in self.segments],
            "notes": list(self.notes),
        }


def replay_report(
    plan: ReplayPlan,
    *,
    ray_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    calibrate: bool = True,
    allow_missing: tuple[str, ...] = (),
) -> ReplayResult:
    """Replay the planned segments, in-process or on Ray, and compare each with its checkpoint.

    Args:
        plan: from :func:`plan_replay`.
        ray_address: a Ray cluster address (``"auto"``, ``"ray://host:10001"``, or ``"local"``
            to start a local cluster); None replays in this process.
        progress: called with ``(done, total)`` after each segment (``total`` = segments).
        calibrate: replay the first segment twice to measure nondeterminism.
        allow_missing: evidence kinds accepted as missing; ``replay_inputs`` lets segments
            whose checkpoint files are missing be left out (the result is then partial).

    Raises:
        InputError: Ray requested but not installed or unreachable.
    """
    segments = list(plan.segments)
    notes: list[str] = []
    total = len(segments)  # the calibration task replays the first segment (twice)
    done = 0
    nondeterminism: float | None = None
    tolerance = TOLERANCE_FLOOR

    if ray_address is None:
        backend = "in-process"
        run_one: Callable[[list[SegmentSpec], float], list[SegmentResult]]

        def run_one(specs: list[SegmentSpec], tol: float) -> list[SegmentResult]:
            nonlocal done
            out = []
            for s in specs:
                out.append(replay_segment(s, tol))
                done += 1
                if progress:
                    progress(done, total)
            return out
    else:
        backend = f"ray {ray_address}"
        try:
            ray: Any = importlib.import_module("ray")
        except ImportError as err:
            raise InputError("--ray needs the 'ray' extra: pip install 'computegov[ray]'") from err
        try:
            if not ray.is_initialized():
                if ray_address == "local":
                    ray.init(include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(address=ray_address, include_dashboard=False, log_to_driver=False)
        except Exception as err:
            raise InputError(f"cannot connect to Ray at {ray_address!r}: {err}") from err
        remote = ray.remote(replay_segment)

        def run_one(specs: list[SegmentSpec], tol: float) -> list[SegmentResult]:
            nonlocal done
            refs = [remote.remote(s, tol) for s in specs]
            by_ref: dict[Any, SegmentResult] = {}
            pending = list(refs)
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                for r in ready:
                    by_ref[r] = ray.get(r)
                    done += 1
                    if progress:
                        progress(done, total)
            return [by_ref[r] for r in refs]

    if calibrate and segments:
        if ray_address is None:
            first, nondeterminism = calibrate_segment(segments[0])
        else:
            first, nondeterminism = ray.get(ray.remote(calibrate_segment).remote(segments[0]))
        done += 1
        if progress:
            progress(done, total)
        if nondeterminism is None:
            notes.append(f"calibration could not run: {first.message}")
        else:
            tolerance = max(TOLERANCE_FLOOR, TOLERANCE_SAFETY * nondeterminism)
        ran = first.ok and first.distance is not None  # ok here means "it ran" (tolerance inf)
        ok = ran and first.distance is not None and first.distance <= tolerance
        message = (
            landing_message(first.distance, tolerance)
            if ran and first.distance is not None
            else first.message
        )
        results = [replace(first, ok=ok, tolerance=tolerance, message=message)]
        results += run_one(segments[1:], tolerance)
    else:
        results = run_one(segments, tolerance)
    return ReplayResult(
        plan, tuple(results), nondeterminism, tolerance, backend, tuple(notes), tuple(allow_missing)
    )
