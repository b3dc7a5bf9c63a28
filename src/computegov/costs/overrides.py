"""Setting any :class:`~computegov.costs.model.CostModel` assumption without writing Python.

An assumptions file (YAML or JSON) maps field names to a number, a ``[low, central, high]`` list
or a ``{low, central, high}`` mapping; ``NAME=VALUE`` strings (the CLI's ``--set``) do the same one
at a time (``VALUE`` a number or ``low,central,high``). Every range-valued field of the model
(:data:`~computegov.costs.model.COST_ASSUMPTION_NAMES`) and the scalar inputs (chip price, whether
it includes the server, TDP, rental price, precision) can be set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from computegov.costs.model import COST_ASSUMPTION_NAMES, CostModel
from computegov.errors import DataError, InputError

__all__ = ["SETTABLE", "apply_overrides", "load_overrides", "parse_settings"]

_SCALARS = ("chip_price_usd", "tdp_w", "rent_usd_per_chip_hour", "precision", "price_includes_server")
#: Names an assumptions file or ``--set`` may give.
SETTABLE: tuple[str, ...] = (*COST_ASSUMPTION_NAMES, *_SCALARS)


def _value(name: str, raw: Any, where: str) -> Any:
    if name == "precision":
        return str(raw)
    if name == "price_includes_server":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise InputError(f"{where}: {name} must be true or false, got {raw!r}")
    if isinstance(raw, Mapping):
        raw = [raw.get("low"), raw.get("central"), raw.get("high")]
    if isinstance(raw, str):
        raw = [p.strip() for p in raw.split(",")] if "," in raw else raw
    try:
        if isinstance(raw, (list, tuple)):
            if len(raw) != 3:
                raise ValueError("expected low, central, high")
            return tuple(float(v) for v in raw)
        return float(raw)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"{where}: {name} expected a number or low,central,high, got {raw!r}"
        ) from err


def apply_overrides(model: CostModel, values: Mapping[str, Any], where: str = "override") -> CostModel:
    """``model`` with ``values`` set (unknown names and bad values raise, naming ``where``).

    Raises:
        InputError: an unknown name or a value that is not a number / triple / boolean, or one the
            model refuses (negative, utilisation above 1, ...).
    """
    changes = {}
    for name, raw in values.items():
        if name not in SETTABLE:
            raise InputError(
                f"{where}: unknown cost assumption {name!r}; expected one of {', '.join(SETTABLE)}"
            )
        changes[name] = _value(name, raw, where)
    try:
        return model.replace(**changes)
    except InputError as err:
        raise InputError(f"{where}: {err}") from err


def parse_settings(settings: Iterable[str]) -> dict[str, str]:
    """``["pue=1.1", "lifetime_years=3,4,5"]`` -> ``{"pue": "1.1", ...}``.

    Raises:
        InputError: an entry without ``=``.
    """
    out = {}
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def load_overrides(path: Path) -> dict[str, Any]:
    """Read an assumptions file (YAML or JSON mapping).

    Raises:
        DataError: unreadable, not a mapping.
    """
    from computegov.inputyaml import read_input_yaml  # regular file, size cap, limited YAML

    raw = read_input_yaml(path, what="assumptions file")
    if not isinstance(raw, Mapping):
        raise DataError(
            "expected a mapping of assumption names to values (e.g. 'pue: 1.1')", path=str(path)
        )
    return {str(k): v for k, v in raw.items()}
