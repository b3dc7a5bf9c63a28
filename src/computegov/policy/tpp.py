"""Export-control metrics from chip specifications: TPP and performance density.

Definitions (ECCN 3A090 Technical Notes, 88 FR 73458, Oct 25 2023):

* 'Total processing performance' (TPP) = 2 x 'MacTOPS' x 'bit length of the operation',
  aggregated over all processing units of the IC. ``2 x MacTOPS`` is the datasheet rate in
  tera-operations per second when a multiply-accumulate counts as two operations, which is the
  convention of our catalogue (``peak_flop_per_s`` counts 2 FLOP per MAC; integer keys are OP/s).
  So ``TPP = peak_flop_per_s[p] / 1e12 x bits(p)``. Rates are dense (the catalogue holds dense
  rates) and the highest value over the precisions the chip supports is the one evaluated.
  BIS's own worked example: TPP 4800 = 600 TOPS at 8 bits = 300 TFLOPS at 16 bits.
* 'Performance density' (PD) = TPP / 'applicable die area' in mm^2.

TPP is dimensionless as the rule writes it (TOPS x bits); PD is TPP per mm^2.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from computegov.catalog.chip import PRECISION_BITS
from computegov.errors import InputError

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = [
    "TERA",
    "TppResult",
    "performance_density",
    "tpp_from_peaks",
    "tpp_from_rate",
    "tpp_of_chip",
]

#: Operations per second in one TOPS / TFLOPS (SI prefix tera, exact).
TERA = 1e12


@dataclasses.dataclass(frozen=True)
class TppResult:
    """TPP of a chip and how it was obtained.

    Attributes:
        tpp: total processing performance (TOPS x bits), the maximum over precisions.
        precision: the precision key that gives the maximum (e.g. ``"fp8"``).
        bits: bit length of that precision's operation.
        rate_op_per_s: the dense rate at that precision, FLOP/s or OP/s (2 ops per MAC).
        by_precision: TPP at every precision with a known rate.
    """

    tpp: float
    precision: str
    bits: int
    rate_op_per_s: float
    by_precision: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "tpp": self.tpp,
            "precision": self.precision,
            "bits": self.bits,
            "rate_op_per_s": self.rate_op_per_s,
            "tpp_by_precision": dict(self.by_precision),
        }


def tpp_from_rate(rate_op_per_s: float, bits: int) -> float:
    """TPP of one precision: ``rate / 1e12 x bits``.

    Args:
        rate_op_per_s: dense rate counting a multiply-accumulate as 2 operations, op/s.
        bits: bit length of the operation.

    Returns:
        TPP (TOPS x bits).

    Raises:
        InputError: a negative or non-finite rate, or non-positive bits.
    """
    if not math.isfinite(rate_op_per_s) or rate_op_per_s < 0:
        raise InputError(f"rate: expected a non-negative finite op/s, got {rate_op_per_s!r}")
    if bits <= 0:
        raise InputError(f"bit length: expected a positive integer, got {bits!r}")
    return rate_op_per_s / TERA * bits


def tpp_from_peaks(peak_op_per_s: Mapping[str, float]) -> TppResult | None:
    """TPP from dense peak rates keyed by precision (keys of ``PRECISION_BITS``).

    Unknown keys and missing/zero rates are skipped. Returns None when no rate is usable.
    """
    by_precision: dict[str, float] = {}
    for precision, rate in peak_op_per_s.items():
        bits = PRECISION_BITS.get(precision)
        if bits is None or rate is None or not math.isfinite(rate) or rate <= 0:
            continue
        by_precision[precision] = tpp_from_rate(rate, bits)
    if not by_precision:
        return None
    top = max(by_precision.values())
    # Ties (e.g. FP8 x 8 = BF16 x 16 on most tensor cores): report the narrowest operand, the
    # datasheet's headline rate; the TPP is the same either way.
    tied = [p for p, v in by_precision.items() if v >= top * (1 - 1e-9)]
    best = min(tied, key=lambda p: (PRECISION_BITS[p], p))
    return TppResult(
        tpp=by_precision[best],
        precision=best,
        bits=PRECISION_BITS[best],
        rate_op_per_s=float(peak_op_per_s[best]),
        by_precision=by_precision,
    )


def tpp_of_chip(chip: Chip) -> TppResult | None:
    """TPP of a catalogue chip from its dense peak rates (None when it has none)."""
    return tpp_from_peaks(chip.peak_flop_per_s)


def performance_density(tpp: float, die_area_mm2: float) -> float:
    """Performance density = TPP / applicable die area.

    Args:
        tpp: total processing performance.
        die_area_mm2: applicable die area, mm^2 (logic dies on non-planar processes).

    Returns:
        TPP per mm^2.

    Raises:
        InputError: the die area is zero, negative or not finite.
    """
    if not math.isfinite(die_area_mm2) or die_area_mm2 <= 0:
        raise InputError(f"die area: expected a positive number of mm^2, got {die_area_mm2!r}")
    return tpp / die_area_mm2
