"""Where a request's time goes: named phases, reported in the answer's ``Server-Timing`` header.

A load test cannot tell from throughput alone whether a server is busy computing or waiting (on
the log's lock, on a commit's fsync, on a pooled connection). The submission path records the
wall time of each of its phases in the :class:`Phases` of the current request (a context
variable: nothing is recorded outside a request, and the cost is two clock reads per phase); the
API sends them as ``Server-Timing: parse;dur=0.31, lock;dur=4.20, ...`` (W3C Server Timing,
https://www.w3.org/TR/server-timing/, read 2026-12-07), in milliseconds, with the request
thread's CPU time as ``cpu``. ``benchmarks/registry_load.py`` adds them up per phase.

Phases of ``POST /api/v1/reports`` (see :func:`computegov.registry.intake.submit_report`):
``auth`` (token lookup), ``parse``, ``signer`` (keys read, signatures checked), ``lookup`` (is
the payload stored?), ``verify`` (the ledger verifier), ``queue`` (waiting for this worker's group
commit to take the submission), ``write`` (the batch's whole transaction: ``lock``, ``append``
and ``commit`` are inside it), ``lock`` (waiting for the database's
write lock on SQLite, the log's advisory lock on PostgreSQL), ``append`` (sequencing the leaves),
``sign`` (the group commit's checkpoint, signed in its transaction),
``commit`` (the commit and its fsync), ``held`` (the log's critical section: from its lock had,
on SQLite from ``BEGIN IMMEDIATE``, to the commit done) and ``heldcpu`` (the committing
thread's CPU time in it: ``held`` much larger than ``heldcpu`` plus the database's time means the
holder waits to run again, for the interpreter lock or a CPU, after each statement),
``receipt`` (checkpoint and inclusion proof; the group commit builds new reports' receipts from
memory, so it is near zero for them), ``batch`` (how many submissions shared the commit: a
count, not ms). The group's phases (``write`` to ``heldcpu``, ``batch``) are the same for every
submission of a group.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

__all__ = ["Phases", "current", "phase", "recording"]

_CURRENT: contextvars.ContextVar[Phases | None] = contextvars.ContextVar("computegov_phases", default=None)


class Phases:
    """Milliseconds per named phase of one request, in the order first seen."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        """Add ``seconds`` (s) to phase ``name`` (kept in ms)."""
        self.ms[name] = self.ms.get(name, 0.0) + 1e3 * seconds

    def set(self, name: str, value: float) -> None:
        """Record a value as it is (a count such as ``batch``)."""
        self.ms[name] = value

    def header(self) -> str:
        """The ``Server-Timing`` header value: ``name;dur=ms`` pairs."""
        return ", ".join(f"{name};dur={value:.2f}" for name, value in self.ms.items())


def current() -> Phases | None:
    """The current request's phases, or None outside a recorded request."""
    return _CURRENT.get()


@contextlib.contextmanager
def recording(phases: Phases) -> Iterator[Phases]:
    """Record phases into ``phases`` for the code inside the block (this thread's context)."""
    token = _CURRENT.set(phases)
    try:
        yield phases
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block as phase ``name`` of the current request (nothing when none is recorded)."""
    phases = _CURRENT.get()
    if phases is None:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        phases.add(name, time.perf_counter() - t0)
