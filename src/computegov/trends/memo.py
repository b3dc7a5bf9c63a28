"""Results computed once per process: a small least-recently-used table bounded in bytes.

One report build asks for the same forecast ensemble many times (the backtest of a metric, the
calibration pool of every other metric, the record forecast's hindcasts, the clusters' first-
reaching hindcast at each origin all run the same (series, origin, method, seed)). Every such
result is a pure function of its inputs, so it is computed once and then handed out again.

The key is a digest of **every** input (the arrays' dtype, shape and bytes, and each scalar), so
a hit is by construction the value a miss would compute; a changed parameter is a new key.
Arrays handed out are made read-only, so one caller cannot change what the next one gets.
The table forgets its least recently used entries beyond :data:`MAX_BYTES`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["MAX_BYTES", "Memo", "digest_inputs"]

#: Default memory bound of one table (bytes of the stored arrays). Measured: a full report's
#: distinct ensembles take about 110 MB, so 128 MiB keeps them all; a long-running server keeps
#: no more than this.
MAX_BYTES = 128 * 2**20

T = TypeVar("T")


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        h.update(b"A")
        h.update(arr.dtype.str.encode())
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    elif isinstance(value, tuple | list):
        h.update(b"T" if isinstance(value, tuple) else b"L")
        h.update(str(len(value)).encode())
        for item in value:
            _feed(h, item)
    elif value is None or isinstance(value, bool | int | float | str | bytes | np.integer | np.floating):
        h.update(type(value).__name__.encode())
        h.update(repr(value).encode() if not isinstance(value, bytes) else value)
    else:
        raise TypeError(f"cannot key a memo on {type(value).__name__}")
    h.update(b"\0")


def digest_inputs(*parts: Any) -> bytes:
    """A digest of ``parts`` (arrays by dtype, shape and bytes; numbers by type and repr)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        _feed(h, part)
    return h.digest()


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple | list):
        return sum(_nbytes(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(_nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return 64


def _freeze(value: Any) -> None:
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, tuple | list):
        for v in value:
            _freeze(v)
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _freeze(getattr(value, f.name))


class Memo:
    """A least-recently-used table of computed results, bounded by the bytes of their arrays.

    Args:
        max_bytes: forget the least recently used entries beyond this many bytes.
    """

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._table: OrderedDict[bytes, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._table)

    def get_or_compute(self, key: bytes, compute: Callable[[], T]) -> T:
        """The stored result under ``key``, else ``compute()`` (stored, arrays made read-only)."""
        got = self._table.get(key)
        if got is not None:
            self._table.move_to_end(key)
            self.hits += 1
            return got[0]
        self.misses += 1
        value = compute()
        _freeze(value)
        size = _nbytes(value)
        if size <= self.max_bytes:
            self._table[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, old) = self._table.popitem(last=False)
                self._bytes -= old
        return value

    def clear(self) -> None:
        """Forget everything (and reset the hit and miss counts)."""
        self._table.clear()
        self._bytes = 0
        self.hits = self.misses = 0
