"""Property: any single changed, deleted or reordered leaf makes the monitor fail (in-memory log)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.registry import treehead
from computegov.registry.monitor import run_monitor
from computegov.tlog import merkle
from computegov.tlog.checkpoint import Checkpoint, sign_checkpoint

KEY = Ed25519PrivateKey.generate()


def _server(entries: list[bytes]) -> Any:
    """A registry serving ``entries`` honestly from its own tree (what a tampered database would serve)."""
    leaves = [merkle.leaf_hash(e) for e in entries]
    n = len(leaves)
    nodes = {(0, i): h for i, h in enumerate(leaves)}
    level = 0
    while (2 << level) <= n:
        for i in range(n >> (level + 1)):
            nodes[(level + 1, i)] = merkle.node_hash(nodes[(level, 2 * i)], nodes[(level, 2 * i + 1)])
        level += 1
    head = treehead.sign_tree_head(KEY, n, merkle.root_from_leaf_hashes(leaves), 1_700_000_000_000 + n)
    note = sign_checkpoint(KEY, Checkpoint("mem.example/log", n, merkle.root_from_leaf_hashes(leaves)),
                           1_700_000_000 + n)

    def fetch(path: str) -> tuple[int, bytes]:
        route, _, query = path.partition("?")
        q = dict(p.split("=") for p in query.split("&")) if query else {}
        if route == "/api/v1/log/checkpoint":
            return 200, note.encode()
        if route == "/api/v1/log/sth":
            body: Any = head.to_dict()
        elif route == "/api/v1/log/leaves":
            a, b = int(q["start"]), min(int(q["end"]), n)
            body = {"leaves": [{"leaf_index": i, "kind": "event", "subject": "s", "entry": entries[i].decode(),
                                "leaf_hash": leaves[i].hex()} for i in range(a, b)]}
        elif route == "/api/v1/log/heads":
            body = {"heads": [head.to_dict()]}
        elif route == "/api/v1/log/proof/inclusion":
            index, size = int(q["index"]), int(q["tree_size"])
            path_ = merkle.proof_from_lookup(merkle.inclusion_pieces(index, size), nodes)
            body = {"audit_path": [h.hex() for h in path_]}
        elif route == "/api/v1/log/proof/consistency":
            path_ = merkle.proof_from_lookup(merkle.consistency_pieces(int(q["first"]), int(q["second"])), nodes)
            body = {"consistency_path": [h.hex() for h in path_]}
        else:
            return 404, b"{}"
        return 200, json.dumps(body).encode()

    return fetch


def _entries(n: int) -> list[bytes]:
    return [json.dumps({"i": i}).encode() for i in range(n)]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 60).flatmap(lambda n: st.tuples(
    st.just(n), st.sampled_from(["change", "delete", "swap"]), st.integers(0, n - 2))))
def test_a_monitor_that_saw_the_log_catches_any_single_tampered_leaf(case: tuple[int, str, int]) -> None:
    n, how, i = case
    honest = _entries(n)
    first = run_monitor(_server(honest), "mem", None, pin_key=KEY.public_key(), check_served=False)
    assert first.ok
    tampered = list(honest)
    if how == "change":
        tampered[i] = b'{"i":"changed"}'
    elif how == "delete":
        del tampered[i]
    else:
        tampered[i], tampered[i + 1] = tampered[i + 1], tampered[i]
    tampered.append(b'{"i":"new"}')  # the registry keeps growing after the edit
    again = run_monitor(_server(tampered), "mem", first.state, check_served=False)
    assert not again.ok, (how, i, n)
    fresh = run_monitor(_server(tampered), "mem", None, pin_key=KEY.public_key(), check_served=False)
    assert fresh.ok  # a newcomer cannot tell: the evidence needs a tree head seen before the edit


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 60), st.integers(1, 20))
def test_an_honest_growing_log_always_passes(n: int, more: int) -> None:
    entries = _entries(n + more)
    first = run_monitor(_server(entries[:n]), "mem", None, pin_key=KEY.public_key(), check_served=False)
    again = run_monitor(_server(entries), "mem", first.state, check_served=False)
    assert first.ok and again.ok and again.leaves_audited == more
