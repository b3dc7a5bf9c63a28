"""Shared checks: a report verifies with the lab's key, and a registry on loopback takes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The verifier's own peak for the host CPU, FLOP/s: the runs here are on a CPU the catalogue
#: does not hold, so the verifier states a peak (far above any 2-core CPU: 1 TFLOP/s).
HOST_PEAK_FLOP_PER_S = 1e12


def report_totals(callback: Any, folder: Path) -> dict[str, Any]:
    """The signed report's totals, after checking it was written as ``folder/run.report.json``."""
    report = callback.report
    assert report is not None and report.path == folder / "run.report.json"
    totals: dict[str, Any] = report.statement["predicate"]["totals"]
    return totals


def verify_ok(report_path: Path, public_key: Path) -> Any:
    """Verify a written report with the lab's public key and the verifier's peak; return the verdict."""
    import inspect

    from computegov.ledger.verify import verify_report

    kwargs: dict[str, Any] = {"public_key": public_key}
    if "peak_flop_per_s" in inspect.signature(verify_report).parameters:
        kwargs["peak_flop_per_s"] = HOST_PEAK_FLOP_PER_S
    verdict = verify_report(report_path, **kwargs)
    assert verdict.ok, [(c.name, c.status, c.summary) for c in verdict.checks if c.status not in ("pass", "warn", "skip")]
    return verdict


def submit(report_path: Path, ledger_path: Path, url: str, token: str) -> dict[str, Any]:
    """POST the report and its ledger to the registry as a lab's script would; return the body."""
    import httpx

    body = {
        "envelope": json.loads(report_path.read_text()),
        "ledger": ledger_path.read_text(),
    }
    r = httpx.post(f"{url}/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 201, r.text
    got: dict[str, Any] = r.json()
    return got
