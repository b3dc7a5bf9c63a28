"""Digests of model state: BLAKE3 and SHA-256 over the tensors of a state dict, and of files.

The canonical encoding of a state dict is, for each entry in sorted key order (nested dicts and
lists flattened to dotted paths):

    len(name) u32-le | name (UTF-8) | len(header) u32-le | header | len(payload) u64-le | payload

where ``header`` is canonical JSON ``{"dtype": "float32", "shape": [..]}`` and ``payload`` the
tensor's bytes, C-contiguous, little-endian (non-tensor values: their canonical JSON with
``dtype`` ``"json"``). Dtype and shape are therefore part of the digest: a float32 tensor and the
same bytes read as int32, or reshaped, digest differently. BLAKE3 (O'Connor et al., 2020,
https://github.com/BLAKE3-team/BLAKE3-specs) is the fast default; SHA-256 (FIPS 180-4) is also
computed because it is what in-toto tooling expects in a subject's digest set.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3

from computegov.errors import InputError

__all__ = [
    "StateDigest",
    "digest_file",
    "digest_state_dict",
    "iter_canonical_chunks",
]

_FILE_CHUNK_BYTES = 1 << 22  # 4 MiB reads: large enough to amortise syscalls, small in memory


@dataclass(frozen=True)
class StateDigest:
    """Digests of a state dict's canonical encoding.

    Attributes:
        blake3: BLAKE3-256 hex digest (empty when not computed).
        sha256: SHA-256 hex digest (empty when not computed).
        tensors: number of entries encoded.
        payload_bytes: bytes of tensor data hashed.
    """

    blake3: str
    sha256: str
    tensors: int
    payload_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "blake3": self.blake3,
            "sha256": self.sha256,
            "tensors": self.tensors,
            "payload_bytes": self.payload_bytes,
        }

    def digest_set(self) -> dict[str, str]:
        """The in-toto DigestSet ``{"blake3": ..., "sha256": ...}`` (computed ones only)."""
        return {k: v for k, v in (("blake3", self.blake3), ("sha256", self.sha256)) if v}


def _flatten(obj: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(obj, list | tuple) and any(_is_array(v) or isinstance(v, Mapping) for v in obj):
        for i, v in enumerate(obj):
            _flatten(v, f"{prefix}.{i}" if prefix else str(i), out)
    else:
        if prefix in out:
            raise InputError(f"state dict has two entries named {prefix!r} after flattening")
        out[prefix] = obj


def _is_array(v: Any) -> bool:
    return hasattr(v, "dtype") and hasattr(v, "shape")


def _tensor_bytes(v: Any) -> tuple[str, list[int], memoryview]:
    """dtype name, shape and the C-contiguous little-endian bytes of a torch tensor or ndarray."""
    if type(v).__module__.startswith("torch"):
        import torch

        t = v.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        t = t.contiguous()
        dtype = str(t.dtype).removeprefix("torch.")
        shape = list(t.shape)
        if sys.byteorder != "little":  # pragma: no cover - all supported platforms are LE
            raise InputError("big-endian hosts are not supported for tensor digests")
        raw = t.reshape(-1).view(torch.uint8).numpy()
        return dtype, shape, raw.data
    import numpy as np

    a = np.ascontiguousarray(v)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return str(a.dtype), list(a.shape), a.reshape(-1).view(np.uint8).data


def iter_canonical_chunks(state_dict: Mapping[str, Any]) -> Iterator[bytes | memoryview]:
    """Yield the canonical encoding of ``state_dict`` piece by piece (see the module docstring).

    Raises:
        InputError: a value is neither a tensor/array nor JSON-serialisable.
    """
    flat: dict[str, Any] = {}
    _flatten(state_dict, "", flat)
    for name in sorted(flat):
        value = flat[name]
        if _is_array(value):
            dtype, shape, payload = _tensor_bytes(value)
        else:
            try:
                text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)
            except TypeError as err:
                raise InputError(
                    f"state dict entry {name!r} is a {type(value).__name__}; expected a tensor, "
                    "array or JSON value"
                ) from err
            dtype, shape, payload = "json", [], memoryview(text.encode("utf-8"))
        name_b = name.encode("utf-8")
        header = json.dumps({"dtype": dtype, "shape": shape}, separators=(",", ":")).encode()
        yield struct.pack("<I", len(name_b)) + name_b + struct.pack("<I", len(header)) + header
        yield struct.pack("<Q", payload.nbytes)
        yield payload


def digest_state_dict(
    state_dict: Mapping[str, Any], *, algorithms: tuple[str, ...] = ("blake3", "sha256")
) -> StateDigest:
    """BLAKE3 and/or SHA-256 of a state dict's canonical encoding.

    Args:
        state_dict: ``model.state_dict()`` (torch tensors), a dict of numpy arrays, or nested
            dicts of those (an optimizer's state dict).
        algorithms: which digests to compute, any of ``"blake3"``, ``"sha256"``.

    Returns:
        The digests, the entry count and the payload size in bytes.

    Raises:
        InputError: an unknown algorithm or an unencodable entry.
    """
    unknown = set(algorithms) - {"blake3", "sha256"}
    if unknown:
        raise InputError(f"unknown digest algorithm(s) {sorted(unknown)}; use blake3 or sha256")
    b3 = blake3.blake3(max_threads=blake3.blake3.AUTO) if "blake3" in algorithms else None
    s2 = hashlib.sha256() if "sha256" in algorithms else None
    n = 0
    payload_bytes = 0
    for i, chunk in enumerate(iter_canonical_chunks(state_dict)):
        if i % 3 == 2:
            n += 1
            payload_bytes += len(chunk) if isinstance(chunk, bytes) else chunk.nbytes
        if b3 is not None:
            b3.update(chunk)
        if s2 is not None:
            s2.update(chunk)
    return StateDigest(
        b3.hexdigest() if b3 is not None else "",
        s2.hexdigest() if s2 is not None else "",
        n,
        payload_bytes,
    )


def digest_file(path: str | Path) -> dict[str, str]:
    """SHA-256 and BLAKE3 (hex) of a file's bytes, read in 4 MiB chunks.

    Raises:
        InputError: the file cannot be read.
    """
    p = Path(path)
    b3 = blake3.blake3()
    s2 = hashlib.sha256()
    try:
        with open(p, "rb") as fh:
            while chunk := fh.read(_FILE_CHUNK_BYTES):
                b3.update(chunk)
                s2.update(chunk)
    except OSError as err:
        raise InputError(f"cannot read {p}: {err.strerror}") from err
    return {"blake3": b3.hexdigest(), "sha256": s2.hexdigest()}
