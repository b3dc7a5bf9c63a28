"""Reading evidence files safely: paths that cannot escape, reads that are bounded.

A report and its ledger are written by the party being audited, so every path they name is
hostile input. :func:`locate` resolves a path *named in a ledger or report* under the directory
the verifier was given and refuses, with a named reason and without touching the disk beyond
that directory:

* an absolute path, a ``..`` component, an empty or NUL-holding name (``refused``, before any
  file-system call, so the answer is the same whether or not such a file exists);
* a symlink whose target leaves the directory (the resolved path is checked for containment
  before its existence is looked at);
* a directory, device, FIFO or socket in place of a file (``refused``; opened with
  ``O_NONBLOCK`` and checked with ``fstat``, so a FIFO never blocks the verifier).

Only once a path is known to lie inside the directory is "missing" reported: the verifier
never becomes an oracle for whether a file exists elsewhere on its machine.

Reads are bounded (:class:`ReadLimits`): a file read into memory (ledger, report) may be at
most ``max_file_bytes`` (default 1 GiB); one ledger line (record) at most ``max_record_bytes``
(default 1 MiB); a checkpoint file is hashed in 4 MiB chunks, so it costs no memory, and may
be at most ``max_checkpoint_bytes`` (default 1 TiB). Sizes are checked with ``fstat`` before
reading and the read itself stops at the cap, so ``/dev/zero`` or a growing file cannot
exhaust memory.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import blake3

from computegov.errors import InputError
from computegov.inputfiles import file_kind

__all__ = [
    "DEFAULT_MAX_CHECKPOINT_BYTES",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_RECORD_BYTES",
    "BoundedReader",
    "Located",
    "ReadLimits",
    "digest_regular_file",
    "locate",
    "open_regular_stream",
    "read_regular_file",
]

#: Default cap on one ledger line (record), bytes. The largest record the writer makes is the
#: ``meta`` record (run metadata, a few KiB); 1 MiB leaves ample room.
DEFAULT_MAX_RECORD_BYTES = 1 << 20
#: Default cap on a file read into memory (ledger, report), bytes: 1 GiB, ~25x the 100,000-record
#: ledger of ``benchmarks/ledger.py``.
DEFAULT_MAX_FILE_BYTES = 1 << 30
#: Default cap on a checkpoint file (hashed in chunks, not held in memory), bytes: 1 TiB.
DEFAULT_MAX_CHECKPOINT_BYTES = 1 << 40

_CHUNK_BYTES = 1 << 22  # 4 MiB


@dataclass(frozen=True)
class ReadLimits:
    """Size caps on what the verifier reads (see the module docstring).

    Attributes:
        max_record_bytes: one ledger line, bytes.
        max_file_bytes: a ledger or report file, bytes.
        max_checkpoint_bytes: a checkpoint file, bytes.
    """

    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_checkpoint_bytes: int = DEFAULT_MAX_CHECKPOINT_BYTES

    def __post_init__(self) -> None:
        for name in ("max_record_bytes", "max_file_bytes", "max_checkpoint_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InputError(f"{name}: expected a whole number of bytes > 0, got {value!r}")


@dataclass(frozen=True)
class Located:
    """Where a named evidence file is, or why it cannot be used.

    Attributes:
        name: the path as named in the ledger or report.
        state: ``ok`` (a path inside the directory that exists), ``missing`` (inside the
            directory, but nothing there) or ``refused`` (escapes or names something unsafe).
        path: the path to open (``ok`` and ``missing``).
        reason: why ``refused`` or ``missing``.
    """

    name: str
    state: str
    path: Path | None = None
    reason: str = ""


def _lexical_refusal(name: str) -> str:
    if not name:
        return "an empty path"
    if "\x00" in name:
        return "a path holding a NUL byte"
    if "\\" in name:
        return "a path holding a backslash (paths in a ledger use '/')"
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith("~"):
        return "an absolute path (paths must be relative to the evidence directory)"
    if ".." in pure.parts:
        return "a '..' component (paths may not leave the evidence directory)"
    return ""


def locate(base: str | Path, name: object) -> Located:
    """Resolve ``name`` (from a ledger or report) under ``base``, refusing anything unsafe.

    Args:
        base: the directory the verifier was given (or the ledger's directory).
        name: the path as written in the ledger or report.

    Returns:
        A :class:`Located`; never raises on hostile names.
    """
    if not isinstance(name, str):
        return Located(repr(name), "refused", reason=f"not a path string ({type(name).__name__})")
    why = _lexical_refusal(name)
    if why:
        return Located(name, "refused", reason=why)
    try:
        root = Path(base).resolve()
        resolved = (root / name).resolve()
    except (OSError, RuntimeError, ValueError) as err:  # a symlink loop, a name too long
        return Located(name, "refused", reason=f"cannot be resolved ({err})")
    if not resolved.is_relative_to(root):
        return Located(name, "refused", reason="a symlink that leaves the evidence directory")
    try:
        st = os.stat(resolved)
    except FileNotFoundError:
        return Located(name, "missing", resolved, f"no file {name} in {root}")
    except OSError as err:
        if err.errno == errno.ENOTDIR:
            return Located(name, "missing", resolved, f"no file {name} in {root}")
        return Located(name, "refused", reason=f"cannot be examined ({err.strerror})")
    kind = file_kind(st.st_mode)
    if kind != "regular file":
        return Located(name, "refused", resolved, reason=f"a {kind}, not a regular file")
    return Located(name, "ok", resolved)


def _open_regular(path: Path, what: str, max_bytes: int) -> tuple[int, int]:
    """An fd open for reading on a regular file at most ``max_bytes`` long, and its size.

    Raises:
        InputError: cannot be opened, is not a regular file, or is over the cap.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise InputError(f"cannot read {what} {path}: {err.strerror}") from err
    try:
        st = os.fstat(fd)
        kind = file_kind(st.st_mode)
        if kind != "regular file":
            raise InputError(f"cannot read {what} {path}: it is a {kind}, not a regular file")
        if st.st_size > max_bytes:
            raise InputError(
                f"{what} {path} is {st.st_size} bytes, over the cap of {max_bytes} bytes "
                "(raise it with --max-file-bytes / max_file_bytes if the file is genuine)"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_regular_file(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them.

    Args:
        path: the file.
        max_bytes: the cap, bytes; a longer file (or one that grows past it while being
            read) is refused without reading past the cap.
        what: how to name the file in messages (``ledger``, ``report``).

    Raises:
        InputError: missing, unreadable, not a regular file (directory, device, FIFO), or
            over the cap.
    """
    p = Path(path)
    fd, _ = _open_regular(p, what, max_bytes)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = os.read(fd, min(_CHUNK_BYTES, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InputError(
                    f"{what} {p} grew past the cap of {max_bytes} bytes while being read"
                )
    except OSError as err:
        raise InputError(f"cannot read {what} {p}: {err.strerror}") from err
    finally:
        os.close(fd)
    return b"".join(chunks)


class BoundedReader:
    """A regular file read in blocks, never past a cap.

    The streaming form of :func:`read_regular_file`: same checks, same messages, constant
    memory.

    Use as a context manager; :meth:`read` raises :class:`InputError` when the file grows past
    the cap while being read or a read fails.
    """

    def __init__(self, fd: int, path: Path, what: str, max_bytes: int) -> None:
        self._fd, self.path, self._what, self._max_bytes = fd, path, what, max_bytes
        self._total_bytes = 0

    @property
    def size_bytes(self) -> int:
        """The file's size now, bytes (it may still grow while being read)."""
        return os.fstat(self._fd).st_size

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (b"" at the end of the file).

        Raises:
            InputError: the file grew past the cap, or the read failed.
        """
        try:
            chunk = os.read(self._fd, min(n, self._max_bytes + 1 - self._total_bytes))
        except OSError as err:
            raise InputError(f"cannot read {self._what} {self.path}: {err.strerror}") from err
        self._total_bytes += len(chunk)
        if self._total_bytes > self._max_bytes:
            raise InputError(
                f"{self._what} {self.path} grew past the cap of {self._max_bytes} bytes while "
                "being read"
            )
        return chunk

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> BoundedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_regular_stream(path: str | Path, max_bytes: int, what: str = "file") -> BoundedReader:
    """A regular file opened for reading in blocks, at most ``max_bytes`` of it.

    Raises:
        InputError: as :func:`read_regular_file` (missing, not a regular file, over the cap).
    """
    p = Path(path)
    fd, _ = _open_regular(p, what, max_bytes)
    return BoundedReader(fd, p, what, max_bytes)


def digest_regular_file(path: str | Path, max_bytes: int, what: str = "file") -> dict[str, str]:
    """SHA-256 and BLAKE3 (hex) of a regular file, hashed in 4 MiB chunks, at most ``max_bytes``.

    Raises:
        InputError: as :func:`read_regular_file`.
    """
    p = Path(path)
    fd, _ = _open_regular(p, what, max_bytes)
    b3 = blake3.blake3()
    s2 = hashlib.sha256()
    total = 0
    try:
        while chunk := os.read(fd, _CHUNK_BYTES):
            total += len(chunk)
            if total > max_bytes:
                raise InputError(f"{what} {p} grew past the cap of {max_bytes} bytes")
            b3.update(chunk)
            s2.update(chunk)
    except OSError as err:
        raise InputError(f"cannot read {what} {p}: {err.strerror}") from err
    finally:
        os.close(fd)
    return {"blake3": b3.hexdigest(), "sha256": s2.hexdigest()}
