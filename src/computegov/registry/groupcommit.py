"""Group commit of new reports within one worker process (split from :mod:`computegov.registry.reports`).

Submitters that arrive while a commit is under way queue; one of them then stores every queued
report in one transaction (see :class:`GroupCommit`), as databases group their WAL flushes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from computegov.registry import timings
from computegov.registry.organisations import OrgInfo
from computegov.registry.reportinfo import SubmitOutcome
from computegov.registry.submission import ParsedSubmission

__all__ = ["MAX_BATCH", "GroupCommit", "Pending"]


@dataclasses.dataclass
class Pending:
    """One new report waiting to be stored, and (once its batch committed) its answer."""

    org: OrgInfo
    parsed: ParsedSubmission
    verdict: dict[str, Any]
    verifier: str
    outcome: str
    partial: bool
    signer_keyid: str | None
    now: dt.datetime
    phases: timings.Phases | None = dataclasses.field(default_factory=timings.current)
    enqueued_s: float = dataclasses.field(default_factory=time.perf_counter)
    #: its rows and leaves (:class:`computegov.registry.groupwrite.Prepared`), made in the submitter's thread
    prepared: Any = None
    result: SubmitOutcome | None = None
    error: BaseException | None = None
    done: bool = False


class GroupCommit:
    """Group commit of new reports within one process (as databases group their WAL flushes).

    A submitter that finds no commit under way stores its report at once (no added latency when
    the server is idle). Submitters that arrive while a commit is under way queue; when it ends,
    one of them stores every queued report (up to :data:`MAX_BATCH`) in one transaction: one
    wait for the log's lock, one append of all their leaves, one commit and fsync, instead of one
    of each per report. Every submitter still gets its own report's answer (and error).
    """

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.queue: list[Pending] = []
        self.busy = False

    def submit(self, pending: Pending, commit: Callable[[list[Pending]], None]) -> SubmitOutcome:
        """Store ``pending`` with whatever else is waiting (``commit`` stores one batch); its answer.

        The queue is served oldest first: a thread that finds no commit under way stores the oldest
        :data:`MAX_BATCH` waiting reports, and goes on doing so until its own is stored.
        """
        with self.cond:
            self.queue.append(pending)
        while True:
            with self.cond:
                while self.busy and not pending.done:
                    self.cond.wait()
                if pending.done:
                    break
                batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
                self.busy = True
            taken = time.perf_counter()
            for one in batch:
                if one.phases is not None:
                    one.phases.add("queue", taken - one.enqueued_s)
            try:
                commit(batch)
            finally:
                with self.cond:
                    for one in batch:
                        one.done = True
                    self.busy = False
                    self.cond.notify_all()
        if pending.error is not None:
            raise pending.error
        if pending.result is None:  # pragma: no cover - commit always sets one of the two
            raise RuntimeError("a grouped submission was left without an answer")
        return pending.result


#: Most reports one group commit stores (a bounded transaction: ~3 leaves and 3 rows each).
MAX_BATCH = 64
