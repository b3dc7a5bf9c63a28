"""Slow clients cannot hold the server: request heads and bodies have deadlines; others are served meanwhile."""

from __future__ import annotations

import asyncio
import time
import warnings
from pathlib import Path

import pytest
from registry_helpers import FakeVerifier

pytest.importorskip("uvicorn")

HEAD_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.5
N_SLOW = 120  # half trickle their headers, half their body


async def _slow_client(port: int, kind: str) -> tuple[str, float, bytes]:
    """Trickle a request one line a 0.25 s; return (kind, seconds until the server cut us off, what it said)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    t0 = time.monotonic()
    if kind == "head":
        writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        lines = (b"X-Slow-%d: 1\r\n" % i for i in range(10_000))
    else:
        writer.write(b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n{")
        lines = (b" " for _ in range(10_000))
    answer = b""
    try:
        for line in lines:
            await writer.drain()
            try:
                answer += await asyncio.wait_for(reader.read(4096), timeout=0.25)
            except TimeoutError:
                writer.write(line)
                continue
            if reader.at_eof():
                break
    except (ConnectionError, OSError):
        pass
    elapsed = time.monotonic() - t0
    writer.close()
    return kind, elapsed, answer


async def _normal_requests(url: str, n: int) -> list[tuple[int, float]]:
    import httpx

    out = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for _ in range(n):
            t0 = time.monotonic()
            r = await http.get("/api/v1/health")
            out.append((r.status_code, time.monotonic() - t0))
            await asyncio.sleep(0.1)
    return out


def test_slow_clients_are_cut_off_while_normal_requests_are_served(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.registry import Store
        from computegov.web import create_app
        from computegov.web.server import running
    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    app = create_app(store=store, verifier=FakeVerifier(), body_timeout_s=BODY_TIMEOUT_S)

    async def scenario(url: str) -> tuple[list[tuple[str, float, bytes]], list[tuple[int, float]]]:
        port = int(url.rsplit(":", 1)[1])
        await _normal_requests(url, 1)  # warm up (the first health check imports the feature modules)
        slow = [asyncio.create_task(_slow_client(port, "head" if i % 2 else "body")) for i in range(N_SLOW)]
        await asyncio.sleep(0.3)  # every slow client is connected and trickling
        normal = await _normal_requests(url, 15)
        return await asyncio.gather(*slow), normal

    try:
        with running(app, head_timeout_s=HEAD_TIMEOUT_S) as url:
            t0 = time.monotonic()
            slow, normal = asyncio.run(asyncio.wait_for(scenario(url), timeout=60))
            wall_s = time.monotonic() - t0
    finally:
        store.close()
    assert all(status == 200 for status, _ in normal), normal
    assert max(s for _, s in normal) < 2.0, normal  # served while the slow clients hang on
    heads = [s for kind, s, _ in slow if kind == "head"]
    bodies = [(s, a) for kind, s, a in slow if kind == "body"]
    assert len(heads) == len(bodies) == N_SLOW // 2
    # cut off near the deadline (allowing for a loaded 2-core machine), not after a 10,000-line trickle
    assert max(heads) < HEAD_TIMEOUT_S + 4, sorted(heads)[-5:]
    assert max(s for s, _ in bodies) < HEAD_TIMEOUT_S + BODY_TIMEOUT_S + 4
    assert all(b" 408 " in a.split(b"\r\n", 1)[0] for _, a in bodies), [a[:60] for _, a in bodies[:3]]
    assert wall_s < 30
