"""Metrics a trend can be fitted to: what each measures, its unit and which chips have it.

A :class:`Metric` turns a :class:`~computegov.catalog.Chip` into one positive number or None
(missing, never imputed). Look metrics up by name with :func:`get_metric`; :data:`METRICS` holds
them all, in display order.

Price-performance metrics express launch prices in constant dollars of :data:`PRICE_DOLLAR_YEAR`
through :func:`computegov.inflation.to_usd` (CPI-U). The whole-cost-of-ownership metric
``flop_per_usd_tco`` asks :func:`computegov.costs.tco_flop_per_usd`, imported only when used.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import logging
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from computegov.errors import ComputegovError, MetricUnavailableError, UnknownNameError
from computegov.inflation import DOLLAR_YEAR, to_usd

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "METRICS",
    "PRICE_DOLLAR_YEAR",
    "Metric",
    "MetricUnavailableError",
    "get_metric",
]

logger = logging.getLogger(__name__)

#: Constant-dollar year for price-performance metrics (launch prices are converted with CPI-U);
#: :data:`computegov.inflation.DOLLAR_YEAR`, the same year as the cost model's ``TCO_DOLLAR_YEAR``.
PRICE_DOLLAR_YEAR: int = DOLLAR_YEAR


@dataclasses.dataclass(frozen=True)
class Metric:
    """One quantity measured on every chip that has it.

    Attributes:
        name: registry key, e.g. ``"flop_per_s_per_usd"``.
        unit: unit of :attr:`value`'s result, e.g. ``"FLOP/s per 2024 USD"``.
        description: one sentence for people.
        value: ``value(chip) -> float | None``; None when the chip lacks the inputs.
        needs: what a chip must have, for messages ("a launch price" in "n = 53 of 170 chips
            have a launch price").
        log_scale: fit and plot on a log scale (every metric here grows geometrically).
        group: family for tables and the progress index (``compute``, ``price``, ``energy``,
            ``memory``, ``network``, ``silicon``).
        title: short label for people (charts, report tables); defaults to ``name``.
    """

    name: str
    unit: str
    description: str
    value: Callable[[Chip], float | None] = dataclasses.field(repr=False, compare=False)
    needs: str = "a value"
    log_scale: bool = True
    group: str = "compute"
    title: str = ""

    @property
    def label(self) -> str:
        """The title for people, or the name when there is none."""
        return self.title or self.name

    def __call__(self, chip: Chip) -> float | None:
        """The chip's value if it is a positive finite number, else None."""
        return _positive(self.value(chip))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready description (no function)."""
        return {
            "name": self.name,
            "unit": self.unit,
            "description": self.description,
            "needs": self.needs,
            "log_scale": self.log_scale,
            "group": self.group,
            "title": self.label,
        }


def _positive(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _peak(precision: str) -> Callable[[Chip], float | None]:
    def value(chip: Chip) -> float | None:
        return chip.peak_flop_per_s.get(precision)

    return value


def _training_peak(chip: Chip) -> float | None:
    best = chip.training_peak()
    return best[1] if best else None


def _price_usd_constant(chip: Chip) -> float | None:
    """Launch price in :data:`PRICE_DOLLAR_YEAR` USD, or None (no price, or no year to deflate)."""
    price = _positive(chip.launch_price_usd)
    year = chip.launch_price_dollar_year
    if price is None or year is None:
        return None
    try:
        return to_usd(price, year, PRICE_DOLLAR_YEAR)
    except ComputegovError as err:  # a year outside the bundled CPI-U table
        logger.warning(
            "%s: cannot deflate a %s price to %s USD: %s", chip.name, year, PRICE_DOLLAR_YEAR, err
        )
        return None


def _per_usd(numerator: Callable[[Chip], float | None]) -> Callable[[Chip], float | None]:
    def value(chip: Chip) -> float | None:
        top = _positive(numerator(chip))
        if top is None:
            return None
        price = _price_usd_constant(chip)
        return top / price if price else None

    return value


def _per_watt(numerator: Callable[[Chip], float | None]) -> Callable[[Chip], float | None]:
    def value(chip: Chip) -> float | None:
        top = _positive(numerator(chip))
        power_w = _positive(chip.tdp_w)
        return top / power_w if top and power_w else None

    return value


def _tco_flop_per_usd(chip: Chip) -> float | None:
    try:
        costs = importlib.import_module("computegov.costs")
    except ModuleNotFoundError as err:
        if err.name == "computegov.costs":
            raise MetricUnavailableError(
                "metric 'flop_per_usd_tco' needs the cost model (computegov.costs), which is not "
                "installed in this version; use 'flop_per_s_per_usd' (launch price) instead"
            ) from err
        raise
    return costs.tco_flop_per_usd(chip)


def _bytes_per_flop(chip: Chip) -> float | None:
    bandwidth = _positive(chip.memory_bandwidth_bytes_per_s)
    peak = _positive(_training_peak(chip))
    return bandwidth / peak if bandwidth and peak else None


def _transistor_density(chip: Chip) -> float | None:
    transistors = _positive(chip.transistors)
    area = _positive(chip.die_area_mm2)
    return transistors / area if transistors and area else None


#: How precisions read in metric titles (others: upper case).
_PRECISION_LABELS: Mapping[str, str] = {"fp16_vector": "FP16 vector", "bf16": "BF16/FP16 tensor"}


def _build_registry() -> dict[str, Metric]:
    from computegov.catalog.chip import PRECISION_DESCRIPTIONS, PRECISIONS

    dollars = f"{PRICE_DOLLAR_YEAR} USD"
    metrics: list[Metric] = [
        Metric(
            "training_flop_per_s",
            "FLOP/s",
            "Dense peak FLOP/s at the best precision the chip offers for training "
            "(BF16/FP16 tensor, else TF32, else FP32).",
            _training_peak,
            needs="a training-precision peak",
            title="Peak training FLOP/s",
        ),
    ]
    for precision in PRECISIONS:
        unit = "OP/s" if precision.startswith("int") else "FLOP/s"
        metrics.append(
            Metric(
                f"peak_flop_per_s_{precision}",
                unit,
                f"Dense peak: {PRECISION_DESCRIPTIONS[precision]}.",
                _peak(precision),
                needs=f"a {precision.upper()} peak",
                title=f"Peak {_PRECISION_LABELS.get(precision, precision.upper())} {unit}",
            )
        )
    metrics += [
        Metric(
            "flop_per_s_per_usd",
            f"FLOP/s per {dollars}",
            f"Training-precision peak FLOP/s per launch-price dollar, in constant {dollars} (CPI-U).",
            _per_usd(_training_peak),
            needs="a launch price",
            group="price",
            title="Price-performance (training FLOP/s per dollar)",
        ),
        Metric(
            "fp32_flop_per_s_per_usd",
            f"FLOP/s per {dollars}",
            f"FP32 peak FLOP/s per launch-price dollar, in constant {dollars} (CPI-U); the "
            "measure of GPU price-performance used by Hobbhahn & Besiroglu (2022).",
            _per_usd(_peak("fp32")),
            needs="a launch price and an FP32 peak",
            group="price",
            title="FP32 price-performance (FP32 FLOP/s per dollar)",
        ),
        Metric(
            "flop_per_usd_tco",
            # The cost model's TCO_DOLLAR_YEAR is this same year; naming it here keeps the
            # (slow) cost model out of this module's import.
            f"FLOP per {PRICE_DOLLAR_YEAR} USD of total cost of ownership",
            "FLOP delivered per dollar over the whole cost of ownership (purchase, power, "
            "datacenter), from the cost model (computegov.costs).",
            _tco_flop_per_usd,
            needs="a total cost of ownership",
            group="price",
            title="FLOP per dollar of total cost of ownership",
        ),
        Metric(
            "flop_per_j",
            "FLOP/J",
            "Training-precision peak FLOP/s per watt of TDP (= FLOP per joule at peak).",
            _per_watt(_training_peak),
            needs="a TDP and a training-precision peak",
            group="energy",
            title="Energy efficiency (training FLOP per joule)",
        ),
        Metric(
            "fp32_flop_per_j",
            "FLOP/J",
            "FP32 peak FLOP/s per watt of TDP.",
            _per_watt(_peak("fp32")),
            needs="a TDP and an FP32 peak",
            group="energy",
            title="FP32 energy efficiency (FLOP per joule)",
        ),
        Metric(
            "memory_bandwidth_bytes_per_s",
            "bytes/s",
            "Memory bandwidth per chip.",
            lambda chip: chip.memory_bandwidth_bytes_per_s,
            needs="a memory bandwidth",
            group="memory",
            title="Memory bandwidth",
        ),
        Metric(
            "memory_bytes",
            "bytes",
            "Memory capacity per chip (board).",
            lambda chip: chip.memory_bytes,
            needs="a memory size",
            group="memory",
            title="Memory capacity",
        ),
        Metric(
            "bytes_per_flop",
            "bytes/s per FLOP/s",
            "Memory bandwidth per training FLOP/s; its fall is the 'memory wall'.",
            _bytes_per_flop,
            needs="a memory bandwidth and a training-precision peak",
            group="memory",
            title="Memory bandwidth per FLOP/s (the memory wall)",
        ),
        Metric(
            "intranode_bandwidth_bytes_per_s",
            "bytes/s",
            "Chip-to-chip bandwidth within a node (e.g. NVLink), bidirectional.",
            lambda chip: chip.intranode_bandwidth_bytes_per_s,
            needs="an intranode bandwidth",
            group="network",
            title="Chip-to-chip bandwidth within a node",
        ),
        Metric(
            "internode_bandwidth_bytes_per_s",
            "bytes/s",
            "Per-chip bandwidth to other nodes.",
            lambda chip: chip.internode_bandwidth_bytes_per_s,
            needs="an internode bandwidth",
            group="network",
            title="Bandwidth to other nodes",
        ),
        Metric(
            "transistors",
            "count",
            "Transistors per chip (the broad GPU set adds decades of GPUs).",
            lambda chip: chip.transistors,
            needs="a transistor count",
            group="silicon",
            title="Transistors per chip",
        ),
        Metric(
            "die_area_mm2",
            "mm^2",
            "Die area.",
            lambda chip: chip.die_area_mm2,
            needs="a die area",
            group="silicon",
            title="Die area",
        ),
        Metric(
            "transistors_per_mm2",
            "transistors/mm^2",
            "Transistor density: transistors per mm^2 of die.",
            _transistor_density,
            needs="a transistor count and a die area",
            group="silicon",
            title="Transistor density",
        ),
    ]
    return {metric.name: metric for metric in metrics}


#: Every metric, by name, in display order.
METRICS: Mapping[str, Metric] = _build_registry()

#: Short names users may type, mapped to registry names.
_ALIASES: Mapping[str, str] = {
    "training": "training_flop_per_s",
    "flops": "training_flop_per_s",
    "price_performance": "flop_per_s_per_usd",
    "price-performance": "flop_per_s_per_usd",
    "tco": "flop_per_usd_tco",
    "energy_efficiency": "flop_per_j",
    "efficiency": "flop_per_j",
    "memory_bandwidth": "memory_bandwidth_bytes_per_s",
    "bandwidth": "memory_bandwidth_bytes_per_s",
    "memory": "memory_bytes",
    "memory_wall": "bytes_per_flop",
    "die_area": "die_area_mm2",
}


def get_metric(name: str | Metric) -> Metric:
    """Look up a metric by name (or a short alias such as ``price-performance``).

    Args:
        name: registry name, alias, ``peak_flop_per_s_<precision>`` or a precision alone
            (``bf16``, ``fp32``); a :class:`Metric` is returned unchanged.

    Raises:
        UnknownNameError: no such metric; ``candidates`` lists the closest names.
    """
    if isinstance(name, Metric):
        return name
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key in METRICS:
        return METRICS[key]
    if f"peak_flop_per_s_{key}" in METRICS:
        return METRICS[f"peak_flop_per_s_{key}"]
    try:
        from computegov.catalog.chip import normalise_precision

        return METRICS[f"peak_flop_per_s_{normalise_precision(key)}"]
    except KeyError:
        pass
    close = difflib.get_close_matches(key, list(METRICS), n=5, cutoff=0.4)
    raise UnknownNameError(
        f"unknown metric {name!r}; available: {', '.join(METRICS)}",
        name=name,
        candidates=close,
    )
