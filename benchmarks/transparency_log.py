"""Benchmark of the registry's transparency log: append throughput and proof generation.

Baseline: a plain "store every node" Merkle log as a practitioner would write it (Trillian's
layout in miniature): the O(log n) frontier kept in memory for appends, the hash of every
complete aligned subtree stored (lists per level in memory; a ``(level, index)``-keyed table in
SQLite, written with the standard library's ``sqlite3``), and RFC 6962 PATH / SUBPROOF proofs
that read O(log n) stored hashes (one keyed lookup each). Ratios are ours / baseline time.

Parts, at ``--leaves`` leaves (default 10^6; ``--quick`` uses 10^4):

1. in memory (core install): appending leaf hashes (``merkle.Frontier``; the baseline also stores
   every node), and inclusion / consistency proofs from stored aligned-subtree hashes
   (:mod:`computegov.tlog.merkle`) against the baseline's proofs; a naive recompute of the
   tree from every leaf hash is printed once for scale only (no one would serve proofs so);
2. in the registry database (SQLite in a temporary directory; the ``server`` extra): appending
   leaves in batched transactions (:func:`computegov.registry.logstore.append_entries`, one
   call per batch) and one leaf per transaction (``append_entry``), then inclusion and consistency proofs through
   :class:`computegov.registry.store.Store` at the full size, each checked with the RFC 9162
   verifier (a consistency proof against the baseline's root of the first size); beside them the
   baseline on plain ``sqlite3`` with the same pragmas (WAL, synchronous=FULL): appends into its
   own two tables, and proofs read from the registry's own ``log_nodes`` / ``log_leaves`` rows in
   the same file, one keyed lookup per stored hash on one kept connection. The store answers a
   proof with one prepared statement of O(log n) primary-key lookups (the tree size checked by a
   leaf probe in the same statement) on a driver connection it keeps; until 2026-12-07 it checked
   out a pooled connection, asked ``max(leaf_index)`` and parsed new SQL per proof, 2.4-3.1x the
   baseline's time (measured 2026-12-07 at 10^6 leaves: 2.8-3.3x before, 0.87-1.07x after in
   four runs, parity or better within the noise of the shared, loaded 2-core machine);
3. with ``--monitor`` (opt-in: it reads every entry): a *fresh* monitor over that database in a
   child process, as a third party with only the log's key would run it
   (:func:`computegov.tlog.monitor.check_log` streaming every entry in pages of 10,000, hashing
   it, rebuilding the root and folding the registry state with
   :class:`computegov.registry.logstate.LogState`), its wall time and peak resident memory.
   The entries are read from the database directly, so HTTP and JSON framing are not counted.
   Its CPU time is printed beside the wall time: on the shared 2-core machine the wall time was
   mostly waiting (2026-12-07, 10^5 entries, same run: 0.59-0.65 s CPU before entries were parsed
   with the stdlib scanner directly and the hashes inlined, 0.39-0.41 s after; 37.4 s wall at 10^6
   entries before).

Usage::

    python benchmarks/transparency_log.py [--leaves 1000000] [--proofs 2000] [--quick] [--monitor] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from computegov.tlog import merkle


def _nodes(leaves: list[bytes]) -> dict[merkle.Piece, bytes]:
    nodes = {(0, i): h for i, h in enumerate(leaves)}
    level, width = 0, len(leaves)
    while width >= 2:
        for i in range(width // 2):
            nodes[(level + 1, i)] = merkle.node_hash(nodes[(level, 2 * i)], nodes[(level, 2 * i + 1)])
        level, width = level + 1, width // 2
    return nodes


def _naive_inclusion(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]) by recomputing every subtree it needs from the leaves."""
    return [merkle.root_from_leaf_hashes(leaves[a:b]) for a, b in merkle.inclusion_ranges(index, len(leaves))]


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


class StoredTree:
    """Baseline: an RFC 6962 log that stores every node (``levels[k][i]``: subtree ``i`` of 2^k leaves).

    Appending keeps the frontier implicitly (a parent is hashed as soon as its right child
    exists); a subtree hash is a stored node when aligned and complete, otherwise the hash of
    its two halves (only along the tree's right edge, O(log n)).
    """

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    def append(self, leaf: bytes) -> None:
        levels, node, k = self.levels, leaf, 0
        levels[0].append(node)
        i = len(levels[0]) - 1
        while i & 1:
            node = merkle.node_hash(levels[k][i - 1], node)
            k, i = k + 1, i >> 1
            if k == len(levels):
                levels.append([])
            levels[k].append(node)

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range of the RFC's recursion."""
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self.get(n.bit_length() - 1, lo // n)
        k = _split(n)
        return merkle.node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def root(self, size: int) -> bytes:
        return self.subtree(0, size)

    def inclusion(self, m: int, size: int) -> list[bytes]:
        """PATH(m, D[0:size]), leaf first (RFC 6962 2.1.1)."""
        out: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if m < lo + k:
                out.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                out.append(self.subtree(lo, lo + k))
                lo += k
        return out[::-1]

    def consistency(self, m: int, size: int) -> list[bytes]:
        """PROOF(m, D[0:size]) (RFC 6962 2.1.2)."""
        if m in (0, size):
            return []
        out: list[bytes] = []
        lo, hi, whole = 0, size, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                out.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                out.append(self.subtree(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            out.append(self.subtree(lo, hi))
        return out[::-1]


class SqliteStoredTree(StoredTree):
    """Baseline on disk: the same log over plain ``sqlite3``, one keyed lookup per stored hash.

    ``nodes``/``leaves``: the table names and columns to read (the registry's own tables work:
    ``log_nodes(level, node_index, hash hex)`` and ``log_leaves(leaf_index, leaf_hash hex)``).
    """

    def __init__(self, path: str, *, create: bool) -> None:
        import sqlite3

        super().__init__()
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        if create:
            self.db.execute("CREATE TABLE log_leaves (leaf_index INTEGER PRIMARY KEY, entry_json TEXT NOT NULL, "
                            "leaf_hash TEXT NOT NULL)")
            self.db.execute("CREATE TABLE log_nodes (level INTEGER, node_index INTEGER, hash TEXT NOT NULL, "
                            "PRIMARY KEY (level, node_index))")
        self.frontier: list[bytes] = []  # the compact range: right-edge subtree hashes
        self.size = 0

    def get(self, level: int, index: int) -> bytes:
        if level == 0:
            row = self.db.execute("SELECT leaf_hash FROM log_leaves WHERE leaf_index = ?", (index,)).fetchone()
        else:
            row = self.db.execute("SELECT hash FROM log_nodes WHERE level = ? AND node_index = ?",
                                  (level, index)).fetchone()
        return bytes.fromhex(row[0])

    def append_entries(self, entries: list[bytes]) -> None:
        """Append ``entries`` in one transaction: the leaf row and every node it completes."""
        leaves, nodes = [], []
        for data in entries:
            node, i, k = merkle.leaf_hash(data), self.size, 0
            leaves.append((i, data.decode(), node.hex()))
            while i & 1:
                node = merkle.node_hash(self.frontier.pop(), node)
                k, i = k + 1, i >> 1
                nodes.append((k, i, node.hex()))
            self.frontier.append(node)
            self.size += 1
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT INTO log_leaves VALUES (?, ?, ?)", leaves)
        self.db.executemany("INSERT INTO log_nodes VALUES (?, ?, ?)", nodes)
        self.db.execute("COMMIT")


def _words(ratio: float) -> str:
    """``ratio`` = ours / baseline time, in words."""
    return f"{ratio:.2f}x: SLOWER" if ratio > 1 else f"{ratio:.2f}x: faster ({1 / ratio:.1f}x)"


def _progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50_ms": 1e3 * statistics.median(s), "p95_ms": 1e3 * s[int(0.95 * (len(s) - 1))], "n": len(s)}


def in_memory(n: int, proofs: int, rng: random.Random) -> dict[str, Any]:
    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(n)]
    gc.collect()
    gc.disable()  # as timeit does: no collector pauses in the append timings (CPU time of this process)
    try:
        t0 = time.process_time()
        frontier = merkle.Frontier().extend(leaves)
        append_s = time.process_time() - t0
        t0 = time.process_time()
        nodes = _nodes(leaves)  # what serving proofs from memory needs beside the frontier
        nodes_s = time.process_time() - t0
        t0 = time.process_time()
        base = StoredTree()
        for h in leaves:
            base.append(h)
        base_append_s = time.process_time() - t0
    finally:
        gc.enable()
    root = frontier.root()
    assert base.root(n) == root, "baseline root differs"
    inc, con, b_inc, b_con = [], [], [], []
    for _ in range(proofs):
        i, m = rng.randrange(n), rng.randrange(1, n + 1)
        t = time.perf_counter()
        path = merkle.proof_from_lookup(merkle.inclusion_pieces(i, n), nodes)
        inc.append(time.perf_counter() - t)
        t = time.perf_counter()
        b_path = base.inclusion(i, n)
        b_inc.append(time.perf_counter() - t)
        assert b_path == path, f"baseline inclusion proof differs at {i}"
        merkle.verify_inclusion(leaves[i], i, n, path, root)
        t = time.perf_counter()
        proof = merkle.proof_from_lookup(merkle.consistency_pieces(m, n), nodes)
        con.append(time.perf_counter() - t)
        t = time.perf_counter()
        b_proof = base.consistency(m, n)
        b_con.append(time.perf_counter() - t)
        assert b_proof == proof, f"baseline consistency proof differs at {m}"
    naive = []
    for _ in range(3):
        i = rng.randrange(n)
        t = time.perf_counter()
        path = _naive_inclusion(leaves, i)
        naive.append(time.perf_counter() - t)
        merkle.verify_inclusion(leaves[i], i, n, path, root)
    fast, slow = statistics.median(inc), statistics.median(naive)
    return {"leaves": n, "append_leaves_per_s": n / append_s,
            "append_and_store_nodes_leaves_per_s": n / (append_s + nodes_s),
            "baseline_append_leaves_per_s": n / base_append_s,
            "append_ratio_vs_baseline": (append_s + nodes_s) / base_append_s,
            "inclusion": _ms(inc), "consistency": _ms(con),
            "baseline_inclusion": _ms(b_inc), "baseline_consistency": _ms(b_con),
            "inclusion_ratio_vs_baseline": fast / statistics.median(b_inc),
            "consistency_ratio_vs_baseline": statistics.median(con) / statistics.median(b_con),
            "naive_inclusion": _ms(naive), "speedup_vs_naive": slow / fast}


def _bulk_load(store: Any, n: int) -> None:
    """Write ``n`` leaves and every complete subtree hash directly (the same rows append_entry writes)."""
    if n == 0:
        return
    from computegov.registry.logentries import canonical_bytes

    entries = [canonical_bytes({"v": 1, "kind": "event", "bulk": i}) for i in range(n)]
    level = [merkle.leaf_hash(e) for e in entries]
    with store._write() as session:
        conn = session.connection()
        conn.exec_driver_sql("INSERT INTO log_leaves (leaf_index, kind, subject, entry_json, leaf_hash) "
                             "VALUES (?, 'event', 'bulk', ?, ?)",
                             [(i, e.decode(), h.hex()) for i, (e, h) in enumerate(zip(entries, level, strict=True))])
        depth = 0
        while len(level) >= 2:
            level = [merkle.node_hash(level[2 * i], level[2 * i + 1]) for i in range(len(level) // 2)]
            depth += 1
            conn.exec_driver_sql("INSERT INTO log_nodes (level, node_index, hash) VALUES (?, ?, ?)",
                                 [(depth, i, h.hex()) for i, h in enumerate(level)])


def in_database(n: int, proofs: int, rng: random.Random, batch: int = 5000) -> dict[str, Any] | str:
    try:
        import sqlalchemy  # noqa: F401  (the server extra)

        from computegov.registry.logstore import append_entries, append_entry
        from computegov.registry.store import Store
    except ModuleNotFoundError as err:
        return f"skipped: {err.name} is not installed (pip install 'computegov[server]')"
    tmp = tempfile.mkdtemp(prefix="computegov-translog-")
    import os

    os.environ["COMPUTEGOV_LOG_KEY"] = f"{tmp}/log.key"
    store = Store(f"sqlite:///{tmp}/registry.sqlite3")
    _progress(f"database: bulk-loading {max(n - min(n, 20_000), 0):,} leaves")
    appended = min(n, 20_000)  # timed through append_entries; the rest is bulk-loaded first
    t0 = time.perf_counter()
    _bulk_load(store, n - appended)
    bulk_s = time.perf_counter() - t0
    # Ours and the baseline append in turn, batch by batch and leaf by leaf, so that disk and
    # machine load hit them alike.
    base = SqliteStoredTree(f"{tmp}/baseline.sqlite3", create=True)

    def _entry(i: int) -> bytes:
        return json.dumps({"v": 1, "kind": "event", "i": i}, sort_keys=True, separators=(",", ":")).encode()

    batched_s = base_batched_s = 0.0
    for lo in range(0, appended, batch):
        hi = min(lo + batch, appended)
        t0 = time.perf_counter()
        with store._write() as session:
            append_entries(session.connection(),
                           [("event", f"s{i}", {"v": 1, "kind": "event", "i": i}) for i in range(lo, hi)])
        batched_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        base.append_entries([_entry(i) for i in range(lo, hi)])
        base_batched_s += time.perf_counter() - t0
    _progress(f"database: appended {appended:,} leaves; one-transaction appends next")
    single = 200
    single_s = base_single_s = 0.0
    for i in range(single):
        t0 = time.perf_counter()
        with store._write() as session:
            append_entry(session.connection(), "event", f"t{i}", {"v": 1, "kind": "event", "t": i})
        single_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        base.append_entries([_entry(appended + i)])
        base_single_s += time.perf_counter() - t0
    base.db.close()
    size = store.log_size()
    _progress(f"database: {size:,} leaves; timing proofs")
    t0 = time.perf_counter()
    head = store.signed_tree_head()
    sth_s = time.perf_counter() - t0
    reader = SqliteStoredTree(f"{tmp}/registry.sqlite3", create=False)  # the registry's own rows
    inc, con, b_inc, b_con = [], [], [], []
    for _ in range(proofs):
        i = rng.randrange(size)
        t = time.perf_counter()
        proof = store.inclusion_proof(i, size)
        inc.append(time.perf_counter() - t)
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), i, size, path, head.root_hash)
        t = time.perf_counter()
        b_leaf, b_path = reader.get(0, i), reader.inclusion(i, size)
        b_inc.append(time.perf_counter() - t)
        assert (b_leaf.hex(), b_path) == (proof["leaf_hash"], path), f"baseline inclusion proof differs at {i}"
        m = rng.randrange(1, size + 1)
        t = time.perf_counter()
        cons = store.consistency_proof(m, size)
        con.append(time.perf_counter() - t)
        t = time.perf_counter()
        b_cons = reader.consistency(m, size)
        b_con.append(time.perf_counter() - t)
        assert [h.hex() for h in b_cons] == cons["consistency_path"], f"baseline consistency proof differs at {m}"
        merkle.verify_consistency(m, size, reader.root(m), head.root_hash, b_cons)  # RFC 9162 2.1.4.2
    reader.db.close()
    store.close()
    problems = store.audit_log_tree() if n <= 100_000 else ["not run above 10^5 leaves"]
    return {"db_dir": tmp, "leaves": size, "bulk_loaded": n - appended, "bulk_load_s": bulk_s, "appended": appended,
            "append_batched_leaves_per_s": appended / batched_s, "batch": batch, "self_audit": problems or "intact",
            "append_one_txn_per_leaf_per_s": single / single_s, "sign_tree_head_ms": 1e3 * sth_s,
            "inclusion": _ms(inc), "consistency": _ms(con),
            "baseline_append_batched_leaves_per_s": appended / base_batched_s,
            "baseline_append_one_txn_per_leaf_per_s": single / base_single_s,
            "append_batched_ratio_vs_baseline": batched_s / base_batched_s,
            "append_one_txn_ratio_vs_baseline": single_s / base_single_s,
            "baseline_inclusion": _ms(b_inc), "baseline_consistency": _ms(b_con),
            "inclusion_ratio_vs_baseline": statistics.median(inc) / statistics.median(b_inc),
            "consistency_ratio_vs_baseline": statistics.median(con) / statistics.median(b_con)}


_MONITOR_CHILD = r"""
import json, resource, sys, time
from sqlalchemy import create_engine, text
from computegov.registry.logstate import LogState
from computegov.registry.treehead import load_or_create_key
from computegov.tlog.checkpoint import LogKey
from computegov.tlog.monitor import LeafHashFile, check_log

url, key_path, note_path, leaves_path = sys.argv[1:5]
engine = create_engine(url)
pub = load_or_create_key(__import__("pathlib").Path(key_path)).public_key().public_bytes_raw()

class Source:
    def checkpoint(self):
        return open(note_path).read()
    def entries(self, start, end):
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT entry_json FROM log_leaves WHERE leaf_index >= :a AND leaf_index < :b "
                                     "ORDER BY leaf_index"), {"a": start, "b": min(end, start + 10000)})
            return [r[0].encode() for r in rows]
    def consistency_proof(self, old, new):
        raise AssertionError("a fresh monitor asks for none")

def peak_rss_bytes():
    # VmHWM belongs to this process's own address space (ru_maxrss would carry the parent's peak
    # across fork and exec on Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

state = LogState()
t0, c0 = time.perf_counter(), time.process_time()
check = check_log(Source(), LogKey(pub), None, LeafHashFile(__import__("pathlib").Path(leaves_path)),
                  on_entry=state.add)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"ok": check.ok, "entries": check.entries_checked, "wall_s": wall, "cpu_s": cpu,
                  "entries_per_s": check.entries_checked / wall, "evidence": list(check.evidence[:3]),
                  "peak_rss_bytes": peak_rss_bytes()}))
"""


def fresh_monitor(db_dir: str) -> dict[str, Any]:
    """A fresh monitor over the benchmark's database, in a child process (its own peak memory)."""
    import os
    import subprocess

    from computegov.registry.store import Store

    os.environ["COMPUTEGOV_LOG_KEY"] = f"{db_dir}/log.key"
    store = Store(f"sqlite:///{db_dir}/registry.sqlite3")
    note = store.checkpoint()
    store.close()
    Path(f"{db_dir}/checkpoint.txt").write_text(note)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    out = subprocess.run([sys.executable, "-c", _MONITOR_CHILD, f"sqlite:///{db_dir}/registry.sqlite3",
                          f"{db_dir}/log.key", f"{db_dir}/checkpoint.txt", f"{db_dir}/monitor.leaves"],
                         capture_output=True, text=True, check=True, env=env)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000, help="log size (1-10^7)")
    parser.add_argument("--proofs", type=int, default=2000, help="proofs timed per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10^4 leaves, 200 proofs (CI smoke run)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--monitor", action="store_true", help="also time a fresh monitor over every entry")
    args = parser.parse_args(argv)
    if args.quick:
        args.leaves, args.proofs = 10_000, 200
    if not (1 <= args.leaves <= 10_000_000 and 1 <= args.proofs <= 100_000):
        parser.error("keep it bounded: leaves 1-10^7, proofs 1-10^5")
    rng = random.Random(args.seed)
    _progress(f"in memory: {args.leaves:,} leaves")
    results: dict[str, Any] = {"in_memory": in_memory(args.leaves, args.proofs, rng),
                               "database_sqlite": in_database(args.leaves, args.proofs, rng)}
    db0 = results["database_sqlite"]
    if args.monitor and isinstance(db0, dict):
        _progress(f"fresh monitor over {db0['leaves']:,} entries")
        results["fresh_monitor"] = fresh_monitor(str(db0["db_dir"]))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    mem = results["in_memory"]
    print("baseline: a plain store-every-node Merkle log (frontier in memory, every complete subtree hash "
          "stored, RFC 6962 PATH/SUBPROOF); ratio = ours / baseline time")
    print(f"in memory, {mem['leaves']:,} leaves:")
    print(f"  append (CPU time): ours {mem['append_leaves_per_s']:,.0f} leaves/s frontier only, "
          f"{mem['append_and_store_nodes_leaves_per_s']:,.0f}/s with every node stored; baseline "
          f"{mem['baseline_append_leaves_per_s']:,.0f}/s; with nodes {_words(mem['append_ratio_vs_baseline'])}, "
          f"frontier only {_words(mem['baseline_append_leaves_per_s'] / mem['append_leaves_per_s'])}")
    for kind in ("inclusion", "consistency"):
        print(f"  {kind} proof p50: ours {mem[kind]['p50_ms']:.4f} ms, baseline "
              f"{mem['baseline_' + kind]['p50_ms']:.4f} ms; {_words(mem[kind + '_ratio_vs_baseline'])}")
    print(f"  (for scale only, recomputing the tree per proof: {mem['naive_inclusion']['p50_ms']:.1f} ms)")
    db = results["database_sqlite"]
    if isinstance(db, str):
        print(f"database: {db}")
    else:
        print(f"SQLite, {db['leaves']:,} leaves ({db['bulk_loaded']:,} bulk-loaded in {db['bulk_load_s']:.1f} s, "
              f"then {db['appended']:,} appended); baseline: plain sqlite3, same pragmas:")
        print(f"  append in batches of {db['batch']}: ours {db['append_batched_leaves_per_s']:,.0f} leaves/s, "
              f"baseline {db['baseline_append_batched_leaves_per_s']:,.0f}/s; "
              f"{_words(db['append_batched_ratio_vs_baseline'])}")
        print(f"  append, one transaction each: ours {db['append_one_txn_per_leaf_per_s']:,.0f}/s, baseline "
              f"{db['baseline_append_one_txn_per_leaf_per_s']:,.0f}/s; {_words(db['append_one_txn_ratio_vs_baseline'])}")
        for kind in ("inclusion", "consistency"):
            print(f"  {kind} proof p50: ours {db[kind]['p50_ms']:.3f} ms (p95 {db[kind]['p95_ms']:.3f}), baseline "
                  f"{db['baseline_' + kind]['p50_ms']:.3f} ms; {_words(db[kind + '_ratio_vs_baseline'])}")
        print(f"  signing a tree head {db['sign_tree_head_ms']:.1f} ms; self-audit: {db['self_audit']}")
    mon = results.get("fresh_monitor")
    if mon:
        print(f"fresh monitor, {mon['entries']:,} entries: {mon['wall_s']:.1f} s ({mon['entries_per_s']:,.0f} "
              f"entries/s; CPU {mon['cpu_s']:.1f} s: the rest is waiting on a shared machine), peak memory {mon['peak_rss_bytes'] / 2**20:,.0f} MiB, {'log OK' if mon['ok'] else 'EVIDENCE'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
