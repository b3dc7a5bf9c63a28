"""Measure the compute of a PyTorch training run: FLOP, time, utilisation, energy.

``import computegov.measure`` does not import torch; the names below load their modules (and
torch) on first use::

    from computegov.measure import ComputeMeter
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computegov.measure.meter import ComputeMeter
    from computegov.measure.records import read_records
    from computegov.measure.summary import MeterSummary, summarize_file, summarize_records

__all__ = ["ComputeMeter", "MeterSummary", "read_records", "summarize_file", "summarize_records"]

_LAZY = {
    "ComputeMeter": "computegov.measure.meter",
    "MeterSummary": "computegov.measure.summary",
    "read_records": "computegov.measure.records",
    "summarize_file": "computegov.measure.summary",
    "summarize_records": "computegov.measure.summary",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'computegov.measure' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
