"""The hardware method: chips x dense peak FLOP/s x duration x utilisation.

Sevilla et al. 2022, "Estimating Training Compute of Deep Learning Models", Epoch AI,
https://epoch.ai/blog/estimating-training-compute, method 2. Also the chip and precision lookups
that the inverse questions (:mod:`computegov.compute.inverse`) share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from computegov.compute.result import ComputeEstimate
from computegov.compute.run import DEFAULT_UTILISATION, TrainingRun, Utilisation
from computegov.errors import InputError

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = ["chip_peak", "hardware_estimate", "precision_key", "resolve_chip"]


def resolve_chip(chip: Chip | str) -> Chip:
    """A Chip from a Chip or a name looked up in the bundled catalogue.

    Raises:
        UnknownNameError: no such chip (with candidates).
    """
    if not isinstance(chip, str):
        return chip
    from computegov.catalog import load_catalog

    found: Chip = load_catalog().get(chip)
    return found


def precision_key(precision: str) -> str:
    """The catalogue key of a precision name (``"bfloat16"`` -> ``"bf16"``).

    Raises:
        InputError: not a precision the catalogue knows.
    """
    from computegov.catalog.chip import normalise_precision

    try:
        return normalise_precision(precision)
    except KeyError as err:
        raise InputError(f"unknown precision {precision!r}; use bf16, fp16, fp8, tf32, fp32, fp64, ...") from err


def chip_peak(chip: Chip, precision: str | None) -> tuple[str, float]:
    """The dense peak that a run on ``chip`` gets: (precision key, FLOP/s).

    Args:
        chip: the accelerator.
        precision: training precision; None picks the chip's best of bf16 > tf32 > fp32.

    Raises:
        InputError: unknown precision, or the chip has no peak at it (the message lists those it has).
    """
    if precision is not None:
        key = precision_key(precision)
        value = chip.peak(key)
        if not value:
            known = ", ".join(k for k, v in chip.peak_flop_per_s.items() if v) or "none"
            raise InputError(
                f"{chip.name} has no {key} peak in the catalogue (known: {known}); "
                "choose another --precision"
            )
        return key, value
    best = chip.training_peak()
    if best is None:
        raise InputError(
            f"{chip.name} has no bf16, tf32 or fp32 peak in the catalogue; give --precision "
            "with a precision it has"
        )
    return best


def hardware_estimate(run: TrainingRun) -> ComputeEstimate:
    """Chips × dense peak FLOP/s × duration × utilisation (default utilisation range cited).

    Raises:
        InputError: chip, chip count or duration unknown; the chip lacks the precision.
        UnknownNameError: the chip name matches nothing in the catalogue.
    """
    missing = [
        label
        for label, v in (("chip", run.chip), ("chip count", run.chip_count), ("duration", run.duration_s))
        if v is None
    ]
    if missing:
        raise InputError(f"hardware method needs {', '.join(missing)}")
    assert run.chip is not None and run.chip_count is not None and run.duration_s is not None
    chip = resolve_chip(run.chip)
    precision, peak = chip_peak(chip, run.precision)
    util = run.utilisation if isinstance(run.utilisation, Utilisation) else DEFAULT_UTILISATION
    chip_seconds = run.chip_count * run.duration_s
    base = chip_seconds * peak
    assumptions = [
        f"utilisation {util.low:g}-{util.high:g} (median {util.central:g}); source: {util.source}"
        + ("; a point value: the interval carries no utilisation uncertainty" if util.low == util.high else ""),
        f"dense peak at {precision}: {peak:.4g} FLOP/s ({chip.source_of(f'peak_flop_per_s.{precision}') or 'catalogue'})",
    ]
    return ComputeEstimate(
        flop=base * util.central,
        flop_low=base * util.low,
        flop_high=base * util.high,
        method="hardware",
        phase=run.phase,
        name=run.name,
        formula="chips × peak FLOP/s × duration × utilisation (Sevilla et al. 2022, method 2)",
        inputs={
            "chip": chip.name,
            "chip_count": run.chip_count,
            "duration_s": run.duration_s,
            "precision": precision,
            "peak_flop_per_s": peak,
            "utilisation": util.to_dict(),
            "chip_seconds": chip_seconds,
        },
        assumptions=tuple(assumptions),
    )
