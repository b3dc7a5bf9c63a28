"""Two C2SP witnesses on loopback HTTP: they cosign a growing log and refuse a fork."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.tlog import merkle
from computegov.tlog.checkpoint import Checkpoint, LogKey, open_checkpoint, sign_checkpoint
from computegov.tlog.cosignature import CosignatureSigner
from computegov.tlog.witness import Witness, add_checkpoint_request
from computegov.tlog.witness_client import (
    WitnessEndpoint,
    post_add_checkpoint,
    request_cosignatures,
)
from computegov.tlog.witness_server import serve_in_thread

ORIGIN = "test.example/log"


def _key(tag: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(tag).digest())


class FakeLog:
    """A log in memory: entries, checkpoints signed at a fixed clock."""

    def __init__(self, key: Ed25519PrivateKey, entries: list[bytes]) -> None:
        self.key, self.hashes = key, [merkle.leaf_hash(e) for e in entries]

    def root(self, n: int) -> bytes:
        return merkle.root_from_leaf_hashes(self.hashes[:n])

    def note(self, n: int, ts: int = 1000) -> str:
        return sign_checkpoint(self.key, Checkpoint(ORIGIN, n, self.root(n)), ts)

    def proof(self, old: int, new: int) -> list[bytes]:
        lookup = {}
        for group in merkle.consistency_pieces(old, new):
            for lvl, i in group:
                lookup[(lvl, i)] = merkle.root_from_leaf_hashes(self.hashes[i << lvl:(i + 1) << lvl])
        return merkle.proof_from_lookup(merkle.consistency_pieces(old, new), lookup)


@pytest.fixture()
def witnesses(tmp_path):
    log_key = _key(b"log")
    trusted = {ORIGIN: LogKey(CosignatureSigner("x", log_key).public_key)}
    servers, endpoints = [], []
    for i in (1, 2):
        signer = CosignatureSigner(f"w{i}.test", _key(b"w%d" % i))
        server, url = serve_in_thread(Witness(signer, trusted, tmp_path / f"w{i}.json", clock=lambda: 5000))
        servers.append(server)
        endpoints.append(WitnessEndpoint(url, signer.verifier()))
    yield log_key, endpoints
    for s in servers:
        s.shutdown()
        s.server_close()


def test_two_witnesses_cosign_a_growing_log_and_the_client_requires_both(witnesses):
    log_key, endpoints = witnesses
    log = FakeLog(log_key, [b"e%d" % i for i in range(9)])
    pub = LogKey(CosignatureSigner("x", log_key).public_key)
    sizes: dict[str, int] = {}
    for n in (3, 9):
        note = log.note(n)
        got = request_cosignatures(note, n, endpoints, lambda old, n=n: log.proof(old, n), old_sizes=sizes)
        assert [o.status for o in got] == [200, 200], [o.message for o in got]
        sizes = {o.witness: n for o in got}
        cosigned = note + "".join(o.cosignature.line() for o in got if o.cosignature)
        opened = open_checkpoint(cosigned, pub, witnesses=[e.verifier for e in endpoints], min_witnesses=2)
        assert [name for name, _ in opened.cosigners] == ["w1.test", "w2.test"]


def test_witnesses_refuse_a_fork_and_report_their_size_on_conflict(witnesses):
    log_key, endpoints = witnesses
    honest = FakeLog(log_key, [b"e%d" % i for i in range(6)])
    got = request_cosignatures(honest.note(4), 4, endpoints, lambda old: honest.proof(old, 4))
    assert [o.status for o in got] == [200, 200]
    fork = FakeLog(log_key, [b"e0", b"e1", b"EDITED", b"e3", b"e4", b"e5"])  # same key, rewritten entry 2
    refused = request_cosignatures(fork.note(6), 6, endpoints, lambda old: fork.proof(old, 6),
                                   old_sizes={e.verifier.name: 4 for e in endpoints})
    assert [o.status for o in refused] == [422, 422]
    assert all(o.cosignature is None for o in refused)
    same_size = post_add_checkpoint(endpoints[0].url, add_checkpoint_request(4, [], fork.note(4)))
    assert same_size[0] == 422
    stale = post_add_checkpoint(endpoints[0].url, add_checkpoint_request(0, [], honest.note(6)))
    assert stale[0] == 409 and stale[1].startswith("text/x.tlog.size") and stale[2] == b"4\n"


def test_witness_answers_404_for_unknown_origin_403_for_bad_signature_400_for_old_above_new(witnesses):
    log_key, endpoints = witnesses
    other = sign_checkpoint(log_key, Checkpoint("other.example/log", 0, merkle.EMPTY_ROOT), 1)
    assert post_add_checkpoint(endpoints[0].url, add_checkpoint_request(0, [], other))[0] == 404
    forged = sign_checkpoint(_key(b"not the log"), Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT), 1)
    assert post_add_checkpoint(endpoints[0].url, add_checkpoint_request(0, [], forged))[0] == 403
    log = FakeLog(log_key, [b"a"])
    assert post_add_checkpoint(endpoints[0].url, add_checkpoint_request(5, [], log.note(1)))[0] == 400
    assert post_add_checkpoint(endpoints[0].url, b"garbage")[0] == 400


def test_witness_state_survives_a_restart(tmp_path):
    log_key = _key(b"log")
    trusted = {ORIGIN: LogKey(CosignatureSigner("x", log_key).public_key)}
    signer = CosignatureSigner("w.test", _key(b"w"))
    log = FakeLog(log_key, [b"a", b"b", b"c"])
    first = Witness(signer, trusted, tmp_path / "w.json", clock=lambda: 7)
    assert first.add_checkpoint(add_checkpoint_request(0, [], log.note(2))).status == 200
    again = Witness(signer, trusted, tmp_path / "w.json", clock=lambda: 8)
    assert again.latest(ORIGIN) == (2, log.root(2))
    assert again.add_checkpoint(add_checkpoint_request(0, [], log.note(3))).status == 409
