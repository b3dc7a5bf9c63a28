"""Parsing and validating catalogue rows: the shared checks behind every file format.

A row is a mapping of column name to text (CSV) or value (YAML). Every problem raises a
:class:`~computegov.errors.DataError` naming the file, row, field, the value and what was expected.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from computegov.errors import DataError

__all__ = [
    "KINDS",
    "MAX_YEARS_AHEAD",
    "normalise_kind",
    "parse_bool",
    "parse_date",
    "parse_positive",
]

#: Normalised device classes.
KINDS: tuple[str, ...] = ("gpu", "tpu", "npu", "asic", "cpu", "other")

#: A release date further ahead than this is rejected (announcements rarely run further ahead).
MAX_YEARS_AHEAD = 2

_KIND_ALIASES = {
    "gpu": "gpu",
    "gpgpu": "gpu",
    "dcu (gpgpu)": "gpu",
    "tpu": "tpu",
    "npu": "npu",
    "asic": "asic",
    "lpu": "asic",
    "xpu": "asic",
    "xpu-r": "asic",
    "cpu": "cpu",
    "hybrid cpu": "cpu",
    "other": "other",
    "": "other",
}


def _blank(value: Any) -> bool:
    """An empty cell: None (YAML ``~``, a missing key) or whitespace.

    A NaN (YAML ``.nan``, CSV ``nan``) is not blank: it is a value, and refused as not finite,
    the same in every format.
    """
    return value is None or (isinstance(value, str) and not value.strip())


def parse_positive(
    value: Any,
    *,
    path: str | Path,
    row: int,
    field: str,
    allow_blank: bool = True,
    high: float | None = None,
) -> float | None:
    """A strictly positive finite number (at most ``high`` if given), or None for a blank cell.

    Raises:
        DataError: not a number, not finite, not positive, or above ``high``.
    """
    if _blank(value):
        if allow_blank:
            return None
        raise DataError("expected a positive number, got an empty value", path=path, row=row, field=field)
    if isinstance(value, bool):
        raise DataError(f"expected a positive number, got {value!r}", path=path, row=row, field=field, value=value)
    try:
        number = float(str(value).replace(",", "").strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"expected a positive number, got {value!r}", path=path, row=row, field=field, value=value
        ) from None
    if not math.isfinite(number) or number <= 0:
        raise DataError(
            f"expected a positive finite number, got {value!r}", path=path, row=row, field=field, value=value
        )
    if high is not None and number > high:
        raise DataError(
            f"expected at most {high:g} (a sanity bound), got {value!r}",
            path=path, row=row, field=field, value=value,
        )
    return number


def parse_date(
    value: Any, *, path: str | Path, row: int, field: str, today: dt.date | None = None
) -> dt.date | None:
    """An ISO date (YYYY-MM-DD, or YYYY-MM / YYYY taken as the first day), or None if blank.

    Raises:
        DataError: unreadable, or more than MAX_YEARS_AHEAD years in the future.
    """
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    else:
        text = str(value).strip()[:10]
        try:
            if len(text) == 4:
                date = dt.date(int(text), 1, 1)
            elif len(text) == 7:
                date = dt.date(int(text[:4]), int(text[5:7]), 1)
            else:
                date = dt.date.fromisoformat(text)
        except ValueError:
            raise DataError(
                f"expected a date as YYYY-MM-DD, got {value!r}", path=path, row=row, field=field, value=value
            ) from None
    today = today or dt.date.today()
    limit = today.replace(year=today.year + MAX_YEARS_AHEAD) if not (today.month == 2 and today.day == 29) else dt.date(today.year + MAX_YEARS_AHEAD, 3, 1)
    if date > limit:
        raise DataError(
            f"release date {date.isoformat()} is more than {MAX_YEARS_AHEAD} years in the future; "
            "expected a past date or an announced one",
            path=path,
            row=row,
            field=field,
            value=value,
        )
    return date


def normalise_kind(value: Any, *, path: str | Path, row: int, field: str = "kind") -> str:
    """Map a device class ("GPU", "GPGPU", "XPU-R", ...) to one of KINDS.

    Raises:
        DataError: an unknown class.
    """
    text = "" if _blank(value) else str(value).strip().lower()
    if text in _KIND_ALIASES:
        return _KIND_ALIASES[text]
    raise DataError(
        f"unknown kind {value!r}; expected one of {', '.join(KINDS)}",
        path=path,
        row=row,
        field=field,
        value=value,
    )


def parse_bool(value: Any, *, path: str | Path, row: int, field: str) -> bool | None:
    """true/false/yes/no/1/0, or None if blank.

    Raises:
        DataError: anything else.
    """
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1", "y"}:
        return True
    if text in {"false", "no", "0", "n"}:
        return False
    raise DataError(f"expected true or false, got {value!r}", path=path, row=row, field=field, value=value)


def require_columns(columns: Iterable[str], required: list[str], *, path: str | Path) -> None:
    """Raise DataError (row 1, the header) for the first required column that is missing."""
    present = set(columns)
    for name in required:
        if name not in present:
            raise DataError(
                f"missing column {name!r}; the file has: {', '.join(sorted(present)) or 'no columns'}",
                path=path,
                row=1,
                field=name,
            )
