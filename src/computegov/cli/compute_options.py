"""Options and input parsing of ``computegov compute`` (the commands are in :mod:`computegov.cli.compute`).

Not a command group: the run options shared by ``estimate`` and ``check``, the FLOP-figure
uncertainty options, and the parsers that turn typed text into library inputs.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import (
    CATALOG_OPTION,
    int_option,
    load_catalog_for_cli,
    shared_options,
    utilisation_option,
)
from computegov.errors import InputError

__all__ = [
    "DEX",
    "FORWARD_ONLY",
    "PHASE",
    "PRECISION",
    "SIG_FIGS",
    "UTIL",
    "RunOptions",
    "build_run",
    "figure",
    "num",
    "positive",
    "ranged",
    "run_options",
    "years",
]

# Options shared by `estimate` and `check` (Typer needs them in each signature).
PARAMS = typer.Option(None, "--params", help="Total parameters: 70e9, 70B, 7.5B, or a 90% range 60B..80B.")
ACTIVE = typer.Option(None, "--active-params", help="Active parameters per token (mixture-of-experts); a range allowed.")
TOKENS = typer.Option(None, "--tokens", help="Training tokens per epoch: 15e12, 15T, or a range 12T..15T.")
WORDS = typer.Option(None, "--words", help="Training WORDS per epoch (converted at 4/3 token per word); a range allowed.")
EPOCHS = typer.Option(
    None, "--epochs", help="Passes over the data (or a range 1..1.5). Give it, even 1, when --tokens is what the run "
    "processed: the architecture interval is then the one calibrated on published runs. Range: above 0, at most 1e6.",
)
ARCH = typer.Option("decoder", "--arch", help="decoder, encoder or encoder-decoder.")
LAYERS = int_option(None, "--layers", help="Transformer layers (adds the attention term).", low=1, high=100_000)
D_MODEL = int_option(None, "--d-model", help="Attention width d_attn (adds the attention term).", low=1, high=10_000_000)
CTX = int_option(None, "--ctx", help="Context length in tokens (adds the attention term).", low=1, high=10_000_000_000)
CHIP = typer.Option(None, "--chip", help="Accelerator name from the catalogue: H100, 'TPU v5p', ...")
CHIPS = typer.Option(None, "--chips", help="Number of chips, a whole number up to 1e8 (16384, 16k), or a range 20k..25k.")
# bounds: computegov.compute.run.LIMITS["duration_s"] (ten years)
DAYS = typer.Option(None, "--days", help="Training duration in days, or a range 90..100. Range: above 0, at most 3652.5.")
HOURS = typer.Option(None, "--hours", help="Training duration in hours, or a range. Range: above 0, at most 87660.")
UTIL = utilisation_option("default 0.3-0.5.")
RUN_UTIL = typer.Option(
    None, "--utilisation", "--utilization",
    help="Model FLOP utilisation over the run, a fraction of dense peak 0-1 (0.4 = 40%), or a range 0.3..0.45 "
    "(a 90% interval). A single value is taken as asserted; without it the error of the default is calibrated "
    "on published runs.",
)
PRECISION = typer.Option(None, "--precision", help="Training precision: bf16 (default best), fp8, tf32, fp32...")
PRECISION_MIX = typer.Option(
    None, "--precision-mix", help="Share of the FLOP at each precision instead of one --precision, e.g. "
    "fp8=0.7,bf16=0.3 (shares add up to 1); the hardware method uses the time-weighted effective peak.",
)
# How well a FLOP figure is known (compute check, compute threshold). See computegov.compute.uncertain.
DEX = typer.Option(
    None, "--dex", help="Relative error of the FLOP figure(s): one standard deviation of log10 FLOP, "
    "e.g. 0.1 (log-normal). At most 3.",
)
SIG_FIGS = typer.Option(
    None, "--sig-figs", help="The FLOP figure(s) are reported to this many significant figures "
    "(1e25 with --sig-figs 1 is anything in 9.5e24-1.5e25, uniform).",
)
PHASE = typer.Option("pre-training", "--phase", help="pre-training, fine-tuning, reinforcement-learning, synthetic-data, other.")
MEASURED = typer.Option(
    None, "--measured", help="Compute report: the ledger's signed run.report.json, or JSON with a 'flop' total."
)
FORWARD_ONLY = typer.Option(False, "--forward-only", help="Forward passes only (2·N·D), e.g. synthetic-data generation.")


#: Unit words people append to counts: option -> (words meaning that option, words meaning another).
_UNIT_WORDS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "--tokens": (("tokens", "token"), {"words": "--words", "word": "--words"}),
    "--words": (("words", "word"), {"tokens": "--tokens", "token": "--tokens"}),
    "--params": (("parameters", "parameter", "params", "param"), {}),
    "--active-params": (("parameters", "parameter", "params", "param"), {}),
}


def num(text: str | None, what: str) -> float | None:
    """A count or FLOP amount (``70e9``, ``70B``); a unit word after it is checked, then dropped.

    ``--tokens "9T words"`` is refused (a word count belongs in ``--words``), ``"15T tokens"``
    reads as 15e12.
    """
    from computegov.units import parse_quantity

    if text is None:
        return None
    own, other = _UNIT_WORDS.get(what, ((), {}))
    parts = text.strip().rsplit(maxsplit=1)
    if len(parts) == 2:
        unit = parts[1].lower()
        if unit in other:
            raise InputError(f"{what} {text!r} is a {unit.rstrip('s')} count: give it as {other[unit]} {parts[0]}")
        if unit in own:
            text = parts[0]
    return parse_quantity(text, what=what)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """The options describing a training run, shared by ``estimate`` and ``check``."""

    params: str | None = PARAMS
    active_params: str | None = ACTIVE
    tokens: str | None = TOKENS
    words: str | None = WORDS
    epochs: str | None = EPOCHS
    arch: str = ARCH
    layers: int | None = LAYERS
    d_model: int | None = D_MODEL
    ctx: int | None = CTX
    chip: str | None = CHIP
    chips: str | None = CHIPS
    days: str | None = DAYS
    hours: str | None = HOURS
    utilisation: str | None = RUN_UTIL
    precision: str | None = PRECISION
    precision_mix: str | None = PRECISION_MIX
    measured: Path | None = MEASURED
    catalog_file: Path | None = CATALOG_OPTION


run_options = shared_options("run", RunOptions)


def ranged(text: str | None, what: str, *, high: float | None = None) -> tuple[float | None, tuple[float, float] | None]:
    """A value as typed: a point (``70B``) or a 90 % range (``60B..80B``).

    Returns:
        (central, (low, high)): the central value is the geometric mean of a range's ends (its
        median under the log-normal it is read as); the range is None for a point.

    Raises:
        InputError: not a positive number, low above high, or above ``high``.
    """
    if text is None:
        return None, None
    text = str(text).strip()
    if ".." in text:
        first, _, second = text.partition("..")
        low, top = num(first.strip(), what), num(second.strip(), what)
        assert low is not None and top is not None
        for v in (low, top):
            _check(v, what, high)
        if low > top:
            raise InputError(f"{what} {text!r}: the range's low end {low:g} is above its high end {top:g}")
        return math.sqrt(low * top), (low, top)
    value = num(text, what)
    assert value is not None
    _check(value, what, high)
    return value, None


def _check(value: float, what: str, high: float | None) -> None:
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{what} must be a positive number, got {value!r}")
    if high is not None and value > high:
        raise InputError(f"{what} = {value:g} is above the plausible maximum {high:g}")


def build_run(opts: RunOptions, *, phase: str, forward_only: bool) -> Any:
    """A ``TrainingRun`` from the run options (ranges read, durations converted, counts parsed, report read)."""
    from computegov.compute import TrainingRun, Utilisation, parse_precision_mix
    from computegov.units import S_PER_DAY, S_PER_HOUR

    if opts.days is not None and opts.hours is not None:
        raise InputError("give --days or --hours, not both")
    ranges: dict[str, tuple[float, float]] = {}

    def take(text: str | None, option: str, key: str, *, high: float | None = None, scale: float = 1.0) -> float | None:
        central, pair = ranged(text, option, high=high)
        if pair is not None:
            ranges[key] = (pair[0] * scale, pair[1] * scale)
        return None if central is None else central * scale

    params = take(opts.params, "--params", "params")
    active = take(opts.active_params, "--active-params", "active_params")
    tokens = take(opts.tokens, "--tokens", "tokens")
    words = take(opts.words, "--words", "words")
    epochs = take(opts.epochs, "--epochs", "epochs", high=1e6)
    if opts.days is not None:
        duration = take(opts.days, "--days", "duration_s", high=3652.5, scale=S_PER_DAY)
    else:
        duration = take(opts.hours, "--hours", "duration_s", high=87_660, scale=S_PER_HOUR)
    chips = take(opts.chips, "--chips", "chip_count")
    if chips is not None and "chip_count" in ranges:
        chips = float(max(1, round(chips)))  # a whole number of chips inside the range
        low, top = ranges["chip_count"]
        chips = min(max(chips, math.ceil(low)), math.floor(top)) if math.ceil(low) <= math.floor(top) else chips
    util: Any = None
    if opts.utilisation is not None:
        central, pair = ranged(opts.utilisation, "--utilisation")
        assert central is not None
        util = Utilisation(pair[0], central, pair[1]) if pair else central
    chip_obj: Any = None
    if opts.chip is not None:
        chip_obj = load_catalog_for_cli(opts.catalog_file).get(opts.chip)
    report = _read_report(opts.measured) if opts.measured is not None else None
    mix = parse_precision_mix(opts.precision_mix) if opts.precision_mix is not None else None
    return TrainingRun(
        name="run",
        phase=phase,
        params=params,
        active_params=active,
        tokens=tokens,
        words=words,
        epochs=epochs,
        architecture=opts.arch,
        n_layers=opts.layers,
        d_model=opts.d_model,
        n_ctx=opts.ctx,
        chip=chip_obj,
        chip_count=chips,
        duration_s=duration,
        utilisation=util,
        precision=opts.precision,
        precision_mix=mix,
        measured=report,
        forward_only=forward_only,
        input_ranges=ranges or None,
    )


def _read_report(path: Path) -> Any:
    """A compute report file: the ledger's signed ComputeReport (DSSE envelope) or plain JSON."""
    from computegov.inputfiles import read_input_json

    report = read_input_json(path, what="JSON compute report (--measured)")
    if isinstance(report, dict) and "payloadType" in report:
        from computegov.ledger.report import parse_report

        return parse_report(report)  # a ComputeReport; ReportFormatError (exit 2) if malformed
    return report


def positive(value: float | None, option: str) -> None:
    """Refuse a given value that is not a positive finite number."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"{option} must be a positive number, got {value!r}")


def years(text: str) -> list[int]:
    """``2025-2030`` or ``2027``: years within FORECAST_YEARS, at most MAX_FORECAST_YEARS of them."""
    from computegov.compute.inverse import FORECAST_YEARS, MAX_FORECAST_YEARS

    try:
        first, _, last = text.strip().partition("-")
        start, end = int(first), int(last or first)
    except ValueError as err:
        raise InputError(f"--years {text!r}: expected e.g. 2025-2030") from err
    low, high = FORECAST_YEARS
    if not (low <= start <= high and low <= end <= high):
        raise InputError(f"--years {text!r}: years must lie within {low}-{high}")
    if end < start:
        raise InputError(f"--years {text!r}: empty range (the first year is after the last)")
    if end - start + 1 > MAX_FORECAST_YEARS:
        raise InputError(f"--years {text!r}: at most {MAX_FORECAST_YEARS} years at once")
    return list(range(start, end + 1))


def figure(text: str | None, phase: str, dex: float | None, sig_figs: int | None, *, low: str | None = None, high: str | None = None) -> Any:
    """A FLOP figure as typed (``3e24`` or ``8e24..4e25``) with the command's uncertainty options.

    --dex and --sig-figs describe figures given as points; an interval carries its own uncertainty.
    """
    from computegov.compute.uncertain import uncertain_flop

    if (text is not None and ".." in text) or low is not None or high is not None:
        dex = sig_figs = None
    return uncertain_flop(text, low=low, high=high, dex=dex, sig_figs=sig_figs, phase=phase, name=phase)
