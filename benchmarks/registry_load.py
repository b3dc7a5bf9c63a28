"""Load test of the compute-report registry: 1, 2, 4 uvicorn workers x 1-32 clients, SQLite and PostgreSQL.

For each backend, worker count and client count it starts ``computegov serve``'s server (the same
:func:`computegov.web.server.serve_forever` as ``computegov serve --workers N``) in a child
process group on 127.0.0.1 (a free port), and drives it from client processes of their own
(``--client-procs``, default up to 2), so that the clients' CPU is measured apart from the
server's and reported. The load generator is cheap and honest: every report is signed, and every
request's bytes built, before the clock starts; each client holds one keep-alive HTTP/1.1
connection (a minimal client on asyncio streams, not httpx, whose per-request CPU would compete
with the server on a small machine); each submits its own signed reports (plus a resubmission
of each tenth one, which must come back 200) and reads the list and detail endpoints. Every
submission's answer carries a receipt (entry, inclusion proof, signed checkpoint): after the
clock stops, every one is checked offline with the log's public key, so a batched checkpoint
that did not hold its leaf would show as an error. After each run it checks that every accepted
report is stored exactly once and that the log rebuilds from its entries.

It reports throughput (stored reports/s), p50/p95 submit latency, the CPU per request of the
server (all workers, from /proc) and of the clients, how busy the machine was and how much of
that was neither (other processes), and where a submission's time went inside the server: the
mean of each phase the server reports in its ``Server-Timing`` header
(:mod:`computegov.registry.timings`: ``lock`` is the wait for the write lock, ``commit`` the
commit and its fsync, ``queue`` the wait for the worker's group commit, ``batch`` how many
submissions shared one commit). The tables put SQLite and PostgreSQL side by side, with each
worker count's throughput as a ratio to one worker's at the same client count.

Per group commit it also reports (``group_commits``; :func:`group_stats`): how many groups and
their mean size, the log's critical section (``held``: from the log's lock had, on SQLite from
``BEGIN IMMEDIATE``, to the commit done) in wall ms and in the holding thread's CPU ms
(``heldcpu``), the share of the run the lock was held (one holder at a time, any worker) and the
ceiling that gives (reports per group / ``held``), and how busy each worker's serial commit loop
was. ``--sample-pg`` samples ``pg_locks`` and ``pg_stat_activity`` every 10 ms: who holds the
log's advisory lock, doing what, and how many sessions wait for it.

Where the limit at 32 clients lies (2026-12-08, ``--workers 1,2 --clients 32 --reports 30
--reads 0 --sample-pg``, the old and new code interleaved, 2 runs each; the shared 2-core machine
was 100 % busy, 54-74 % of it other processes, so read ratios and ms, not reports/s): not the
database's work, not fsync, not the load generator (0.2-0.3 ms CPU per request), but two serial
sections whose wall time is mostly the holding thread waiting to run again (for the interpreter
lock, shared with the worker's ~30 other request threads, or for a CPU) after each statement:

* the log's critical section (lock -> append -> sign -> commit+fsync) took 41-76 ms per group on
  PostgreSQL with 2 workers, of which 4.4-6.9 ms was the holder's CPU; the lock was held 62-86 %
  of the run, and the sampler found its holder ``idle in transaction`` (PostgreSQL waiting for the
  worker's next statement) in 61-75 % of all samples, in ``IO:WALSync`` in 4-8 %. Each worker
  groups only its own submissions, so 2 workers nearly halve the groups (9.6-11.4 -> 5.8-7.3
  reports) while the per-group time stays: ceiling 89-146 reports/s whatever the workers, where
  2 workers landed (71-116/s; 1 worker 64-115/s in the same runs). On SQLite (whose whole write
  transaction is the critical section) 28-69 ms per group, 5.6-9.3 ms CPU, held 74-84 %. The
  section made 11 round trips per group on PostgreSQL (the log's lock twice, size, leaves,
  subtree hashes, their siblings, the checkpoint lock, the last checkpoint, the root's pieces,
  the checkpoint, commit), each one a wait to run again; on SQLite Core's building of the
  multi-row statements was most of the CPU inside it. A shorter interpreter switch interval
  (``--switch-interval-ms 0.5``) did not shorten it (the machine's CPUs, not only the interpreter
  lock, were what the holder waited for).
* with 1 worker, that worker's commit loop (one group's transaction at a time) was 86-93 % busy
  on PostgreSQL: 84-154 ms per group, about half of it before the lock (the rows' inserts).

This is consistent with the quiet run's 60-73 % busy machine and no gain from a second worker: serial
sections, not the CPUs, were full. To measure it quietly: ``python benchmarks/registry_load.py
--workers 1,2,4 --clients 8,32 --reports 30 --reads 2 --sample-pg`` (with
``$COMPUTEGOV_TEST_POSTGRES_URL`` set; about 8 minutes).

Since the group commit holds the lock for 4 statements (:mod:`computegov.registry.groupwrite`:
the lock, one read of size, frontier and last checkpoint, one insert of leaves, subtree hashes
and checkpoint, commit), writes the rows before it in one statement on PostgreSQL (three plain
multi-row statements on SQLite) and builds the receipts from memory, in the same kind of
interleaved runs (old code 4-6 runs, new 3; same flags): the critical section on PostgreSQL
with 2 workers is 18-21 ms per group (1.4-1.8 ms CPU) against 34-76 (4.3-6.9), with 1 worker
16-29 ms (1.6-1.9) against 38-77 (5.0-6.4); on SQLite 15-36 ms (2.0-3.3 ms CPU, the commit's
fsync 9-17 ms of it) against 28-69 (5.6-9.3). Server CPU per request 3.5-5.2 ms against 4.7-8.1
(SQLite) and 4.4-5.2 against 5.6-9.3 (PostgreSQL). Reports/s, new over old in the same machine
state (two pairs; other processes 46-62 % of the machine): PostgreSQL 1 worker x1.33 and x1.42,
2 workers x1.37 and x1.07; SQLite 1 worker x0.91 (SLOWER) and x1.59, 2 workers x1.05 and x1.58
(noise of this size: read the ms above). One report at a time through ``Store.submit`` and its
receipt, one thread: 1.5-1.7 ms CPU per report against 3.1-3.6 on SQLite, 1.7-2.3 against
6.3-7.9 on PostgreSQL (1.0-1.2 against 3.9-4.4 when the machine was quieter). What is left: with
1 worker its commit loop (76-81 % busy on PostgreSQL; the lock 35-37 %); with 2 workers the lock
is held 44-65 % (was 62-86 %); on this machine, CPU.

Quiet run of that command at the final code (2026-12-08 03:30 UTC, load average 1.1 at the start,
the machine otherwise idle): 1 worker at 32 clients 162.6 reports/s on SQLite, 112.4 on PostgreSQL
(p95 275 / 344 ms; server CPU 5.8 / 7.2 ms per request); PostgreSQL 2 workers x1.56 at 32 clients
(175.8/s; critical section 17.8 ms per group of 4.9, 1.5 ms CPU, lock held 64 %, ceiling ~275/s,
machine 89 % busy) and x1.12 at 8, 4 workers x1.43 / x1.12; SQLite 2 workers x0.94 / x1.13.

The baseline is the same server with one worker: what a practitioner would run first. Read the
ratios with the machine line printed first: on a machine with C CPUs, more than C workers cannot
add CPU (and the clients run on the same CPUs); beyond that, extra workers only overlap their
waits on the database.

Usage::

    python benchmarks/registry_load.py [--workers 1,2,4] [--clients 1,8,32] [--reports 8] [--reads 2]
        [--time-limit 20] [--budget 450] [--client-procs 2] [--database-url postgresql+psycopg://...]
        [--json] [--quick] [--sample-pg] [--switch-interval-ms MS]

The defaults (1, 2, 4 workers x 1, 8, 32 clients x both backends, 18 runs) took 7 min 19 s on
the shared 2-core machine at load average 7-12 (2026-12-07); ``--budget`` (450 s) skips the runs
left after it, so the whole command stays within about 8 minutes. The server's CPU per request
at 32 clients (``--workers 1,2 --clients 32``, same machine, 2026-12-08): 7.6 / 7.4 ms on SQLite
and 8.3 / 9.8 ms on PostgreSQL with 1 / 2 workers, down from 13.1 / 17.2 and 12.5 / 13.9 ms before
the submission path read the token, organisation and keys in one query and stored with Core
(that run had the machine to itself; this one shared it, other processes 56-70 %, so its
reports/s are not comparable). SQLite always runs (a fresh file per run); PostgreSQL too when ``--database-url``
(default ``$COMPUTEGOV_TEST_POSTGRES_URL``) is given: each run uses a fresh schema of its own
(dropped afterwards), so nothing else in that database is touched. Before the clock starts, 3
submissions per worker from an organisation of their own warm every worker up (their first
submission loads the verifier); they are not counted. The server verifies every report with the
project's verifier (these reports carry no ledger, so their outcome is *incomplete*: the
verification cost is small and the numbers measure the registry's storage and log path). The
workers skip warming the slow dashboard pages at start (``COMPUTEGOV_WARM_PAGES=0``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

from computegov.ledger.signing import key_id

MAX_CLIENTS = 32
MAX_WORKERS = 8
#: Fewest timed submissions in one run: a client submits max(--reports, this / clients).
MIN_REPORTS_PER_RUN = 24


def _envelope(run_id: str, client: int, i: int, key: Any) -> dict[str, Any]:
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
    return {
        "payloadType": ptype.decode(),
        "payload": base64.b64encode(payload).decode(),
        # the key id the registry derives for this key: a signature counts only under the key it names
        "signatures": [{"keyid": key_id(key.public_key()), "sig": base64.b64encode(key.sign(pae)).decode()}],
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: the cheapest honest client there is."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send a prepared request; (status, headers lower-cased, body). Reopens a closed connection once."""
        for attempt in (0, 1):
            if self.writer is None or self.writer.is_closing():
                await self.open()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(raw)
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
            if headers.get("connection", "").lower() == "close":
                self.writer.close()
                self.writer = None
            return status, headers, body
        raise ConnectionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _post(path: str, token: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


async def _client(host: str, port: int, job: dict[str, Any], n_reads: int, clock: dict[str, float],
                  go: asyncio.Event) -> dict[str, Any]:
    """One client: its prepared submissions in order, a resubmission of each tenth, reads between."""
    timings: dict[str, list[float]] = {"submit": [], "resubmit": [], "list": [], "detail": []}
    answers: list[tuple[str, bytes, str]] = []  # (digest, body, Server-Timing): checked after the clock
    errors: list[str] = []
    accepted: list[str] = []
    conn = _Connection(host, port)
    await conn.open()
    await go.wait()
    requests, digests = job["requests"], job["digests"]
    reads_done = 0
    for i, raw in enumerate(requests):
        if time.monotonic() > clock["deadline"]:
            break
        t0 = time.perf_counter()
        status, headers, body = await conn.request(raw)
        timings["submit"].append(time.perf_counter() - t0)
        if status != 201:
            errors.append(f"submit {status}: {body[:200]!r}")
            continue
        accepted.append(digests[i])
        answers.append((digests[i], body, headers.get("server-timing", "")))
        if i % 10 == 0:
            t0 = time.perf_counter()
            status, _h, again = await conn.request(raw)
            timings["resubmit"].append(time.perf_counter() - t0)
            if status != 200 or digests[i].encode() not in again:
                errors.append(f"resubmit {status}: {again[:200]!r}")
        while reads_done < n_reads * (i + 1) // len(requests):
            t0 = time.perf_counter()
            s1, _h, _b = await conn.request(_get("/api/v1/reports?limit=20"))
            timings["list"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            s2, _h, _b = await conn.request(_get(f"/api/v1/reports/{accepted[reads_done % len(accepted)]}"))
            timings["detail"].append(time.perf_counter() - t0)
            if s1 != 200 or s2 != 200:
                errors.append(f"read {s1}/{s2}")
            reads_done += 1
    conn.close()
    return {"accepted": accepted, "timings": timings, "errors": errors, "answers": answers}


def _client_process(host: str, port: int, jobs: list[dict[str, Any]], n_reads: int, time_limit: float,
                    ready: Any, go: Any, out: Any) -> None:
    """A client process: its share of the clients on one event loop; sends back results and its CPU."""
    async def main() -> tuple[float, list[dict[str, Any]]]:
        start, clock = asyncio.Event(), {"deadline": float("inf")}
        tasks = [asyncio.create_task(_client(host, port, job, n_reads, clock, start)) for job in jobs]
        await asyncio.sleep(0.3)  # every connection is open
        ready.set()
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        cpu0 = time.process_time()
        clock["deadline"] = time.monotonic() + time_limit
        start.set()
        results = await asyncio.gather(*tasks)
        return time.process_time() - cpu0, list(results)

    cpu_s, results = asyncio.run(main())
    out.put({"end_s": time.monotonic(), "cpu_s": cpu_s})  # the load is over (CLOCK_MONOTONIC: one clock for all)
    # receipts are checked after the clock: not part of the load, still part of the result
    out.put({"results": _check_receipts(results, jobs[0]["vkey"])})


def _check_receipts(results: list[dict[str, Any]], vkey: str) -> list[dict[str, Any]]:
    from computegov.tlog.checkpoint import parse_log_key
    from computegov.tlog.errors import LogProofError
    from computegov.tlog.receipt import Receipt, verify_receipt

    log_key = parse_log_key(vkey)
    for r in results:
        phases: dict[str, float] = {}
        groups: dict[str, float] = {}  # per-group sums: each answer adds its group's value / group size
        for digest, body, server_timing in r.pop("answers"):
            try:  # the receipt's checkpoint must hold this submission's leaf (batched signing)
                answer = json.loads(body)
                if answer["report"]["digest_sha256"] != digest:
                    raise KeyError("the answer is about another report")
                verify_receipt(Receipt.from_dict(answer["receipt"]), log_key)
            except (LogProofError, KeyError, TypeError, ValueError) as err:
                r["errors"].append(f"receipt of {digest[:12]} does not verify: {err}")
            mine: dict[str, float] = {}
            for part in server_timing.split(","):
                name, _, dur = part.strip().partition(";dur=")
                if name and dur:
                    mine[name] = float(dur)
                    phases[name] = phases.get(name, 0.0) + float(dur)
            share = 1.0 / max(1.0, mine.get("batch", 1.0))  # a group of n answers adds up to one group
            groups["n"] = groups.get("n", 0.0) + share
            for name in GROUP_PHASES:
                groups[name] = groups.get(name, 0.0) + share * mine.get(name, 0.0)
        r["phases"], r["groups"] = phases, groups
    return results


async def _warm_up(url: str, token: str, envelopes: list[dict[str, Any]]) -> None:
    """Concurrent submissions on fresh connections, so every worker has loaded the verifier before timing."""
    import httpx

    async def one(env: dict[str, Any]) -> None:
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
            r = await http.post("/api/v1/reports", json={"envelope": env})
            if r.status_code != 201:
                raise SystemExit(f"warm-up submission refused: {r.status_code} {r.text[:200]}")

    await asyncio.gather(*(one(env) for env in envelopes))


def _group_cpu_s(pgid: int) -> float | None:
    """CPU seconds (user + system) used so far by the processes of group ``pgid`` (Linux /proc), else None."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime (ticks)
    return total / tick


def _postgres_cpu_s() -> float | None:
    """CPU seconds (user + system) used so far by this machine's PostgreSQL processes (Linux /proc), else None.

    Every ``postgres`` process counts, the backends serving other programs' connections included:
    a floor on what the database costs only when nothing else uses it.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total, seen = 0, False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[-1] == "postgres":
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
            seen = True
    return total / os.sysconf("SC_CLK_TCK") if seen else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(database_url: str, workers: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """``computegov serve --workers N`` in a child process group; its base URL once it answers."""
    import httpx

    port = _free_port()
    code = ("from computegov.web.server import serve_forever; "
            f"serve_forever(database_url={database_url!r}, host='127.0.0.1', port={port}, workers={workers}, "
            "max_body_bytes=5 * 1024 * 1024, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    answered = 0
    while answered < 2 * workers:  # several answers: the workers have come up
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop_server(proc)
            err = proc.stderr.read().decode(errors="replace")[-800:] if proc.stderr else ""
            raise SystemExit(f"the server did not start: {err}")
        try:
            answered += httpx.get(url + "/api/v1/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            time.sleep(0.2)
    return proc, url


def _stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _pg_schema_url(base_url: str, schema: str) -> str:
    """The URL of a fresh schema; its sessions are named after it (``application_name``, see :class:`_PgSampler`)."""
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}&application_name={schema}"


def _pg_schema(base_url: str, schema: str, *, create: bool) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}" if create else f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


def _machine_ticks() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of the whole machine so far (Linux /proc/stat), else None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return total - idle, total


def _jobs(run_id: str, clients: int, per_client: int, store: Any, vkey: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Each client's organisation, key, token and prepared requests (signed and encoded before the clock)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from computegov.registry.submission import canonical_json

    jobs, orgs = [], []
    for i in range(clients):  # each client signs with a key registered to its own organisation
        key = Ed25519PrivateKey.generate()
        org = f"load-{run_id}-{i}"
        token = store.create_token(org)[0]
        store.add_key(org, key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode())
        envelopes = [_envelope(run_id, i, j, key) for j in range(per_client)]
        jobs.append({
            "requests": [_post("/api/v1/reports", token, json.dumps({"envelope": e}).encode()) for e in envelopes],
            "digests": [hashlib.sha256(canonical_json(e).encode()).hexdigest() for e in envelopes],
            "vkey": vkey,
        })
        orgs.append(org)
    return jobs, orgs


class _PgSampler:
    """Samples, every ``period_s``, what the server's PostgreSQL sessions do (pg_stat_activity, pg_locks).

    The server's connections carry ``application_name`` (see :func:`_pg_schema_url`); per sample it
    records whether the log's advisory lock (key 7345202) is held and what its holder is doing
    (``active``: running a statement; ``idle in transaction``: waiting for the worker to send the
    next one, i.e. Python time inside the critical section; a wait event such as ``IO:WALSync``),
    and how many sessions wait for that lock.
    """

    _SQL = ("SELECT a.state, coalesce(a.wait_event_type || ':' || a.wait_event, ''), l.granted "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.objid = 7345202 AND a.application_name = %s")

    def __init__(self, base_url: str, app_name: str, period_s: float = 0.01) -> None:
        import threading

        self.base_url, self.app_name, self.period_s = base_url, app_name, period_s
        self.stop = threading.Event()
        self.counts: dict[str, int] = {}
        self.samples = 0
        self.waiters = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        dsn = self.base_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not self.stop.wait(self.period_s):
                rows = conn.execute(self._SQL, (self.app_name,)).fetchall()
                self.samples += 1
                holder = next((f"{state}{' ' + wait if wait else ''}" for state, wait, granted in rows if granted),
                              "not held")
                self.counts[holder] = self.counts.get(holder, 0) + 1
                self.waiters += sum(1 for *_x, granted in rows if not granted)

    def result(self) -> dict[str, Any]:
        n = max(1, self.samples)
        return {"samples": self.samples, "mean_waiters": self.waiters / n,
                "log_lock_holder": {k: v / n for k, v in sorted(self.counts.items(), key=lambda kv: -kv[1])}}


def _drive(port: int, jobs: list[dict[str, Any]], args: argparse.Namespace, server_pgid: int,
           sampler: _PgSampler | None = None) -> dict[str, Any]:
    """Run the clients in their own processes; wall time, CPU of server and clients, the machine's busy share."""
    ctx = multiprocessing.get_context("spawn")
    n_procs = max(1, min(len(jobs), args.client_procs))
    ready = [ctx.Event() for _ in range(n_procs)]
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_client_process, daemon=True,
                         args=("127.0.0.1", port, jobs[k::n_procs], args.reads, args.time_limit, ready[k], go, out))
             for k in range(n_procs)]
    for proc in procs:
        proc.start()
    try:
        for event in ready:
            if not event.wait(120):
                raise SystemExit("the client processes did not start")
        cpu0, ticks0, pg0 = _group_cpu_s(server_pgid), _machine_ticks(), _postgres_cpu_s()
        t0 = time.monotonic()
        go.set()
        if sampler is not None:
            sampler.thread.start()
        ends: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        while len(ends) < n_procs:  # a process's results may come before another's end of load
            msg = out.get(timeout=args.time_limit + 300)
            ends.append(msg) if "end_s" in msg else results.extend(msg["results"])
        cpu1, ticks1, pg1 = _group_cpu_s(server_pgid), _machine_ticks(), _postgres_cpu_s()
        if sampler is not None:
            sampler.stop.set()
            sampler.thread.join(timeout=10)
        wall_s = max(e["end_s"] for e in ends) - t0
        while len(results) < len(jobs):
            results.extend(out.get(timeout=600)["results"])
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    machine_busy = None
    if ticks0 and ticks1 and ticks1[1] > ticks0[1]:
        machine_busy = (ticks1[0] - ticks0[0]) / (ticks1[1] - ticks0[1])
    return {"wall_s": wall_s, "results": results, "client_cpu_s": sum(e["cpu_s"] for e in ends),
            "client_procs": n_procs,
            # a floor: a backend that exits during the run takes its CPU out of the sum
            "postgres_cpu_s": None if pg0 is None or pg1 is None else max(0.0, pg1 - pg0),
            "server_cpu_s": None if cpu0 is None or cpu1 is None else cpu1 - cpu0, "machine_busy": machine_busy}


def run_one(database_url: str, label: str, workers: int, clients: int, args: argparse.Namespace) -> dict[str, Any]:
    """One load run: a fresh database (file or schema), ``workers`` server processes, ``clients`` clients."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        from computegov.registry import Store

    tmp = tempfile.mkdtemp(prefix="computegov-load-")
    schema = None
    if label == "sqlite":
        url = f"sqlite:///{tmp}/registry.sqlite3"
    else:
        schema = f"cgbench_{uuid.uuid4().hex[:10]}"
        _pg_schema(database_url, schema, create=True)
        url = _pg_schema_url(database_url, schema)
    env = {**os.environ, "COMPUTEGOV_LOG_KEY": f"{tmp}/log.key", "COMPUTEGOV_DATA_DIR": tmp,
           "COMPUTEGOV_WARM_PAGES": "0"}
    os.environ["COMPUTEGOV_LOG_KEY"] = env["COMPUTEGOV_LOG_KEY"]
    run_id = uuid.uuid4().hex[:8]
    # at least MIN_REPORTS_PER_RUN in all, so a one-client run is not a handful of requests
    per_client = max(args.reports, -(-getattr(args, "min_total", MIN_REPORTS_PER_RUN) // clients))
    sampler: _PgSampler | None = None
    if args.switch_interval_ms:  # every worker process (spawned) runs it at start: an experiment's knob
        Path(tmp, "sitecustomize.py").write_text(f"import sys\nsys.setswitchinterval({args.switch_interval_ms / 1e3!r})\n")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (tmp, env.get("PYTHONPATH", "")) if p)
    try:
        store = Store(url)  # migrates; the server's workers then find the schema in place
        vkey = store.log_public_key()["vkey"]  # the log key exists before the workers start
        jobs, orgs = _jobs(run_id, clients, per_client, store, vkey)
        warm_key = Ed25519PrivateKey.generate()  # an organisation of its own: not counted below
        warm_token = store.create_token(f"warm-{run_id}")[0]
        store.add_key(f"warm-{run_id}",
                      warm_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode())
        warm = [_envelope(f"warm-{run_id}", 99, j, warm_key) for j in range(3 * workers)]
        proc, base = _start_server(url, workers, env)
        try:
            asyncio.run(_warm_up(base, warm_token, warm))
            with store.engine.connect() as conn:
                warm_checkpoints = int(conn.exec_driver_sql("SELECT count(*) FROM log_checkpoints").scalar() or 0)
            sampler = None if schema is None or not args.sample_pg else _PgSampler(database_url, schema)
            drove = _drive(int(base.rsplit(":", 1)[1]), jobs, args, proc.pid, sampler)
        finally:
            _stop_server(proc)
        results, wall_s = drove["results"], drove["wall_s"]
        accepted = [d for r in results for d in r["accepted"]]
        errors = [e for r in results for e in r["errors"]]
        stored: list[str] = []
        for org in orgs:  # the warm-up organisation's reports are not counted
            reports, _total = store.list_reports(organisation=org, limit=100_000)
            stored.extend(r.digest_sha256 for r in reports)
        exactly_once = sorted(accepted) == sorted(stored) and len(set(stored)) == len(stored)
        log_ok = store.audit_log_tree() == []
        with store.engine.connect() as conn:
            checkpoints = int(conn.exec_driver_sql("SELECT count(*) FROM log_checkpoints").scalar() or 0)
        checkpoints -= warm_checkpoints  # signed for the timed submissions (and the audit below)
        store.close()
    finally:
        if schema is not None:
            _pg_schema(database_url, schema, create=False)
    timings: dict[str, list[float]] = {}
    phase_sums: dict[str, float] = {}
    for r in results:
        for k, v in r["timings"].items():
            timings.setdefault(k, []).extend(v)
        for k, v in r["phases"].items():
            phase_sums[k] = phase_sums.get(k, 0.0) + v
    groups = group_stats(results, len(accepted), wall_s, workers)
    every = [t for v in timings.values() for t in v]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    server_cpu_s, client_cpu_s, busy = drove["server_cpu_s"], drove["client_cpu_s"], drove["machine_busy"]
    server_share = None if server_cpu_s is None else server_cpu_s / wall_s / (os.cpu_count() or 1)
    client_share = client_cpu_s / wall_s / (os.cpu_count() or 1)
    return {
        "backend": label, "workers": workers, "clients": clients, "wall_s": wall_s,
        "accepted": len(accepted), "stored": len(stored), "exactly_once": exactly_once, "log_intact": log_ok,
        "checkpoints_signed": checkpoints,
        "errors": errors[:5], "n_errors": len(errors),
        "submit_per_s": len(accepted) / wall_s,
        # CPU per request of the server (all workers) and of the clients, and the machine's busy share
        "server_cpu_ms_per_request": None if server_cpu_s is None else 1e3 * server_cpu_s / max(1, len(every)),
        "client_cpu_ms_per_request": 1e3 * client_cpu_s / max(1, len(every)),
        "client_procs": drove["client_procs"],
        "server_cpu_share": server_share, "client_cpu_share": client_share, "machine_busy_share": busy,
        # busy CPU that was neither this server nor its clients: other processes on the machine
        "other_cpu_share": (None if busy is None or server_share is None
                            else max(0.0, busy - server_share - client_share)),
        "cpus": cpus,
        # every PostgreSQL process's CPU per request and share of the machine (its part of "other")
        "postgres_cpu_ms_per_request": (None if drove["postgres_cpu_s"] is None
                                        else 1e3 * drove["postgres_cpu_s"] / max(1, len(every))),
        "postgres_cpu_share": (None if drove["postgres_cpu_s"] is None
                               else drove["postgres_cpu_s"] / wall_s / (os.cpu_count() or 1)),
        "requests_per_s": len(every) / wall_s,
        "group_commits": groups,
        "pg_samples": None if sampler is None else sampler.result(),
        # mean ms per accepted submission of each phase the server reported (Server-Timing)
        "server_phases_ms": {k: v / max(1, len(accepted)) for k, v in phase_sums.items()},
        "latency_ms": {
            k: {"n": len(v), "p50": 1e3 * _pct(v, 0.5), "p95": 1e3 * _pct(v, 0.95),
                "mean": 1e3 * statistics.fmean(v) if v else float("nan")}
            for k, v in (timings | {"all": every}).items()
        },
    }


def group_stats(results: list[dict[str, Any]], accepted: int, wall_s: float, workers: int = 1) -> dict[str, float]:
    """The run's group commits: how many, their mean size, mean ms of each group phase, the lock's busy share.

    Each answer carries its group's phases and size ``n`` (``batch``); adding 1/n of each answer's
    values counts each group once (the clients' ``groups`` sums). ``held`` is the critical
    section: from the log's lock had (SQLite: ``BEGIN IMMEDIATE``) to the commit done; groups of
    every worker hold it one at a time, so their ``held`` over the wall time is the share of the
    run the lock was busy, and ``accepted`` over their ``held`` the ceiling on reports/s with
    groups of this size, however many workers. Each worker runs its group commits one after
    another: their ``write`` (the whole transaction) over ``workers`` x the wall time is how busy
    that serial loop was.
    """
    sums: dict[str, float] = {}
    for r in results:
        for k, v in r["groups"].items():
            sums[k] = sums.get(k, 0.0) + v
    n, held_ms = sums.get("n", 0.0), sums.get("held", 0.0)
    return {
        "groups": n, "reports_per_group": accepted / n if n else float("nan"),
        **{f"{k}_ms": sums.get(k, 0.0) / n if n else float("nan") for k in GROUP_PHASES},
        "lock_held_share": held_ms / (1e3 * wall_s) if wall_s > 0 else float("nan"),
        "commit_loop_busy_share": sums.get("write", 0.0) / (1e3 * wall_s * workers) if wall_s > 0 else float("nan"),
        "ceiling_reports_per_s": accepted / (held_ms / 1e3) if held_ms else float("nan"),
    }


def _ints(text: str, what: str, top: int) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SystemExit(f"--{what} {text!r}: expected whole numbers separated by commas, e.g. 1,2,4") from None
    if not values or not all(1 <= v <= top for v in values):
        raise SystemExit(f"--{what} {text!r}: expected values from 1 to {top} (the load is bounded)")
    return values


def machine_line() -> str:
    """The machine the numbers come from: CPUs this process may use, and the load when it started."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    load = (", load average {:.1f} (1 min) {:.1f} (5 min)".format(*os.getloadavg()[:2])
            if hasattr(os, "getloadavg") else "")
    return (f"machine: {cpus} CPUs usable (os.cpu_count {os.cpu_count()}){load}; the clients run on the same "
            f"CPUs as the server. With {cpus} CPUs, more than {cpus} workers cannot add CPU: beyond that, "
            "extra workers only overlap their waits on the database (and compete with the clients).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4",
                        help="server worker processes, comma-separated (1-8), e.g. 1,2,4")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated (1-32), e.g. 1,4,16,32")
    parser.add_argument("--reports", type=int, default=8,
                        help=f"reports per client (1-1000; at least {MIN_REPORTS_PER_RUN} per run in all)")
    parser.add_argument("--reads", type=int, default=2, help="list+detail read pairs per client (0-1000)")
    parser.add_argument("--time-limit", type=float, default=20.0, help="stop submitting after this many s per run")
    parser.add_argument("--budget", type=float, default=450.0, help="skip the runs left after this many s in all")
    parser.add_argument("--client-procs", type=int, default=2,
                        help="client processes the clients are spread over (1-8; their CPU is measured apart)")
    parser.add_argument("--database-url", default=os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL to test besides SQLite (default $COMPUTEGOV_TEST_POSTGRES_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--switch-interval-ms", type=float, default=None,
                        help="the server processes' sys.setswitchinterval, ms (Python's default: 5): an experiment")
    parser.add_argument("--sample-pg", action="store_true",
                        help="sample pg_stat_activity/pg_locks every 10 ms: who holds the log's lock, doing what")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true",
                        help="1 and 2 workers x 1 and 4 clients, 4 reports each, no reads (both backends when a "
                             "PostgreSQL URL is given): a smoke run of a minute or two")
    args = parser.parse_args(argv)
    try:
        import fastapi  # noqa: F401  (the server extra)
        import httpx  # noqa: F401
        import uvicorn  # noqa: F401
    except ModuleNotFoundError as err:
        print(f"skipped: {err.name} is not installed (pip install 'computegov[server]')")
        return 0
    if args.quick:
        args.workers, args.clients, args.reports, args.reads = "1,2", "1,4", 4, 0
    args.min_total = 8 if args.quick else MIN_REPORTS_PER_RUN
    workers, clients = _ints(args.workers, "workers", MAX_WORKERS), _ints(args.clients, "clients", MAX_CLIENTS)
    if not (1 <= args.reports <= 1000 and 0 <= args.reads <= 1000 and 1 <= args.client_procs <= 8):
        parser.error("keep the load bounded: reports 1-1000, reads 0-1000, client processes 1-8")
    backends = [] if args.no_sqlite else [("", "sqlite")]
    if args.database_url:
        backends.append((args.database_url, "postgresql"))
    machine = machine_line()
    if not args.json:
        print(machine, flush=True)
        print("baseline: the same server with 1 worker; 'x1w' is reports/s over 1 worker's at the same "
              "client count (above 1: faster, below 1: SLOWER)", flush=True)
    started = time.monotonic()
    results, skipped = [], []
    for w in workers:  # both backends of one configuration run one after the other (same machine state)
        for c in clients:
            for url, label in backends:
                if time.monotonic() - started > args.budget:
                    skipped.append(f"{label} {w} workers {c} clients")
                    continue
                results.append(run_one(url, label, w, c, args))
                if not args.json:
                    print(_row(results[-1]), flush=True)
    if args.json:
        print(json.dumps([r | {"machine": machine} for r in results], indent=2))
    else:
        print()
        print(table(results, [label for _, label in backends]))
        print()
        print(cost_table(results))
        print(machine_line())  # and at the end: the load average over the run
        if skipped:
            print(f"skipped (past the {args.budget:g} s budget): {'; '.join(skipped)}")
        for r in results:
            for e in r["errors"]:
                print(f"  {r['backend']} {r['workers']}w {r['clients']}c error: {e}")
    return 0 if all(r["exactly_once"] and r["log_intact"] and not r["n_errors"] for r in results) else 1


def table(results: list[dict[str, Any]], backends: list[str]) -> str:
    """Markdown table: one row per (workers, clients), each backend's reports/s, ratio to 1 worker, p50/p95."""
    by = {(r["backend"], r["workers"], r["clients"]): r for r in results}
    head = "| workers | clients |" + "".join(f" {b} reports/s | x1w | p50 / p95 submit ms |" for b in backends)
    rule = "|---:|---:|" + "---:|---:|---:|" * len(backends)
    lines = [head, rule]
    for w, c in sorted({(r["workers"], r["clients"]) for r in results}):
        cells = []
        for b in backends:
            r, one = by.get((b, w, c)), by.get((b, 1, c))
            if r is None:
                cells.append(" - | - | - |")
                continue
            ratio = f"{r['submit_per_s'] / one['submit_per_s']:.2f}" if one and one["submit_per_s"] else "-"
            lat = r["latency_ms"]["submit"]
            ok = "" if r["exactly_once"] and r["log_intact"] and not r["n_errors"] else " (ERRORS)"
            cells.append(f" {r['submit_per_s']:.1f}{ok} | {ratio} | {lat['p50']:.0f} / {lat['p95']:.0f} |")
        lines.append(f"| {w} | {c} |" + "".join(cells))
    return "\n".join(lines)


#: Phases every submission of a group commit reports alike (the group's): summed once per group.
GROUP_PHASES = ("write", "lock", "held", "heldcpu", "append", "sign", "commit")

#: Server phases shown in the cost table, in the order a submission meets them (timings module).
PHASES = ("auth", "parse", "signer", "lookup", "verify", "queue", "write", "lock", "append", "sign", "commit",
          "held", "heldcpu", "receipt", "cpu")


def cost_table(results: list[dict[str, Any]]) -> str:
    """Markdown table: per run, CPU per request (server, clients), the machine's busy share, server phases.

    The phases are wall ms per submission (``write`` holds ``lock``, ``append``, ``sign`` and
    ``commit``); ``cpu`` is the submission's own threads' CPU ms, the rest of the server's CPU per
    request being the HTTP layer's (uvicorn, FastAPI, JSON) and the reads'.
    """
    head = ("| backend | workers | clients | server CPU ms/req | client CPU ms/req | PostgreSQL CPU ms/req | "
            "machine busy % (server / clients / PostgreSQL / other) | reports per commit | "
            + " | ".join(f"{p} ms" for p in PHASES) + " |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---|---:|" + "---:|" * len(PHASES)]
    for r in sorted(results, key=lambda r: (r["backend"], r["workers"], r["clients"])):
        ph = r.get("server_phases_ms", {})

        def pct(x: float | None) -> str:
            return "-" if x is None else f"{100 * x:.0f}"

        pg_share, other = r.get("postgres_cpu_share"), r.get("other_cpu_share")
        if pg_share is not None and other is not None:
            other = max(0.0, other - pg_share)
        busy = (f"{pct(r.get('machine_busy_share'))} ({pct(r.get('server_cpu_share'))} / "
                f"{pct(r.get('client_cpu_share'))} / {pct(pg_share)} / {pct(other)})")
        server, pg = r.get("server_cpu_ms_per_request"), r.get("postgres_cpu_ms_per_request")
        lines.append(f"| {r['backend']} | {r['workers']} | {r['clients']} | "
                     f"{'-' if server is None else f'{server:.1f}'} | {r.get('client_cpu_ms_per_request', 0):.1f} | "
                     f"{'-' if pg is None else f'{pg:.1f}'} | "
                     f"{busy} | {ph.get('batch', 1.0):.1f} | "
                     + " | ".join(f"{ph.get(p, 0.0):.1f}" for p in PHASES) + " |")
    return "\n".join(lines)


def _row(r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    ok = "yes" if r["exactly_once"] and r["log_intact"] and not r["n_errors"] else "NO"
    ph = r.get("server_phases_ms", {})
    waits = " ".join(f"{p} {ph[p]:.1f}" for p in ("queue", "lock", "commit", "verify", "receipt") if p in ph)
    return (f"{r['backend']:<10} workers {r['workers']} clients {r['clients']:>2}  ok {ok:<3} stored {r['stored']:>4}  "
            f"{r['submit_per_s']:6.1f} reports/s  submit p50/p95 {lat['submit']['p50']:6.1f}/{lat['submit']['p95']:6.1f} ms"
            f"  checkpoints {r['checkpoints_signed']}"
            + (f"  CPU ms/request server {r['server_cpu_ms_per_request']:.1f} clients "
               f"{r['client_cpu_ms_per_request']:.1f}" if r.get("server_cpu_ms_per_request") is not None else "")
            + (f"  machine busy {100 * r['machine_busy_share']:.0f}% (other processes "
               f"{100 * (r['other_cpu_share'] or 0):.0f}%)" if r.get("machine_busy_share") is not None else "")
            + f"  per submission ms: {waits}, {ph.get('batch', 1.0):.1f} per commit"
            + _group_line(r))


def _group_line(r: dict[str, Any]) -> str:
    """Per group commit: its size, the log's critical section (wall and CPU ms), how busy the lock was."""
    g = r.get("group_commits") or {}
    if not g.get("groups"):
        return ""
    line = (f"\n    {g['groups']:.0f} group commits of {g['reports_per_group']:.1f} reports: critical section "
            f"(lock had -> commit done) {g['held_ms']:.1f} ms wall, {g['heldcpu_ms']:.1f} ms CPU of the holding "
            f"thread; lock wait {g['lock_ms']:.1f} ms, commit {g['commit_ms']:.1f} ms; lock held "
            f"{100 * g['lock_held_share']:.0f} % of the run => ceiling {g['ceiling_reports_per_s']:.0f} reports/s; "
            f"each worker's commit loop busy {100 * g.get('commit_loop_busy_share', float('nan')):.0f} %")
    pg = r.get("pg_samples")
    if pg and pg.get("samples"):
        holder = ", ".join(f"{k} {100 * v:.0f} %" for k, v in pg["log_lock_holder"].items())
        line += (f"\n    pg_stat_activity ({pg['samples']} samples): the log lock's holder: {holder}; "
                 f"{pg['mean_waiters']:.2f} sessions waiting for it on average")
    return line


if __name__ == "__main__":
    sys.exit(main())
