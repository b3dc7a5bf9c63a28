"""Durable atomic file writes: the one way the package replaces a file it keeps state in.

A crash (power loss, kill -9, a full disk, Ctrl-C) at any moment leaves at the target either the
old file whole or the new one whole, never a mix, an empty file or a half-written one:

1. the new content goes to a temporary file *in the target's directory* (same filesystem, so the
   rename below is atomic), with a unique name (``.<name>.<random hex>.tmp``, created with
   ``O_EXCL``: concurrent writers never share one);
2. it is written, flushed, given its permission bits and fsynced (``F_FULLFSYNC`` on macOS, where
   plain ``fsync`` reaches only the drive's cache);
3. ``os.replace`` renames it over the target;
4. the directory is fsynced so the rename itself survives a crash (skipped where the platform
   cannot open a directory, such as Windows, or the filesystem does not support it);
5. on any failure before the rename, ``KeyboardInterrupt`` included, the temporary file is removed
   and the error raised; the target is untouched.

Permission bits: an existing regular file's bits (``& 0o777``) are kept unless ``keep_mode`` is
False; a new file gets ``mode`` if given, else what ``open()`` would give it (``0o666`` less the
umask). A directory, FIFO, socket or device at the target is refused with an :class:`OSError`
naming it before anything is written (a FIFO is never opened, so nothing can hang on it); a
symbolic link at the target is replaced by the new file, as ``os.replace`` does.

:func:`write_atomic` writes bytes or text in one go; :func:`atomic_writer` is a context manager
yielding a binary handle that commits on success and discards on error; :class:`AtomicFile` is
the object behind it, for a caller that decides later whether to commit or discard.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["AtomicFile", "atomic_writer", "fsync_directory", "write_atomic"]

#: Errors of a directory fsync that only mean "this filesystem cannot do that" (not a lost write).
_DIR_FSYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EACCES})

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _fsync(fd: int) -> None:
    """Flush ``fd``'s data and metadata to the disk itself (``F_FULLFSYNC`` on macOS, else ``fsync``)."""
    if sys.platform == "darwin":  # there fsync reaches only the drive's cache
        import fcntl

        with contextlib.suppress(OSError):  # not every filesystem supports it: fall back to fsync
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
    os.fsync(fd)


def fsync_directory(folder: str | Path) -> None:
    """Fsync ``folder`` so a rename or a new file in it survives a crash.

    A no-op where directories cannot be opened (Windows, a folder this user cannot read) or the
    filesystem refuses a directory fsync (``EINVAL``/``ENOTSUP``); a real I/O error (``EIO``) is
    raised.
    """
    if os.name == "nt" or not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if err.errno in _DIR_FSYNC_UNSUPPORTED:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in _DIR_FSYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def _target_mode(target: Path, mode: int | None, keep_mode: bool) -> int | None:
    """The permission bits to give the new file (None: leave open()'s), refusing a non-file target."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return mode
    for test, kind in _KINDS:
        if test(st.st_mode):
            message = f"is {kind}, not a regular file: refusing to replace it"
            if kind == "a directory":
                raise IsADirectoryError(errno.EISDIR, message, str(target))
            raise OSError(errno.EINVAL, message, str(target))
    if keep_mode and stat.S_ISREG(st.st_mode):
        return st.st_mode & 0o777
    return mode


class AtomicFile:
    """A new version of ``path`` being written to a temporary file beside it.

    Write to :attr:`file` (binary), then :meth:`commit` (fsync, rename over ``path``, fsync the
    directory) or :meth:`discard` (remove the temporary file). Both close the file; a second call
    of either is harmless, a commit after a discard is a ``ValueError``, a discard after a commit
    does nothing, and a commit that fails discards. The target's directory must exist.

    Args:
        path: the file to replace.
        mode: permission bits for a new file (default: what ``open()`` gives, 0o666 less the umask).
        keep_mode: an existing regular file keeps its permission bits (default True).

    Raises:
        IsADirectoryError: ``path`` is a directory.
        OSError: ``path`` is a FIFO, socket or device (nothing is opened), or the temporary file
            cannot be created (``FileNotFoundError`` for a missing directory, ``PermissionError``).
    """

    def __init__(self, path: str | Path, *, mode: int | None = None, keep_mode: bool = True) -> None:
        self.path = Path(path)
        self._mode = _target_mode(self.path, mode, keep_mode)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        for _ in range(100):
            tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
            try:
                fd = os.open(tmp, flags, 0o666)
                break
            except FileExistsError:
                continue
            except OSError as err:  # name the file the caller asked for, not the temporary one
                raise type(err)(err.errno, err.strerror, str(self.path)) from err
        else:  # pragma: no cover - 64 random bits colliding 100 times
            raise FileExistsError(errno.EEXIST, "no free temporary name", str(self.path))
        self.tmp = tmp
        try:
            self.file: BinaryIO = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self._remove()
            raise
        self._state = "open"  # then "committed" or "discarded"

    def _remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)

    def commit(self) -> Path:
        """Make the written content the file at :attr:`path`, durably; returns the path.

        An error before the rename leaves :attr:`path` as it was; an error from the directory
        fsync after it (an I/O error) is raised with the new content already in place.
        """
        if self._state == "committed":
            return self.path
        if self._state == "discarded":
            raise ValueError(f"{self.path}: this new version was discarded; it cannot be committed")
        try:
            self.file.flush()
            if self._mode is not None:  # before the fsync, so the mode is as durable as the data
                os.chmod(self.file.fileno() if os.chmod in os.supports_fd else self.tmp, self._mode)
            _fsync(self.file.fileno())
            self.file.close()
            os.replace(self.tmp, self.path)
            self._state = "committed"
        except BaseException:
            self.discard()
            raise
        fsync_directory(self.path.parent)
        return self.path

    def discard(self) -> None:
        """Drop what was written: the target stays as it was and the temporary file is removed."""
        if self._state != "open":
            return
        self._state = "discarded"
        try:
            with contextlib.suppress(OSError):
                self.file.close()
        finally:
            self._remove()


@contextlib.contextmanager
def atomic_writer(path: str | Path, *, mode: int | None = None, keep_mode: bool = True) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces ``path`` durably when the block ends without error.

    An exception in the block (``KeyboardInterrupt`` included) discards what was written and
    propagates; ``path`` is untouched. Arguments and errors as :class:`AtomicFile`.
    """
    pending = AtomicFile(path, mode=mode, keep_mode=keep_mode)
    try:
        yield pending.file
    except BaseException:
        pending.discard()
        raise
    pending.commit()


def write_atomic(path: str | Path, data: bytes | str, *, mode: int | None = None, keep_mode: bool = True,
                 encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` (text is encoded with ``encoding``) durably; returns the path.

    Arguments and errors as :class:`AtomicFile`; an error while encoding raises before any file
    is touched.
    """
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_writer(path, mode=mode, keep_mode=keep_mode) as fh:
        fh.write(raw)
    return Path(path)
