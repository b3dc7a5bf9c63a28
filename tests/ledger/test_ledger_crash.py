"""Crash safety: a writer killed with SIGKILL at random points never loses a committed record."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from computegov.ledger.chain import Ledger, scan_ledger

BIG = "ab" * 100_000  # ~200 kB records make a kill inside write() possible


def _child(path: Path, wfd: int) -> None:
    """Append forever, reporting each seq on the pipe only after append() returned (fsynced)."""
    try:
        if path.exists():
            led, _ = Ledger.open(path)
        else:
            led = Ledger.create(path, {"crash_test": True})
        os.write(wfd, b"ready\n")
        i = 0
        while True:
            seq = led.next_seq
            led.append("batch", {"step": seq, "digest": BIG if i % 3 == 0 else "d"})
            os.write(wfd, b"%d\n" % seq)
            i += 1
    finally:
        os._exit(0)


def _read_all(fd: int) -> bytes:
    out = b""
    while chunk := os.read(fd, 65536):
        out += chunk
    return out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")
def test_sigkill_at_random_points_keeps_every_reported_commit(tmp_path: Path) -> None:
    path = tmp_path / "crash.jsonl"
    rng = np.random.default_rng(20240601)
    reported: set[int] = set()
    torn = 0
    kills = 30
    for _ in range(kills):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.close(rfd)
            _child(path, wfd)
        os.close(wfd)
        first = b""
        while not first.endswith(b"\n"):
            first += os.read(rfd, 1)
        assert first == b"ready\n"
        time.sleep(float(rng.uniform(0.0, 0.03)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        out = _read_all(rfd)
        os.close(rfd)
        reported.update(int(line) for line in out.split())
        scan = scan_ledger(path.read_bytes())
        assert all(p.kind == "torn" for p in scan.problems), scan.problems
        torn += bool(scan.problems)
        led, recovery = Ledger.open(path)  # as the next writer does
        led.close()
        assert recovery.records_kept - 1 >= max(reported, default=0)
        kept = scan_ledger(path.read_bytes())
        assert kept.ok
        assert {r.data["step"] for r in kept.records[1:]} >= reported
    assert len(reported) > kills  # the children did get work done between kills
    print(f"{kills} kills, {len(reported)} commits reported, {torn} torn tails recovered")
