"""``computegov serve --workers N``: N worker processes share the port and the database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads worker processes from /proc")
def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "COMPUTEGOV_DATA_DIR": str(tmp_path), "COMPUTEGOV_LOG_KEY": str(tmp_path / "log.key")}
    env.pop("COMPUTEGOV_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "computegov", "serve", "--port", str(port), "--workers", "2",
                             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        lines = [proc.stdout.readline().decode()]  # the start-up facts, printed before the workers start
        while lines[-1] and lines[-1].rstrip() != "}":
            lines.append(proc.stdout.readline().decode())
        facts = json.loads("".join(lines))
        assert facts["workers"] == 2 and facts["head_timeout_s"] == 10.0 and facts["database"] == "sqlite"
        deadline = time.monotonic() + 90
        answered = 0
        while answered < 4:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[-500:]
            try:
                answered += httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.3)
        assert len(_children(proc.pid)) >= 2  # the worker processes (uvicorn's supervisor is the parent)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
