"""Step accounting: the open step, the interval's totals, and the cache of counted FLOP.

A step's *signature* is the tuple of its forward-call signatures (first the model's static
structure as a small int, or a caller's ``("key", signature)``). :class:`FlopCache` maps each
complete signature to the :class:`~computegov.measure.flops.StepCount` counted for it, and knows
every proper prefix of a counted signature, so a step that diverges part-way is noticed.
:meth:`FlopCache.account` adds a closed step's FLOP (counted, cached or unknown) to its
:class:`Interval` and lists in ``gaps`` why any of them is inexact.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from computegov.measure.flops import Counting, StepCount

__all__ = ["FlopCache", "Interval", "OpenStep"]

log = logging.getLogger(__name__)


class OpenStep:
    """State of the open step (times: ``t0`` from ``time.perf_counter``, s; ``wall0`` Unix s)."""

    __slots__ = (
        "auto_tokens",
        "counted_from",
        "counting",
        "diverged",
        "error",
        "forwards",
        "index",
        "key",
        "start_event",
        "t0",
        "tokens",
        "wall0",
    )

    def __init__(self, index: int, key: Any, tokens: int | None) -> None:
        self.index = index
        self.key = key
        self.tokens = tokens
        self.auto_tokens: int | None = None
        self.forwards: list[Any] = []
        self.counting: Counting | None = None
        self.counted_from = 0  # forward call number counting started at (0: the step's start)
        self.diverged = False
        self.error: str | None = None
        self.start_event: Any = None
        self.t0 = 0.0
        self.wall0 = time.time()  # reset when the step starts timing


class Interval:
    """Totals of the steps since the last interval record.

    ``seconds`` is step time, s; ``wall0``/``wall1`` are Unix times, s; ``energy0_j``/``energy1_j``
    are the energy counter at the interval's ends, J (NaN: unknown); ``tokens`` is None once any
    step's token count is unknown.
    """

    def __init__(self, first_step: int, wall0: float, energy0_j: float) -> None:
        self.first_step = first_step
        self.last_step = first_step
        self.steps = 0
        self.count = StepCount(0, 0, 0, {})
        self.flop_exact = True
        self.counted_steps = 0
        self.seconds = 0.0
        self.pending_events: list[tuple[Any, Any]] = []
        self.tokens: int | None = 0
        self.wall0 = wall0
        self.wall1 = wall0
        self.energy0_j = energy0_j
        self.energy1_j = float("nan")
        self.gaps: list[str] = []


class FlopCache:
    """Counted FLOP by step signature, and the signature prefixes seen so far."""

    def __init__(self) -> None:
        self.counts: dict[Any, StepCount] = {}
        self.static_ids: dict[Any, int] = {}  # static signature -> its number
        self.prefixes: set[Any] = set()
        self.must_count: set[Any] = set()

    def static_id(self, static: Any) -> int:
        """The small int standing for a static (model structure) signature; one copy of each kept."""
        return self.static_ids.setdefault(static, len(self.static_ids))

    def count_start(
        self, step: OpenStep, *, count_every: bool, should_verify: Callable[[], bool]
    ) -> int | None:
        """Where to start counting an uncounted step, just after its latest forward call.

        The first forward call of a step is counted when ``count_every``, when its signature is
        new or marked to count, or when ``should_verify()`` draws it (called only then). A later
        forward call is counted, and the step marked as diverged, when the signature so far
        matches no counted step's; steps starting like it are counted from then on.

        Args:
            step: the open step, its forward signatures so far in ``step.forwards``.
            count_every: the meter counts every step.
            should_verify: draws whether to re-count a cached step.

        Returns:
            The forward call number to start counting at (1: the first), or None.
        """
        prefix = tuple(step.forwards)
        number = len(step.forwards) - 1
        if number == 1:
            if count_every or prefix not in self.prefixes or prefix in self.must_count or should_verify():
                return 1
            return None
        if prefix not in self.prefixes:
            step.diverged = True
            self.must_count.add(prefix[:2])
            return number
        return None

    def account(self, interval: Interval, step: OpenStep, count: StepCount | None) -> None:
        """Add the step's FLOP (counted, cached or unknown) to the interval.

        Args:
            interval: the open interval; its count, ``flop_exact`` and ``gaps`` are updated.
            step: the closed step.
            count: the step's counted FLOP, or None when it was not counted.
        """
        signature = tuple(step.forwards)
        used = count if count is not None else self.counts.get(signature)
        if step.error is None and used is not None and used.formula_errors:
            interval.flop_exact = False
            ops = "; ".join(f"{op}: {err}" for op, err in sorted(used.formula_errors.items()))
            message = f"FLOP formula failed, op counted as 0 FLOP ({ops})"
            if message not in interval.gaps:
                interval.gaps.append(message)
        if step.error is not None:
            interval.flop_exact = False
            interval.gaps.append(f"step {step.index}: {step.error}; FLOP not counted")
            return
        if count is not None:
            interval.counted_steps += 1
            if step.diverged:
                interval.count = interval.count + count
                interval.flop_exact = False
                interval.gaps.append(
                    f"step {step.index}: forward signature changed part-way (at forward call "
                    f"{step.counted_from}); FLOP before it not counted"
                )
                return
            cached = self.counts.get(signature)
            if cached is not None and cached.flop_full_attention != count.flop_full_attention:
                interval.flop_exact = False  # steps that used the stale count are off
                interval.gaps.append(
                    f"step {step.index}: verification found {count.flop_full_attention} FLOP where the "
                    f"cache held {cached.flop_full_attention}; the cache is updated"
                )
                log.warning("ComputeMeter: step %d FLOP differ from the cached count", step.index)
            self.counts[signature] = count
            self.prefixes.update(signature[:n] for n in range(2, len(signature) + 1))
            interval.count = interval.count + count
        elif signature in self.counts:
            interval.count = interval.count + self.counts[signature]
        elif len(signature) <= 1:
            interval.flop_exact = False
            interval.gaps.append(
                f"step {step.index}: the model's forward was not called inside step(); "
                "pass step(signature=...) to count such steps"
            )
        else:
            interval.flop_exact = False
            self.must_count.add(signature[:2])
            interval.gaps.append(
                f"step {step.index}: forward signature ended part-way through a known one; "
                "FLOP not counted (later steps like it are counted)"
            )
