"""Ledger benchmarks, reported as ratios in one run.

1. Append throughput (records/s) with fsync batching options: every record, every 10 / 100 /
   1000 records, and no fsync (OS page cache only).
2. Verification of a 100,000-record ledger with its signed report (target: under 1 s).
3. BLAKE3 vs SHA-256 digest throughput of a large state dict (default 1 GiB, as in the issue;
   ``--state-mib 256`` where memory is short: it needs ~1.5 GiB free).

Run: ``python benchmarks/ledger.py [--records 100000] [--state-mib 1024] [--quick] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from computegov.ledger import records
from computegov.ledger.chain import Ledger
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


def bench_verify(tmp: Path, n: int) -> dict[str, Any]:
    signer = Signer.generate()
    ledger = tmp / "big.jsonl"
    rec = RunRecorder(
        ledger,
        metadata={"model": "bench", "hardware": {"chip": "H100 SXM5", "chip_count": 8}},
        signer=signer,
        sign_every=1000,
        fsync_every=10_000,
    )
    t = 1.7e9
    t0 = time.perf_counter()
    while rec._ledger.next_seq < n - 2:
        rec.record_measurement({**INTERVAL, "time_start_unix_s": t, "time_end_unix_s": t + 1.5})
        t += 1.5
    report = rec.finish({})
    build_s = time.perf_counter() - t0
    raw_report = report.to_bytes()
    raw_ledger = ledger.read_bytes()

    def best_of_3() -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            verdict = verify_report(raw_report, raw_ledger, signer.public_key, catalog=_NoCatalog())
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
    args = ap.parse_args()
    if args.quick:
        args.records, args.state_mib = 2_000, 8
    tmp = Path(tempfile.mkdtemp(prefix="computegov-ledger-bench-"))
    try:
        result = {
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "append": bench_append(tmp, args.records // 5),
            "verify": bench_verify(tmp, args.records),
            "digest": bench_digest(args.state_mib),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}")
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
