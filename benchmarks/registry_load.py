"""Load test of the compute-report registry: concurrent submissions and reads over loopback.

Starts ``computegov serve``'s app with uvicorn on 127.0.0.1 (a free port), then runs several
client *processes*; each submits its own signed reports (plus a resubmission of each tenth one,
which must come back 200 with the same record) and reads the list and detail endpoints. After
the run it checks that every accepted report is stored exactly once and that nothing else was
stored, and prints throughput and p50/p95 latency per operation. Bounded in count and time.

Usage::

    python benchmarks/registry_load.py [--clients 4] [--reports 40] [--reads 40] [--time-limit 120] [--quick]
        [--database-url postgresql+psycopg://...]   # SQLite always; PostgreSQL too when given

The database behind a given ``--database-url`` is not wiped: the run uses fresh organisation
names and counts only its own reports.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from typing import Any


def _envelope(run_id: str, client: int, i: int, key_hex: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": f"checkpoint-{client}-{i}", "digest": {"sha256": uuid.uuid4().hex * 2}}],
        "predicateType": "https://example.invalid/computegov/ComputeReport/v1",
        "predicate": {
            "method": "measured",
            "totals": {"flop": 1e21 * (1 + i), "steps": 100, "duration_s": 3600.0},
            "hardware": {"chip": "H100 SXM5", "chip_count": 8},
            "run": {"model": f"load-{run_id}-{client}-{i}"},
        },
    }
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    ptype = b"application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    sig = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_hex)).sign(pae)
    return {
        "payloadType": ptype.decode(),
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": "load", "sig": base64.b64encode(sig).decode()}],
    }


def _client(url: str, token: str, key_hex: str, run_id: str, index: int, n_reports: int,
            n_reads: int, time_limit: float, ready: Any, go: Any, out: Any) -> None:
    import httpx

    envelopes = [_envelope(run_id, index, i, key_hex) for i in range(n_reports)]
    ready.put(index)
    go.wait()
    deadline = time.monotonic() + time_limit
    timings: dict[str, list[float]] = {"submit": [], "resubmit": [], "list": [], "detail": []}
    accepted: list[str] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        reads_done = 0
        for i, env in enumerate(envelopes):
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            r = http.post("/api/v1/reports", json={"envelope": env})
            timings["submit"].append(time.perf_counter() - t0)
            statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
            if r.status_code != 201:
                errors.append(f"submit {r.status_code}: {r.text[:200]}")
                continue
            digest = r.json()["report"]["digest_sha256"]
            accepted.append(digest)
            if i % 10 == 0:
                t0 = time.perf_counter()
                again = http.post("/api/v1/reports", json={"envelope": env})
                timings["resubmit"].append(time.perf_counter() - t0)
                if again.status_code != 200 or again.json()["report"]["digest_sha256"] != digest:
                    errors.append(f"resubmit {again.status_code}: {again.text[:200]}")
            while reads_done < n_reads * (i + 1) // n_reports:
                t0 = time.perf_counter()
                lst = http.get("/api/v1/reports", params={"limit": 20})
                timings["list"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                det = http.get(f"/api/v1/reports/{accepted[reads_done % len(accepted)]}")
                timings["detail"].append(time.perf_counter() - t0)
                if lst.status_code != 200 or det.status_code != 200:
                    errors.append(f"read {lst.status_code}/{det.status_code}")
                reads_done += 1
    out.put({"accepted": accepted, "timings": timings, "statuses": statuses, "errors": errors})


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _drive(url: str, tokens: list[str], keys_hex: list[str], run_id: str,
           args: argparse.Namespace) -> tuple[float, list[dict[str, Any]]]:
    """Start one process per client, release them together, and collect their results (wall seconds, results)."""
    ctx = mp.get_context("spawn")
    queue, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=_client,
                    args=(url, tokens[i], keys_hex[i], run_id, i, args.reports, args.reads,
                          args.time_limit, ready, go, queue))
        for i in range(args.clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # every client has signed its reports; the clock starts now
        ready.get(timeout=120)
    t0 = time.perf_counter()
    go.set()
    results = [queue.get(timeout=args.time_limit + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return time.perf_counter() - t0, results


def run_backend(database_url: str, label: str, args: argparse.Namespace) -> dict[str, Any]:
    """One load run against one database; returns the measured numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.registry import Store, create_app
        from computegov.registry.server import running

    store = Store(database_url)
    run_id = uuid.uuid4().hex[:8]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    tokens, keys_hex = [], []
    for i in range(args.clients):  # each client signs with a key registered to its organisation
        key = Ed25519PrivateKey.generate()
        tokens.append(store.create_token(f"load-{run_id}-{i}")[0])
        pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        store.add_key(f"load-{run_id}-{i}", pem)
        keys_hex.append(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex())
    app = create_app(store=store)
    try:
        with running(app) as url:  # port 0: the OS picks a free loopback port at bind time
            wall_s, results = _drive(url, tokens, keys_hex, run_id, args)
    except RuntimeError as err:
        raise SystemExit(f"{label}: {err}") from None


    accepted = [d for r in results for d in r["accepted"]]
    errors = [e for r in results for e in r["errors"]]
    stored: list[str] = []
    for i in range(args.clients):
        reports, _total = store.list_reports(organisation=f"load-{run_id}-{i}", limit=100_000)
        stored.extend(r.digest_sha256 for r in reports)
    exactly_once = sorted(accepted) == sorted(stored) and len(set(stored)) == len(stored)
    timings: dict[str, list[float]] = {}
    for r in results:
        for k, v in r["timings"].items():
            timings.setdefault(k, []).extend(v)
    store.close()
    requests = sum(len(v) for v in timings.values())
    return {
        "backend": label,
        "clients": args.clients,
        "wall_s": wall_s,
        "accepted": len(accepted),
        "stored": len(stored),
        "exactly_once": exactly_once,
        "errors": errors[:5],
        "n_errors": len(errors),
        "submit_per_s": len(accepted) / wall_s,
        "requests_per_s": requests / wall_s,
        "latency_ms": {
            k: {"n": len(v), "p50": 1e3 * _pct(v, 0.5), "p95": 1e3 * _pct(v, 0.95),
                "mean": 1e3 * statistics.fmean(v) if v else float("nan")}
            for k, v in timings.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="client processes (1-16)")
    parser.add_argument("--reports", type=int, default=40, help="reports per client (1-1000)")
    parser.add_argument("--reads", type=int, default=40, help="list+detail read pairs per client (0-1000)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="stop submitting after this many s")
    parser.add_argument("--database-url", default=os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL to test besides SQLite (default $COMPUTEGOV_TEST_POSTGRES_URL)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true",
                        help="1 client, 3 reports, 2 reads, SQLite only (CI smoke run)")
    args = parser.parse_args(argv)
    try:
        import fastapi  # noqa: F401  (the server extra)
        import uvicorn  # noqa: F401
    except ModuleNotFoundError as err:
        print(f"skipped: {err.name} is not installed (pip install 'computegov[server]')")
        return 0
    if args.quick:
        args.clients, args.reports, args.reads, args.database_url = 1, 3, 2, None
    if not (1 <= args.clients <= 16 and 1 <= args.reports <= 1000 and 0 <= args.reads <= 1000):
        parser.error("keep the load bounded: clients 1-16, reports 1-1000, reads 0-1000")
    backends = [(f"sqlite:///{tempfile.mkdtemp(prefix='computegov-load-')}/registry.sqlite3", "sqlite")]
    if args.database_url:
        backends.append((args.database_url, "postgresql"))
    results = [run_backend(url, label, args) for url, label in backends]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'backend':<11} {'ok':>3} {'accepted':>8} {'stored':>6} {'reports/s':>9} {'req/s':>7}  "
              "submit p50/p95 ms   list p50/p95 ms   detail p50/p95 ms")
        for r in results:
            lat = r["latency_ms"]
            print(f"{r['backend']:<11} {'yes' if r['exactly_once'] and not r['n_errors'] else 'NO':>3} "
                  f"{r['accepted']:>8} {r['stored']:>6} {r['submit_per_s']:>9.1f} {r['requests_per_s']:>7.1f}  "
                  f"{lat['submit']['p50']:>7.1f}/{lat['submit']['p95']:<8.1f}  "
                  f"{lat['list']['p50']:>7.1f}/{lat['list']['p95']:<8.1f}  "
                  f"{lat['detail']['p50']:>7.1f}/{lat['detail']['p95']:<8.1f}")
            for e in r["errors"]:
                print("  error:", e)
        if len(results) == 2:
            print(f"postgresql/sqlite submit throughput ratio: {results[1]['submit_per_s'] / results[0]['submit_per_s']:.2f}")
    return 0 if all(r["exactly_once"] and not r["n_errors"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
