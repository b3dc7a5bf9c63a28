"""The hardware method: chips x dense peak FLOP/s x duration x utilisation.

Sevilla et al. 2022, "Estimating Training Compute of Deep Learning Models", Epoch AI,
https://epoch.ai/blog/estimating-training-compute, method 2. Also the chip and precision lookups
that the inverse questions (:mod:`computegov.compute.inverse`) share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from computegov.compute.result import ComputeEstimate
from computegov.compute.routes import error_model, range_sd_log10
from computegov.compute.run import DEFAULT_UTILISATION, TrainingRun, Utilisation
from computegov.errors import InputError

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = ["chip_peak", "effective_peak", "hardware_estimate", "parse_precision_mix", "precision_key", "resolve_chip"]


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


def parse_precision_mix(text: str) -> dict[str, float]:
    """``"fp8=0.7,bf16=0.3"`` -> ``{"fp8": 0.7, "bf16": 0.3}`` (keys normalised, shares checked).

    Raises:
        InputError: not ``name=share`` pairs, an unknown precision, shares not in (0, 1] or not
            adding up to 1.
    """
    from computegov.compute.run import _mix

    pairs: dict[str, float] = {}
    for part in (p.strip() for p in str(text).split(",")):
        name, sep, share = part.partition("=")
        if not sep or not name.strip() or not share.strip():
            raise InputError(f"precision mix {text!r}: expected name=share pairs, e.g. fp8=0.7,bf16=0.3")
        key = precision_key(name.strip())
        if key in pairs:
            raise InputError(f"precision mix {text!r}: {key} given twice")
        try:
            pairs[key] = float(share)
        except ValueError as err:
            raise InputError(f"precision mix {text!r}: {share.strip()!r} is not a fraction") from err
    return _mix(pairs)


def effective_peak(chip: Chip, mix: Mapping[str, float]) -> float:
    """Dense peak FLOP/s of a run whose FLOP are split over precisions (shares summing to 1).

    A share f_i of the FLOP runs at peak P_i and takes time proportional to f_i / P_i, so the
    whole run goes at 1 / Σ f_i / P_i: the FLOP-weighted harmonic mean of the peaks (the
    arithmetic mean would weight by FLOP, not by time, and overstate the run's speed).

    Raises:
        InputError: a precision the chip has no peak for (the message lists those it has).
    """
    seconds_per_flop = 0.0
    for name, share in mix.items():
        _, peak = chip_peak(chip, name)
        seconds_per_flop += share / peak
    return 1.0 / seconds_per_flop


def _hardware_width(run: TrainingRun, util: Utilisation, given: bool) -> tuple[float, float, str]:
    """(lo, hi) in log10 around the central value, and the note (error models of computegov.compute.routes).

    No utilisation given: the error calibrated with the default central utilisation (it holds
    the spread of realised utilisations). A utilisation given: the error of stated MFU against
    realised utilisation; a point is taken as the user asserts it (no spread added for it), a
    range adds its own log10 spread. Ranged chip counts and durations add theirs (in quadrature).
    """
    input_sd = run.input_sd_log10("chip_count", "duration_s")
    if not given:
        model = error_model("hardware", "utilisation_unknown")
        lo, hi = model.bounds_log10(input_sd)
        return lo, hi, model.describe()
    model = error_model("hardware", "utilisation_stated")
    util_sd = range_sd_log10(util.low, util.high) if util.high > util.low else 0.0
    lo, hi = model.bounds_log10(math.hypot(input_sd, util_sd))
    note = model.describe() + (
        "; utilisation range read as a 90% interval (log-normal), in quadrature"
        if util_sd
        else "; the utilisation given is taken as asserted (no spread added for it)"
    )
    return lo, hi, note


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
    if run.precision_mix:
        peak = effective_peak(chip, run.precision_mix)
        precision = "mix " + ",".join(f"{precision_key(k)}={v:g}" for k, v in run.precision_mix.items())
        peak_note = (
            f"effective dense peak of the precision mix {precision[4:]}: {peak:.4g} FLOP/s "
            "(1 / Σ share/peak, time-weighted)"
        )
    else:
        precision, peak = chip_peak(chip, run.precision)
        peak_note = f"dense peak at {precision}: {peak:.4g} FLOP/s ({chip.source_of(f'peak_flop_per_s.{precision}') or 'catalogue'})"
    given = isinstance(run.utilisation, Utilisation)
    util = run.utilisation if isinstance(run.utilisation, Utilisation) else DEFAULT_UTILISATION
    chip_seconds = run.chip_count * run.duration_s
    base = chip_seconds * peak
    central = base * util.central
    lo, hi, width_note = _hardware_width(run, util, given)
    assumptions = [
        (
            (
                f"utilisation {util.central:g} as given (asserted by the user; source: {util.source})"
                if util.low == util.high
                else f"utilisation {util.low:g}-{util.high:g} (central {util.central:.3g}); source: {util.source}"
            )
            if given
            else f"utilisation {util.central:g} (default; {util.source}); the spread of realised utilisations is in the calibrated interval"
        ),
        peak_note,
        width_note,
    ]
    ranged = [k for k in ("chip_count", "duration_s") if k in (run.input_ranges or {})]
    fixed = [label for key, label in (("chip_count", "chip count"), ("duration_s", "duration")) if key not in ranged]
    if fixed:
        assumptions.append(
            f"{' and '.join(fixed)} taken as given (no spread added; give a range such as --chips 20k..25k "
            "or --days 90..100 to add one)"
        )
    if ranged:
        assumptions.append(
            f"{' and '.join(k.replace('_s', '').replace('_', ' ') for k in ranged)} given as a 90% range "
            "(log-normal), added in quadrature"
        )
    return ComputeEstimate(
        flop=central,
        flop_low=central * 10**lo,
        flop_high=central * 10**hi,
        method="hardware",
        phase=run.phase,
        name=run.name,
        formula="chips × peak FLOP/s × duration × utilisation (Sevilla et al. 2022, method 2)",
        inputs={
            "chip": chip.name,
            "chip_count": run.chip_count,
            "duration_s": run.duration_s,
            "precision": precision,
            "precision_mix": dict(run.precision_mix) if run.precision_mix else None,
            "peak_flop_per_s": peak,
            "utilisation": util.to_dict(),
            "chip_seconds": chip_seconds,
            "formula_flop": central,
        },
        assumptions=tuple(assumptions),
    )
