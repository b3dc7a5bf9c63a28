"""Serve a :class:`~computegov.tlog.witness.Witness` over HTTP with the standard library.

``POST /add-checkpoint`` (c2sp.org/tlog-witness); ``GET /`` answers the witness's vkey. A thin
edge around the protocol core: no web framework, one thread per request, the core's lock keeps
check-and-update atomic. ``computegov log witness serve`` runs it.
"""

from __future__ import annotations

import http.server
import threading

from computegov.tlog.witness import MAX_BODY_BYTES, Witness

__all__ = ["make_server", "serve_in_thread"]


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``witness`` bound to ``host``:``port`` (0: any free port)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "computegov-witness/1"

        def _answer(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                self._answer(404, "text/plain", b"not found\n")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY_BYTES:
                self._answer(400, "text/plain", b"bad Content-Length\n")
                return
            got = witness.add_checkpoint(self.rfile.read(length))
            self._answer(got.status, got.content_type, got.body)

        def do_GET(self) -> None:
            self._answer(200, "text/plain", (witness.signer.verifier().vkey() + "\n").encode())

        def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI reports
            return

    return http.server.ThreadingHTTPServer((host, port), Handler)


def serve_in_thread(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> tuple[http.server.ThreadingHTTPServer,
                                                                                        str]:
    """Start a witness server in a daemon thread; return it and its base URL (call ``shutdown()`` to stop)."""
    server = make_server(witness, host, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}"
