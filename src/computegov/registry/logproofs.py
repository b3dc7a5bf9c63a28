"""Driver connections a process keeps for transparency-log proofs (split from :mod:`computegov.registry.translog`).

A proof is one prepared statement of O(log n) primary-key lookups; running it on a kept driver
connection saves a pool checkout, a ping and a transaction per proof.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine

__all__ = ["PROOF_CONNECTIONS_PER_PROCESS", "ProofConnections"]


#: Most driver connections a process keeps for transparency-log proofs, beside its pool.
PROOF_CONNECTIONS_PER_PROCESS = 4


class ProofConnections:
    """A few driver connections kept for proof reads: no pool checkout, ping or transaction per proof.

    Each is taken from the engine's pool once (so it was opened with the engine's settings:
    SQLite's WAL and busy timeout) and detached from it, then kept here: one thread uses one at
    a time, and at most :attr:`KEEP` are open at once in a process (beyond them a proof goes
    through the engine's pool, so a burst of proofs cannot exceed PostgreSQL's connection budget
    by more than that). A connection whose query fails at the driver level is closed and the
    query retried once on a fresh one (a restarted PostgreSQL server costs no failed proof). A
    read is one statement in autocommit mode, so it sees one snapshot and holds no transaction
    open (nor holds back SQLite's WAL checkpoints). After a fork the child opens its own.
    """

    #: Most kept connections per process (our design value: proofs take ~0.2 ms each, so a few
    #: connections serve thousands a second; ``serve --workers N`` may hold N times this many).
    KEEP = PROOF_CONNECTIONS_PER_PROCESS

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._idle: list[Any] = []
        self._open = 0  # kept connections of this process, idle or in use
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._errors: tuple[type[BaseException], ...] = (engine.dialect.loaded_dbapi.Error,)

    def _take(self) -> Any | None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours to use
                self._idle, self._open, self._pid = [], 0, os.getpid()
            if self._idle:
                return self._idle.pop()
            if self._open >= self.KEEP:
                return None
            self._open += 1
        try:
            proxy = self.engine.raw_connection()
            dbapi: Any = proxy.driver_connection
            proxy.detach()
            if self.engine.dialect.name == "postgresql":
                dbapi.rollback()
                dbapi.autocommit = True
        except BaseException:
            self._drop(None)
            raise
        return dbapi

    def _give(self, dbapi: Any) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._idle.append(dbapi)
                return
        _close_quietly(dbapi)

    def _drop(self, dbapi: Any | None) -> None:
        if dbapi is not None:
            _close_quietly(dbapi)
        with self._lock:
            if self._pid == os.getpid():
                self._open = max(self._open - 1, 0)

    def run(self, queries: Sequence[tuple[str, Sequence[int]]]) -> list[list[Any]] | None:
        """The rows of each ``(sql, params)`` on one kept connection; None when all are busy."""
        for attempt in (0, 1):
            dbapi = self._take()
            if dbapi is None:
                return None
            try:
                out = []
                for sql, params in queries:
                    cur = dbapi.cursor()
                    try:
                        cur.execute(sql, tuple(params))
                        out.append(cur.fetchall())
                    finally:
                        cur.close()
            except self._errors:
                self._drop(dbapi)
                if attempt:
                    raise
                continue
            except BaseException:
                self._drop(dbapi)
                raise
            self._give(dbapi)
            return out
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every idle kept connection (they are opened again on the next proof)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._open = max(self._open - len(idle), 0)
        for dbapi in idle:
            _close_quietly(dbapi)


def _close_quietly(dbapi: Any) -> None:
    """Close a driver connection that may be dead already (closing it then can fail; nothing is lost)."""
    try:
        dbapi.close()
    except Exception:
        return
