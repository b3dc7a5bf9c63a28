"""The guarded reader: regular files only, a size cap, JSON/CSV/YAML parsed with limits."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.errors import DataError, InputError
from computegov.inputfiles import (
    MAX_INPUT_BYTES_ENV,
    check_input_file,
    csv_dict_rows,
    json_nesting_depth,
    max_input_bytes,
    parse_json_text,
    read_input_bytes,
    read_input_json,
    read_input_text,
)

pytestmark = pytest.mark.timeout(20, method="signal")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match=r"pipe: is a FIFO \(named pipe\), not a regular file"):
        read_input_bytes(fifo)
    with pytest.raises(DataError, match="FIFO"):
        check_input_file(fifo)


def test_devices_directories_and_sockets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="character device"):
        read_input_text("/dev/zero")
    with pytest.raises(DataError, match="directory"):
        read_input_text(tmp_path)
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(DataError, match="socket"):
            read_input_text(sock_path)


def test_a_missing_file_and_an_empty_name_say_so(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_input_text(tmp_path / "nope.json", what="state file")
    with pytest.raises(DataError, match="empty file name"):
        read_input_text("")


def test_the_cap_comes_from_the_argument_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 1000)
    assert read_input_bytes(path, max_bytes=1000) == b"x" * 1000
    with pytest.raises(DataError, match="1,000 bytes, larger than 999 bytes"):
        read_input_bytes(path, max_bytes=999)
    monkeypatch.setenv(MAX_INPUT_BYTES_ENV, "500")
    assert max_input_bytes() == 500
    with pytest.raises(DataError, match=MAX_INPUT_BYTES_ENV):
        read_input_bytes(path)
    monkeypatch.setenv(MAX_INPUT_BYTES_ENV, "lots")
    with pytest.raises(InputError, match=MAX_INPUT_BYTES_ENV):
        max_input_bytes()
    with pytest.raises(InputError):
        max_input_bytes(0)


def test_text_is_utf8_with_an_optional_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfname\n")
    assert read_input_text(path) == "name\n"
    path.write_bytes(b"ab\xff")
    with pytest.raises(DataError, match="byte 2 is 0xff"):
        read_input_text(path)


@settings(max_examples=40, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=20))
def test_nesting_depth_matches_the_structure(value: object) -> None:
    def depth(obj: object) -> int:
        if isinstance(obj, list):
            return 1 + max((depth(v) for v in obj), default=0)
        if isinstance(obj, dict):
            return 1 + max((depth(v) for v in obj.values()), default=0)
        return 0

    assert json_nesting_depth(json.dumps(value)) == depth(value)


def test_deep_json_is_refused_before_the_decoder_recurses() -> None:
    text = "[" * 200_000 + "]" * 200_000
    with pytest.raises(DataError, match="nested 200,000 levels deep, over the limit of 100"):
        parse_json_text(text, path="deep.json")
    assert parse_json_text("[" * 100 + "]" * 100, path="ok.json") is not None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "Infinity is not a JSON number"),
        ('{"a": 1e999}', "overflows to infinity"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": ', "not valid JSON: Expecting value (line 1, column 7)"),
    ],
)
def test_json_that_would_mean_two_things_or_infinity_is_refused(text: str, reason: str) -> None:
    with pytest.raises(DataError) as caught:
        parse_json_text(text, path="x.json")
    assert reason in str(caught.value)
    assert str(caught.value).startswith("x.json: ")


def test_read_input_json_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"n": 1.5}', encoding="utf-8")
    assert read_input_json(path) == {"n": 1.5}


def test_csv_rows_are_numbered_as_a_spreadsheet_and_errors_name_the_row() -> None:
    header, rows = csv_dict_rows("a,b\n1,2\n3,4\n", path="t.csv")
    assert header == ["a", "b"]
    assert list(rows) == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]
    _, rows = csv_dict_rows('a,b\n1,2\n"' + "z" * 200_000 + '",3\n', path="t.csv")
    with pytest.raises(DataError, match=r"t.csv row 3: malformed CSV: a field is longer than"):
        list(rows)
