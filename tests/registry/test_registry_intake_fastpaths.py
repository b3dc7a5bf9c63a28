"""The submission path's shortcuts give what the exact rule gives, on honest and odd inputs."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_helpers import make_envelope, make_statement

from computegov.jsonsafe import json_safe
from computegov.registry.intake import is_plain_json
from computegov.registry.submission import canonical_json, parse_submission

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=5))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(), st.booleans(), st.none()), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(_values)
def test_a_value_called_plain_is_what_json_safe_would_make_of_it(value: Any) -> None:
    if is_plain_json(value):
        assert json_safe(value) == value
        assert canonical_json(json_safe(value)) == canonical_json(value)


@settings(max_examples=50, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                              st.floats(allow_nan=False, allow_infinity=False)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=4), inner, max_size=4)),
                    max_leaves=20))
def test_plain_json_is_recognised(value: Any) -> None:
    assert is_plain_json(value)


def test_anything_json_safe_would_change_is_not_called_plain() -> None:
    for odd in (math.nan, [1.0, math.inf], {"a": (1, 2)}, {1: "x"}, {True: 1}, {None: 1},
                {"x": np.float64(1.5)}, {"x": np.int64(3)}, {"when": object()}):
        assert not is_plain_json(odd), odd


def test_the_envelope_is_serialised_once_and_matches_its_digest() -> None:
    envelope = make_envelope(make_statement(model="once"))
    parsed = parse_submission({"envelope": envelope})
    assert parsed.envelope_json == canonical_json(envelope)
    assert hashlib.sha256(parsed.envelope_json.encode()).hexdigest() == parsed.digest_sha256
