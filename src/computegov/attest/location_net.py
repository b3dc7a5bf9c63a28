"""The location protocol over TCP: a prover that answers nonces, and the landmark's timed link.

Wire format (one TCP connection per measurement, opened before the clock starts so the handshake
is not timed): the landmark sends the 32-byte nonce; the prover answers with a 4-byte big-endian
length and the answer bytes (an Ed25519 signature, or a TPM quote document). The landmark times
from sending the nonce to reading the whole answer.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from typing import Any

from computegov.attest.location_protocol import Prover
from computegov.errors import InputError

__all__ = ["MAX_ANSWER_BYTES", "NONCE_BYTES", "ProverServer", "TcpLink"]

NONCE_BYTES = 32
#: Largest answer read (a TPM quote document is ~400 bytes).
MAX_ANSWER_BYTES = 64 * 1024


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise InputError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return bytes(data)


class ProverServer:
    """Serve ``prover`` on ``host:port`` (port 0: any free one) in a background thread.

    Use as a context manager; :attr:`address` is where landmarks connect.
    """

    def __init__(self, prover: Prover, host: str = "127.0.0.1", port: int = 0) -> None:
        outer = prover

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                try:
                    nonce = _read_exactly(sock, NONCE_BYTES)
                except (InputError, OSError):
                    return
                answer = outer.answer(nonce)
                sock.sendall(struct.pack(">I", len(answer)) + answer)

        self._server = socketserver.ThreadingTCPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the server listens on."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def __enter__(self) -> ProverServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class TcpLink:
    """A landmark's link to a prover server: a transport for ``LandmarkStation.measure``.

    Open it with :meth:`connect` (or ``with``) before the measurement, so the TCP handshake is not
    timed; a call without a connection connects first, and the handshake is then timed too (the
    bound only widens, which is safe). One link serves one measurement.
    """

    def __init__(self, host: str, port: int, timeout_s: float = 5.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self._sock: socket.socket | None = None

    def connect(self) -> TcpLink:
        """Open the connection now (outside the timed round trip)."""
        self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def __call__(self, nonce: bytes) -> bytes:
        """Send ``nonce`` and return the prover's answer.

        Raises:
            InputError: the connection failed or the answer is over :data:`MAX_ANSWER_BYTES`.
        """
        try:
            sock = self._sock or self.connect()._sock
            assert sock is not None
            sock.sendall(nonce)
            (size,) = struct.unpack(">I", _read_exactly(sock, 4))
            if size > MAX_ANSWER_BYTES:
                raise InputError(f"prover answer of {size} bytes is over {MAX_ANSWER_BYTES}")
            return _read_exactly(sock, size)
        except OSError as err:
            raise InputError(f"prover at {self.host}:{self.port}: {err}") from err
        finally:
            self.close()

    def close(self) -> None:
        """Close the connection (each link serves one measurement)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> TcpLink:
        return self.connect()

    def __exit__(self, *exc: Any) -> None:
        self.close()
