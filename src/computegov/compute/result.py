"""`ComputeEstimate`: training compute with its 90 % interval, as every estimation method returns it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

from computegov.errors import InputError

__all__ = ["DISTRIBUTIONS", "Z90", "ComputeEstimate"]

#: How an estimate's probability mass is spread, given its 5th, 50th and 95th percentiles:
#: ``lognormal``: a two-piece log-normal with median ``flop`` and ``flop_low``/``flop_high`` as its
#: 5th/95th percentiles (one log-spread each side, so asymmetric intervals are honoured; a
#: symmetric one is a plain log-normal); ``uniform``: uniform in FLOP (linear) whose 5th and 95th
#: percentiles are ``flop_low`` and ``flop_high`` (a figure rounded to some significant figures),
#: with ``flop`` the figure as reported.
DISTRIBUTIONS: tuple[str, ...] = ("lognormal", "uniform")
#: z of the 95th percentile of the standard normal: [low, high] is a 90 % interval.
Z90 = 1.6448536269514722


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
        distribution: how the mass is spread between and beyond the percentiles (DISTRIBUTIONS).
        uncertainty: how the uncertainty was given, in words (figures given by the user).
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
    distribution: str = "lognormal"
    uncertainty: str = ""

    def __post_init__(self) -> None:
        values = (self.flop_low, self.flop, self.flop_high)
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise InputError(f"compute must be positive and finite, got {values}")
        if not self.flop_low <= self.flop <= self.flop_high:
            raise InputError(f"expected low <= central <= high, got {values}")
        if self.distribution not in DISTRIBUTIONS:
            raise InputError(f"distribution {self.distribution!r}: expected one of {', '.join(DISTRIBUTIONS)}")

    def quantile(self, p: float) -> float:
        """The ``p``-quantile of the compute under :attr:`distribution`, FLOP (0 < p < 1).

        A ``sum`` is the comonotone sum of its components (their quantiles add up).
        """
        if not 0 < p < 1:
            raise InputError(f"quantile: p must be in (0, 1), got {p!r}")
        if self.components:
            return sum(c.quantile(p) for c in self.components)
        if self.distribution == "uniform":
            width = (self.flop_high - self.flop_low) / 0.9
            return self.flop_low - 0.05 * width + p * width
        z = NormalDist().inv_cdf(p)
        spread = math.log(self.flop_high / self.flop) if z > 0 else math.log(self.flop / self.flop_low)
        return self.flop * math.exp(spread / Z90 * z)

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
            "distribution": self.distribution,
            "uncertainty": self.uncertainty,
        }

