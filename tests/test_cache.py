"""The results cache: keyed by inputs and code, JSON only, atomic, a bad file is a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from computegov.cache import ResultCache, cache_dir, code_digest, digest_of


def test_a_value_comes_back_only_under_its_own_key(tmp_path: Path) -> None:
    c = ResultCache("t", root=tmp_path)
    k1, k2 = c.key(seed=1, catalog="abc"), c.key(seed=2, catalog="abc")
    assert k1 != k2 and c.key(catalog="abc", seed=1) == k1  # order of inputs does not matter
    c.put(k1, {"html": "<p>x</p>", "order": 3})
    assert c.get(k1) == {"html": "<p>x</p>", "order": 3}
    assert c.get(k2) is None
    assert (c.hits, c.misses) == (1, 1)


def test_an_unreadable_entry_is_a_miss_and_no_temp_files_stay(tmp_path: Path) -> None:
    c = ResultCache("t", root=tmp_path)
    k = c.key(x=1)
    c.put(k, [1, 2, 3])
    (c.folder / f"{k}.json").write_bytes(b'{"torn')  # a crash of another writer, a bad disk
    assert c.get(k) is None
    c.put(k, [1, 2, 3])
    assert c.get(k) == [1, 2, 3]
    assert [p.name for p in c.folder.iterdir()] == [f"{k}.json"]


def test_disabled_cache_stores_and_returns_nothing(tmp_path: Path) -> None:
    c = ResultCache("t", root=tmp_path, enabled=False)
    c.put("k", 1)
    assert c.get("k") is None and not c.folder.exists()


def test_clear_removes_every_entry(tmp_path: Path) -> None:
    c = ResultCache("t", root=tmp_path)
    for i in range(3):
        c.put(c.key(i=i), i)
    assert c.count() == 3 and c.size_bytes() > 0
    left = c.folder / f".{c.key(i=9)}.json.0123456789abcdef.tmp"  # a write killed before its rename
    left.write_bytes(b'{"half')
    assert c.count() == 3  # not a stored value
    assert c.clear() == 3 and c.count() == 0
    assert list(c.folder.iterdir()) == []  # the leftover went with the namespace


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"


def test_keys_cover_the_code_and_the_inputs() -> None:
    assert len(code_digest()) == 64
    assert digest_of({"a": 1, "b": [1.5, None]}) == digest_of({"b": [1.5, None], "a": 1})
    assert digest_of({"a": 1}) != digest_of({"a": 1.0000001})
