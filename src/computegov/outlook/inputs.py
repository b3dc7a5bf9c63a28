"""The outlook's inputs: one value with its 90 % interval, its year, its growth and its source.

An :class:`Input` is a positive quantity with a median and, where uncertain, a 5th and a 95th
percentile. The Monte Carlo draws its log10 piecewise-normally through those three points (the
normal score -1.645 maps to the 5th percentile, 0 to the median, +1.645 to the 95th, linear in
between and beyond), so an asymmetric interval stays asymmetric. An input that grows names a
growth input (factor per year) and the year its value is for. An input derived from a calibrated
forecast carries a :class:`Fan`: its quantiles for each outlook year, drawn the same way through
every quantile the forecast gives.

Overrides (``--set name=value`` or ``name=low..high``, or an assumptions YAML file) replace an
input and drop any fan it had (a growth override drops the fan of the input that uses it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from computegov.errors import DataError, InputError, UnknownNameError

__all__ = [
    "Z90",
    "Correlation",
    "Fan",
    "Input",
    "parse_assignment",
    "parse_correlations",
    "read_assumptions",
]

#: Standard-normal score of the 95th percentile (scipy.stats.norm.ppf(0.95), exact to 16 digits).
Z90 = 1.6448536269514722
_RANGE = re.compile(r"^\s*([^.\s][^\s]*?)\s*\.\.\s*([^\s]+)\s*$")


@dataclasses.dataclass(frozen=True)
class Fan:
    """Quantiles of an input for each outlook year, from a calibrated forecast.

    Attributes:
        years: the outlook years the rows are for.
        levels: probabilities of the columns (e.g. 0.05, 0.25, 0.5, 0.75, 0.95).
        values: ``values[i][j]`` is the level-``j`` quantile for ``years[i]`` (the input's unit).
        method: what made it (function, method, coverage note).
    """

    years: tuple[int, ...]
    levels: tuple[float, ...]
    values: tuple[tuple[float, ...], ...]
    method: str

    def row(self, year: int) -> tuple[float, ...]:
        """The quantiles for ``year``.

        Raises:
            InputError: the fan has no row for it.
        """
        try:
            return self.values[self.years.index(year)]
        except ValueError:
            raise InputError(f"the fan ({self.method}) has no quantiles for {year}") from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"method": self.method, "levels": list(self.levels),
                "by_year": [{"year": y, "quantiles": list(v)} for y, v in zip(self.years, self.values, strict=True)]}


@dataclasses.dataclass(frozen=True)
class Input:
    """One input of the outlook model.

    Attributes:
        name: its name (the unit is in it or in ``unit``).
        unit: the unit of ``value``.
        value: the median (0 allowed only for a fixed additive input such as a token stock).
        low: 5th percentile, or None for a fixed value.
        high: 95th percentile, or None for a fixed value.
        source: citation (URL or arXiv id, date) or the reasoning of an estimate.
        estimate: True when computegov estimated it (no published figure).
        at_year: the year ``value`` is for (None: the same every year).
        growth: name of the growth input (factor per year) applied away from ``at_year``.
        upper: largest value a draw may take (e.g. 1 for a fraction); draws above are clipped.
        fan: per-year quantiles from a calibrated forecast (used instead of value and growth).
        derived_from: the computegov function the input was computed by, or None.
    """

    name: str
    unit: str
    value: float
    low: float | None = None
    high: float | None = None
    source: str = ""
    estimate: bool = False
    at_year: int | None = None
    growth: str | None = None
    upper: float | None = None
    fan: Fan | None = None
    derived_from: str | None = None

    def __post_init__(self) -> None:
        where = f"input {self.name}"
        if (self.low is None) != (self.high is None):
            raise InputError(f"{where}: give both ends of the 90 % interval (low..high) or neither")
        numbers = [("value", self.value), ("low", self.low), ("high", self.high)]
        for label, number in numbers:
            if number is not None and not (math.isfinite(number) and number >= 0):
                raise InputError(f"{where}: {label} must be a finite number >= 0, got {number!r}")
        if self.low is not None and self.high is not None:
            if not 0 < self.low <= self.value <= self.high:
                raise InputError(f"{where}: expected 0 < low <= value <= high, got {self.low:g}..{self.value:g}.."
                                 f"{self.high:g}")
        elif self.value == 0 and self.growth is not None:
            raise InputError(f"{where}: a value of 0 cannot grow")
        top = self.high if self.high is not None else self.value
        if self.upper is not None and top > self.upper:
            raise InputError(f"{where}: {top:g} is above its largest allowed value {self.upper:g}")

    @property
    def ranged(self) -> bool:
        """True when the input is uncertain (an interval or a fan)."""
        return self.fan is not None or (self.low is not None and self.high is not None and self.high > self.low)

    def knots_log10(self) -> tuple[float, float, float]:
        """log10 of (5th percentile, median, 95th percentile); a fixed value repeats it (0 gives -inf)."""
        mid = math.log10(self.value) if self.value > 0 else -math.inf
        if self.low is None or self.high is None:
            return mid, mid, mid
        return math.log10(self.low), mid, math.log10(self.high)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out: dict[str, Any] = {
            "name": self.name, "unit": self.unit, "value": self.value, "low": self.low, "high": self.high,
            "interval": "5th-95th percentile" if self.low is not None else "fixed",
            "at_year": self.at_year, "growth": self.growth, "upper": self.upper,
            "source": self.source, "estimate": self.estimate, "derived_from": self.derived_from,
        }
        if self.fan is not None:
            out["fan"] = self.fan.to_dict()
        return out


@dataclasses.dataclass(frozen=True)
class Correlation:
    """A stated correlation between two inputs' normal scores (Gaussian copula over log-inputs).

    Attributes:
        a: one input's name.
        b: the other's.
        rho: the correlation, -1 < rho < 1.
        source: why (or ``estimate: ...``).
    """

    a: str
    b: str
    rho: float
    source: str = "estimate"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rho) and -1 < self.rho < 1):
            raise InputError(f"correlation {self.a}~{self.b}: expected -1 < rho < 1, got {self.rho!r}")
        if self.a == self.b:
            raise InputError(f"correlation {self.a}~{self.b}: an input is always fully correlated with itself")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip().replace("_", ""))
    except ValueError:
        raise InputError(f"{what}: expected a number, got {text.strip()!r}") from None
    if not math.isfinite(value):
        raise InputError(f"{what}: expected a finite number, got {text.strip()!r}")
    return value


def _replace(base: Input, value: float, low: float | None, high: float | None, source: str,
             at_year: int | None = None) -> Input:
    return dataclasses.replace(base, value=value, low=low, high=high, source=source, estimate=False, fan=None,
                               derived_from=None, at_year=base.at_year if at_year is None else at_year)


def parse_assignment(text: str, inputs: Mapping[str, Input], *, source: str = "user override") -> Input:
    """``name=value`` (fixed) or ``name=low..high`` (a 90 % interval, median their geometric mean).

    Args:
        text: the assignment.
        inputs: the current inputs by name (the one named is replaced).
        source: the source written into the new input.

    Returns:
        The new input (its fan, if any, dropped).

    Raises:
        InputError: no ``=``, an unknown name, a value that is not a number or out of range.
    """
    name, sep, rhs = text.partition("=")
    name = name.strip()
    if not sep or not name or not rhs.strip():
        raise InputError(f"--set {text!r}: expected NAME=VALUE or NAME=LOW..HIGH")
    if name not in inputs:
        raise UnknownNameError(f"--set {text!r}: unknown input {name!r}", name=name, candidates=sorted(inputs))
    base = inputs[name]
    match = _RANGE.match(rhs)
    if match:
        low, high = _number(match.group(1), f"--set {name} low"), _number(match.group(2), f"--set {name} high")
        if not 0 < low <= high:
            raise InputError(f"--set {name}={rhs.strip()}: expected 0 < LOW <= HIGH")
        return _replace(base, math.sqrt(low * high), low, high, source)
    return _replace(base, _number(rhs, f"--set {name}"), None, None, source)


def _from_mapping(name: str, raw: Mapping[str, Any], base: Input, path: str) -> Input:
    known = {"value", "low", "high", "source", "at_year", "estimate"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise DataError(f"unknown key {unknown[0]!r}; expected {', '.join(sorted(known))}", path=path,
                        field=f"inputs.{name}")

    def num(key: str) -> float | None:
        v = raw.get(key)
        if v is None:
            return None
        if isinstance(v, str):  # YAML 1.1 reads 1.0e7 (no exponent sign) as text
            with contextlib.suppress(ValueError):
                v = float(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise DataError(f"expected a number, got {v!r}", path=path, field=f"inputs.{name}.{key}", value=v)
        return float(v)

    value = num("value")
    if value is None:
        raise DataError("missing 'value'", path=path, field=f"inputs.{name}")
    at = raw.get("at_year")
    if at is not None and (isinstance(at, bool) or not isinstance(at, int)):
        raise DataError(f"expected a whole year, got {at!r}", path=path, field=f"inputs.{name}.at_year", value=at)
    new = _replace(base, value, num("low"), num("high"), str(raw.get("source") or f"user ({Path(path).name})"), at)
    return dataclasses.replace(new, estimate=bool(raw.get("estimate", False)))


def read_assumptions(path: str | Path, inputs: Mapping[str, Input]) -> tuple[str | None, list[Input], list[Correlation]]:
    """Read an assumptions YAML file: ``preset``, ``inputs`` and ``correlations``.

    The file looks like::

        preset: epoch2024          # optional
        inputs:
          power_w: 5e9             # fixed
          utilisation: 0.3..0.5    # a 90 % interval
          duration_s: {value: 1e7, low: 5e6, high: 2e7, source: "my note"}
        correlations:
          - [power_w, accelerators_per_year, 0.6, "why"]

    Args:
        path: the file (read through the guarded reader).
        inputs: the current inputs by name.

    Returns:
        (preset named in the file or None, the new inputs, the correlations).

    Raises:
        DataError: unreadable file, bad YAML, unknown input, bad value (file and field named).
    """
    from computegov.inputyaml import read_input_yaml

    raw = read_input_yaml(path, what="outlook assumptions file")
    where = str(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DataError("expected a mapping with 'inputs' (and optionally 'preset', 'correlations')", path=where)
    extra = sorted(set(raw) - {"preset", "inputs", "correlations"})
    if extra:
        raise DataError(f"unknown key {extra[0]!r}; expected preset, inputs, correlations", path=where)
    preset = raw.get("preset")
    if preset is not None and not isinstance(preset, str):
        raise DataError(f"expected a preset name, got {preset!r}", path=where, field="preset")
    out: list[Input] = []
    given = raw.get("inputs") or {}
    if not isinstance(given, dict):
        raise DataError("expected a mapping of input name -> value", path=where, field="inputs")
    for name, spec in given.items():
        if name not in inputs:
            raise DataError(f"unknown input {name!r}; known: {', '.join(sorted(inputs))}", path=where,
                            field=f"inputs.{name}")
        try:
            if isinstance(spec, dict):
                out.append(_from_mapping(str(name), spec, inputs[name], where))
            elif isinstance(spec, (int, float, str)) and not isinstance(spec, bool):
                out.append(parse_assignment(f"{name}={spec}", inputs, source=f"user ({Path(where).name})"))
            else:
                raise DataError(f"expected a number, 'low..high' or a mapping, got {spec!r}", path=where,
                                field=f"inputs.{name}")
        except InputError as err:
            raise DataError(str(err), path=where, field=f"inputs.{name}") from err
    return preset, out, parse_correlations(raw.get("correlations") or [], inputs, where)


def parse_correlations(rows: Iterable[Any], names: Iterable[str], where: str) -> list[Correlation]:
    """``[a, b, rho, source?]`` rows as :class:`Correlation` objects, names checked.

    Raises:
        DataError: a malformed row or an unknown input name.
    """
    known = set(names)
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) not in (3, 4):
            raise DataError(f"expected [input_a, input_b, rho, source], got {row!r}", path=where,
                            field=f"correlations[{i}]")
        a, b, rho = str(row[0]), str(row[1]), row[2]
        if isinstance(rho, str):
            with contextlib.suppress(ValueError):
                rho = float(rho)
        for n in (a, b):
            if n not in known:
                raise DataError(f"unknown input {n!r}", path=where, field=f"correlations[{i}]")
        if isinstance(rho, bool) or not isinstance(rho, (int, float)):
            raise DataError(f"expected a number for rho, got {rho!r}", path=where, field=f"correlations[{i}]")
        try:
            out.append(Correlation(a, b, float(rho), str(row[3]) if len(row) == 4 else "user"))
        except InputError as err:
            raise DataError(str(err), path=where, field=f"correlations[{i}]") from err
    return out
