"""Regulatory training-compute thresholds and the check of an estimate against them.

The thresholds are versioned data in ``computegov/data/thresholds.yaml``: each one has its
jurisdiction, legal reference, value in FLOP, the training phases that count toward it, the dates
it is in force and its sources. :func:`check` compares a compute estimate (anything with
``flop``, ``flop_low`` and ``flop_high``; see :class:`FlopInterval`) with every threshold in force
on a date and gives the margin in orders of magnitude and the probability of being over.

Probability model (an assumption, stated in every result): by default the true compute is
log-normal with median ``flop``; the interval ``[flop_low, flop_high]`` is read as a 90 % interval,
with one spread below the median and another above it (a two-piece log-normal, so that asymmetric
intervals are honoured). An estimate that has a ``quantile(p)`` method (``ComputeEstimate``: a
figure rounded to some significant figures is uniform on its rounding interval) is weighed by it.
Phases are summed comonotonically (their errors move together): the sum's p-quantile is the sum
of the phases' p-quantiles, and P(over) is found by bisection on p.

Verdict: ``over`` when P(over) >= 0.95, ``under`` when P(over) <= 0.05, else ``borderline`` (the
estimate's 90 % interval straddles the threshold, whatever side its central value is on).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from computegov.errors import InputError
from computegov.policy.threshold_probability import (
    BORDERLINE,
    Z90,
    assumption_of,
    probability_over,
    probability_over_sum,
    verdict_of,
)
from computegov.policy.threshold_table import (
    PHASES,
    STATUSES,
    TAGS,
    Threshold,
    load_thresholds,
    parse_thresholds,
    thresholds_in_force,
)

__all__ = [
    "BORDERLINE",
    "PHASES",
    "STATUSES",
    "TAGS",
    "Z90",
    "FlopInterval",
    "Threshold",
    "ThresholdCheck",
    "check",
    "load_thresholds",
    "parse_thresholds",
    "probability_over",
    "probability_over_sum",
    "thresholds_in_force",
    "verdict_of",
]


class FlopInterval(Protocol):
    """What :func:`check` needs from an estimate (``ComputeEstimate`` satisfies it)."""

    @property
    def flop(self) -> float:
        """Central estimate, FLOP."""
        ...  # pragma: no cover - protocol

    @property
    def flop_low(self) -> float:
        """Low end of the interval, FLOP."""
        ...  # pragma: no cover - protocol

    @property
    def flop_high(self) -> float:
        """High end of the interval, FLOP."""
        ...  # pragma: no cover - protocol


@dataclasses.dataclass(frozen=True)
class ThresholdCheck:
    """One threshold applied to one estimate.

    Attributes:
        threshold: the threshold.
        flop: the central compute counted toward it (only its phases), FLOP.
        flop_low: low end of the 90 % interval, FLOP.
        flop_high: high end of the 90 % interval, FLOP.
        over: central estimate crosses the threshold.
        margin_oom: log10(flop / value): positive = over by that many orders of magnitude.
        probability_over: P(true compute > value) under the two-piece log-normal assumption.
        phases_counted: phases whose compute was summed.
        unconfirmed: the threshold's ``requires`` tags the model was not said to have (the
            threshold applies only if they hold; empty when it applies unconditionally).
        assumption: the probability model, in words.
        verdict: ``over``, ``under`` or ``borderline`` from ``probability_over`` (see BORDERLINE).
    """

    threshold: Threshold
    flop: float
    flop_low: float
    flop_high: float
    over: bool
    margin_oom: float
    probability_over: float
    phases_counted: tuple[str, ...]
    unconfirmed: tuple[str, ...] = ()
    assumption: str = (
        "two-piece log-normal with median = central estimate and [low, high] as its 90% interval"
    )
    verdict: str = ""

    def __post_init__(self) -> None:
        if not self.verdict:
            object.__setattr__(self, "verdict", verdict_of(self.probability_over))

    @property
    def borderline(self) -> bool:
        """True when P(over) is strictly between the BORDERLINE bounds."""
        return self.verdict == "borderline"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, SI units with the unit in each key."""
        return {
            "threshold_id": self.threshold.id,
            "jurisdiction": self.threshold.jurisdiction,
            "legal_reference": self.threshold.legal_reference,
            "threshold_flop": self.threshold.value_flop,
            "status": self.threshold.status,
            "flop": self.flop,
            "flop_low": self.flop_low,
            "flop_high": self.flop_high,
            "over": self.over,
            "margin_oom": self.margin_oom,
            "probability_over": self.probability_over,
            "phases_counted": list(self.phases_counted),
            "scope": self.threshold.scope,
            "extra_conditions": self.threshold.extra_conditions,
            "applies_only_if": [TAGS[t] for t in self.unconfirmed],
            "assumption": self.assumption,
            "verdict": self.verdict,
            "borderline": self.borderline,
        }


def _counted_parts(estimate: Any, counts: Sequence[str]) -> list[Any]:
    """The leaf estimates of the phases a threshold counts."""
    components = tuple(getattr(estimate, "components", ()) or ())
    if not components:
        return [estimate] if getattr(estimate, "phase", "pre-training") in counts else []
    return [leaf for part in components for leaf in _counted_parts(part, counts)]


def _counted(estimate: Any, counts: Sequence[str]) -> tuple[float, float, float, tuple[str, ...]]:
    """Sum the phases of ``estimate`` that a threshold counts (components summed comonotonically)."""
    components = tuple(getattr(estimate, "components", ()) or ())
    if not components:
        phase = getattr(estimate, "phase", "pre-training")
        if phase in counts:
            return estimate.flop, estimate.flop_low, estimate.flop_high, (phase,)
        return 0.0, 0.0, 0.0, ()
    flop = low = high = 0.0
    phases: list[str] = []
    for part in components:
        f, lo, hi, ph = _counted(part, counts)
        flop, low, high = flop + f, low + lo, high + hi
        phases.extend(p for p in ph if p not in phases)
    return flop, low, high, tuple(phases)


def check(
    estimate: FlopInterval,
    date: dt.date | None = None,
    thresholds: Iterable[Threshold] | None = None,
    *,
    all_dates: bool = False,
    tags: Iterable[str] | None = None,
) -> tuple[ThresholdCheck, ...]:
    """Compare a compute estimate with every threshold in force on ``date``.

    Thresholds limited to some models (``requires``, e.g. biological sequence data): with
    ``tags=None`` (nothing known about the model) they are all checked and their unconfirmed
    conditions listed; with ``tags`` given, those whose requirements the model lacks are left out.

    Only the phases a threshold counts enter its sum: an estimate with ``components`` (one per
    phase) is summed per threshold, one without is taken as a single phase (its ``phase``
    attribute, pre-training by default). Summing low and high ends is the comonotone (fully
    correlated) assumption, which gives the widest interval of the sum.

    Args:
        estimate: a ``ComputeEstimate`` or anything with ``flop``, ``flop_low``, ``flop_high``.
        date: the day to check (today by default).
        thresholds: thresholds to use (the bundled ones by default).
        all_dates: check every threshold, whatever its dates (history).
        tags: what the model is (keys of TAGS), or None when unknown.

    Returns:
        One :class:`ThresholdCheck` per threshold, smallest threshold first.

    Raises:
        InputError: an unknown tag.
    """
    known = None if tags is None else frozenset(tags)
    if known is not None and not known <= TAGS.keys():
        raise InputError(f"unknown tag(s) {sorted(known - TAGS.keys())}; expected some of {list(TAGS)}")
    pool = load_thresholds() if thresholds is None else tuple(thresholds)
    chosen = sorted(pool, key=lambda t: (t.value_flop, t.id)) if all_dates else thresholds_in_force(date, pool)
    if not all_dates:
        # The status shown is the one on the day checked, not today's: a check dated while EO 14110
        # applied says "in force", not "revoked".
        day = date or dt.date.today()
        chosen = tuple(dataclasses.replace(t, status=t.status_on(day)) for t in chosen)
    out = []
    for threshold in chosen:
        if known is not None and not set(threshold.requires) <= known:
            continue
        unconfirmed = tuple(t for t in threshold.requires if known is None or t not in known)
        flop, low, high, phases = _counted(estimate, threshold.counts)
        parts = _counted_parts(estimate, threshold.counts)
        if flop <= 0:
            margin = -math.inf
            prob = 0.0
        else:
            margin = math.log10(flop / threshold.value_flop)
            if len(parts) == 1 and getattr(parts[0], "distribution", "lognormal") == "lognormal":
                prob = probability_over(threshold.value_flop, flop, low, high)  # closed form
            else:
                prob = probability_over_sum(
                    threshold.value_flop, parts, at_least=threshold.comparison == "at_least"
                )
        out.append(
            ThresholdCheck(
                threshold=threshold,
                flop=flop,
                flop_low=low,
                flop_high=high,
                over=threshold.is_over(flop),
                margin_oom=margin,
                probability_over=prob,
                phases_counted=phases,
                unconfirmed=unconfirmed,
                assumption=assumption_of(parts),
            )
        )
    return tuple(out)
