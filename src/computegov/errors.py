"""The exceptions computegov raises.

Every error a user can cause is a :class:`ComputegovError`; the CLI turns it into a one-line
message and exit status 2 (1 for a failed verification). The tree::

    ComputegovError
    ├── DataError            bad data in a file or table (carries path, row, field)
    ├── InputError           a bad argument: unknown metric, negative compute, bad option value
    │   ├── UnknownNameError      a name that matches nothing, or several things (carries candidates)
    │   ├── MetricUnavailableError a trend metric whose data or module is not there
    │   ├── MissingCostDataError  a chip lacks a figure the cost model needs (price, TDP)
    │   └── PlanInfeasibleError   no hardware option meets the planner's constraints
    ├── UnitError            a quantity in the wrong unit or an unparseable quantity
    ├── RuleError            an unknown rule version or a rule that cannot be applied
    ├── LedgerError          an unusable ledger or report
    │   ├── ChainBrokenError the hash chain does not link
    │   └── SignatureError   a signature does not verify
    └── MeterError           the compute meter cannot measure what it was asked to
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ChainBrokenError",
    "ComputegovError",
    "DataError",
    "InputError",
    "LedgerError",
    "MeterError",
    "MetricUnavailableError",
    "MissingCostDataError",
    "PlanInfeasibleError",
    "RuleError",
    "SignatureError",
    "UnitError",
    "UnknownNameError",
]


class ComputegovError(Exception):
    """Base class of every error computegov raises on purpose."""


class DataError(ComputegovError):
    """Bad data in a file or table.

    The message names the file, the row (1-based, counting the header as row 1 for CSV),
    the field, the value found and what was expected.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.row = row
        self.field = field
        self.value = value
        self.reason = message
        where = []
        if self.path is not None:
            where.append(Path(self.path).name if len(self.path) > 60 else self.path)
        if row is not None:
            where.append(f"row {row}")
        prefix = " ".join(where)
        if field is not None:
            prefix = f"{prefix}, {field}" if prefix else field
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InputError(ComputegovError):
    """A bad argument given by the user (unknown option value, impossible constraint, ...)."""


class UnknownNameError(InputError, LookupError):
    """A name (chip, metric, rule) that matches nothing or is ambiguous.

    Attributes:
        name: what the user typed.
        candidates: the closest or the matching names, best first.
        ambiguous: True when several names matched equally well.
    """

    def __init__(
        self, message: str, *, name: str, candidates: Sequence[str] = (), ambiguous: bool = False
    ) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        self.ambiguous = ambiguous
        super().__init__(message)


class MetricUnavailableError(InputError):
    """A trend metric that needs a module or data that is not there (e.g. the TCO model)."""


class MissingCostDataError(InputError):
    """A chip lacks a field the cost model needs (price or TDP); names the field and the way out.

    Attributes:
        chip_name: the chip.
        field: the missing field (``launch_price_usd``, ``tdp_w``, ``peak_flop_per_s``, rental price).
    """

    def __init__(self, message: str, *, chip_name: str, field: str) -> None:
        self.chip_name = chip_name
        self.field = field
        super().__init__(message)


class PlanInfeasibleError(InputError):
    """No option meets the constraints; the message names the binding constraint and by how much.

    Attributes:
        binding: constraint name -> (best achievable value, limit) for each binding constraint.
    """

    def __init__(self, message: str, *, binding: dict[str, tuple[float, float]]) -> None:
        self.binding = binding
        super().__init__(message)


class UnitError(ComputegovError):
    """A quantity that cannot be parsed or is in the wrong unit."""


class RuleError(ComputegovError):
    """An unknown rule version, or a rule that cannot be applied to the given facts."""


class LedgerError(ComputegovError):
    """An unusable ledger or compute report (truncated, garbled, wrong format)."""


class ChainBrokenError(LedgerError):
    """A ledger record does not carry the hash of the record before it."""


class SignatureError(LedgerError):
    """A signature does not verify against the given public key."""


class MeterError(ComputegovError):
    """The compute meter was misused or cannot measure what it was asked to."""
