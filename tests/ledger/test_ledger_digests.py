"""State-dict digests: canonical order, dtype and shape included, torch == numpy."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import blake3
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.errors import InputError
from computegov.ledger.digests import digest_file, digest_state_dict


def _manual(entries: list[tuple[str, str, list[int], bytes]]) -> bytes:
    out = b""
    for name, dtype, shape, payload in entries:
        dims = ",".join(map(str, shape))
        header = f'{{"dtype":"{dtype}","shape":[{dims}]}}'.encode()
        out += (
            struct.pack("<I", len(name)) + name.encode() + struct.pack("<I", len(header)) + header
        )
        out += struct.pack("<Q", len(payload)) + payload
    return out


def test_digest_equals_hand_built_encoding() -> None:
    a = np.arange(6, dtype="<f4").reshape(2, 3)
    b = np.array([7], dtype="<i8")
    enc = _manual([("a", "float32", [2, 3], a.tobytes()), ("b", "int64", [1], b.tobytes())])
    d = digest_state_dict({"b": b, "a": a})  # insertion order does not matter
    assert d.sha256 == hashlib.sha256(enc).hexdigest()
    assert d.blake3 == blake3.blake3(enc).hexdigest()
    assert d.tensors == 2 and d.payload_bytes == 24 + 8


def test_torch_and_numpy_state_digest_alike() -> None:
    m = torch.nn.Linear(4, 3)
    sd = m.state_dict()
    assert digest_state_dict(sd) == digest_state_dict({k: v.numpy() for k, v in sd.items()})


def test_dtype_and_shape_are_part_of_the_digest() -> None:
    t = torch.arange(6, dtype=torch.float32)
    base = digest_state_dict({"w": t})
    assert digest_state_dict({"w": t.view(torch.int32)}) != base
    assert digest_state_dict({"w": t.reshape(2, 3)}) != base
    assert digest_state_dict({"v": t}) != base


def test_non_contiguous_and_bfloat16_tensors_digest() -> None:
    t = torch.arange(12, dtype=torch.bfloat16).reshape(3, 4)
    assert digest_state_dict({"w": t.t()}) == digest_state_dict({"w": t.t().contiguous()})


def test_nested_optimizer_state_is_flattened() -> None:
    m = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m(torch.ones(1, 2)).sum().backward()
    opt.step()
    d = digest_state_dict({"model": m.state_dict(), "optimizer": opt.state_dict()})
    assert d.tensors > 2


def test_unencodable_value_is_refused() -> None:
    with pytest.raises(InputError, match="expected a tensor"):
        digest_state_dict({"x": object()})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=16), st.integers(0, 15))
def test_changing_any_element_changes_the_digest(values: list[float], index: int) -> None:
    a = np.array(values, dtype=np.float32)
    b = a.copy()
    i = index % len(a)
    b.view(np.uint32)[i] ^= 1  # flip the lowest mantissa bit
    assert digest_state_dict({"w": a}) != digest_state_dict({"w": b})


def test_file_digest(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"x" * (5 << 20))
    assert digest_file(p) == {
        "blake3": blake3.blake3(p.read_bytes()).hexdigest(),
        "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
    }
