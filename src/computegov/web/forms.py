"""Form fields shared by the pages and the API: parse what a person typed, or say what is wrong.

A :class:`Form` lists its :class:`Field` s; :func:`parse_form` turns raw strings (a query string)
into typed values or raises :class:`FieldErrors` with one message per field, which the pages
show next to the field and the API returns as ``{"detail", "errors": {field: message}}``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from computegov.errors import InputError, UnitError
from computegov.units import parse_quantity

__all__ = ["Field", "FieldErrors", "Form", "parse_form", "parse_value"]


class FieldErrors(InputError):
    """Invalid form input; ``errors`` maps each bad field to its message (HTTP 422)."""

    status_code = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        self.field = next(iter(self.errors), None)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclasses.dataclass(frozen=True)
class Field:
    """One input.

    Attributes:
        name: query-string key.
        label: what the page shows.
        kind: ``quantity`` (accepts ``7B``, ``1.5e25``), ``float``, ``int``, ``text``,
            ``choice``, ``date`` (YYYY-MM-DD) or ``bool``.
        required: must be given.
        help: one line under the field (units!).
        choices: allowed values for ``choice``.
        default: value used when the field is empty.
        low: smallest allowed number (inclusive, or exclusive with ``low_open``).
        high: largest allowed number (inclusive).
        low_open: the number must be greater than ``low`` (e.g. a positive size).
        placeholder: example shown in an empty field.
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    default: Any = None
    low: float | None = None
    high: float | None = None
    placeholder: str = ""
    low_open: bool = False


@dataclasses.dataclass(frozen=True)
class Form:
    """A set of fields and the library call they feed."""

    id: str
    fields: tuple[Field, ...]
    run: Callable[[dict[str, Any]], Any] | None = None

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return next(f for f in self.fields if f.name == name)


def _parse_one(field: Field, text: str) -> Any:
    """One field's typed value; raises ValueError with the message to show."""
    if field.kind == "text":
        if len(text) > 200:
            raise ValueError("at most 200 characters")
        if any(not c.isprintable() for c in text):
            raise ValueError("control characters are not allowed")
        return text
    if field.kind == "choice":
        if text not in field.choices:
            raise ValueError(f"expected one of: {', '.join(field.choices)}")
        return text
    if field.kind == "bool":
        if text.lower() in {"1", "true", "on", "yes"}:
            return True
        if text.lower() in {"0", "false", "off", "no"}:
            return False
        raise ValueError("expected yes or no")
    if field.kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("expected a date as YYYY-MM-DD") from None
    if field.kind == "quantity":
        try:
            value = parse_quantity(text, what=field.label)
        except (UnitError, InputError) as err:
            raise ValueError(str(err)) from None
    else:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
        if field.kind == "int":
            if not value.is_integer():
                raise ValueError("expected a whole number")
            value = int(value)
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    if field.low is not None and field.low_open and not value > field.low:
        raise ValueError(f"must be greater than {field.low:g}")
    if field.low is not None and value < field.low:
        raise ValueError(f"must be at least {field.low:g}")
    if field.high is not None and value > field.high:
        raise ValueError(f"must be at most {field.high:g}")
    return value


def parse_value(field: Field, value: Any) -> Any:
    """One field's typed value from a raw value (text or number); None or blank gives its default.

    Raises:
        FieldErrors: a bad value, or a required one missing (named by the field).
    """
    text = "" if value is None else str(value).strip()
    if not text:
        if field.required:
            raise FieldErrors({field.name: "required"})
        return field.default
    try:
        return _parse_one(field, text)
    except ValueError as err:
        raise FieldErrors({field.name: str(err)}) from None


def parse_form(form: Form, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of every field of ``form`` from raw strings.

    Raises:
        FieldErrors: one message per bad or missing field.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in form.fields:
        item = raw.get(field.name)
        text = "" if item is None else str(item).strip()
        if not text:
            if field.required:
                errors[field.name] = "required"
            values[field.name] = field.default
            continue
        try:
            values[field.name] = _parse_one(field, text)
        except ValueError as err:
            errors[field.name] = str(err)
    if errors:
        raise FieldErrors(errors)
    return values
