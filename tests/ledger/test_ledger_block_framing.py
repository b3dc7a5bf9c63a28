"""The block decoder's whole-block framing and spelling tests decide exactly as the line reader.

:func:`computegov.ledger.blocks.decode_lines` checks every line's ``{"body":`` start with one
join of the lines' first 8 bytes, and every line's ``,"hash":"<its body's SHA-256>"}`` end with
one join of their last 75 bytes compared with the digests joined; it finds the bodies orjson
may spell unlike the canonical encoding with :func:`~computegov.ledger.records.spelling_suspects`
(substring tests mapped over the bodies). These tests forge lines that a dishonest writer could
try against those joins (a shifted hash field, a neighbour's hash, a tail copied into the body,
a hash in capitals, a line one byte short...) and check that the block path declines them and that
a whole scan then reports exactly what the line-at-a-time reader reports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.ledger import blocks, records
from computegov.ledger import scan as scan_module
from computegov.ledger.records import GENESIS_HASH, canonical_json
from computegov.ledger.scan import ChainScan, scan_ledger


def _line(body: bytes, digest: bytes | None = None) -> bytes:
    claimed = digest if digest is not None else hashlib.sha256(body).hexdigest().encode()
    return b'{"body":' + body + b',"hash":"' + claimed + b'"}'


def _body(seq: int, prev: str, note: str = "x") -> bytes:
    return canonical_json(
        {
            "seq": seq, "kind": "batch", "time_unix_s": 1.7e9 + seq, "prev": prev,
            "data": {"digest": note, "step": seq},
        }
    )


def _chain(n: int) -> list[bytes]:
    lines, prev = [], GENESIS_HASH
    for seq in range(n):
        body = _body(seq, prev)
        lines.append(_line(body))
        prev = hashlib.sha256(body).hexdigest()
    return lines


def _scan_both(data: bytes) -> tuple[ChainScan, ChainScan]:
    """The scan with the block decoder, and with every block read one line at a time."""
    fast = scan_ledger(data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(scan_module, "decode_lines", lambda *args: None)
        exact = scan_ledger(data)
    return fast, exact


def _digest(line: bytes) -> bytes:
    return hashlib.sha256(line[8:-75]).hexdigest().encode()


#: Ways to forge line 3 of 6 (given all six lines): each breaks the framing or the hash.
FORGERIES: dict[str, Callable[[list[bytes]], bytes]] = {
    "prefix with a space": lambda ls: ls[3].replace(b'{"body":', b'{"body" :', 1),
    "prefix in capitals": lambda ls: ls[3].replace(b'{"body":', b'{"Body":', 1),
    "space before the line": lambda ls: b" " + ls[3],
    "hash key renamed": lambda ls: ls[3][:-75] + b',"hasH":"' + ls[3][-66:],
    "hash key spaced": lambda ls: ls[3][:-75] + b',"hash": "' + ls[3][-66:],
    "hash in capitals": lambda ls: ls[3][:-66] + ls[3][-66:-2].upper() + b'"}',
    "neighbour's hash": lambda ls: ls[3][:-66] + _digest(ls[2]) + b'"}',
    "closing quote swapped": lambda ls: ls[3][:-2] + b"'}",
    "trailing space": lambda ls: ls[3] + b" ",
    "line one byte short": lambda ls: ls[3][:-1],
    "hash one digit short": lambda ls: ls[3][:-3] + b'"}',
    "hash one digit long": lambda ls: ls[3][:-2] + b'0"}',
    # the real tail, copied into the body, and a second (wrong) tail after it
    "tail inside the body": lambda ls: ls[3][:-75] + ls[3][-75:] + b',"hash":"' + b"0" * 64 + b'"}',
    # a body that ends with a forged hash field, framed by a tail hashing the whole thing
    "double tail": lambda ls: _line(ls[3][8:-75] + b',"hash":"' + _digest(ls[3]) + b'"}'),
    "tail of line 4": lambda ls: ls[3][:-75] + ls[4][-75:],
    "line 4's prefix and body": lambda ls: ls[4][:-75] + ls[3][-75:],
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_the_block_decoder_declines_each_forged_frame_and_the_scan_matches_the_line_reader(
    name,
) -> None:
    lines = _chain(6)
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20)
    forged = FORGERIES[name](lines)
    assert forged != lines[3]
    mutated = [*lines[:3], forged, *lines[4:]]
    assert blocks.decode_lines(mutated, list(map(len, mutated)), GENESIS_HASH, 0, 1 << 20) is None
    fast, exact = _scan_both(b"\n".join(mutated) + b"\n")
    assert fast == exact
    assert not fast.ok  # the line reader names a problem at or after line 3
    assert fast.problems[0].record == 3


def test_two_lines_with_swapped_tails_are_declined() -> None:
    lines = _chain(6)
    swapped = [*lines[:2], lines[2][:-75] + lines[3][-75:], lines[3][:-75] + lines[2][-75:], *lines[4:]]
    assert blocks.decode_lines(swapped, list(map(len, swapped)), GENESIS_HASH, 0, 1 << 20) is None
    fast, exact = _scan_both(b"\n".join(swapped) + b"\n")
    assert fast == exact and not fast.ok


def test_a_note_holding_a_hash_field_is_still_one_honest_record() -> None:
    """A body may hold the text ``,"hash":"...`` in a string; only the last 75 bytes frame it."""
    lines, prev = [], GENESIS_HASH
    for seq in range(4):
        body = _body(seq, prev, note=',"hash":"' + "a" * 64 + '"}\n{"body":')
        lines.append(_line(body))
        prev = hashlib.sha256(body).hexdigest()
    out = blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20)
    assert out is not None and out[0] == (0, 1, 2, 3)
    fast, exact = _scan_both(b"\n".join(lines) + b"\n")
    assert fast == exact and fast.ok and len(fast.records) == 4


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_bytes_changed_in_the_frames_give_the_line_readers_scan(data) -> None:
    lines = _chain(5)
    block = bytearray(b"\n".join(lines) + b"\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        # a byte of the line's 8-byte start or 75-byte end (or its newline)
        where = data.draw(st.sampled_from([*range(8), *range(len(lines[i]) - 75, len(lines[i]) + 1)]))
        block[starts[i] + where] = data.draw(st.sampled_from(b'{}":,\n 0aAfhbody'))
    got = bytes(block)
    fast, exact = _scan_both(got)
    assert fast == exact


_BODY_BYTES = st.binary(max_size=40) | st.lists(
    st.sampled_from([b"+", b"-", b"e", b"e-", b".", b"0", b".0000", b"0.000", b"1", b'"']),
    max_size=12,
).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_BODY_BYTES, max_size=12))
def test_spelling_suspects_are_exactly_the_bodies_orjson_may_misspell(bodies) -> None:
    want = [i for i, body in enumerate(bodies) if records.orjson_spelling_differs(body)]
    assert records.spelling_suspects(bodies) == want


@pytest.mark.parametrize(
    "text", [b"", b"+", b"-", b"e", b"e-", b"-e", b".0000", b".000", b"0.0001", b"1e-07", b"x.0000"]
)
def test_orjson_spelling_differs_keeps_its_rule(text) -> None:
    want = b"+" in text or b"e-" in text or b".0000" in text
    assert records.orjson_spelling_differs(text) is want


#: Line 3's body rewritten (canonical, correctly hashed and linked), with other keys than the five.
KEY_FORGERIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "an extra key": lambda b: {**b, "zeta": 1},
    "an extra key sorted first": lambda b: {**b, "aaa": 1},
    "seq renamed": lambda b: {**{k: v for k, v in b.items() if k != "seq"}, "Seq": b["seq"]},
    "seq missing, an extra key": lambda b: {**{k: v for k, v in b.items() if k != "seq"}, "sex": b["seq"]},
    "data missing": lambda b: {k: v for k, v in b.items() if k != "data"},
    "kind and data swapped": lambda b: {**b, "kind": b["data"], "data": b["kind"]},
}


@pytest.mark.parametrize("name", sorted(KEY_FORGERIES))
def test_the_block_decoder_declines_bodies_with_other_keys(name) -> None:
    lines, prev = [], GENESIS_HASH
    for seq in range(6):
        fields = {
            "seq": seq, "kind": "batch", "time_unix_s": 1.7e9 + seq, "prev": prev,
            "data": {"digest": "x", "step": seq},
        }
        body = canonical_json(KEY_FORGERIES[name](fields) if seq == 3 else fields)
        lines.append(_line(body))
        prev = hashlib.sha256(body).hexdigest()
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20) is None
    fast, exact = _scan_both(b"\n".join(lines) + b"\n")
    assert fast == exact
    assert not fast.ok and fast.problems[0].record == 3
