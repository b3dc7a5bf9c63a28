"""The load benchmark runs end to end on a small load: every accepted report stored once, every receipt
verified; its table puts SQLite and PostgreSQL side by side with each worker count's ratio to one worker."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "registry_load.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("registry_load_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.network
def test_small_load_run_stores_every_accepted_report_once() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--workers", "1", "--clients", "2", "--reports", "6", "--reads", "4",
         "--time-limit", "60", "--json"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(proc.stdout)
    assert results
    for r in results:
        assert r["exactly_once"] and r["log_intact"] and r["n_errors"] == 0  # receipt failures count as errors
        assert r["accepted"] == r["stored"] == 24  # 2 clients x 6 reports, raised to the 24 a run submits at least
        assert 1 <= r["checkpoints_signed"] <= 24 + 2  # at most one per submission (plus the operator's reads)
        assert "CPUs" in r["machine"]


def _run(backend: str, workers: int, clients: int, per_s: float) -> dict[str, Any]:
    return {"backend": backend, "workers": workers, "clients": clients, "submit_per_s": per_s,
            "exactly_once": True, "log_intact": True, "n_errors": 0,
            "latency_ms": {"submit": {"p50": 10.0 * workers, "p95": 30.0 * workers}}}


def test_table_puts_backends_side_by_side_with_the_ratio_to_one_worker() -> None:
    bench = _bench()
    rows = [_run("sqlite", 1, 8, 20.0), _run("sqlite", 2, 8, 30.0), _run("postgresql", 1, 8, 10.0),
            _run("postgresql", 2, 8, 5.0)]
    lines = bench.table(rows, ["sqlite", "postgresql"]).splitlines()
    assert lines[0].count("reports/s") == 2 and "sqlite" in lines[0] and "postgresql" in lines[0]
    one, two = lines[2], lines[3]
    assert one.startswith("| 1 | 8 |") and "| 1.00 |" in one
    assert two.startswith("| 2 | 8 |") and "| 1.50 |" in two and "| 0.50 |" in two  # faster and SLOWER alike
    assert "20 / 60" in two


def test_machine_line_says_more_workers_than_cpus_cannot_add_cpu() -> None:
    line = _bench().machine_line()
    assert "CPUs usable" in line and "cannot add CPU" in line


def test_cost_table_splits_the_machine_between_server_clients_postgresql_and_others() -> None:
    bench = _bench()
    run = _run("postgresql", 2, 32, 40.0) | {
        "server_cpu_ms_per_request": 12.0, "client_cpu_ms_per_request": 0.25, "postgres_cpu_ms_per_request": 4.0,
        "machine_busy_share": 1.0, "server_cpu_share": 0.30, "client_cpu_share": 0.01, "postgres_cpu_share": 0.15,
        "other_cpu_share": 0.69, "server_phases_ms": {"batch": 8.0, "lock": 33.4, "commit": 29.4, "cpu": 9.1}}
    head, _rule, row = bench.cost_table([run]).splitlines()
    cells = [c.strip() for c in row.strip("|").split("|")]
    names = [c.strip() for c in head.strip("|").split("|")]
    assert cells[names.index("machine busy % (server / clients / PostgreSQL / other)")] == "100 (30 / 1 / 15 / 54)"
    assert cells[names.index("reports per commit")] == "8.0"
    assert cells[names.index("lock ms")] == "33.4" and cells[names.index("cpu ms")] == "9.1"
    assert cells[names.index("server CPU ms/req")] == "12.0" and cells[names.index("client CPU ms/req")] == "0.2"


def test_group_stats_count_each_group_once_and_the_critical_section_per_group() -> None:
    bench = _bench()
    # two groups: one of 3 answers (critical section 30 ms), one of 1 (10 ms), in 0.5 s
    answers = [{"batch": 3.0, "held": 30.0, "heldcpu": 6.0}] * 3 + [{"batch": 1.0, "held": 10.0, "heldcpu": 2.0}]
    sums: dict[str, float] = {}
    for a in answers:
        share = 1.0 / a["batch"]
        sums["n"] = sums.get("n", 0.0) + share
        for k in ("held", "heldcpu"):
            sums[k] = sums.get(k, 0.0) + share * a[k]
    g = bench.group_stats([{"groups": sums}], accepted=4, wall_s=0.5)
    assert abs(g["groups"] - 2.0) < 1e-9 and abs(g["reports_per_group"] - 2.0) < 1e-9
    assert abs(g["held_ms"] - 20.0) < 1e-9 and abs(g["heldcpu_ms"] - 4.0) < 1e-9
    assert abs(g["lock_held_share"] - 0.08) < 1e-9  # 40 ms of 500
    assert abs(g["ceiling_reports_per_s"] - 100.0) < 1e-9  # 4 reports per 40 ms held
    assert "2 group commits of 2.0 reports" in bench._group_line({"group_commits": g})
