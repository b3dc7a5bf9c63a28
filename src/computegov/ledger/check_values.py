"""What every verifier check needs: reading tampered values safely and naming where a problem is.

The floor below :mod:`computegov.ledger.checks` (the ledger alone) and
:mod:`computegov.ledger.report_checks` (a report against its ledger): both import from here, and
this module imports neither, so the checks have no import circle.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from computegov.ledger.records import Record
from computegov.ledger.scan import ChainScan

__all__ = [
    "TOTALS_REL_TOL",
    "at",
    "b64_strict",
    "close",
    "first_and_more",
    "obj",
    "records_of",
    "where",
]

#: Relative tolerance when comparing a report's totals with sums recomputed from the ledger
#: (floating-point summation order only; any real edit is far larger).
TOTALS_REL_TOL = 1e-9


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict (tampered input may hold anything)."""
    return dict(value) if isinstance(value, Mapping) else {}


def close(a: Any, b: Any) -> bool:
    """Equal, numbers within :data:`TOTALS_REL_TOL` (recursively through dicts)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        try:
            return math.isclose(float(a), float(b), rel_tol=TOTALS_REL_TOL, abs_tol=1e-12)
        except OverflowError:  # an integer beyond float range (10**400) equals only itself
            return a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return bool(a == b)


def first_and_more(problems: list[Any]) -> str:
    """The first problem, with ``(+N more)`` when there are others (for a check's one-line summary)."""
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


def b64_strict(text: Any) -> bytes:
    """Strict base64 decode: only the canonical encoding of some bytes is accepted."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def at(rec: Record, offset: int) -> str:
    """``record N (byte offset M)`` of a record read at byte ``offset`` (streamed checks)."""
    return f"record {rec.seq} (byte offset {offset})"


def where(scan: ChainScan, index: int) -> str:
    """``record N (byte offset M)`` of the ``index``-th parsed record."""
    rec = scan.records[index]
    return f"record {rec.seq} (byte offset {scan.offsets_bytes[index]})"


def records_of(scan: ChainScan, kind: str) -> list[Record]:
    """The records of one kind, in order."""
    return [r for r in scan.records if r.kind == kind]
