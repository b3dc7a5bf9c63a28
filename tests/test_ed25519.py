"""Strict Ed25519: the small-order table stands for the point arithmetic it replaces."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from nacl import bindings as sodium
from nacl.signing import SigningKey

from computegov import ed25519


def test_the_table_holds_fourteen_encodings_each_of_small_order() -> None:
    table = ed25519.small_order_encodings()
    assert len(table) == 14
    assert all(ed25519._small_order(point) is True for point in table)


def test_every_multiple_of_an_order_eight_point_is_in_the_table() -> None:
    table = ed25519.small_order_encodings()
    identity = b"\x01" + bytes(31)
    # An element of order 8: its 8 multiples are the whole torsion group.
    generator = next(p for p in table if sodium.crypto_core_ed25519_add(
        sodium.crypto_core_ed25519_add(p, p), sodium.crypto_core_ed25519_add(p, p)) != identity)
    multiples, point = {identity}, generator
    while point != identity:
        multiples.add(point)
        point = sodium.crypto_core_ed25519_add(point, generator)
    assert len(multiples) == 8 and multiples <= table


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_membership_agrees_with_the_point_arithmetic_on_any_bytes(raw: bytes) -> None:
    assert (raw in ed25519.small_order_encodings()) == (ed25519._small_order(raw) is True)


def test_membership_agrees_next_to_every_small_order_encoding_and_on_real_r_values() -> None:
    near = set()
    for point in ed25519.small_order_encodings():
        value = int.from_bytes(point, "little")
        near |= {(value + k) % (1 << 256) for k in (-2, -1, 1, 2)}
    real_r = [SigningKey.generate().sign(os.urandom(16)).signature[:32] for _ in range(50)]
    for raw in [v.to_bytes(32, "little") for v in near] + real_r:
        assert (raw in ed25519.small_order_encodings()) == (ed25519._small_order(raw) is True)


def test_a_small_order_r_is_refused_with_its_reason_and_honest_signatures_verify() -> None:
    key = SigningKey.generate()
    signature = key.sign(b"message").signature
    assert ed25519.verify_strict(bytes(key.verify_key), signature, b"message") is None
    for point in ed25519.small_order_encodings():
        forged = point + signature[32:]
        why = ed25519.verify_strict(bytes(key.verify_key), forged, b"message")
        assert why == "Ed25519 signature refused: R is a small-order point"
