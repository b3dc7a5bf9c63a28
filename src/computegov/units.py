"""Unit constants and parsing of human quantities.

Constants are exact by definition (SI prefixes, J per kWh); nothing here is rounded.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from computegov.errors import UnitError

__all__ = [
    "BITS_PER_BYTE",
    "GB",
    "J_PER_KWH",
    "J_PER_MWH",
    "S_PER_DAY",
    "S_PER_HOUR",
    "S_PER_YEAR",
    "TB",
    "W_PER_MW",
    "decimal_year",
    "parse_quantity",
]

# Exact SI constants.
BITS_PER_BYTE = 8
GB = 1e9  # bytes in a gigabyte (decimal, as vendors quote memory and bandwidth)
TB = 1e12  # bytes in a terabyte
S_PER_HOUR = 3600.0
S_PER_DAY = 86_400.0
S_PER_YEAR = 365.25 * S_PER_DAY  # Julian year, the convention for growth rates per year
J_PER_KWH = 3.6e6  # 1 kWh = 1000 W x 3600 s
J_PER_MWH = 3.6e9
W_PER_MW = 1e6  # SI prefix: 1 MW = 10^6 W

_SUFFIXES = {
    "": 1.0,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "B": 1e9,  # billion, the ML convention for parameter counts ("7B")
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
}
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$")


def parse_quantity(text: str | float | int, *, what: str = "value") -> float:
    """Parse a count such as ``"7B"``, ``"15T"``, ``"3.8e25"`` or ``70e9`` into a float.

    Accepted suffixes: k/K (1e3), M (1e6), B/G (1e9), T (1e12), P (1e15), E (1e18). A lower-case
    ``m`` (milli or mega?) and ``b`` (bits or billion?) are rejected as ambiguous.

    Args:
        text: the quantity as typed.
        what: what the quantity is, for the error message.

    Returns:
        The value as a plain number (dimensionless count).

    Raises:
        UnitError: the text is not a number with a known suffix, or is not finite.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        match = _QUANTITY.match(str(text))
        if not match:
            raise UnitError(
                f"{what}: could not read {text!r}; expected a number such as 70e9 or 70B"
            )
        number, suffix = match.groups()
        if suffix in {"m", "b"}:
            raise UnitError(
                f"{what}: suffix {suffix!r} in {text!r} is ambiguous; use M (1e6) or B (1e9)"
            )
        if suffix not in _SUFFIXES:
            raise UnitError(
                f"{what}: unknown suffix {suffix!r} in {text!r}; use one of k, M, B, G, T, P, E"
            )
        value = float(number) * _SUFFIXES[suffix]
    if not math.isfinite(value):
        raise UnitError(f"{what}: {text!r} is not a finite number")
    return value


def decimal_year(year: int, month: int = 7, day: int = 1) -> float:
    """A calendar date as a decimal year (2024-07-01 -> about 2024.497).

    Args:
        year: calendar year.
        month: 1-12.
        day: 1-31.

    Returns:
        year + (day of year - 1) / days in that year.
    """
    start = dt.date(year, 1, 1)
    days_in_year = (dt.date(year + 1, 1, 1) - start).days
    return year + (dt.date(year, month, day) - start).days / days_in_year
