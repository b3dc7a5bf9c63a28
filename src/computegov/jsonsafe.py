"""Turning library results into JSON-ready values, shared by the CLI's ``--json``, the web API and the meter's records."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["json_safe"]


def json_safe(obj: Any) -> Any:
    """Make ``obj`` JSON-safe.

    NaN and infinities become None (JSON null), tuples become lists, objects with ``to_dict()``
    become their dict, dates their ISO string and numpy scalars plain Python numbers.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return json_safe(obj.to_dict())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return json_safe(obj.item())
    return obj
