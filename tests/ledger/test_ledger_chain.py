"""The hash chain: encoding, scanning, torn-tail recovery, fsync batching."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.errors import ChainBrokenError, LedgerError
from computegov.ledger.chain import Ledger, head_message, scan_ledger
from computegov.ledger.records import GENESIS_HASH, decode_line, encode_record
from computegov.ledger.signing import Signer

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def _ledger_bytes(datas: list[dict]) -> bytes:
    out = b""
    prev = GENESIS_HASH
    for i, d in enumerate(datas):
        rec, line = encode_record(i, "meta" if i == 0 else "batch", 1.0 + i, prev, d)
        prev = rec.hash
        out += line
    return out


def test_line_hash_is_sha256_of_the_body_bytes() -> None:
    rec, line = encode_record(0, "meta", 12.5, GENESIS_HASH, {"a": 1})
    body = (
        b'{"data":{"a":1},"kind":"meta","prev":"'
        + GENESIS_HASH.encode()
        + b'","seq":0,"time_unix_s":12.5}'
    )
    assert (
        line
        == b'{"body":' + body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}\n'
    )
    assert rec.hash == hashlib.sha256(body).hexdigest()
    assert json.loads(line)["body"]["data"] == {"a": 1}  # every line is plain JSON
    assert decode_line(line[:-1]) == rec


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.dictionaries(st.text(max_size=6), json_values, max_size=4), min_size=1, max_size=6)
)
def test_any_ledger_survives_serialise_then_scan(datas: list[dict]) -> None:
    scan = scan_ledger(_ledger_bytes(datas))
    assert scan.ok
    assert [r.data for r in scan.records] == [json.loads(json.dumps(d)) for d in datas]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_flipping_any_byte_breaks_the_scan(data: st.DataObject) -> None:
    raw = bytearray(_ledger_bytes([{"x": 1}, {"y": [1, 2]}, {"z": "w"}]))
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] ^= data.draw(st.integers(1, 255))
    assert not scan_ledger(bytes(raw)).ok


def test_scan_names_record_and_offset_of_a_broken_link() -> None:
    raw = _ledger_bytes([{"i": 0}, {"i": 1}, {"i": 2}, {"i": 3}])
    lines = raw.splitlines(keepends=True)
    bad = lines[0] + lines[1] + lines[3]  # record 2 deleted
    scan = scan_ledger(bad)
    link = [p for p in scan.problems if p.kind == "link"]
    assert link[0].record == 2
    assert link[0].offset_bytes == len(lines[0]) + len(lines[1])


def test_partial_last_line_is_reported_as_torn_tail() -> None:
    raw = _ledger_bytes([{"i": 0}, {"i": 1}])
    committed = len(raw)
    scan = scan_ledger(raw + b'{"body":{"da')
    assert [p.kind for p in scan.problems] == ["torn"]
    assert scan.problems[0].offset_bytes == committed
    assert scan.committed_bytes == committed


def test_reopen_drops_torn_tail_and_keeps_committed_records(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    with Ledger.create(path, {"run": 1}) as led:
        for i in range(5):
            led.append("batch", {"step": i, "digest": "d"})
    size = path.stat().st_size
    tail = b'{"body":{"data":{"step":5'
    with open(path, "ab") as fh:
        fh.write(tail)
    led2, rec = Ledger.open(path)
    assert (
        rec.records_kept == 6
        and rec.dropped_bytes == len(tail)
        and rec.dropped_offset_bytes == size
    )
    assert path.stat().st_size == size
    led2.append("batch", {"step": 5, "digest": "d"})
    led2.close()
    scan = scan_ledger(path.read_bytes())
    assert scan.ok and len(scan.records) == 7


def test_reopen_refuses_a_ledger_damaged_before_its_tail(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    with Ledger.create(path, {}) as led:
        led.append("batch", {"step": 0, "digest": "a"})
        led.append("batch", {"step": 1, "digest": "b"})
    raw = bytearray(path.read_bytes())
    raw[raw.index(b'"digest":"a"') + 10] = ord("x")
    path.write_bytes(bytes(raw))
    with pytest.raises(ChainBrokenError, match="record 1"):
        Ledger.open(path)


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    Ledger.create(path, {}).close()
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.create(path, {})


def test_fsync_batching_commits_every_n_records(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    led = Ledger.create(path, {}, fsync_every=4)
    assert led.committed_seq == 0
    for i in range(3):
        led.append("batch", {"step": i, "digest": "d"})
    assert led.committed_seq == 0
    assert len(scan_ledger(path.read_bytes()).records) == 1  # buffered, not yet written
    led.append("batch", {"step": 3, "digest": "d"})
    assert led.committed_seq == 4
    assert len(scan_ledger(path.read_bytes()).records) == 5
    led.close()


def test_signed_heads_cover_the_record_before(tmp_path: Path) -> None:
    signer = Signer.generate()
    path = tmp_path / "l.jsonl"
    led = Ledger.create(path, {}, signer=signer, sign_every=3)
    for i in range(7):
        led.append("batch", {"step": i, "digest": "d"})
    led.close()
    recs = scan_ledger(path.read_bytes()).records
    heads = [i for i, r in enumerate(recs) if r.kind == "head"]
    assert heads == [3, 7]  # after records 1-3 (meta excluded) and 4-6
    import base64

    for i in heads:
        prev = recs[i - 1]
        signer.public_key.verify(
            base64.b64decode(recs[i].data["sig"]), head_message(prev.hash, prev.seq)
        )
