"""Failures, checkpoints and goodput of a synchronous training run at scale.

A synchronous data/tensor/pipeline-parallel job stops when any one of its chips, hosts or links
fails, so its mean time between failures is the per-chip MTBF divided by the chip count:
``M = 1 / (n x rate per chip-hour)``. The job saves a checkpoint of ``delta`` seconds every
``tau`` seconds of work; a failure loses the work since the last checkpoint and costs a restart
of ``R`` seconds (which can itself be interrupted). With exponential failures the expected
wall-clock time of one segment of ``L = tau + delta`` seconds is exactly
``M e^(R/M) (e^(L/M) - 1)`` (Daly 2006, doi:10.1016/j.future.2004.11.016, eq. 13), and the
expected number of failures over a run of wall-clock time ``T`` is ``T / M``.

The checkpoint interval is Daly's higher-order optimum (same paper, eq. 37)
``tau = sqrt(2 delta M) [1 + sqrt(delta / 2M) / 3 + (delta / 2M) / 9] - delta`` for
``delta < 2M``, else ``M``; its first term is Young's (1974, doi:10.1145/361147.361115)
``sqrt(2 delta M)``. Goodput is useful work / wall-clock time.

Defaults (``data/reliability.yaml``): per-component interruption rates from the Llama 3 405B run
(Meta 2024, arXiv:2407.21783, sec. 3.3.4, Table 5: 419 unexpected interruptions in 54 days on
16,384 H100s), planned interruptions per day, checkpoint bytes per parameter, storage bandwidth
per chip and restart time, each with a range. :func:`reliability` draws the ranges
(Monte Carlo, vectorised, in :func:`reliability`) and reports 5th-95th percentiles. Not modelled: correlated failures,
stragglers, silent data corruption found late, asynchronous checkpointing (which shrinks delta).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import TYPE_CHECKING, Any

from computegov.costs import Range
from computegov.errors import InputError
from computegov.inputyaml import load_bundled_yaml
from computegov.planning.checkpointing import require_positive, segment_wall_s
from computegov.units import S_PER_DAY, S_PER_HOUR

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Reliability",
    "ReliabilityAssumptions",
    "central_wall_s",
    "reliability",
]

RELIABILITY_FILE = "reliability.yaml"
_SAMPLES = 4000


@dataclasses.dataclass(frozen=True)
class ReliabilityAssumptions:
    """Failure, checkpoint and restart assumptions (low, central, high).

    Attributes:
        rate_per_chip_hour: unexpected interruptions per chip-hour, by component.
        rate_multiplier: cross-fleet spread of every component's rate (low, 1, high).
        planned_per_day: planned interruptions per day of the job (cost a restart, lose no work).
        checkpoint_bytes_per_param: checkpoint size per model parameter, bytes.
        storage_bytes_per_s_per_chip: checkpoint write bandwidth per chip, bytes/s.
        restart_s: time from an interruption to training again, s.
        source: where the defaults come from.
    """

    rate_per_chip_hour: dict[str, float]
    rate_multiplier: Range
    planned_per_day: Range
    checkpoint_bytes_per_param: Range
    storage_bytes_per_s_per_chip: Range
    restart_s: Range
    source: str = ""

    @property
    def total_rate_per_chip_hour(self) -> float:
        """Central unexpected interruptions per chip-hour (all components)."""
        return sum(self.rate_per_chip_hour.values())

    @classmethod
    def default(cls) -> ReliabilityAssumptions:
        """The bundled assumptions (``data/reliability.yaml``)."""
        return _default_assumptions()

    def with_overrides(
        self,
        *,
        rate_factor: float | None = None,
        restart_s: float | None = None,
        storage_bytes_per_s_per_chip: float | None = None,
        checkpoint_bytes_per_param: float | None = None,
    ) -> ReliabilityAssumptions:
        """A copy with user values (each fixed to a point; ``rate_factor`` scales every rate).

        Raises:
            InputError: a value that is not positive (restart may be 0).
        """
        out = self
        if rate_factor is not None:
            require_positive(rate_factor, "failure-rate factor", "x the default rates")
            rates = {k: v * rate_factor for k, v in self.rate_per_chip_hour.items()}
            out = dataclasses.replace(out, rate_per_chip_hour=rates, rate_multiplier=Range.point(1.0))
        if restart_s is not None:
            if not math.isfinite(restart_s) or restart_s < 0:
                raise InputError(f"restart time must be >= 0 s, got {restart_s!r}")
            out = dataclasses.replace(out, restart_s=Range.point(restart_s))
        if storage_bytes_per_s_per_chip is not None:
            require_positive(storage_bytes_per_s_per_chip, "storage bandwidth per chip", "bytes/s")
            out = dataclasses.replace(
                out, storage_bytes_per_s_per_chip=Range.point(storage_bytes_per_s_per_chip)
            )
        if checkpoint_bytes_per_param is not None:
            require_positive(checkpoint_bytes_per_param, "checkpoint size per parameter", "bytes")
            out = dataclasses.replace(
                out, checkpoint_bytes_per_param=Range.point(checkpoint_bytes_per_param)
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "rate_per_chip_hour": dict(self.rate_per_chip_hour),
            "total_rate_per_chip_hour": self.total_rate_per_chip_hour,
            "rate_multiplier": self.rate_multiplier.to_dict(),
            "planned_per_day": self.planned_per_day.to_dict(),
            "checkpoint_bytes_per_param": self.checkpoint_bytes_per_param.to_dict(),
            "storage_bytes_per_s_per_chip": self.storage_bytes_per_s_per_chip.to_dict(),
            "restart_s": self.restart_s.to_dict(),
            "source": self.source,
        }


def _triple(raw: dict[str, Any], key: str) -> Range:
    entry = raw[key]
    return Range(float(entry["low"]), float(entry["central"]), float(entry["high"]))


@functools.cache
def _default_assumptions() -> ReliabilityAssumptions:
    from importlib import resources

    text = resources.files("computegov.data").joinpath(RELIABILITY_FILE).read_text("utf-8")
    raw = load_bundled_yaml(text)
    obs = raw["observation"]
    chip_hours = float(obs["chips"]) * float(obs["days"]) * 24.0
    rates = {name: float(c["count"]) / chip_hours for name, c in raw["components"].items()}
    mult = raw["rate_multiplier"]
    return ReliabilityAssumptions(
        rate_per_chip_hour=rates,
        rate_multiplier=Range(float(mult["low"]), 1.0, float(mult["high"])),
        planned_per_day=_triple(raw, "planned_per_day"),
        checkpoint_bytes_per_param=_triple(raw, "checkpoint_bytes_per_param"),
        storage_bytes_per_s_per_chip=_triple(raw, "storage_bytes_per_s_per_chip"),
        restart_s=_triple(raw, "restart_s"),
        source=str(obs["source"]),
    )


@dataclasses.dataclass(frozen=True)
class Reliability:
    """Failures and checkpoints of one run on one cluster (low, central, high where a Range).

    Central values use the central assumptions; low/high are the 5th/95th percentiles over the
    assumption ranges (each Range ordered low <= high, whatever its direction of harm).

    Attributes:
        chips: chips in the job.
        job_mtbf_s: mean time between unexpected interruptions of the whole job, s.
        checkpoint_s: time to write one checkpoint, s.
        interval_s: work between checkpoints (Daly's optimum), s.
        interruptions: expected unexpected interruptions over the run.
        planned_interruptions: expected planned interruptions over the run.
        lost_s: wall-clock time lost to failures, checkpoints and restarts, s.
        goodput: useful work / wall-clock time.
        work_s: failure-free duration, s.
        wall_s: wall-clock duration with failures, checkpoints and restarts, s.
    """

    chips: int
    job_mtbf_s: Range
    checkpoint_s: Range
    interval_s: Range
    interruptions: Range
    planned_interruptions: Range
    lost_s: Range
    goodput: Range
    work_s: float
    wall_s: Range

    @property
    def days_without_failures(self) -> float:
        """Failure-free duration, days."""
        return self.work_s / S_PER_DAY

    @property
    def days_with_failures(self) -> float:
        """Central wall-clock duration with failures, days."""
        return self.wall_s.central / S_PER_DAY

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (SI units; days added for reading)."""
        return {
            "chips": self.chips,
            "job_mtbf_hours": self.job_mtbf_s.scale(1 / S_PER_HOUR).to_dict(),
            "checkpoint_write_s": self.checkpoint_s.to_dict(),
            "checkpoint_interval_s": self.interval_s.to_dict(),
            "expected_unexpected_interruptions": self.interruptions.to_dict(),
            "expected_planned_interruptions": self.planned_interruptions.to_dict(),
            "lost_time_s": self.lost_s.to_dict(),
            "goodput": self.goodput.to_dict(),
            "days_without_failures": self.days_without_failures,
            "days_with_failures": self.wall_s.scale(1 / S_PER_DAY).to_dict(),
            "method": "Daly 2006 (doi:10.1016/j.future.2004.11.016) expected time at Daly's "
            "optimal interval; rates from Llama 3 (arXiv:2407.21783, Table 5); 5-95 % over ranges",
        }


def _wall_arrays(
    work_s: float, chips: int, params: float, rate: Any, bpp: Any, bw: Any, restart: Any,
    planned: Any,
) -> dict[str, Any]:
    """The closed form on arrays of assumptions (numpy broadcasting)."""
    import numpy as np

    mtbf = S_PER_HOUR / (np.asarray(rate) * chips)
    delta = params * np.asarray(bpp) / (np.asarray(bw) * chips)
    x = delta / (2.0 * mtbf)
    tau = np.where(
        delta < 2.0 * mtbf,
        np.sqrt(2.0 * delta * mtbf) * (1.0 + np.sqrt(x) / 3.0 + x / 9.0) - delta,
        mtbf,
    )
    tau = np.minimum(tau, work_s)
    full = np.floor(work_s / tau)
    rest = work_s - full * tau
    unplanned = full * segment_wall_s(tau + delta, restart, mtbf) + np.where(
        rest > 1e-12 * work_s, segment_wall_s(rest + delta, restart, mtbf), 0.0
    )
    # planned stops each cost one restart: T = T_u + (p / day) T R  =>  T = T_u / (1 - p R / day)
    share = np.asarray(planned) * restart / S_PER_DAY
    wall = unplanned / np.maximum(1.0 - share, 1e-9)
    return {
        "mtbf": mtbf,
        "delta": delta,
        "tau": tau,
        "interruptions": unplanned / mtbf,
        "planned": np.asarray(planned) * wall / S_PER_DAY,
        "wall": wall,
    }


def _central_arrays(work_s: float, chips: int, params: float, a: ReliabilityAssumptions) -> dict[str, Any]:
    """The closed form at the central assumptions (inputs checked)."""
    require_positive(work_s, "failure-free duration", "s")
    require_positive(params, "parameter count", "parameters")
    if chips < 1:
        raise InputError(f"chip count must be at least 1, got {chips}")
    return _wall_arrays(
        work_s, chips, params, a.total_rate_per_chip_hour, a.checkpoint_bytes_per_param.central,
        a.storage_bytes_per_s_per_chip.central, a.restart_s.central, a.planned_per_day.central,
    )


def central_wall_s(
    work_s: float, chips: int, params: float, assumptions: ReliabilityAssumptions | None = None
) -> float:
    """The central wall-clock time of a run, s: :func:`reliability`'s ``wall_s.central``, without the draws.

    The same computation on the same numbers, so the planner can tell that a run misses its
    deadline before it pays for the Monte Carlo ranges.

    Raises:
        InputError: non-positive work, chips or parameters.
    """
    return float(_central_arrays(work_s, chips, params, assumptions or ReliabilityAssumptions.default())["wall"])


def reliability(
    work_s: float,
    chips: int,
    params: float,
    assumptions: ReliabilityAssumptions | None = None,
    *,
    rng: np.random.Generator | None = None,
    samples: int = _SAMPLES,
) -> Reliability:
    """Failures, checkpoint interval, goodput and wall-clock time of one run.

    Args:
        work_s: failure-free duration of the run, s.
        chips: chips in the synchronous job.
        params: model parameters (sets the checkpoint size).
        assumptions: failure, checkpoint and restart assumptions (default: bundled).
        rng: random generator for the intervals (default: seeded 0, so plans are repeatable).
        samples: Monte Carlo draws.

    Raises:
        InputError: non-positive work, chips or parameters.
    """
    import numpy as np

    a = assumptions or ReliabilityAssumptions.default()
    central = _central_arrays(work_s, chips, params, a)
    draws = _default_draws(a, samples) if rng is None else _draw(a, rng, samples)
    mc = _wall_arrays(work_s, chips, params, *draws)
    keys = ("wall", "mtbf", "delta", "tau", "interruptions", "planned")
    good = work_s / mc["wall"]
    # one percentile call over every quantity (the same numbers as one call each, a fraction of the time)
    ends = np.percentile(np.vstack([np.broadcast_to(mc[k], good.shape) for k in keys] + [good]), [5.0, 95.0], axis=1)
    bounds = {k: (float(ends[0][i]), float(ends[1][i])) for i, k in enumerate(keys)}

    def rng_of(key: str, c: Any) -> Range:
        lo, hi = bounds[key]
        value = float(c)
        return Range(min(lo, value), value, max(hi, value))

    wall = rng_of("wall", central["wall"])
    good_c = work_s / float(central["wall"])
    glo, ghi = float(ends[0][-1]), float(ends[1][-1])
    return Reliability(
        chips=chips,
        job_mtbf_s=rng_of("mtbf", central["mtbf"]),
        checkpoint_s=rng_of("delta", central["delta"]),
        interval_s=rng_of("tau", central["tau"]),
        interruptions=rng_of("interruptions", central["interruptions"]),
        planned_interruptions=rng_of("planned", central["planned"]),
        lost_s=Range(wall.low - work_s, wall.central - work_s, wall.high - work_s),
        goodput=Range(min(float(glo), good_c), good_c, max(float(ghi), good_c)),
        work_s=work_s,
        wall_s=wall,
    )


#: Draws with the default generator (seeded 0) depend only on the assumptions and the sample count,
#: so a plan's thousands of calls share them: (assumptions, samples) -> draws, the assumptions kept so
#: that an id reused after garbage collection is never mistaken for them.
_DRAWS: dict[tuple[int, int], tuple[ReliabilityAssumptions, tuple[Any, ...]]] = {}


def _default_draws(a: ReliabilityAssumptions, samples: int) -> tuple[Any, ...]:
    """:func:`_draw` with ``np.random.default_rng(0)``, cached per assumptions object."""
    import numpy as np

    key = (id(a), samples)
    hit = _DRAWS.get(key)
    if hit is not None and hit[0] is a:
        return hit[1]
    draws = _draw(a, np.random.default_rng(0), samples)
    for d in draws:
        if hasattr(d, "setflags"):
            d.setflags(write=False)
    if len(_DRAWS) > 64:
        _DRAWS.clear()
    _DRAWS[key] = (a, draws)
    return draws


def _log_triangular(rng: np.random.Generator, r: Range, n: int) -> Any:
    """Draws between r.low and r.high, mode at r.central, triangular on a log scale."""
    import numpy as np

    if r.low == r.high:
        return np.full(n, r.central)
    lo, mid, hi = (math.log(v) for v in r)
    return np.exp(rng.triangular(lo, mid, hi, size=n))


def _draw(a: ReliabilityAssumptions, rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    """(rate, bytes/param, bandwidth/chip, restart, planned/day) arrays; each component varies."""
    rate = sum(
        value * _log_triangular(rng, a.rate_multiplier, n)
        for value in a.rate_per_chip_hour.values()
    )
    return (
        rate,
        rng.uniform(a.checkpoint_bytes_per_param.low, a.checkpoint_bytes_per_param.high, n),
        _log_triangular(rng, a.storage_bytes_per_s_per_chip, n),
        _log_triangular(rng, a.restart_s, n),
        _log_triangular(rng, a.planned_per_day, n),
    )

