"""`TrainingRun`: what a training run (one phase of it) is or was.

A run carries whatever is known: parameters (total, and active for mixture-of-experts), tokens
(or words, converted explicitly), epochs, transformer shape, hardware (chip, count, duration,
utilisation, precision) or a measured compute report. The estimators in
:mod:`computegov.compute.estimate` use what they need and say what was missing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError, UnitError
from computegov.policy.threshold_table import PHASES  # training phases, as thresholds count them
from computegov.units import S_PER_DAY, S_PER_HOUR, parse_quantity

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = [
    "ARCHITECTURES",
    "LIMITS",
    "PHASES",
    "RANGED_INPUTS",
    "TOKENS_PER_WORD",
    "TrainingRun",
    "Utilisation",
    "tokens_from_words",
]

#: Architectures with a formula in :func:`computegov.compute.estimate.architecture_estimate`.
ARCHITECTURES: tuple[str, ...] = ("decoder", "encoder", "encoder-decoder")

#: Tokens per English word. Epoch AI records text datasets in words and converts at
#: 0.75 words per token (see e.g. its notes "12T tokens is equivalent to 9T words" for DBRX and
#: "0.75 word/token on the English portion" for Skywork-13B in the Notable AI Models data).
TOKENS_PER_WORD = 1 / 0.75


#: Upper bounds on a run's inputs, far above any published run, so that a typo (an extra zero
#: block, a pasted ID) is refused rather than turned into 1e41 FLOP. The largest published values
#: they leave room above: ~1.8e12 parameters (GPT-4, leaked, unconfirmed) and 1.7e12 (Switch-C,
#: Fedus et al. 2022, JMLR 23(120)); 3.6e13 tokens (Qwen2.5, 2024 report: 18T x 2 epochs, counted
#: generously); 126 layers, d_model 16 384 (Llama 3.1 405B, arXiv:2407.21783 Table 3); 10M-token
#: contexts (Gemini 1.5, arXiv:2403.05530); ~100 000 GPUs (xAI Colossus, Grok-3 in Epoch AI's
#: Notable AI Models); runs of a few months. Each bound is ~100x or more above those.
LIMITS: dict[str, float] = {
    "parameters": 1e15,
    "active parameters": 1e15,
    "tokens": 1e17,
    "words": 1e17,
    "epochs": 1e6,
    "n_layers": 100_000,
    "d_model": 10_000_000,
    "n_ctx": 1e10,
    "chip count": 1e8,
    "duration_s": 10 * 365.25 * 86_400,  # ten years
}


def tokens_from_words(words: float, tokens_per_word: float = TOKENS_PER_WORD) -> float:
    """Convert a word count to tokens (English default: 4/3 token per word, Epoch AI's ratio)."""
    if words < 0 or tokens_per_word <= 0:
        raise InputError("words must be >= 0 and tokens_per_word > 0")
    return words * tokens_per_word


@dataclasses.dataclass(frozen=True)
class Utilisation:
    """Model FLOP utilisation as a 90 % interval (fractions of dense peak, each in (0, 1]).

    Attributes:
        low: 5th percentile.
        central: median.
        high: 95th percentile.
        source: where the range comes from.
    """

    low: float
    central: float
    high: float
    source: str = "user"

    def __post_init__(self) -> None:
        point = self.low == self.central == self.high
        for name in ("low", "central", "high"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= 1):
                label = "utilisation" if point else f"utilisation {name}"
                hint = f" (a percentage? {value:g}% is {value / 100:g})" if 1 < value <= 100 else ""
                raise InputError(f"{label} = {value!r}: expected a fraction in (0, 1], e.g. 0.4 for 40%{hint}")
        if not self.low <= self.central <= self.high:
            raise InputError(
                f"utilisation: expected low <= central <= high, got {self.low}, {self.central}, {self.high}"
            )

    @classmethod
    def of(cls, value: float | tuple[float, float, float] | Utilisation, source: str = "user") -> Utilisation:
        """A utilisation from a number (a point value) or a (low, central, high) triple."""
        if isinstance(value, Utilisation):
            return value
        if isinstance(value, tuple):
            low, central, high = (float(v) for v in value)
            return cls(low, central, high, source)
        v = float(value)
        return cls(v, v, v, source)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


#: Default utilisation when none is given: 90 % interval 0.3-0.5, median 0.4. Sources: Sevilla
#: et al. (2022), "Estimating Training Compute of Deep Learning Models", Epoch AI
#: (https://epoch.ai/blog/estimating-training-compute), recommend 30 % for large language models
#: and 40 % for other models; the 37 utilisations reported in Epoch AI's Notable AI Models data
#: (snapshot 2025-02-24) have median 0.37 and interquartile range 0.30-0.47. The hardware method
#: uses only its median when no utilisation is given (its interval is the calibrated width of
#: computegov.compute.intervals, which holds the spread of real utilisations); the inverse
#: questions (chip-days for an amount of FLOP) use the whole range.
DEFAULT_UTILISATION = Utilisation(
    0.3,
    0.4,
    0.5,
    "Sevilla et al. 2022 (Epoch AI) recommend 0.3 (LLMs) / 0.4 (others); "
    "Epoch Notable AI Models reported utilisations: median 0.37, IQR 0.30-0.47",
)


def _bounded(value: float, what: str) -> None:
    """Refuse a non-finite, non-positive or implausibly large input (bounds in LIMITS)."""
    limit = LIMITS[what]
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(f"{what} must be a positive finite number, got {value!r}")
    if value > limit:
        raise InputError(f"{what} = {value:g} is above the plausible maximum {limit:g} (see computegov.compute.run.LIMITS)")


def _mix(mix: Mapping[str, float]) -> dict[str, float]:
    """Validate a precision mix: shares in (0, 1] summing to 1 (within 1e-6), no repeats."""
    if not mix:
        raise InputError("precision mix is empty; give e.g. fp8=0.7,bf16=0.3")
    out: dict[str, float] = {}
    for name, share in mix.items():
        try:
            value = float(share)
        except (TypeError, ValueError) as err:
            raise InputError(f"precision mix {name}={share!r}: expected a fraction of the FLOP") from err
        if not (math.isfinite(value) and 0 < value <= 1):
            raise InputError(f"precision mix {name}={share!r}: expected a fraction in (0, 1]")
        key = str(name).strip()
        if key in out:
            raise InputError(f"precision mix: {key} given twice")
        out[key] = value
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"precision mix: the shares of FLOP must add up to 1, got {total:g}")
    return out


#: Inputs of a TrainingRun that may be given as a 90 % interval (``input_ranges``).
RANGED_INPUTS: tuple[str, ...] = ("params", "active_params", "tokens", "words", "epochs", "chip_count", "duration_s")


def _ranges(ranges: Mapping[str, tuple[float, float]], run: TrainingRun) -> dict[str, tuple[float, float]]:
    """Validate ``input_ranges``: known names, 0 < low <= high, the field set and inside its range."""
    out: dict[str, tuple[float, float]] = {}
    for name, pair in ranges.items():
        if name not in RANGED_INPUTS:
            raise InputError(f"input range {name!r}: expected one of {', '.join(RANGED_INPUTS)}")
        try:
            low, high = (float(v) for v in pair)
        except (TypeError, ValueError) as err:
            raise InputError(f"input range {name}: expected (low, high), got {pair!r}") from err
        if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= high):
            raise InputError(f"{name} range {low:g}..{high:g}: expected 0 < low <= high")
        central = getattr(run, name)
        if central is None:
            raise InputError(f"{name}: a range was given but no central value")
        if not low * (1 - 1e-9) <= central <= high * (1 + 1e-9):
            raise InputError(f"{name}: central value {central:g} outside its range {low:g}..{high:g}")
        out[name] = (low, high)
    return out


def _count(value: Any, what: str, *, allow_zero: bool = False) -> float | None:
    if value is None:
        return None
    number = parse_quantity(value, what=what)
    if number < 0 or (number == 0 and not allow_zero):
        raise UnitError(f"{what}: expected a positive number, got {value!r}")
    return number


@dataclasses.dataclass(frozen=True)
class TrainingRun:
    """One phase of a training run, with what is known about it.

    Counts accept floats or strings with suffixes (``"70B"``, ``"15T"``). Give ``tokens`` or
    ``words`` (converted with ``tokens_per_word``), never a word count as tokens.

    Attributes:
        name: label for reports.
        phase: one of PHASES.
        params: total parameters.
        active_params: parameters active per token (mixture-of-experts); defaults to ``params``.
        tokens: training tokens per epoch (unique tokens seen once per epoch).
        words: training words per epoch, when the source counts words (converted to tokens).
        tokens_per_word: conversion for ``words``.
        epochs: passes over the data (may be fractional); None = not stated: one pass is
            assumed and the architecture method's interval is the wider one calibrated for it.
        architecture: ``decoder``, ``encoder`` or ``encoder-decoder``.
        n_layers: transformer layers (for the attention term).
        d_model: attention width d_attn (= d_model in most models).
        n_ctx: context length in tokens.
        chip: a catalogue :class:`~computegov.catalog.chip.Chip` or a name to look up.
        chip_count: chips used.
        duration_s: wall-clock training time, s.
        utilisation: model FLOP utilisation (point or (low, central, high)); default range cited.
        precision: training precision (``"bf16"``, ``"fp8"``, ...); default: the chip's best
            training precision.
        precision_mix: share of the run's FLOP done at each precision (``{"fp8": 0.7, "bf16":
            0.3}``, summing to 1) instead of one ``precision``: the hardware method then uses the
            time-weighted (harmonic) effective peak, see
            :func:`computegov.compute.hardware.effective_peak`.
        measured: a compute report (dict) from the meter/ledger; see ``measured_estimate``.
        forward_only: the phase runs forward passes only (synthetic-data generation: 2·N·D).
        input_ranges: inputs known only as a 90 % interval, ``{name: (low, high)}`` with names
            from RANGED_INPUTS (``params``, ``tokens``, ``chip_count``, ``duration_s``...); the
            field itself holds the central value (the CLI puts the geometric mean there). The
            routes add each range's log10 spread to their error (see
            :mod:`computegov.compute.routes`); an input without a range is taken as exact.
    """

    name: str = "run"
    phase: str = "pre-training"
    params: float | None = None
    active_params: float | None = None
    tokens: float | None = None
    words: float | None = None
    tokens_per_word: float = TOKENS_PER_WORD
    epochs: float | None = None
    architecture: str = "decoder"
    n_layers: int | None = None
    d_model: int | None = None
    n_ctx: int | None = None
    chip: Chip | str | None = None
    chip_count: float | None = None
    duration_s: float | None = None
    utilisation: float | tuple[float, float, float] | Utilisation | None = None
    precision: str | None = None
    precision_mix: Mapping[str, float] | None = None
    measured: Mapping[str, Any] | None = None
    forward_only: bool = False
    input_ranges: Mapping[str, tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise InputError(f"phase {self.phase!r}: expected one of {', '.join(PHASES)}")
        if self.architecture not in ARCHITECTURES:
            raise InputError(
                f"architecture {self.architecture!r}: expected one of {', '.join(ARCHITECTURES)}"
            )
        def set_(field: str, value: Any) -> None:
            object.__setattr__(self, field, value)  # frozen: normalise once, at construction

        set_("params", _count(self.params, "parameters"))
        set_("active_params", _count(self.active_params, "active parameters"))
        set_("tokens", _count(self.tokens, "tokens"))
        set_("words", _count(self.words, "words"))
        set_("chip_count", _count(self.chip_count, "chip count"))
        if self.tokens is not None and self.words is not None:
            raise InputError("give tokens or words, not both")
        if self.params and self.active_params and self.active_params > self.params:
            raise InputError(
                f"active parameters ({self.active_params:g}) exceed total parameters ({self.params:g})"
            )
        if self.epochs is not None:
            _bounded(self.epochs, "epochs")
        if self.duration_s is not None:
            _bounded(self.duration_s, "duration_s")
        for what, value in (
            ("parameters", self.params), ("active parameters", self.active_params), ("tokens", self.tokens),
            ("words", self.words), ("chip count", self.chip_count),
        ):
            if value is not None:
                _bounded(value, what)
        if self.chip_count is not None and self.chip_count != int(self.chip_count):
            raise InputError(f"chip count must be a whole number of chips, got {self.chip_count:g}")
        for field in ("n_layers", "d_model", "n_ctx"):
            value = getattr(self, field)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise InputError(f"{field} must be a positive integer, got {value!r}")
                _bounded(value, field)
                if value != int(value):
                    raise InputError(f"{field} must be a positive integer, got {value!r}")
        if self.precision_mix is not None:
            if self.precision is not None:
                raise InputError("give precision or precision_mix, not both")
            set_("precision_mix", _mix(self.precision_mix))
        if self.utilisation is not None:
            set_("utilisation", Utilisation.of(self.utilisation))
        if self.input_ranges is not None:
            set_("input_ranges", _ranges(self.input_ranges, self))

    def input_sd_log10(self, *names: str) -> float:
        """sd of log10 contributed by the ranged inputs among ``names`` (in quadrature); 0 if none."""
        from computegov.compute.routes import range_sd_log10

        ranges = self.input_ranges or {}
        return math.sqrt(sum(range_sd_log10(*ranges[n]) ** 2 for n in names if n in ranges))

    @classmethod
    def from_days(cls, days: float, **kwargs: Any) -> TrainingRun:
        """A run whose duration is given in days."""
        return cls(duration_s=days * S_PER_DAY, **kwargs)

    @classmethod
    def from_hours(cls, hours: float, **kwargs: Any) -> TrainingRun:
        """A run whose duration is given in hours."""
        return cls(duration_s=hours * S_PER_HOUR, **kwargs)

    @property
    def training_tokens(self) -> float | None:
        """Tokens processed over all epochs (words converted), or None if unknown."""
        base = self.tokens
        if base is None and self.words is not None:
            base = tokens_from_words(self.words, self.tokens_per_word)
        return None if base is None else base * (1.0 if self.epochs is None else self.epochs)

    @property
    def compute_params(self) -> float | None:
        """Parameters that do work per token: active ones for MoE, else total."""
        return self.active_params if self.active_params is not None else self.params

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the inputs (chip by name)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "chip" and value is not None and not isinstance(value, str):
                value = value.name
            elif isinstance(value, Utilisation):
                value = value.to_dict()
            elif isinstance(value, Mapping):
                value = dict(value)
            out[field.name] = value
        out["training_tokens"] = self.training_tokens
        return out
