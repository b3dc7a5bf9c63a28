"""Serving an app on loopback from a background thread (integration tests, benchmarks, notebooks).

``computegov serve`` runs uvicorn in the foreground; :func:`running` does the same in a daemon
thread and hands back the base URL, so a test or a benchmark can drive the real HTTP stack
(a browser, another process) and stop it cleanly afterwards.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["running"]


@contextlib.contextmanager
def running(app: Any, *, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 60.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread; yield its base URL, stop it on exit.

    Args:
        app: an ASGI app (e.g. :func:`~computegov.registry.create_app`'s).
        host: interface to bind.
        port: TCP port; 0 lets the OS pick a free one at bind time (no race with other processes).
        start_timeout_s: how long to wait for the server to start, seconds (generous: a loaded
            2-core machine can take several).

    Raises:
        RuntimeError: the server did not start within ``start_timeout_s``.
    """
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
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
