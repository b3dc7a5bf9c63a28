"""Ledger benchmarks, reported as ratios in one run.

1. Append throughput (records/s) with fsync batching options: every record, every 10 / 100 /
   1000 records, and no fsync (OS page cache only).
2. Verification of a 100,000-record ledger with its signed report (target: under 1 s).
2b. Verification at 1e4 and 1e5 records (``--sizes 1e4,1e5,1e6``; ``--million`` adds 1e6) as a
   ratio to two plain chain walks of the same bytes in the same process (the aim is <= 2x):
   :func:`chain_walk` (SHA-256 of each stored body, orjson.loads, hash and ``prev`` compared,
   head signatures verified) and :func:`canonical_walk` (the same over a canonical re-encoding
   of each parsed body, as TUF/in-toto verifiers hash); and the peak RSS of ``computegov
   verify`` on the ledger file in a fresh process (aim: <= 128 MiB at 1e5 and 1e6). Measured
   2026-12-08 on the shared 2-core machine under load from other jobs (load average 6-13),
   ``--scaling-only --sizes 1e4,1e5,1e6``: CPU x2.9-3.4 the plain chain walk (x2.4-2.7 the
   canonical walk) at all three sizes, so the <= 2x aim is not met; peak RSS 57 MiB at every size
   (met). Decoding with its exact canonical-encoding test and the file digest is 1.6-1.9x the walk on
   its own; ratios swing by +-0.4 between runs on this machine. After the block decoder's framing
   went to two whole-block joins (2026-12-08, ``--scaling-only --sizes 1e5``, old and new trees
   alternated, load average 1.3-1.7): CPU x2.42-2.78 (old) and x2.42-2.61 (new, one outlier x3.35)
   the plain chain walk, x2.01-2.16 the canonical walk for both, still not <= 2x; valgrind counted
   ~2 % fewer instructions per verification (1e4 records: 1015 -> 997 million), below this
   machine's noise. After the checks came to share their column facts (a column's minimum, the
   intervals' start <= end, sorted times), offsets worked out only when asked, the ``< inf``
   tests skipped where orjson refuses non-finite numbers, first tests without per-value
   arithmetic for the no-overlap, span and interval-end bounds, and the spelling-suspect search
   made one ``rfind`` per hit (2026-12-08, load average 2-5, ``--scaling-only --sizes
   1e4,1e5,1e6``): CPU x2.31 / x2.28 / x2.38 the plain chain walk (x1.93 / x1.88 / x1.99 the
   canonical walk), peak RSS 57 MiB; the old and new trees alternated in one process at 1e5
   gave best-of-12 verify CPU 0.652 s (old) and 0.605 s (new), ratios x2.25-2.50 (old) and
   x2.07-2.36 (new) against walks of 0.272-0.311 s; valgrind counted 6 % fewer instructions
   (1e4 records, PYTHONHASHSEED=0: 994 -> 931 million; the plain walk 442 million). The <= 2x
   aim is still not met: splitting, SHA-256 of each body and of the file, orjson's parse and
   its canonical re-encoding alone took ~1.2x the walk (timed stage by stage at 1e5), and the
   C-level passes over each block's columns (types, minima, running sums, exact totals) most
   of the rest. Quiet run at the final code (2026-12-08 03:28 UTC, load average 1.4 at the
   start): CPU x2.27 / x2.27 / x2.39 the plain chain walk at 1e4 / 1e5 / 1e6 (walks 0.028 /
   0.273 / 2.846 s), x1.89 / x1.88 / x1.99 the canonical walk, peak RSS 57 MiB at every size.
3. BLAKE3 vs SHA-256 digest throughput of a large state dict (default 1 GiB, as in the issue;
   ``--state-mib 256`` where memory is short: it needs ~1.5 GiB free).

Run: ``python benchmarks/ledger.py [--records 100000] [--state-mib 1024] [--quick] [--million]
[--sizes 1e4,1e5,1e6] [--scaling-only] [--json]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from computegov.ledger import records
from computegov.ledger.chain import Ledger, head_message
from computegov.ledger.recorder import RunRecorder
from computegov.ledger.signing import Signer
from computegov.ledger.verify import verify_report

# A meter interval record in computegov.measure's schema (values are typical of a real run).
INTERVAL = {
    "kind": "interval",
    "schema": "computegov.measure/v1",
    "rank": 0,
    "steps": 10,
    "flop": 1.234e15,
    "model_flop_6nd": 1.2e15,
    "tokens": 40960,
    "counted_steps": 1,
    "flop_exact": True,
    "seconds": 1.5,
    "energy_j": 900.0,
    "precision": "bf16",
    "gaps": [],
}


def bench_append(tmp: Path, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, fsync_every, fsync, count in (
        ("fsync_every_1", 1, True, max(200, n // 50)),
        ("fsync_every_10", 10, True, max(2000, n // 5)),
        ("fsync_every_100", 100, True, n),
        ("fsync_every_1000", 1000, True, n),
        ("no_fsync", 1000, False, n),
    ):
        path = tmp / f"append-{label}.jsonl"
        led = Ledger.create(path, {"bench": label}, fsync_every=fsync_every, fsync=fsync)
        t0 = time.perf_counter()
        for i in range(count):
            led.append("measurement", {"interval": INTERVAL, "step_end": 10 * (i + 1)})
        led.close()
        dt = time.perf_counter() - t0
        out[label] = {"records": count, "seconds": dt, "records_per_s": count / dt}
        path.unlink()
    base = out["fsync_every_1"]["records_per_s"]
    for v in out.values():
        v["ratio_to_fsync_every_1"] = v["records_per_s"] / base
    return out


#: The verifier's peak per chip for the benchmark run (an H100 SXM5's dense BF16 peak, 989e12
#: FLOP/s, NVIDIA H100 datasheet; passed as the verifier's own number so no catalogue is read).
BENCH_PEAK_FLOP_PER_S = 989e12


def build_ledger(tmp: Path, n: int, name: str = "big.jsonl") -> tuple[Path, Path, Signer]:
    """A consistent ``n``-record ledger and its report (simulated clock: 1.5 s per interval)."""
    signer = Signer.generate()
    ledger = tmp / name
    now = [1.7e9]
    rec = RunRecorder(
        ledger,
        metadata={"model": "bench", "hardware": {"chip": "H100 SXM5", "chip_count": 8}},
        signer=signer,
        sign_every=1000,
        fsync_every=10_000,
        clock=lambda: now[0],
    )
    t = now[0]
    while rec._ledger.next_seq < n - 2:
        now[0] = t + 1.5
        rec.record_measurement({**INTERVAL, "time_start_unix_s": t, "time_end_unix_s": t + 1.5})
        t += 1.5
    report = rec.finish({})
    assert report.path is not None
    return ledger, report.path, signer


def chain_walk(data: bytes, key: Any) -> str:
    """Baseline 1, a plain chain walk over the stored bytes (what a practitioner would write).

    Per line: SHA-256 of the body bytes as stored (the writer stores canonical JSON, so these
    are the canonical record bytes), orjson.loads of the body, the line's own hash and the
    ``prev`` link compared; per ``head`` record, its Ed25519 signature over the record before it
    verified (``cryptography``), as a signed chain is only authentic with its signatures.
    Nothing else: no framing, field types, canonical form, order, times or totals.
    """
    import orjson

    prev, last_seq = "0" * 64, -1
    for line in data.splitlines():
        body = line[8:-75]
        digest = hashlib.sha256(body).hexdigest()
        rec = orjson.loads(body)
        if rec["prev"] != prev or line[-66:-2].decode() != digest:
            raise ValueError("broken chain")
        if rec["kind"] == "head":
            d = rec["data"]
            if d["signed_hash"] != prev or d["signed_seq"] != last_seq:
                raise ValueError("head does not sign the record before it")
            key.verify(base64.b64decode(d["sig"]), head_message(prev, last_seq))
        prev, last_seq = digest, rec["seq"]
    return prev


def canonical_walk(data: bytes, key: Any) -> str:
    """Baseline 2, the chain walk of verifiers that hash a canonical re-encoding (TUF, in-toto).

    Per line: orjson.loads of the whole line, the body re-encoded canonically
    (``orjson.dumps(..., OPT_SORT_KEYS)``; equal to the writer's stdlib encoding for every
    number in this benchmark's ledger), its SHA-256 compared with the line's hash, the ``prev``
    link compared; heads verified as in :func:`chain_walk`.
    """
    import orjson

    dumps, sort = orjson.dumps, orjson.OPT_SORT_KEYS
    prev, last_seq = "0" * 64, -1
    for line in data.splitlines():
        rec = orjson.loads(line)
        body = rec["body"]
        digest = hashlib.sha256(dumps(body, option=sort)).hexdigest()
        if body["prev"] != prev or rec["hash"] != digest:
            raise ValueError("broken chain")
        if body["kind"] == "head":
            d = body["data"]
            if d["signed_hash"] != prev or d["signed_seq"] != last_seq:
                raise ValueError("head does not sign the record before it")
            key.verify(base64.b64decode(d["sig"]), head_message(prev, last_seq))
        prev, last_seq = digest, body["seq"]
    return prev


# Peak RSS is the child's own high-water mark (VmHWM, per address space), read at exit. ru_maxrss
# is not used where VmHWM exists: Linux carries the forking parent's peak into a child's
# ru_maxrss across exec (this benchmark's parent holds whole ledgers).
_CLI_CHILD = """
import atexit, os, sys
def _peak():
    try:
        with open("/proc/self/status") as fh:
            kib = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(os.environ["BENCH_RSS_OUT"], "w") as out:
        out.write(str(kib))
atexit.register(_peak)
sys.argv = ["computegov", *sys.argv[1:]]
from computegov.cli import main
main()
"""


def cli_verify(report: Path, ledger: Path, pub: Path, tmp: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of ``computegov verify`` in a fresh process; it must exit 0."""
    out = tmp / "rss.txt"
    cmd = [
        sys.executable, "-c", _CLI_CHILD, "verify", str(report), "--ledger", str(ledger),
        "--key", str(pub), "--peak-flop-per-s", str(BENCH_PEAK_FLOP_PER_S), "--json",
    ]
    t0 = time.perf_counter()
    child = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "BENCH_RSS_OUT": str(out)}
    )
    seconds = time.perf_counter() - t0
    if child.returncode != 0:
        raise RuntimeError(f"computegov verify exited {child.returncode}: {child.stderr[-2000:]}")
    return seconds, int(out.read_text()) / 1024


def bench_scaling(tmp: Path, sizes: tuple[int, ...], repeats: int = 5) -> dict[str, Any]:
    """Verify time / chain-walk time, in-process, and ``computegov verify``'s peak RSS."""
    return {str(n): _scale_one(tmp, n, repeats if n <= 100_000 else 2) for n in sizes}


def _scale_one(tmp: Path, n: int, repeats: int) -> dict[str, Any]:
    ledger, report, signer = build_ledger(tmp, n, f"scale-{n}.jsonl")
    pub = tmp / f"scale-{n}.pub"
    pub.write_text(signer.public_pem())
    key = signer.public_key
    raw_ledger, raw_report = ledger.read_bytes(), report.read_bytes()
    best: dict[str, list[float]] = {}

    def timed(name: str, fn: Any) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        old = best.get(name, [math.inf, math.inf])
        best[name] = [min(old[0], wall), min(old[1], cpu)]

    def verify() -> None:
        verdict = verify_report(
            raw_report, raw_ledger, key, peak_flop_per_s=BENCH_PEAK_FLOP_PER_S,
            catalog=_NoCatalog(),
        )
        assert verdict.ok, verdict.to_dict()["failed"]

    for _ in range(repeats):  # interleaved, best of each: the least disturbed run
        timed("walk", lambda: chain_walk(raw_ledger, key))
        timed("canonical", lambda: canonical_walk(raw_ledger, key))
        timed("verify", verify)
    size = len(raw_ledger)
    raw_ledger = raw_report = b""  # free the parent's copy before the child runs
    cli_s, cli_rss = cli_verify(report, ledger, pub, tmp)
    (walk, walk_cpu), (canon, canon_cpu), (verify_s, verify_cpu) = (
        best["walk"], best["canonical"], best["verify"]
    )
    for p in (ledger, report, pub):
        p.unlink()
    return {
        "records": n,
        "ledger_bytes": size,
        "chain_walk_seconds": walk,
        "canonical_walk_seconds": canon,
        "verify_seconds": verify_s,
        "ratio_to_chain_walk": verify_s / walk,
        "ratio_to_canonical_walk": verify_s / canon,
        # CPU time (this process only): steadier than wall time on a shared, loaded machine
        "chain_walk_cpu_seconds": walk_cpu,
        "canonical_walk_cpu_seconds": canon_cpu,
        "verify_cpu_seconds": verify_cpu,
        "cpu_ratio_to_chain_walk": verify_cpu / walk_cpu,
        "cpu_ratio_to_canonical_walk": verify_cpu / canon_cpu,
        "cli_verify_seconds": cli_s,
        "cli_peak_rss_mib": cli_rss,
    }


def bench_verify(tmp: Path, n: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    ledger, report_path, signer = build_ledger(tmp, n)
    build_s = time.perf_counter() - t0
    raw_report = report_path.read_bytes()
    raw_ledger = ledger.read_bytes()

    def best_of_3() -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            verdict = verify_report(
                raw_report, raw_ledger, signer.public_key, catalog=_NoCatalog(),
                peak_flop_per_s=BENCH_PEAK_FLOP_PER_S,
            )
            best = min(best, time.perf_counter() - t0)
            assert verdict.ok, verdict.to_dict()["failed"]
        return best

    # Same-process baseline: the stdlib JSON parser (what runs when orjson is not installed).
    fast_loads = records._ORJSON_LOADS
    records._ORJSON_LOADS = None
    try:
        stdlib_s = best_of_3()
    finally:
        records._ORJSON_LOADS = fast_loads
    best = best_of_3() if fast_loads is not None else stdlib_s
    return {
        "records": raw_ledger.count(b"\n"),
        "ledger_bytes": len(raw_ledger),
        "build_seconds": build_s,
        "parser": "orjson" if fast_loads is not None else "stdlib json",
        "verify_seconds_best_of_3": best,
        "verify_seconds_stdlib_json_best_of_3": stdlib_s,
        "speedup_over_stdlib_json": stdlib_s / best,
        "records_per_s": raw_ledger.count(b"\n") / best,
        "target_seconds": 1.0,
        "ratio_to_target": best / 1.0,
    }


class _NoCatalog:
    def get(self, name: str) -> Any:
        from computegov.errors import UnknownNameError

        raise UnknownNameError(name, name=name)


def bench_digest(mib: int) -> dict[str, Any]:
    try:
        import torch
    except ModuleNotFoundError as err:
        return {"skipped": f"{err.name} is not installed (pip install 'computegov[torch]')"}

    from computegov.ledger.digests import digest_state_dict

    n_tensors = 32
    per = (mib << 20) // 4 // n_tensors
    gen = torch.Generator().manual_seed(0)
    state = {f"layer{i}.weight": torch.randn(per, generator=gen) for i in range(n_tensors)}
    size = sum(t.numel() * 4 for t in state.values())
    out: dict[str, Any] = {"state_bytes": size}
    for algo in ("blake3", "sha256"):
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            digest_state_dict(state, algorithms=(algo,))
            best = min(best, time.perf_counter() - t0)
        out[algo] = {"seconds": best, "bytes_per_s": size / best}
    out["blake3_over_sha256_speed"] = out["blake3"]["bytes_per_s"] / out["sha256"]["bytes_per_s"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--state-mib", type=int, default=1024)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true", help="2,000 records, 8 MiB state (CI smoke run)")
    ap.add_argument("--million", action="store_true", help="also scale verification to 1e6 records")
    ap.add_argument(
        "--sizes",
        default="",
        help="ledger sizes for the verification scaling, comma-separated (e.g. 1e4,1e5,1e6)",
    )
    ap.add_argument(
        "--scaling-only", action="store_true", help="only the verification scaling (2b)"
    )
    args = ap.parse_args()
    if args.quick:
        args.records, args.state_mib = 2_000, 8
    tmp = Path(tempfile.mkdtemp(prefix="computegov-ledger-bench-"))
    try:
        if args.sizes:
            sizes = tuple(int(float(x)) for x in args.sizes.split(",") if x.strip())
        else:
            sizes = (
                (1_000, 2_000) if args.quick
                else ((10_000, 100_000, 1_000_000) if args.million else (10_000, 100_000))
            )
        machine = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        }
        if args.scaling_only:
            result: dict[str, Any] = {"machine": machine, "scaling": bench_scaling(tmp, sizes)}
        else:
            result = {
                "machine": machine,
                "append": bench_append(tmp, args.records // 5),
                "verify": bench_verify(tmp, args.records),
                "scaling": bench_scaling(tmp, sizes),
                "digest": bench_digest(args.state_mib),
            }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}")
    for n, sc in result["scaling"].items():
        print(
            f"verify {int(n):>9,} records ({sc['ledger_bytes'] / 1e6:.0f} MB): "
            f"{sc['verify_seconds']:.3f} s in-process = "
            f"x{sc['ratio_to_chain_walk']:.2f} the plain chain walk ({sc['chain_walk_seconds']:.3f} s; "
            f"CPU x{sc['cpu_ratio_to_chain_walk']:.2f}), "
            f"x{sc['ratio_to_canonical_walk']:.2f} the canonical walk "
            f"({sc['canonical_walk_seconds']:.3f} s; CPU x{sc['cpu_ratio_to_canonical_walk']:.2f}); "
            f"computegov verify {sc['cli_verify_seconds']:.2f} s, "
            f"peak RSS {sc['cli_peak_rss_mib']:.0f} MiB"
        )
        aim = sc["cpu_ratio_to_chain_walk"] <= 2.0
        print(
            f"  aim <= 2x the plain chain walk (CPU time): {'met' if aim else 'NOT met (slower)'}; "
            f"aim <= 128 MiB: {'met' if sc['cli_peak_rss_mib'] <= 128 else 'NOT met'}"
        )
    if args.scaling_only:
        return
    for label, v in result["append"].items():
        print(
            f"append {label:>16}: {v['records_per_s']:>10,.0f} records/s  "
            f"(x{v['ratio_to_fsync_every_1']:.1f} vs fsync every record)"
        )
    v = result["verify"]
    print(
        f"verify {v['records']:,} records ({v['ledger_bytes'] / 1e6:.1f} MB, {v['parser']}): "
        f"{v['verify_seconds_best_of_3']:.3f} s = {v['ratio_to_target']:.2f} x the 1 s target; "
        f"stdlib json {v['verify_seconds_stdlib_json_best_of_3']:.3f} s "
        f"(x{v['speedup_over_stdlib_json']:.2f} faster with {v['parser']})"
    )
    d = result["digest"]
    if "skipped" in d:
        print(f"digest: skipped: {d['skipped']}")
        return
    print(
        f"digest {d['state_bytes'] / 2**20:.0f} MiB state dict: BLAKE3 {d['blake3']['bytes_per_s'] / 1e9:.2f} GB/s, "
        f"SHA-256 {d['sha256']['bytes_per_s'] / 1e9:.2f} GB/s -> BLAKE3 x{d['blake3_over_sha256_speed']:.1f}"
    )


if __name__ == "__main__":
    main()
