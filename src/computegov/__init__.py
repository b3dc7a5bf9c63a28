"""computegov: hard numbers about AI hardware and training compute.

Four jobs: forecasting hardware trends, policy (export controls, compute thresholds), verifiable
compute claims (meter, signed ledger, verifier) and advising hardware needs (planner, TCO).
``import computegov`` stays light: torch, the server stack, Ray and Altair load only in the
modules that need them.
"""

from __future__ import annotations

from computegov.catalog import Catalog, Chip, import_epoch_csv, load_catalog
from computegov.catalog.anomalies import Anomaly
from computegov.errors import (
    ChainBrokenError,
    ComputegovError,
    DataError,
    InputError,
    LedgerError,
    MeterError,
    RuleError,
    SignatureError,
    UnitError,
    UnknownNameError,
)
from computegov.inflation import to_usd
from computegov.units import parse_quantity

__version__ = "0.1.0"

__all__ = [
    # objects
    "Anomaly",
    "Catalog",
    "Chip",
    # functions
    "import_epoch_csv",
    "load_catalog",
    "parse_quantity",
    "to_usd",
    # errors
    "ChainBrokenError",
    "ComputegovError",
    "DataError",
    "InputError",
    "LedgerError",
    "MeterError",
    "RuleError",
    "SignatureError",
    "UnitError",
    "UnknownNameError",
]
