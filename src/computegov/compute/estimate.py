"""Training compute from a `TrainingRun`: three methods, their combination, and phases.

Methods (each returns a :class:`ComputeEstimate` with a 90 % interval and its method's name):

- **architecture** (operation counting). Dense transformer: C ≈ 6·N·D, with N the parameters
  doing work per token (the *active* parameters of a mixture-of-experts) and D the tokens over all
  epochs. With layers, context and width known, the attention term of Kaplan et al. (2020),
  "Scaling Laws for Neural Language Models", arXiv:2001.08361, Table 1 and §2.1, is added: the
  forward pass costs 2·N + 2·n_layer·n_ctx·d_attn FLOP per token and the backward pass twice the
  forward, so training costs 6·N·D + 6·n_layer·n_ctx·d_attn·D. Encoder-decoder (T5-style): each
  token passes through only one of the two stacks, so an encoder-decoder with N parameters split
  evenly costs about what a decoder of N/2 parameters does, C ≈ 6·(N/2)·D (Raffel et al. 2020,
  "Exploring the Limits of Transfer Learning...", JMLR 21(140), §3.2.2). Forward-only phases
  (synthetic-data generation, inference) cost 2·N·D (Kaplan et al. 2020, §2.1).
- **hardware**: chips × dense peak FLOP/s at the training precision × duration × utilisation
  (Sevilla et al. 2022, "Estimating Training Compute of Deep Learning Models", Epoch AI,
  https://epoch.ai/blog/estimating-training-compute, method 2), default utilisation range in
  :data:`computegov.compute.run.DEFAULT_UTILISATION`.
- **measured**: a compute report from the meter / ledger: the signed ``ComputeReport`` of
  :mod:`computegov.ledger.report` (its predicate's ``totals.flop``) or a plain dict (see
  :func:`measured_estimate`).

Combination follows Epoch AI's documented practice ("AI Models documentation: Estimation",
https://epoch.ai/data/ai-models-documentation/estimation): a directly reported figure (here: a
meter's measured total, then a number the user gives) is used as is; otherwise operation counting is preferred to the hardware method "because
typically hardware-based estimates require assumptions about utilization". The methods not chosen
are kept as ``alternatives`` and their disagreement is reported.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from computegov.compute.run import DEFAULT_UTILISATION, PHASES, TrainingRun, Utilisation
from computegov.errors import InputError, UnknownNameError

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = [
    "ARCHITECTURE_INTERVAL_FACTOR",
    "MEASURED_INTERVAL_FRACTION",
    "METHOD_PREFERENCE",
    "ComputeEstimate",
    "architecture_estimate",
    "chip_peak",
    "combine",
    "estimate",
    "estimate_total",
    "hardware_estimate",
    "measured_estimate",
    "phase_flop",
    "precision_key",
    "resolve_chip",
]

log = logging.getLogger(__name__)

#: Preference order when several methods apply (Epoch AI estimation documentation, see module doc).
METHOD_PREFERENCE: tuple[str, ...] = ("measured", "reported", "architecture", "hardware")

#: 90 % interval of the architecture method as a multiplicative factor (x/÷1.26 = ±0.1 order of
#: magnitude). Assumption: 6·N·D leaves out embeddings, the attention term when the shape is
#: unknown, and non-matmul operations; our benchmark against Epoch AI's operation-counting
#: estimates (benchmarks/estimator_vs_epoch.py) puts the median disagreement well inside it.
ARCHITECTURE_INTERVAL_FACTOR = 10**0.1

#: 90 % half-width of a measured figure without its own interval, as a fraction (±5 %).
#: Assumption: a meter counting the matmul FLOP of the model misses only small elementwise work.
MEASURED_INTERVAL_FRACTION = 0.05


@dataclasses.dataclass(frozen=True)
class ComputeEstimate:
    """Training compute with its 90 % interval and how it was obtained.

    Attributes:
        flop: central estimate (median), FLOP.
        flop_low: 5th percentile, FLOP.
        flop_high: 95th percentile, FLOP.
        method: ``architecture``, ``hardware``, ``measured`` (a meter's report), ``reported`` (a
            figure given as a number, :func:`phase_flop`), or ``sum`` for a total of phases.
        phase: training phase (``pre-training``, ``fine-tuning``, ...; ``total`` for a sum).
        name: the run's label.
        formula: the formula applied, in words.
        inputs: the numbers used, SI units.
        assumptions: assumptions made, each with its source.
        alternatives: estimates by the methods not chosen (combined estimates only).
        components: the phase estimates a ``sum`` is made of.
    """

    flop: float
    flop_low: float
    flop_high: float
    method: str
    phase: str = "pre-training"
    name: str = "run"
    formula: str = ""
    inputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    alternatives: tuple[ComputeEstimate, ...] = ()
    components: tuple[ComputeEstimate, ...] = ()

    def __post_init__(self) -> None:
        values = (self.flop_low, self.flop, self.flop_high)
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise InputError(f"compute must be positive and finite, got {values}")
        if not self.flop_low <= self.flop <= self.flop_high:
            raise InputError(f"expected low <= central <= high, got {values}")

    @property
    def log10_flop(self) -> float:
        """log10 of the central estimate."""
        return math.log10(self.flop)

    @property
    def spread_oom(self) -> float:
        """Width of the 90 % interval in orders of magnitude."""
        return math.log10(self.flop_high / self.flop_low)

    def disagreement_oom(self) -> float | None:
        """Largest |log10(alternative / chosen)| over the alternatives, or None without any."""
        if not self.alternatives:
            return None
        return max(abs(math.log10(a.flop / self.flop)) for a in self.alternatives)

    def scaled(self, factor: float) -> ComputeEstimate:
        """The same estimate multiplied by ``factor`` (> 0)."""
        return dataclasses.replace(
            self, flop=self.flop * factor, flop_low=self.flop_low * factor, flop_high=self.flop_high * factor
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (FLOP in SI, the unit in each key)."""
        return {
            "name": self.name,
            "phase": self.phase,
            "method": self.method,
            "flop": self.flop,
            "flop_low": self.flop_low,
            "flop_high": self.flop_high,
            "log10_flop": self.log10_flop,
            "interval": "90%",
            "formula": self.formula,
            "inputs": dict(self.inputs),
            "assumptions": list(self.assumptions),
            "disagreement_oom": self.disagreement_oom(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "components": [c.to_dict() for c in self.components],
        }


# --- architecture --------------------------------------------------------------------------


def architecture_estimate(run: TrainingRun) -> ComputeEstimate:
    """Operation counting from parameters and tokens (formulas in the module docstring).

    Raises:
        InputError: parameters or tokens unknown.
    """
    n = run.compute_params
    d = run.training_tokens
    if n is None or d is None:
        missing = [label for label, v in (("parameters", n), ("tokens or words", d)) if v is None]
        raise InputError(f"architecture method needs {' and '.join(missing)}")
    passes = 2.0 if run.forward_only else 6.0  # forward 2 FLOP/param/token; +backward (2x fwd)
    assumptions: list[str] = []
    inputs: dict[str, Any] = {"params": run.params, "compute_params": n, "tokens": d, "epochs": run.epochs}
    if run.words is not None:
        assumptions.append(
            f"{run.words:g} words converted at {run.tokens_per_word:.4g} tokens/word "
            "(Epoch AI's 0.75 words/token for English)"
        )
    if run.active_params is not None:
        assumptions.append("mixture-of-experts: active parameters per token used for N")
    if run.architecture == "encoder-decoder":
        n_eff = n / 2
        formula = f"{passes:g}·(N/2)·D (encoder-decoder, each token through one stack; Raffel et al. 2020 §3.2.2)"
        assumptions.append("encoder and decoder assumed to hold half the parameters each")
    else:
        n_eff = n
        formula = f"{passes:g}·N·D" + (" (forward only)" if run.forward_only else "")
    flop = passes * n_eff * d
    if run.n_layers and run.d_model and run.n_ctx and run.architecture != "encoder-decoder":
        attention = passes * run.n_layers * run.n_ctx * run.d_model * d
        flop += attention
        formula += f" + {passes:g}·n_layer·n_ctx·d_attn·D (attention, Kaplan et al. 2020 Table 1)"
        inputs.update(n_layers=run.n_layers, n_ctx=run.n_ctx, d_attn=run.d_model, attention_flop=attention)
    else:
        assumptions.append("attention term omitted (layers, context or width unknown)")
    factor = ARCHITECTURE_INTERVAL_FACTOR
    assumptions.append(f"90% interval x/÷{factor:.3g} (computegov assumption; see benchmark)")
    return ComputeEstimate(
        flop=flop,
        flop_low=flop / factor,
        flop_high=flop * factor,
        method="architecture",
        phase=run.phase,
        name=run.name,
        formula=formula,
        inputs=inputs,
        assumptions=tuple(assumptions),
    )


# --- hardware ------------------------------------------------------------------------------


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


# --- measured ------------------------------------------------------------------------------

#: Where a plain compute report's total may sit, first match wins.
_FLOP_KEYS = ("flop", "flop_total", "total_flop")
_NESTS = ("totals", "summary", "predicate", "report")


def _find(report: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if key in report and report[key] is not None:
            return report[key]
    for nest in _NESTS:
        inner = report.get(nest)
        if isinstance(inner, Mapping):
            found = _find(inner, keys)
            if found is not None:
                return found
    return None


def _statement_of_envelope(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    """The in-toto Statement inside a DSSE envelope (decoded only; signatures are not checked)."""
    import base64
    import binascii
    import json

    try:
        statement = json.loads(base64.b64decode(str(envelope["payload"]), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise InputError(f"compute report: the DSSE payload is not base64 of a JSON Statement ({err})") from err
    if not isinstance(statement, Mapping):
        raise InputError("compute report: the DSSE payload is not a JSON object (an in-toto Statement)")
    return statement


def _report_predicate(report: Any) -> Mapping[str, Any] | None:
    """The ledger predicate of a ComputeReport in any of its forms, or None for a plain report.

    Forms: the ledger's ``ComputeReport`` object (has ``predicate``), its ``to_dict()``
    (``{"envelope", "statement"}``), the DSSE envelope as parsed JSON (``payload`` +
    ``payloadType``), or the in-toto Statement itself (``_type`` + ``predicate``).
    """
    predicate = getattr(report, "predicate", None)
    if isinstance(predicate, Mapping) and not isinstance(report, Mapping):
        return predicate
    if not isinstance(report, Mapping):
        return None
    statement: Any = None
    if isinstance(report.get("statement"), Mapping):
        statement = report["statement"]
    elif "payload" in report and "payloadType" in report:
        statement = _statement_of_envelope(report)
    elif "_type" in report and isinstance(report.get("predicate"), Mapping):
        statement = report
    if statement is None:
        return None
    inner = statement.get("predicate")
    if not isinstance(inner, Mapping):
        raise InputError("compute report: the in-toto Statement has no predicate object")
    return inner


def _section(predicate: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = predicate.get(key)
    return value if isinstance(value, Mapping) else {}


def _report_phase(value: Any, default: str) -> str:
    """The phase a report names (one of PHASES), else ``default``."""
    if value is None or value == "":
        return default
    if value not in PHASES:
        raise InputError(f"compute report: phase {value!r}: expected one of {', '.join(PHASES)}")
    return str(value)


def _measured_from_predicate(predicate: Mapping[str, Any], *, phase: str, name: str) -> ComputeEstimate:
    """A measured estimate from a ledger ComputeReport predicate (see computegov.ledger.report)."""
    totals = predicate.get("totals")
    if not isinstance(totals, Mapping):
        raise InputError("compute report: the predicate has no 'totals' object with a 'flop' total")
    try:
        flop = float(totals.get("flop"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise InputError(f"compute report: totals.flop must be a number of FLOP, got {totals.get('flop')!r}") from err
    if not (math.isfinite(flop) and flop > 0):
        raise InputError(f"compute report: totals.flop must be positive FLOP, got {flop!r}")
    by_method_raw = totals.get("flop_by_method")
    by_method = {
        str(k): float(v)
        for k, v in (by_method_raw.items() if isinstance(by_method_raw, Mapping) else ())
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
    }
    low = flop * (1 - MEASURED_INTERVAL_FRACTION)
    high = flop * (1 + MEASURED_INTERVAL_FRACTION)
    assumptions = [
        f"meter total ±{MEASURED_INTERVAL_FRACTION:.0%} (computegov assumption)"
        + (f", widened to span the meter's methods ({', '.join(sorted(by_method))})" if by_method else "")
    ]
    if by_method:
        low, high = min(low, *by_method.values()), max(high, *by_method.values())
    unknown = totals.get("intervals_flop_unknown")
    if isinstance(unknown, int) and unknown > 0:
        assumptions.append(
            f"{unknown} of {totals.get('intervals', '?')} meter intervals had no FLOP count: "
            "the total is a lower bound"
        )
        log.warning("%s: %d meter intervals without FLOP; the measured total is a lower bound", name, unknown)
    assumptions.append(
        "signatures and hash chain not checked here; run `computegov verify` on the report"
    )
    hardware, ledger, signer, run = (_section(predicate, key) for key in ("hardware", "ledger", "signer", "run"))
    inputs: dict[str, Any] = {
        "report_flop": flop,
        "flop_by_method": by_method,
        "steps": totals.get("steps"),
        "tokens": totals.get("tokens"),
        "duration_s": totals.get("duration_s"),
        "chip_hours": totals.get("chip_hours"),
        "energy_j": totals.get("energy_j"),
        "chip": hardware.get("chip"),
        "chip_count": hardware.get("chip_count"),
        "ledger_head_hash": ledger.get("head_hash"),
        "signer_keyid": signer.get("keyid"),
    }
    return ComputeEstimate(
        flop=flop,
        flop_low=low,
        flop_high=high,
        method="measured",
        phase=_report_phase(run.get("phase"), phase),
        name=str(run.get("model") or name) if name == "run" else name,
        formula="measured by the compute meter (signed ComputeReport)",
        inputs={k: v for k, v in inputs.items() if v is not None},
        assumptions=tuple(assumptions),
    )


def measured_estimate(report: Mapping[str, Any] | Any, *, phase: str = "pre-training", name: str = "run") -> ComputeEstimate:
    """Compute from a meter / ledger compute report.

    Two kinds of report are read:

    - the ledger's signed ``ComputeReport`` (:mod:`computegov.ledger.report`): the object, its
      ``to_dict()``, the DSSE envelope as parsed JSON, or the in-toto Statement. FLOP come from
      ``predicate.totals.flop``; the 90 % interval is ±5 % (:data:`MEASURED_INTERVAL_FRACTION`),
      widened to include every total in ``totals.flop_by_method`` (e.g. the meter's counted FLOP
      and its 6·N·D figure). The envelope is decoded, not verified: ``computegov verify`` does that.
    - a plain dict: ``flop`` (or ``flop_total`` / ``total_flop``), FLOP, at the top level or under
      ``totals``, ``summary``, ``predicate`` or ``report``; optional ``flop_low`` and ``flop_high``
      (its 90 % interval, else ±5 %); optional ``phase``.

    Args:
        report: the report (see above).
        phase: training phase when the report does not say.
        name: label of the estimate.

    Raises:
        InputError: no positive FLOP total in the report, or a malformed envelope.
    """
    predicate = _report_predicate(report)
    if predicate is not None:
        return _measured_from_predicate(predicate, phase=phase, name=name)
    if not isinstance(report, Mapping) and hasattr(report, "to_dict"):
        report = report.to_dict()
    if not isinstance(report, Mapping):
        raise InputError("a compute report must be a mapping (JSON object) with a 'flop' total")
    raw = _find(report, _FLOP_KEYS)
    try:
        flop = float(raw)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"compute report: expected a numeric 'flop' total (FLOP), got {raw!r}; keys: {sorted(report)}"
        ) from err
    if not (math.isfinite(flop) and flop > 0):
        raise InputError(f"compute report: 'flop' must be positive, got {flop!r}")
    low, high = _find(report, ("flop_low",)), _find(report, ("flop_high",))
    assumptions = []
    if low is None or high is None:
        low, high = flop * (1 - MEASURED_INTERVAL_FRACTION), flop * (1 + MEASURED_INTERVAL_FRACTION)
        assumptions.append("no interval in the report: ±5% assumed (computegov assumption)")
    try:
        low_f, high_f = float(low), float(high)
    except (TypeError, ValueError) as err:
        raise InputError(f"compute report: flop_low / flop_high must be numbers, got {low!r}, {high!r}") from err
    if not (math.isfinite(low_f) and math.isfinite(high_f) and 0 < low_f <= flop <= high_f):
        raise InputError(
            f"compute report: expected 0 < flop_low <= flop <= flop_high, got {low_f:g}, {flop:g}, {high_f:g}"
        )
    phase = _report_phase(report.get("phase"), phase)
    return ComputeEstimate(
        flop=flop,
        flop_low=low_f,
        flop_high=high_f,
        method="measured",
        phase=phase,
        name=name,
        formula="measured by the compute meter",
        inputs={"report_flop": flop},
        assumptions=tuple(assumptions),
    )


# --- combination ---------------------------------------------------------------------------


def combine(estimates: Iterable[ComputeEstimate]) -> ComputeEstimate:
    """The preferred estimate (measured > reported > architecture > hardware), others kept as alternatives.

    Epoch AI's estimation documentation (module docstring) prefers reported figures, then
    operation counting, then hardware. A disagreement above 0.5 order of magnitude is logged.

    Raises:
        InputError: no estimates.
    """
    pool = list(estimates)
    if not pool:
        raise InputError("no estimate to combine")
    pool.sort(key=lambda e: METHOD_PREFERENCE.index(e.method) if e.method in METHOD_PREFERENCE else 99)
    chosen, rest = pool[0], tuple(pool[1:])
    result = dataclasses.replace(chosen, alternatives=rest)
    gap = result.disagreement_oom()
    if gap is not None and gap > 0.5:
        log.warning("%s: methods disagree by %.2f orders of magnitude", chosen.name, gap)
    return result


def estimate(run: TrainingRun) -> ComputeEstimate:
    """Every method that has its inputs, combined (see :func:`combine`).

    Raises:
        InputError: no method has enough inputs (the message lists what each one lacks), or a
            method's inputs are wrong (bad precision, unknown chip...).
    """
    found: list[ComputeEstimate] = []
    lacking: list[str] = []
    if run.measured is not None:
        found.append(measured_estimate(run.measured, phase=run.phase, name=run.name))
    if run.compute_params is not None and run.training_tokens is not None:
        found.append(architecture_estimate(run))
    elif run.compute_params is not None or run.training_tokens is not None:
        lacking.append("architecture: needs both parameters and tokens (or words)")
    if run.chip is not None or run.chip_count is not None or run.duration_s is not None:
        try:
            found.append(hardware_estimate(run))
        except UnknownNameError:
            raise
        except InputError as err:
            if run.chip is not None and run.chip_count is not None and run.duration_s is not None:
                raise
            lacking.append(str(err))
    if not found:
        detail = "; ".join(lacking) or (
            "give parameters and tokens (architecture), or chip, chip count and duration "
            "(hardware), or a measured compute report"
        )
        raise InputError(f"cannot estimate compute: {detail}")
    return combine(found)


def estimate_total(parts: Iterable[TrainingRun | ComputeEstimate], *, name: str = "total") -> ComputeEstimate:
    """Sum of phase estimates (pre-training + fine-tuning + ...) as one ``sum`` estimate.

    Interval ends add up (comonotone assumption: the phases' errors move together), which gives
    the widest interval of the sum. Each phase stays in ``components`` so that thresholds count
    only the phases they name.

    Raises:
        InputError: nothing to sum.
    """
    components = tuple(p if isinstance(p, ComputeEstimate) else estimate(p) for p in parts)
    if not components:
        raise InputError("no phases to sum")
    if len(components) == 1:
        return components[0]
    return ComputeEstimate(
        flop=sum(c.flop for c in components),
        flop_low=sum(c.flop_low for c in components),
        flop_high=sum(c.flop_high for c in components),
        method="sum",
        phase="total",
        name=name,
        formula=" + ".join(f"{c.phase} ({c.method})" for c in components),
        inputs={},
        assumptions=("phase intervals summed end to end (comonotone)",),
        components=components,
    )


def phase_flop(flop: float, phase: str, *, name: str | None = None, relative_interval: float = 0.0) -> ComputeEstimate:
    """A phase whose compute is known as a number (e.g. reported fine-tuning FLOP).

    Args:
        flop: compute of the phase, FLOP.
        phase: one of PHASES.
        name: label (defaults to the phase).
        relative_interval: 90 % half-width as a fraction of ``flop`` (0 = exact).
    """
    if phase not in PHASES:
        raise InputError(f"phase {phase!r}: expected one of {', '.join(PHASES)}")
    if not (math.isfinite(flop) and flop > 0):
        raise InputError(f"{phase} compute must be a positive number of FLOP, got {flop!r}")
    if not 0 <= relative_interval < 1:
        raise InputError("relative_interval must be in [0, 1)")
    return ComputeEstimate(
        flop=flop,
        flop_low=flop * (1 - relative_interval),
        flop_high=flop * (1 + relative_interval),
        method="reported",
        phase=phase,
        name=name or phase,
        formula="given as a number",
        inputs={"flop": flop},
    )
