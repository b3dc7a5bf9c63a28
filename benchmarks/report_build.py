"""The report's build time: uncached, first build into an empty cache (cold), rebuild (warm).

Each build runs in its own fresh process, as `computegov report` does, so in-process memo
tables never carry over; CPU seconds are the child's user + system time and that of the worker
processes it waited for, imports included. The baseline is the uncached one-process build of
the same code in the same run (`--no-cache`, COMPUTEGOV_REPORT_JOBS=1): what a user rebuilding
the report after a change would otherwise wait for. Rows:

- uncached, cold, warm: one process (jobs 1), the CPU the aim is stated in;
- cold, JS kept: a first build into a cache that holds only the vl-convert JavaScript bundle
  (kept per vl-convert version, whatever the code or data): what a rebuild after a catalogue,
  assumption or code change costs, every section recomputed. Cold minus this row is the
  bundle's cost (vl-convert bundles and minifies Vega, Vega-Lite and vega-embed, ~2 s of CPU;
  the HTML inlines it byte for byte, so it cannot be made another way and stay the same page);
- uncached/cold, 2 workers: sections that share nothing built side by side in forked workers
  (COMPUTEGOV_REPORT_JOBS=2, not the default): more CPU; less wall-clock time only where cores
  are idle.

The aim (issue 30): warm <= 4 s and cold <= 9 s of CPU on 2 cores. On a machine that other
work shares, CPU seconds rise with contention too: compare rows of the same run only.

Measured at main 34473a1 (a worktree, so that other work's edits could not change the code
digest between builds) on the shared 2-core machine under load from other jobs (load average
up to 6.6), `--repeats 3`, medians, CPU s: uncached 13.92, cold 13.87, cold with the JavaScript
kept 12.18 (so the bundle is ~1.7 s of it), warm 0.39; 2 workers: uncached 16.09, cold 15.05.
Aim warm <= 4 s met; cold <= 9 s not met (13.9 s; 12.2 s for a rebuild after a data change).

Later round (main ae09c78; each side a `git archive` snapshot run with PYTHONPATH, this script with
`--repeats 1`, the round's start 4057fd0 as the baseline in the same run; load average 1-5 from
other jobs, so rows move by about 1 s between runs), CPU s, this round / start: uncached 10.80 /
10.91, cold 11.85 / 11.32, cold with the JavaScript kept 9.35 / 9.33, warm 0.39 / 0.36: within
the noise. The round's changes measured on their own (uncached one-process builds of ae09c78
with and without them, alternated, 4 each on a quieter machine, load average about 1): 9.70-10.43
against 10.03-10.60 s, medians 9.91 against 10.38 (about 0.4 s, 4 %). Cold <= 9 s still not met:
the record simulation's random draws (~1.3 s) and the JavaScript bundle (~2 s) are fixed, and the
rest is numpy work whose floating-point order the byte-identical report pins. Quiet run at the
final code (2026-12-08 03:26 UTC, load average 0.5 at the start, `--repeats 3`, medians), CPU s:
uncached 11.21, cold 11.57, cold with the JavaScript kept 9.24, warm 0.42; 2 workers: uncached 11.96
(6.75 s wall), cold 11.86 (6.73 s wall).

Usage: python benchmarks/report_build.py [--quick] [--repeats N]
  --quick: only two small sections (the CI smoke run); the ratios still hold, the absolute
           numbers do not describe the full report.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

_CHILD = r"""
import sys
from computegov.report import build as b
quick = sys.argv[1] == "quick"
cache = sys.argv[2] == "cache"
if quick:
    keep = {"export_control", "attestation"}
    real = b.discover_sections
    b.discover_sections = lambda p=b.SECTIONS_PACKAGE: [s for s in real(p) if s.name in keep]
html = b.build_report(cache=cache)
print(len(html))
"""


def _build(quick: bool, cache: bool, cache_dir: str, jobs: int = 1) -> tuple[float, float, int]:
    """(CPU s, wall s, HTML bytes) of one build in a fresh process (its workers' CPU included)."""
    env = dict(os.environ, COMPUTEGOV_CACHE_DIR=cache_dir, COMPUTEGOV_REPORT_JOBS=str(jobs))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "quick" if quick else "full", "cache" if cache else "nocache"],
        env=env, capture_output=True, text=True, timeout=900, check=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    names = ("uncached", "cold", "cold, JS kept", "warm", "uncached, 2 workers", "cold, 2 workers")
    rows: dict[str, list[tuple[float, float, int]]] = {name: [] for name in names}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as unused, tempfile.TemporaryDirectory() as cache_dir, \
                tempfile.TemporaryDirectory() as cache_dir_2, tempfile.TemporaryDirectory() as js_only:
            rows["uncached"].append(_build(args.quick, False, unused))
            rows["cold"].append(_build(args.quick, True, cache_dir))
            shutil.copytree(os.path.join(cache_dir, "report-javascript"), os.path.join(js_only, "report-javascript"))
            rows["cold, JS kept"].append(_build(args.quick, True, js_only))
            rows["warm"].append(_build(args.quick, True, cache_dir))
            rows["uncached, 2 workers"].append(_build(args.quick, False, unused, jobs=2))
            rows["cold, 2 workers"].append(_build(args.quick, True, cache_dir_2, jobs=2))
    base_cpu = statistics.median(r[0] for r in rows["uncached"])
    base_wall = statistics.median(r[1] for r in rows["uncached"])
    scope = "two sections (--quick)" if args.quick else "the full report"
    print(f"report build, {scope}, {os.cpu_count()} CPUs, median of {args.repeats}")
    print(f"{'build':<21}{'CPU s':>8}{'wall s':>8}{'x uncached CPU':>16}{'x uncached wall':>17}{'HTML bytes':>12}")
    for name, r in rows.items():
        cpu = statistics.median(x[0] for x in r)
        wall = statistics.median(x[1] for x in r)
        print(f"{name:<21}{cpu:>8.2f}{wall:>8.2f}{cpu / base_cpu:>16.2f}{wall / base_wall:>17.2f}{r[0][2]:>12,}")


if __name__ == "__main__":
    main()
