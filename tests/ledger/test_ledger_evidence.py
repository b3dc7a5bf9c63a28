"""``locate`` and bounded reads: no name a ledger can hold leads outside the evidence directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.errors import InputError
from computegov.ledger.evidence import ReadLimits, locate, read_regular_file

PARTS = ["..", ".", "a", "b", "link-out", "link-in", "", "~", "/", "\\", "etc", "x\x00y"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evidence") / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "f").write_text("inside")
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "f").write_text("outside")
    (root / "link-out").symlink_to(outside)
    (root / "a" / "link-in").symlink_to(root / "a" / "b")
    return root


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(PARTS), min_size=1, max_size=6), lead=st.booleans())
def test_no_name_resolves_outside_the_directory(tree: Path, parts: list[str], lead: bool) -> None:
    name = ("/" if lead else "") + "/".join(parts)
    loc = locate(tree, name)
    assert loc.state in ("ok", "missing", "refused")
    if loc.state != "refused":
        assert loc.path is not None and loc.path.resolve().is_relative_to(tree.resolve())
    else:
        assert loc.reason


@pytest.mark.parametrize(
    ("name", "state", "fragment"),
    [
        ("a/f", "ok", ""),
        ("a/link-in/../f", "refused", "'..'"),
        ("a/nothing", "missing", "no file"),
        ("link-out/f", "refused", "symlink"),
        ("link-out/nothing", "refused", "symlink"),
        ("/etc/passwd", "refused", "absolute"),
        ("a", "refused", "directory"),
        ("", "refused", "empty"),
    ],
)
def test_named_cases(tree: Path, name: str, state: str, fragment: str) -> None:
    loc = locate(tree, name)
    assert loc.state == state and fragment in loc.reason


def test_read_regular_file_stops_at_the_cap(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x" * 100)
    assert read_regular_file(p, 100) == b"x" * 100
    with pytest.raises(InputError, match="over the cap of 99 bytes"):
        read_regular_file(p, 99)
    with pytest.raises(InputError, match="directory"):
        read_regular_file(tmp_path, 100)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_regular_file(fifo, 100)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_read_limits_must_be_positive_whole_numbers(bad) -> None:
    with pytest.raises(InputError):
        ReadLimits(max_record_bytes=bad)
