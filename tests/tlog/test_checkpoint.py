"""C2SP checkpoints and cosignatures: the spec's examples, signing, k-of-n witnesses, freshness.

The example checkpoint and cosignature line are copied from c2sp.org/tlog-checkpoint and
c2sp.org/tlog-cosignature (github.com/C2SP/C2SP, read 2026-12-07).
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.tlog.checkpoint import (
    Checkpoint,
    LogKey,
    open_checkpoint,
    parse_checkpoint_text,
    parse_log_key,
    sign_checkpoint,
)
from computegov.tlog.cosignature import CosignatureSigner, cosigned_message, signature_timestamp
from computegov.tlog.errors import LogProofError
from computegov.tlog.merkle import EMPTY_ROOT
from computegov.tlog.note import parse_note
from computegov.tlog.vkey import parse_vkey

SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo"
    "+zyWE+xeMcTOAYQ8=\n"
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo"
    "0xUe+mbIUBkBIfZ+qnA==\n")


def _key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"seed%d" % seed).digest())


def test_spec_example_checkpoint_parses_to_its_three_lines():
    note = parse_note(SPEC_CHECKPOINT)
    cp = parse_checkpoint_text(note.text)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.text() == note.text


def test_spec_example_cosignature_carries_the_spec_timestamp():
    sig = parse_note(SPEC_CHECKPOINT).signatures[1]
    assert sig.name == "witness.example.com/w1"
    assert signature_timestamp(sig) == 1679315147  # "time 1679315147" in the spec's signed-message example
    text = parse_note(SPEC_CHECKPOINT).text
    assert cosigned_message(text, 1679315147).decode().startswith("cosignature/v1\ntime 1679315147\nexample.com/")


@pytest.mark.parametrize("text", ["o\n01\n" + base64.b64encode(b"x" * 32).decode() + "\n", "o\n1\nAAAA\n",
                                  "o\n1\n", "o\n0\n" + base64.b64encode(b"x" * 32).decode() + "\n",
                                  "o\n1\n" + base64.b64encode(b"x" * 32).decode() + "\n\n"])
def test_malformed_checkpoint_text_is_refused(text):
    with pytest.raises(LogProofError):
        parse_checkpoint_text(text)


def test_signed_checkpoint_opens_with_log_key_and_reports_its_time():
    key = _key(1)
    cp = Checkpoint("example.org/log", 5, hashlib.sha256(b"r").digest())
    note = sign_checkpoint(key, cp, 1_700_000_000)
    pub = LogKey(CosignatureSigner("x", key).public_key)
    opened = open_checkpoint(note, pub, now_s=1_700_000_100, max_age_s=600)
    assert (opened.size, opened.timestamp_s, opened.cosigners) == (5, 1_700_000_000, ())
    assert parse_log_key(pub.vkey("example.org/log")).origin == "example.org/log"
    assert parse_log_key(pub.public_key_hex()).public_key == pub.public_key
    assert parse_log_key(f"  {pub.public_key_hex().upper()}\n").public_key == pub.public_key
    with pytest.raises(LogProofError, match=r"no signature by the pinned log key|no verifiable"):
        open_checkpoint(note, LogKey(CosignatureSigner("x", _key(2)).public_key))


def test_a_log_key_file_whose_path_is_64_characters_long_is_read(tmp_path, monkeypatch):
    pub = LogKey(CosignatureSigner("x", _key(1)).public_key)
    monkeypatch.chdir(tmp_path)
    path = "a" * 60 + ".key"  # as long as a hex key, and hex-looking up to its suffix
    (tmp_path / path).write_text(pub.public_key_hex() + "\n")
    assert parse_log_key(path).public_key == pub.public_key


def test_stale_and_future_checkpoints_are_evidence():
    key = _key(1)
    note = sign_checkpoint(key, Checkpoint("o", 0, EMPTY_ROOT), 1_000)
    pub = LogKey(CosignatureSigner("x", key).public_key)
    with pytest.raises(LogProofError, match="more than") as stale:
        open_checkpoint(note, pub, now_s=10_000, max_age_s=60)
    assert stale.value.mismatch
    with pytest.raises(LogProofError, match="future") as future:
        open_checkpoint(note, pub, now_s=1)
    assert future.value.mismatch


def test_k_of_n_witness_cosignatures_are_counted_by_distinct_trusted_witness():
    key = _key(1)
    cp = Checkpoint("o", 3, hashlib.sha256(b"r").digest())
    w1, w2, w3 = (CosignatureSigner(f"w{i}.example", _key(10 + i)) for i in (1, 2, 3))
    note = sign_checkpoint(key, cp, 100)
    with_cosigs = note + w1.sign(cp.text(), 101).line() + w2.sign(cp.text(), 102).line()
    pub = LogKey(CosignatureSigner("x", key).public_key)
    trusted = [w1.verifier(), w2.verifier(), w3.verifier()]
    got = open_checkpoint(with_cosigs, pub, witnesses=trusted, min_witnesses=2)
    assert got.cosigners == (("w1.example", 101), ("w2.example", 102))
    with pytest.raises(LogProofError, match="2 of the 3") as short:
        open_checkpoint(with_cosigs, pub, witnesses=trusted, min_witnesses=3)
    assert short.value.mismatch
    vkey = w1.verifier().vkey()
    assert parse_vkey(vkey) == w1.verifier()
