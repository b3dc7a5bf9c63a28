"""Options and input parsing of ``computegov compute`` (the commands are in :mod:`computegov.cli.compute`).

Not a command group: the run options shared by ``estimate`` and ``check``, the FLOP-figure
uncertainty options, and the parsers that turn typed text into library inputs.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import (
    CATALOG_OPTION,
    float_option,
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
    "run_options",
    "years",
]

# Options shared by `estimate` and `check` (Typer needs them in each signature).
PARAMS = typer.Option(None, "--params", help="Total parameters: 70e9, 70B, 7.5B.")
ACTIVE = typer.Option(None, "--active-params", help="Active parameters per token (mixture-of-experts).")
TOKENS = typer.Option(None, "--tokens", help="Training tokens per epoch: 15e12, 15T.")
WORDS = typer.Option(None, "--words", help="Training WORDS per epoch (converted at 4/3 token per word).")
EPOCHS = float_option(
    None, "--epochs", help="Passes over the data. Give it, even 1, when --tokens is what the run "
    "processed: the architecture interval is then the narrower one calibrated for stated epochs.",
    low=0, low_open=True, high=1e6,
)
ARCH = typer.Option("decoder", "--arch", help="decoder, encoder or encoder-decoder.")
LAYERS = int_option(None, "--layers", help="Transformer layers (adds the attention term).", low=1, high=100_000)
D_MODEL = int_option(None, "--d-model", help="Attention width d_attn (adds the attention term).", low=1, high=10_000_000)
CTX = int_option(None, "--ctx", help="Context length in tokens (adds the attention term).", low=1, high=10_000_000_000)
CHIP = typer.Option(None, "--chip", help="Accelerator name from the catalogue: H100, 'TPU v5p', ...")
CHIPS = typer.Option(None, "--chips", help="Number of chips, a whole number up to 1e8 (16384, 16k).")
# bounds: computegov.compute.run.LIMITS["duration_s"] (ten years)
DAYS = float_option(None, "--days", help="Training duration in days.", low=0, low_open=True, high=3652.5)
HOURS = float_option(None, "--hours", help="Training duration in hours.", low=0, low_open=True, high=87_660)
UTIL = utilisation_option("default 0.3-0.5.")
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
    epochs: float | None = EPOCHS
    arch: str = ARCH
    layers: int | None = LAYERS
    d_model: int | None = D_MODEL
    ctx: int | None = CTX
    chip: str | None = CHIP
    chips: str | None = CHIPS
    days: float | None = DAYS
    hours: float | None = HOURS
    utilisation: float | None = UTIL
    precision: str | None = PRECISION
    precision_mix: str | None = PRECISION_MIX
    measured: Path | None = MEASURED
    catalog_file: Path | None = CATALOG_OPTION


run_options = shared_options("run", RunOptions)


def build_run(opts: RunOptions, *, phase: str, forward_only: bool) -> Any:
    """A ``TrainingRun`` from the run options (durations converted, counts parsed, report read)."""
    from computegov.compute import TrainingRun, parse_precision_mix
    from computegov.units import S_PER_DAY, S_PER_HOUR

    days, hours = opts.days, opts.hours
    if days is not None and hours is not None:
        raise InputError("give --days or --hours, not both")
    positive(days, "--days")
    positive(hours, "--hours")
    positive(opts.epochs, "--epochs")
    duration = days * S_PER_DAY if days is not None else hours * S_PER_HOUR if hours is not None else None
    chip_obj: Any = None
    if opts.chip is not None:
        chip_obj = load_catalog_for_cli(opts.catalog_file).get(opts.chip)
    report = _read_report(opts.measured) if opts.measured is not None else None
    mix = parse_precision_mix(opts.precision_mix) if opts.precision_mix is not None else None
    return TrainingRun(
        name="run",
        phase=phase,
        params=num(opts.params, "--params"),
        active_params=num(opts.active_params, "--active-params"),
        tokens=num(opts.tokens, "--tokens"),
        words=num(opts.words, "--words"),
        epochs=opts.epochs,
        architecture=opts.arch,
        n_layers=opts.layers,
        d_model=opts.d_model,
        n_ctx=opts.ctx,
        chip=chip_obj,
        chip_count=num(opts.chips, "--chips"),
        duration_s=duration,
        utilisation=opts.utilisation,
        precision=opts.precision,
        precision_mix=mix,
        measured=report,
        forward_only=forward_only,
    )


def _read_report(path: Path) -> Any:
    """A compute report file: the ledger's signed ComputeReport (DSSE envelope) or plain JSON."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"--measured {path}: cannot read a JSON compute report ({err})") from err
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
