"""Progress while the verifier reads a ledger: counts that only grow, end at the ledger's size,
know the size where it is knowable, and leave the verdict as it is; the CLI's bar."""

from __future__ import annotations

import io
from itertools import pairwise
from typing import Any

import pytest
from rich.console import Console

from computegov.cli import verify as cli_verify
from computegov.ledger import verify_inputs
from computegov.ledger.verify import verify_report

DEMO_PEAK = 1e12  # the verifier's peak for the demo's host CPU, as in test_ledger_verify.py


def _verify(m: Any, ledger: Any, **kw: Any) -> dict[str, Any]:
    return verify_report(
        m.report, ledger, m.public_key, peak_flop_per_s=DEMO_PEAK, clock=lambda: 2e9,
        checkpoints_dir=m.dir, **kw,
    ).to_dict()


class _Plain:
    """A binary stream of unknown length (no size to report)."""

    def __init__(self, raw: bytes) -> None:
        self._fh = io.BytesIO(raw)

    def read(self, n: int) -> bytes:
        return self._fh.read(n)

    def close(self) -> None:
        self._fh.close()


@pytest.mark.parametrize("form", ["path", "bytes", "stream"])
def test_progress_grows_to_the_ledger_size_and_the_verdict_is_unchanged(
    demo_run_master: Any, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    m = demo_run_master
    raw = m.ledger.read_bytes()
    step = 997  # bytes between calls (a MiB in use): several calls on the demo ledger
    monkeypatch.setattr(verify_inputs, "PROGRESS_EVERY_BYTES", step)
    source = {"path": lambda: m.ledger, "bytes": lambda: raw, "stream": lambda: _Plain(raw)}[form]
    calls: list[tuple[int, int | None]] = []
    with_progress = _verify(m, source(), progress=lambda done, size: calls.append((done, size)))
    assert with_progress == _verify(m, source())
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == len(raw)
    assert len(calls) >= len(raw) // (64 << 10)  # at least one call per block read
    assert all(b - a >= step for a, b in pairwise(done[:-1]))  # spaced by the step (the end may be nearer)
    expected_size = None if form == "stream" else len(raw)
    assert {s for _, s in calls} == {expected_size}


def _terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    out = io.StringIO()
    monkeypatch.setattr(cli_verify, "err_console", Console(file=out, force_terminal=True, width=100))
    return out


def test_the_cli_bar_appears_on_a_terminal_for_a_large_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _terminal(monkeypatch)
    big = 64 << 20
    with cli_verify._reading_bar(disable=False) as on_read:
        for done in range(1 << 20, big + 1, 8 << 20):
            on_read(done, big)
    assert "reading the ledger" in out.getvalue()


@pytest.mark.parametrize(("disable", "size"), [(False, 1 << 20), (True, 64 << 20)])
def test_no_bar_for_a_small_ledger_or_json(monkeypatch: pytest.MonkeyPatch, disable: bool, size: int) -> None:
    out = _terminal(monkeypatch)
    with cli_verify._reading_bar(disable=disable) as on_read:
        on_read(size, size)
    assert out.getvalue() == ""


def test_no_bar_where_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(cli_verify, "err_console", Console(file=out, force_terminal=False))
    with cli_verify._reading_bar(disable=False) as on_read:
        on_read(64 << 20, 64 << 20)
    assert out.getvalue() == ""
