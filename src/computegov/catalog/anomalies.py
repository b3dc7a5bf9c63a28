"""Checks that find suspicious values in source data, so they are reported rather than passed on.

Each check is a pure function of one chip (plus its raw source row where needed).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from computegov.catalog.chip import Chip

__all__ = ["Anomaly", "find_anomalies"]


@dataclasses.dataclass(frozen=True)
class Anomaly:
    """A suspicious value.

    Attributes:
        chip: chip name.
        field: the field concerned (``peak_flop_per_s.fp8``, ``launch_price_usd``...).
        kind: short code (``fp8-below-bf16``, ``maybe-sparse``, ``infinite-price-performance``...).
        message: what is wrong and what computegov does about it.
    """

    chip: str
    field: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


_SPARSE_NOTE = re.compile(r"\bwith(?!out)\s+sparsity|\bsparse\b(?!.*dense)", re.IGNORECASE)


def _chip_checks(chip: Chip) -> list[Anomaly]:
    found: list[Anomaly] = []
    peaks = chip.peak_flop_per_s
    bf16, fp8, int8, fp32 = peaks.get("bf16"), peaks.get("fp8"), peaks.get("int8"), peaks.get("fp32")
    if bf16 and fp8 and fp8 < bf16:
        found.append(Anomaly(chip.name, "peak_flop_per_s.fp8", "fp8-below-bf16",
                             f"FP8 {fp8:.3g} FLOP/s is below BF16 {bf16:.3g}: one of them is probably wrong; kept as given"))
    if bf16 and fp8 and fp8 >= 3.5 * bf16:
        found.append(Anomaly(chip.name, "peak_flop_per_s.fp8", "maybe-sparse",
                             f"FP8 is {fp8 / bf16:.1f}x BF16 (dense ratio is 2x): the FP8 figure may be a sparse rate"))
    if bf16 and int8 and int8 >= 3.5 * bf16:
        found.append(Anomaly(chip.name, "peak_flop_per_s.int8", "maybe-sparse",
                             f"INT8 is {int8 / bf16:.1f}x BF16 (dense ratio is at most 2x): the INT8 figure may be a sparse rate"))
    if bf16 and int8 and int8 < bf16:
        found.append(Anomaly(chip.name, "peak_flop_per_s.int8", "int8-below-bf16",
                             f"INT8 {int8:.3g} OP/s is below BF16 {bf16:.3g} FLOP/s; kept as given"))
    if bf16 and fp32 and bf16 < fp32:
        found.append(Anomaly(chip.name, "peak_flop_per_s.bf16", "bf16-below-fp32",
                             f"tensor BF16 {bf16:.3g} is below FP32 {fp32:.3g}; kept as given"))
    if _SPARSE_NOTE.search(chip.notes or "") and "without sparsity" not in chip.notes.lower():
        found.append(Anomaly(chip.name, "peak_flop_per_s", "maybe-sparse",
                             "the source's notes mention sparsity: check the peak figures are dense"))
    if not peaks:
        found.append(Anomaly(chip.name, "peak_flop_per_s", "no-throughput",
                             "no peak throughput at any precision: the chip is left out of throughput trends"))
    if chip.launch_price_usd is not None and chip.launch_price_usd < 50:
        found.append(Anomaly(chip.name, "launch_price_usd", "implausible-price",
                             f"launch price {chip.launch_price_usd} USD is implausibly low"))
    if chip.release_date is None:
        found.append(Anomaly(chip.name, "release_date", "no-release-date",
                             "no release date: the chip is left out of trends over time"))
    return found


def _row_checks(chip: Chip, row: Mapping[str, Any]) -> list[Anomaly]:
    found: list[Anomaly] = []
    raw = str(row.get("Price-performance") or "").strip().lower()
    if raw in {"inf", "infinity", "+inf"} and chip.launch_price_usd is None:
        found.append(Anomaly(chip.name, "launch_price_usd", "infinite-price-performance",
                             "the source's price-performance is infinite (no price known); computegov leaves "
                             "price-performance undefined for this chip"))
    elif raw and raw not in {"inf", "infinity", "+inf"}:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            found.append(Anomaly(chip.name, "launch_price_usd", "bad-price-performance",
                                 f"the source's price-performance {raw!r} is not a finite number"))
    notes = str(row.get("Notes") or "").lower()
    if "to do" in notes or "todo" in notes:
        found.append(Anomaly(chip.name, "*", "placeholder",
                             "the source row is marked 'to do': some specifications may be missing or provisional"))
    return found


def find_anomalies(chips: Sequence[Chip], raw_rows: Mapping[str, Mapping[str, Any]] | None = None) -> list[Anomaly]:
    """Every anomaly in ``chips``; ``raw_rows`` (name -> source row) enables the source-row checks."""
    found: list[Anomaly] = []
    for chip in chips:
        found.extend(_chip_checks(chip))
        if raw_rows and chip.name in raw_rows:
            found.extend(_row_checks(chip, raw_rows[chip.name]))
    return found
