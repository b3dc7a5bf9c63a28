"""Form fields: one parser for every page and query value (numbers, bounds, blanks)."""

from __future__ import annotations

from typing import Any

import pytest

from computegov.web.forms import Field, FieldErrors, Form, parse_form, parse_value

SIZE = Field("target", "Target", "float", low=0.0, low_open=True, high=1e30)
COUNT = Field("samples", "Samples", "int", default=10, low=100, high=1000)


@pytest.mark.parametrize(("value", "expected"), [("2.5", 2.5), (2.5, 2.5), ("1e30", 1e30), (None, None), ("  ", None)])
def test_a_value_in_range_or_blank_is_read(value: Any, expected: float | None) -> None:
    assert parse_value(SIZE, value) == expected


@pytest.mark.parametrize(("value", "message"), [("0", "greater than 0"), ("-1", "greater than 0"),
                                                 ("nan", "finite"), ("inf", "finite"), ("x", "a number"),
                                                 ("2e30", "at most")])
def test_a_bad_value_names_its_field(value: str, message: str) -> None:
    with pytest.raises(FieldErrors) as info:
        parse_value(SIZE, value)
    assert info.value.field == "target" and message in info.value.errors["target"]


def test_whole_numbers_their_default_and_a_required_field() -> None:
    assert parse_value(COUNT, "") == 10 and parse_value(COUNT, "200") == 200
    with pytest.raises(FieldErrors, match="whole number"):
        parse_value(COUNT, "150.5")
    with pytest.raises(FieldErrors, match="required"):
        parse_value(Field("p", "p", "float", required=True), None)


def test_a_form_reports_every_bad_field_at_once() -> None:
    form = Form("f", (SIZE, COUNT))
    assert parse_form(form, {"target": "3", "samples": ""}) == {"target": 3.0, "samples": 10}
    with pytest.raises(FieldErrors) as info:
        parse_form(form, {"target": "0", "samples": "5"})
    assert set(info.value.errors) == {"target", "samples"}
