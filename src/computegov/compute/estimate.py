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
- **intervals**: the architecture and hardware methods' 90 % intervals are the route error models
  of :mod:`computegov.compute.routes`, calibrated on 24 published runs whose parameters, tokens
  (and, for 12, hardware) the developer stated, checked leave-one-out (benchmarks/compute_routes.py);
  inputs given as ranges add their spread, typed points are taken as asserted. Only tokens given
  without epochs keep the wide Epoch-fitted width of :mod:`computegov.compute.intervals` (the
  tokens may then be a dataset size, not the tokens trained).
- **measured**: a compute report from the meter / ledger: the signed ``ComputeReport`` of
  :mod:`computegov.ledger.report` (its predicate's ``totals.flop``) or a plain dict (see
  :func:`measured_estimate`).

When both the architecture and the hardware route have their inputs, they are combined in log
space with inverse-variance weights (:func:`computegov.compute.routes.combine_routes`, method
``combined``), each route kept as an alternative; the verdict uses the combination.

Otherwise combination follows Epoch AI's documented practice ("AI Models documentation: Estimation",
https://epoch.ai/data/ai-models-documentation/estimation): a directly reported figure (here: a
meter's measured total, then a number the user gives) is used as is; otherwise operation counting is preferred to the hardware method "because
typically hardware-based estimates require assumptions about utilization". The methods not chosen
are kept as ``alternatives`` and their disagreement is reported.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from typing import Any

from computegov.compute.hardware import chip_peak, hardware_estimate, precision_key, resolve_chip
from computegov.compute.intervals import interval_width
from computegov.compute.measured import MEASURED_INTERVAL_FRACTION, measured_estimate
from computegov.compute.result import Z90, ComputeEstimate
from computegov.compute.routes import combine_routes, error_model
from computegov.compute.run import PHASES, TrainingRun
from computegov.errors import InputError, UnknownNameError

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
METHOD_PREFERENCE: tuple[str, ...] = ("measured", "reported", "combined", "architecture", "hardware")

#: The former fixed 90 % factor of the architecture method (x/÷1.26 = ±0.1 order of magnitude),
#: kept for callers that import it. It held only 57 % of Epoch AI's figures for text language
#: models; the intervals now come from the calibrated widths of
#: :mod:`computegov.compute.intervals` (case ``epochs_stated`` / ``epochs_unstated``).
ARCHITECTURE_INTERVAL_FACTOR = 10**0.1


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
    inputs: dict[str, Any] = {
        "params": run.params,
        "compute_params": n,
        "tokens": d,
        "epochs": run.epochs,
    }
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
        inputs.update(
            n_layers=run.n_layers, n_ctx=run.n_ctx, d_attn=run.d_model, attention_flop=attention
        )
    else:
        assumptions.append("attention term omitted (layers, context or width unknown)")
    ranged = ("active_params" if run.active_params is not None else "params", "tokens", "words", "epochs")
    input_sd = run.input_sd_log10(*ranged)
    if run.epochs is None:
        assumptions.append("epochs not stated: the tokens are taken as one pass (give epochs to narrow the interval)")
        width = interval_width("architecture", "epochs_unstated")
        assumptions.append(width.describe())
        lo = -math.hypot(width.log10_low, Z90 * input_sd)
        hi = math.hypot(width.log10_high, Z90 * input_sd)
    else:
        model = error_model("architecture", "tokens_stated")
        lo, hi = model.bounds_log10(input_sd)
        assumptions.append(
            "parameters and tokens taken as stated"
            + ("" if not run.input_ranges else "; ranged inputs read as 90% intervals (log-normal), in quadrature")
        )
        assumptions.append(model.describe())
    inputs["formula_flop"] = flop
    inputs["input_sd_log10"] = input_sd
    return ComputeEstimate(
        flop=flop,
        flop_low=flop * 10**lo,
        flop_high=flop * 10**hi,
        method="architecture",
        phase=run.phase,
        name=run.name,
        formula=formula,
        inputs=inputs,
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
    pool.sort(
        key=lambda e: METHOD_PREFERENCE.index(e.method) if e.method in METHOD_PREFERENCE else 99
    )
    chosen, rest = pool[0], tuple(pool[1:])
    result = dataclasses.replace(chosen, alternatives=chosen.alternatives + rest)
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
    routes = [e for e in found if e.method in ("architecture", "hardware")]
    if len(routes) > 1:  # both routes: their log-space combination stands for them
        found = [e for e in found if e not in routes] + [combine_routes(routes, name=run.name)]
    return combine(found)


def estimate_total(
    parts: Iterable[TrainingRun | ComputeEstimate], *, name: str = "total"
) -> ComputeEstimate:
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


def phase_flop(
    flop: float, phase: str, *, name: str | None = None, relative_interval: float = 0.0
) -> ComputeEstimate:
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
