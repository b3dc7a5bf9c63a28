"""Serving the app with uvicorn: read timeouts against slow clients, several workers, loopback threads.

Slow clients cannot hold the server. Three limits apply to every connection:

* **request head**: the request line and headers must arrive within ``head_timeout_s`` of the
  connection opening (or of the previous response, on a kept-alive connection), however slowly
  they trickle in; otherwise the connection is closed (:class:`GuardedH11Protocol`; uvicorn's own
  keep-alive timer restarts on every byte, so alone it does not stop a client that sends one
  byte a second);
* **request body**: the whole body must arrive within ``body_timeout_s`` of the request head;
  otherwise the answer is 408 and the connection is closed
  (:class:`~computegov.web.app.GuardMiddleware`);
* **idle keep-alive**: uvicorn's ``timeout_keep_alive`` (5 s).

``computegov serve --workers N`` runs N uvicorn worker processes on one socket
(:func:`serve_forever`); each builds the app from the environment (:func:`app_from_env`), with its
own connection pool. :func:`running` serves an app in a daemon thread of this process and hands
back the base URL (tests, benchmarks, notebooks).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from computegov.web.app import DEFAULT_BODY_TIMEOUT_S

__all__ = [
    "DEFAULT_BODY_TIMEOUT_S",
    "DEFAULT_HEAD_TIMEOUT_S",
    "DEFAULT_KEEP_ALIVE_S",
    "GuardedH11Protocol",
    "app_from_env",
    "running",
    "serve_forever",
    "server_config",
]

#: Seconds a client has to send its request line and headers (a browser sends them at once;
#: 10 s allows a slow mobile link, a slow-loris client is cut off).
DEFAULT_HEAD_TIMEOUT_S = 10.0
#: Seconds an idle kept-alive connection stays open (uvicorn's default).
DEFAULT_KEEP_ALIVE_S = 5

_ENV_DATABASE = "COMPUTEGOV_DATABASE_URL"
_ENV_MAX_BODY = "COMPUTEGOV_MAX_BODY_BYTES"
_ENV_BODY_TIMEOUT = "COMPUTEGOV_BODY_TIMEOUT_S"
_ENV_HEAD_TIMEOUT = "COMPUTEGOV_HEAD_TIMEOUT_S"


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head (see the module docstring).

    The deadline (``config.computegov_head_timeout_s``, else ``$COMPUTEGOV_HEAD_TIMEOUT_S``, else
    :data:`DEFAULT_HEAD_TIMEOUT_S`)
    starts when the connection opens and again after each response, and is cancelled when a
    complete request head has been parsed; data arriving does not extend it.
    """

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._head_timeout_s = float(getattr(config, "computegov_head_timeout_s", None)
                                     or os.environ.get(_ENV_HEAD_TIMEOUT) or DEFAULT_HEAD_TIMEOUT_S)
        self._head_timer: asyncio.TimerHandle | None = None
        self._cycle_seen: Any = None

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self._head_timeout_s, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.cycle is not self._cycle_seen:  # a request started meanwhile (not via data_received)
            self._cycle_seen = self.cycle
            return
        if not self.transport.is_closing():
            self.transport.close()

    def _note_new_request(self) -> bool:
        if self.cycle is not None and self.cycle is not self._cycle_seen:
            self._cycle_seen = self.cycle
            self._cancel_head_timer()
            return True
        return False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Open the connection and start the request-head deadline."""
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        """Feed the parser; a complete request head cancels the deadline."""
        super().data_received(data)
        self._note_new_request()

    def on_response_complete(self) -> None:
        """After a response, the next request head has a fresh deadline (unless one is pipelined)."""
        super().on_response_complete()
        if not self._note_new_request() and not self.transport.is_closing():
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._cancel_head_timer()
        super().connection_lost(exc)


def server_config(app: Any, *, host: str = "127.0.0.1", port: int = 0, workers: int = 1,
                  head_timeout_s: float = DEFAULT_HEAD_TIMEOUT_S, keep_alive_s: int = DEFAULT_KEEP_ALIVE_S,
                  log_level: str = "warning", factory: bool = False) -> Any:
    """A ``uvicorn.Config`` with the slow-client limits (see the module docstring).

    Args:
        app: an ASGI app, or an import string (needed for ``workers`` > 1).
        host: interface to bind.
        port: TCP port (0: a free one).
        workers: worker processes.
        head_timeout_s: request-head deadline, s.
        keep_alive_s: idle keep-alive timeout, s.
        log_level: uvicorn's log level.
        factory: ``app`` names a function that returns the app.
    """
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, workers=workers, log_level=log_level, lifespan="off",
                            timeout_keep_alive=keep_alive_s, http=GuardedH11Protocol, factory=factory,
                            proxy_headers=False)
    config.computegov_head_timeout_s = head_timeout_s  # type: ignore[attr-defined]  # read by GuardedH11Protocol
    return config


def app_from_env() -> Any:
    """The app of one worker process: database URL, body limit and body timeout from the environment.

    ``computegov serve --workers N`` sets ``COMPUTEGOV_DATABASE_URL``, ``COMPUTEGOV_MAX_BODY_BYTES``
    and ``COMPUTEGOV_BODY_TIMEOUT_S`` before uvicorn starts the workers; ``COMPUTEGOV_WARM_PAGES=0``
    skips computing the slow pages at start (a load benchmark measures the registry, not that).
    """
    from computegov.web.app import DEFAULT_MAX_BODY_BYTES, create_app

    return create_app(os.environ.get(_ENV_DATABASE) or None,
                      max_body_bytes=int(os.environ.get(_ENV_MAX_BODY, DEFAULT_MAX_BODY_BYTES)),
                      body_timeout_s=float(os.environ.get(_ENV_BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT_S)),
                      warm_pages=os.environ.get("COMPUTEGOV_WARM_PAGES", "1").strip() != "0")


def serve_forever(*, database_url: str | None, host: str, port: int, workers: int, max_body_bytes: int,
                  head_timeout_s: float = DEFAULT_HEAD_TIMEOUT_S, body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S,
                  log_level: str = "info") -> None:
    """Run the registry with ``workers`` uvicorn worker processes sharing one socket, until stopped.

    Each worker opens its own database pool, sized by :func:`~computegov.registry.database.pool_for_workers`
    unless ``$COMPUTEGOV_DB_POOL_SIZE`` / ``$COMPUTEGOV_DB_MAX_OVERFLOW`` say otherwise; on SQLite
    writers queue on the file lock, on PostgreSQL they run side by side. Within a worker, new
    reports that arrive together are stored in one transaction (group commit: one wait for the
    log's lock, one append, one checkpoint signature and one commit per group; see
    :class:`computegov.registry.reports.Reports`), and only that short transaction holds the lock:
    parsing, signature checks and verification run outside it.
    """
    import uvicorn

    if database_url:
        os.environ[_ENV_DATABASE] = database_url
    from computegov.registry.database import ENV_MAX_OVERFLOW, ENV_POOL_SIZE, pool_for_workers

    size, overflow = pool_for_workers(workers)  # each worker's pool: together within PostgreSQL's limit
    os.environ.setdefault(ENV_POOL_SIZE, str(size))  # an operator's own setting wins
    os.environ.setdefault(ENV_MAX_OVERFLOW, str(overflow))
    os.environ[_ENV_MAX_BODY] = str(max_body_bytes)
    os.environ[_ENV_BODY_TIMEOUT] = str(body_timeout_s)
    os.environ[_ENV_HEAD_TIMEOUT] = str(head_timeout_s)  # the workers' protocol reads it
    uvicorn.run("computegov.web.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, lifespan="off", timeout_keep_alive=DEFAULT_KEEP_ALIVE_S,
                http=GuardedH11Protocol, proxy_headers=False)


@contextlib.contextmanager
def running(app: Any, *, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 60.0,
            head_timeout_s: float = DEFAULT_HEAD_TIMEOUT_S) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread; yield its base URL, stop it on exit.

    Args:
        app: an ASGI app (e.g. :func:`~computegov.web.create_app`'s).
        host: interface to bind.
        port: TCP port; 0 lets the OS pick a free one at bind time (no race with other processes).
        start_timeout_s: how long to wait for the server to start, seconds (generous: a loaded
            2-core machine can take several).
        head_timeout_s: request-head deadline, s.

    Raises:
        RuntimeError: the server did not start within ``start_timeout_s``.
    """
    import uvicorn

    server = uvicorn.Server(server_config(app, host=host, port=port, head_timeout_s=head_timeout_s))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout_s
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the server did not start on {host} within {start_timeout_s:g} s")
            time.sleep(0.05)
        bound = int(server.servers[0].sockets[0].getsockname()[1])
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
