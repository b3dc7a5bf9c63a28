"""Durable atomic writes: whole old file or whole new file, unique temporary names, fsyncs, clear refusals."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from computegov.durable import AtomicFile, atomic_writer, fsync_directory, write_atomic


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_bytes_and_text_are_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    assert write_atomic(target, b"\x00\xffbinary") == target
    assert target.read_bytes() == b"\x00\xffbinary"
    write_atomic(target, "gr\u00fc\u00dfe\n")
    assert target.read_bytes() == "gr\u00fc\u00dfe\n".encode()
    write_atomic(target, "caf\u00e9", encoding="latin-1")
    assert target.read_bytes() == b"caf\xe9"
    assert _names(tmp_path) == ["state.json"]


def test_a_new_file_gets_open_s_mode_or_the_given_one_and_an_old_file_keeps_its_own(tmp_path: Path) -> None:
    old_umask = os.umask(0o027)
    try:
        plain = write_atomic(tmp_path / "plain", b"x")
        assert stat.S_IMODE(plain.stat().st_mode) == 0o640  # 0o666 less the umask, as open() gives
    finally:
        os.umask(old_umask)
    given = write_atomic(tmp_path / "given", b"x", mode=0o604)
    assert stat.S_IMODE(given.stat().st_mode) == 0o604  # exactly the mode asked for, umask or not
    given.chmod(0o600)
    write_atomic(given, b"y", mode=0o644)
    assert stat.S_IMODE(given.stat().st_mode) == 0o600  # an existing file keeps its mode
    write_atomic(given, b"z", mode=0o644, keep_mode=False)
    assert stat.S_IMODE(given.stat().st_mode) == 0o644
    given.chmod(0o4755)
    write_atomic(given, b"w")
    assert stat.S_IMODE(given.stat().st_mode) == 0o755  # permission bits only, never set-user-ID


def test_concurrent_writers_use_unique_temporary_names_and_one_of_them_wins_whole(tmp_path: Path) -> None:
    target = tmp_path / "ledger.json"
    n = 8
    barrier = threading.Barrier(n)
    temps: list[Path] = []
    errors: list[BaseException] = []
    payloads = [bytes([65 + i]) * 100_000 for i in range(n)]

    def writer(i: int) -> None:
        try:
            pending = AtomicFile(target)
            temps.append(pending.tmp)
            pending.file.write(payloads[i][:50_000])
            barrier.wait(timeout=10)  # every writer holds its temporary file open at once
            pending.file.write(payloads[i][50_000:])
            pending.commit()
        except BaseException as err:  # reported to the main thread below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(set(temps)) == n and all(t.parent == tmp_path for t in temps)
    assert target.read_bytes() in payloads
    assert _names(tmp_path) == ["ledger.json"]


@pytest.mark.parametrize("where", ["write", "fsync", "chmod", "replace", "interrupt"])
def test_a_failure_mid_write_leaves_the_old_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    target = tmp_path / "registry.db"
    target.write_bytes(b"old content")
    target.chmod(0o640)

    def fail(*_a: Any, **_k: Any) -> None:
        raise OSError(errno.EIO, "injected")

    if where in {"fsync", "chmod", "replace"}:
        monkeypatch.setattr(os, where, fail)
    with pytest.raises(KeyboardInterrupt if where == "interrupt" else OSError), atomic_writer(target) as fh:
        fh.write(b"new con")
        if where == "write":
            fail()
        if where == "interrupt":
            raise KeyboardInterrupt
        fh.write(b"tent")
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert _names(tmp_path) == ["registry.db"]
    assert write_atomic(target, b"new content").read_bytes() == b"new content"  # nothing left locked


def test_a_text_that_cannot_be_encoded_touches_nothing(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "\u20ac", encoding="ascii")
    assert target.read_text() == "old" and _names(tmp_path) == ["t.txt"]


def test_the_file_and_its_directory_are_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[tuple[int, int, int]] = []  # (inode, mode, size in bytes)
    real = os.fsync

    def record(fd: int) -> None:
        st = os.fstat(fd)
        synced.append((st.st_ino, st.st_mode, st.st_size))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    target = write_atomic(tmp_path / "log.state", b"payload")
    folder = tmp_path.stat().st_ino
    files = [(ino, size) for ino, mode, size in synced if stat.S_ISREG(mode)]
    assert files == [(target.stat().st_ino, len(b"payload"))]  # the whole data, fsynced before the rename
    assert [ino for ino, mode, _ in synced if stat.S_ISDIR(mode)] == [folder]
    assert stat.S_ISDIR(synced[-1][1])  # the directory last, after the rename


def test_a_directory_fsync_the_filesystem_refuses_is_skipped_but_an_io_error_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.fsync
    code = errno.EINVAL

    def refuse_directories(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(code, "no")
        real(fd)

    monkeypatch.setattr(os, "fsync", refuse_directories)
    assert write_atomic(tmp_path / "a", b"1").read_bytes() == b"1"
    code = errno.EIO
    with pytest.raises(OSError, match="no"):
        fsync_directory(tmp_path)


@pytest.mark.timeout(20)
def test_a_fifo_at_the_target_is_refused_without_opening_it(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="FIFO") as caught:
        write_atomic(fifo, b"x")
    assert caught.value.filename == str(fifo) and caught.value.errno == errno.EINVAL
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and _names(tmp_path) == ["pipe"]


def test_a_directory_at_the_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory") as caught:
        write_atomic(tmp_path / "d", b"x")
    assert caught.value.filename == str(tmp_path / "d")
    assert _names(tmp_path) == ["d"] and _names(tmp_path / "d") == []


def test_a_missing_directory_is_the_usual_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(tmp_path / "nope" / "f", b"x")
    assert caught.value.filename == str(tmp_path / "nope" / "f")  # the caller's path, not the temporary name


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_bytes(b"kept")
    link = tmp_path / "link"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert not link.is_symlink() and link.read_bytes() == b"new" and real.read_bytes() == b"kept"


def test_the_streaming_writer_commits_on_success_and_discards_on_error(tmp_path: Path) -> None:
    target = tmp_path / "m.leaves"
    with atomic_writer(target) as fh:
        for i in range(1000):
            fh.write(bytes([i % 256]) * 32)
        assert not target.exists()  # nothing is visible before the block ends
    assert target.stat().st_size == 32_000
    with pytest.raises(ValueError, match="stop"), atomic_writer(target) as fh:
        fh.write(b"partial")
        raise ValueError("stop")
    assert target.stat().st_size == 32_000 and _names(tmp_path) == ["m.leaves"]


def test_an_atomic_file_can_be_discarded_without_an_error_and_stays_so(tmp_path: Path) -> None:
    target = tmp_path / "x"
    target.write_bytes(b"old")
    pending = AtomicFile(target)
    pending.file.write(b"new")
    pending.discard()
    pending.discard()
    with pytest.raises(ValueError, match="discarded"):
        pending.commit()
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["x"]
    done = AtomicFile(target)
    done.file.write(b"new")
    assert done.commit() == done.commit() == target
    done.discard()
    assert target.read_bytes() == b"new" and _names(tmp_path) == ["x"]


def test_the_log_monitor_keeps_its_old_leaf_hashes_when_a_pass_fails_mid_stream(tmp_path: Path) -> None:
    """A malformed page (an error, not evidence) must not cut the kept hashes down to the entries read so far."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from computegov.tlog import merkle
    from computegov.tlog.checkpoint import Checkpoint, LogKey, sign_checkpoint
    from computegov.tlog.cosignature import CosignatureSigner
    from computegov.tlog.errors import LogProofError
    from computegov.tlog.monitor import LeafHashFile, check_log

    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"durable-monitor").digest())
    entries = [b"entry %d" % i for i in range(10)]

    class Source:
        def __init__(self, n: int, fail_from: int | None = None) -> None:
            self.n, self.fail_from = n, fail_from

        def checkpoint(self) -> str:
            root = merkle.root_from_leaf_hashes([merkle.leaf_hash(e) for e in entries[: self.n]])
            return sign_checkpoint(key, Checkpoint("mem/log", self.n, root), 1000 + self.n)

        def entries(self, start: int, end: int) -> list[bytes]:
            if self.fail_from is not None and start >= self.fail_from:
                raise LogProofError("malformed page")  # not a mismatch: raised to the caller
            return entries[start : min(end, start + 3)]

        def consistency_proof(self, old: int, new: int) -> list[bytes]:
            hashes = [merkle.leaf_hash(e) for e in entries[:new]]
            return merkle.proof_from_lookup(merkle.consistency_pieces(old, new), lambda p: merkle.root_from_leaf_hashes(
                hashes[p[1] << p[0] : (p[1] + 1) << p[0]]))

    pub = LogKey(CosignatureSigner("x", key).public_key)
    leaves = LeafHashFile(tmp_path / "m.leaves")
    first = check_log(Source(8), pub, None, leaves)
    assert first.ok and leaves.count() == 8
    kept = leaves.path.read_bytes()
    with pytest.raises(LogProofError, match="malformed page"):
        check_log(Source(10, fail_from=3), pub, first.checkpoint, leaves)
    assert leaves.path.read_bytes() == kept  # not the 3 hashes read before the error
    assert _names(tmp_path) == ["m.leaves"]
    again = check_log(Source(10), pub, first.checkpoint, leaves)
    assert again.ok and (again.entries_seen_before, leaves.count()) == (8, 10)


def test_the_result_cache_still_skips_a_store_it_cannot_make_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from computegov.cache import ResultCache

    cache = ResultCache("ns", root=tmp_path)
    cache.put("k", {"v": 1})
    assert cache.get("k") == {"v": 1} and stat.S_IMODE((tmp_path / "ns" / "k.json").stat().st_mode) == 0o600
    (tmp_path / "ns" / "d.json").mkdir()
    cache.put("d", {"v": 2})  # a folder where the value goes: skipped, not raised

    def fail(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "disk full")

    monkeypatch.setattr(os, "fsync", fail)
    cache.put("k", {"v": 3})  # a full disk: skipped, the old value whole
    monkeypatch.undo()
    assert cache.get("k") == {"v": 1}
    assert _names(tmp_path / "ns") == ["d.json", "k.json"]
