"""Reading users' text files: UTF-8 or a DataError naming the file and the first bad byte."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.catalog.textfile import decode_utf8, read_text
from computegov.errors import DataError


def test_a_byte_order_mark_is_dropped_and_offsets_still_count_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"name\n")
    assert read_text(path) == "name\n"
    path.write_bytes(codecs.BOM_UTF8 + b"ab\xe9")
    with pytest.raises(DataError, match=r"byte 5 is 0xe9"):
        read_text(path)


@given(prefix=st.text(max_size=30), bad=st.sampled_from([b"\xff", b"\xfe", b"\xc0\x80", b"\x80"]))
def test_the_reported_offset_is_the_first_undecodable_byte(prefix: str, bad: bytes) -> None:
    data = prefix.encode("utf-8") + bad + b"tail"
    expected = len(prefix.encode("utf-8"))
    with pytest.raises(DataError) as caught:
        decode_utf8(data, path="f.txt")
    assert f"byte {expected} is 0x{bad[0]:02x}" in str(caught.value)
    assert caught.value.path == "f.txt"


def test_line_by_line_offsets_are_from_the_start_of_the_file() -> None:
    with pytest.raises(DataError, match=r"row 3: not UTF-8 text: byte 107 "):
        decode_utf8(b"ab\xffc", path="r.jsonl", offset_bytes=105, row=3)


def test_folders_missing_and_oversized_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a directory"):
        read_text(tmp_path)
    with pytest.raises(DataError, match="cannot read the file"):
        read_text(tmp_path / "missing.csv")
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 101)
    with pytest.raises(DataError, match="larger than 100 bytes"):
        read_text(big, max_bytes=100)
    assert read_text(big, max_bytes=101) == "x" * 101


def test_a_device_is_refused_without_reading_it() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(DataError, match="not a regular file"):
        read_text("/dev/zero")
