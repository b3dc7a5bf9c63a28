"""The arithmetic of each constraint and the Monte Carlo over all inputs together.

Every constraint gives the largest training run (FLOP) it allows in a year:

* **power**: ``power_w x network_factor / facility_overhead x flop_per_j x precision_gain x
  utilisation x duration_s`` (the largest site's power, times the sites' worth a distributed run
  can join, the share reaching accelerators, their 16-bit FLOP per joule at TDP, the gain of
  training in lower precision, model FLOP utilisation, run length);
* **chips**: ``accelerators_per_year x pooled_years x share_one_run x flop_per_s_per_accelerator
  x precision_gain x utilisation x duration_s``;
* **data**: ``6 N D`` with ``D = (text + multimodal + synthetic tokens) x data_epochs`` and the
  compute-optimal ``N = D / tokens_per_param`` (Hoffmann et al. 2022, arXiv:2203.15556), i.e.
  ``6 D^2 / tokens_per_param``;
* **latency**: a run must fit ``D / batch_tokens`` sequential steps, each at least ``n_layers x
  latency_per_layer_s``, into ``duration_s`` (Erdil & Schneider-Joseph 2024, arXiv:2411.01137,
  simplified). A dense transformer has ``N = 12 n_layers d_model^2`` parameters with ``d_model =
  aspect_ratio x n_layers``, so ``n_layers = (N / (12 aspect_ratio^2))^(1/3)``; solving for the
  largest ``D`` gives ``D = (duration_s x batch_tokens / latency_per_layer_s)^(3/4) x (12
  aspect_ratio^2 tokens_per_param)^(1/4)``, and the run is ``6 D^2 / tokens_per_param``;
* **money**: ``spend_usd x flop_per_usd x precision_gain`` (``flop_per_usd``: useful 16-bit FLOP
  per USD of ownership, utilisation already in it).

The feasible run in a draw is the minimum over the constraints in the preset's binding set, and
the binding constraint is the one attaining it. All arithmetic is in log10, vectorised over
draws x years. Inputs are drawn jointly: standard-normal scores correlated through the stated
matrix (a Gaussian copula), each mapped through the input's own quantiles.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.outlook.inputs import Z90, Correlation, Input

__all__ = [
    "CONSTRAINTS",
    "CONSTRAINT_INPUTS",
    "INPUT_UNITS",
    "MAX_DRAWS",
    "Draws",
    "chips_limit_flop",
    "correlation_matrix",
    "data_limit_flop",
    "draw_inputs",
    "latency_limit_flop",
    "money_limit_flop",
    "pinned_reruns",
    "power_limit_flop",
    "simulate",
]

FloatArray = npt.NDArray[np.float64]

#: The constraints, in display order.
CONSTRAINTS: tuple[str, ...] = ("power", "chips", "data", "latency", "money")
#: Most draws one call may make (memory: about 8 bytes x draws x years x 12 arrays).
MAX_DRAWS = 2_000_000

#: Unit of every input.
INPUT_UNITS: dict[str, str] = {
    "power_w": "W",
    "power_w_growth": "x per year",
    "network_factor": "x (power of one run / largest site)",
    "flop_per_j": "FLOP/J (dense 16-bit, at TDP)",
    "flop_per_j_growth": "x per year",
    "facility_overhead": "W facility per W accelerator TDP",
    "precision_gain": "x (FLOP per 16-bit FLOP)",
    "utilisation": "fraction of peak",
    "duration_s": "s",
    "accelerators_per_year": "accelerators per year",
    "accelerators_per_year_growth": "x per year",
    "pooled_years": "years",
    "share_one_run": "fraction",
    "flop_per_s_per_accelerator": "FLOP/s (dense 16-bit)",
    "flop_per_s_per_accelerator_growth": "x per year",
    "text_tokens": "tokens",
    "text_tokens_growth": "x per year",
    "multimodal_tokens": "tokens",
    "synthetic_tokens": "tokens",
    "synthetic_tokens_growth": "x per year",
    "data_epochs": "epochs",
    "tokens_per_param": "tokens per parameter",
    "batch_tokens": "tokens per step",
    "latency_per_layer_s": "s",
    "aspect_ratio": "d_model / n_layers",
    "spend_usd": "USD (nominal)",
    "spend_usd_growth": "x per year",
    "flop_per_usd": "useful FLOP per USD of ownership",
    "flop_per_usd_growth": "x per year",
}

#: The inputs each constraint reads (growth inputs through the level they grow).
CONSTRAINT_INPUTS: dict[str, tuple[str, ...]] = {
    "power": ("power_w", "network_factor", "flop_per_j", "facility_overhead", "precision_gain", "utilisation",
              "duration_s"),
    "chips": ("accelerators_per_year", "pooled_years", "share_one_run", "flop_per_s_per_accelerator",
              "precision_gain", "utilisation", "duration_s"),
    "data": ("text_tokens", "multimodal_tokens", "synthetic_tokens", "data_epochs", "tokens_per_param"),
    "latency": ("duration_s", "batch_tokens", "latency_per_layer_s", "aspect_ratio", "tokens_per_param"),
    "money": ("spend_usd", "flop_per_usd", "precision_gain"),
}

_LOG6 = math.log10(6.0)
_LOG12 = math.log10(12.0)


# the arithmetic, in log10 -----------------------------------------------------------------

def _power(v: Mapping[str, FloatArray]) -> FloatArray:
    return (v["power_w"] + v["network_factor"] - v["facility_overhead"] + v["flop_per_j"] + v["precision_gain"] + v["utilisation"]
            + v["duration_s"])


def _chips(v: Mapping[str, FloatArray]) -> FloatArray:
    return (v["accelerators_per_year"] + v["pooled_years"] + v["share_one_run"] + v["flop_per_s_per_accelerator"]
            + v["precision_gain"] + v["utilisation"] + v["duration_s"])


def _log10_sum(*logs: FloatArray) -> FloatArray:
    top = np.maximum.reduce(np.broadcast_arrays(*logs))
    total = sum(10.0 ** (x - top) for x in logs)
    return np.asarray(top + np.log10(total))


def _data(v: Mapping[str, FloatArray]) -> FloatArray:
    tokens = _log10_sum(v["text_tokens"], v["multimodal_tokens"], v["synthetic_tokens"]) + v["data_epochs"]
    return _LOG6 + 2.0 * tokens - v["tokens_per_param"]


def _latency(v: Mapping[str, FloatArray]) -> FloatArray:
    tokens = (0.75 * (v["duration_s"] + v["batch_tokens"] - v["latency_per_layer_s"])
              + 0.25 * (_LOG12 + 2.0 * v["aspect_ratio"] + v["tokens_per_param"]))
    return _LOG6 + 2.0 * tokens - v["tokens_per_param"]


def _money(v: Mapping[str, FloatArray]) -> FloatArray:
    return v["spend_usd"] + v["flop_per_usd"] + v["precision_gain"]


_ARITHMETIC = {"power": _power, "chips": _chips, "data": _data, "latency": _latency, "money": _money}


def _linear(kind: str, **values: float) -> float:
    logs = {k: np.asarray(math.log10(x) if x > 0 else -math.inf) for k, x in values.items()}
    for k, x in values.items():
        if not (math.isfinite(x) and x >= 0):
            raise InputError(f"{k}: expected a finite number >= 0, got {x!r}")
    return float(10.0 ** _ARITHMETIC[kind](logs))


def power_limit_flop(*, power_w: float, flop_per_j: float, facility_overhead: float, precision_gain: float,
                     utilisation: float, duration_s: float, network_factor: float = 1.0) -> float:
    """Largest run one site or network's power allows, FLOP.

    Args:
        power_w: the largest site's power, W (facility).
        flop_per_j: dense 16-bit FLOP per joule of accelerator TDP.
        facility_overhead: facility W per W of accelerator TDP (servers, network, cooling).
        precision_gain: FLOP per 16-bit FLOP from lower precision (2 = all FP8).
        utilisation: model FLOP utilisation, fraction.
        duration_s: run length, s.
        network_factor: power one (distributed) run can join, in units of ``power_w`` (1: one site).
    """
    return _linear("power", power_w=power_w, network_factor=network_factor, flop_per_j=flop_per_j,
                   facility_overhead=facility_overhead, precision_gain=precision_gain, utilisation=utilisation,
                   duration_s=duration_s)


def chips_limit_flop(*, accelerators_per_year: float, pooled_years: float, share_one_run: float,
                     flop_per_s_per_accelerator: float, precision_gain: float, utilisation: float,
                     duration_s: float) -> float:
    """Largest run the accelerators one developer can gather allow, FLOP.

    Args:
        accelerators_per_year: accelerators produced per year.
        pooled_years: years of production the run can gather.
        share_one_run: fraction of them in the one run.
        flop_per_s_per_accelerator: dense 16-bit peak FLOP/s of each.
        precision_gain: FLOP per 16-bit FLOP from lower precision.
        utilisation: model FLOP utilisation, fraction.
        duration_s: run length, s.
    """
    return _linear("chips", accelerators_per_year=accelerators_per_year, pooled_years=pooled_years,
                   share_one_run=share_one_run, flop_per_s_per_accelerator=flop_per_s_per_accelerator,
                   precision_gain=precision_gain, utilisation=utilisation, duration_s=duration_s)


def data_limit_flop(*, text_tokens: float, multimodal_tokens: float = 0.0, synthetic_tokens: float = 0.0,
                    data_epochs: float = 1.0, tokens_per_param: float = 20.0) -> float:
    """Largest compute-optimal run the data allow: ``6 D^2 / tokens_per_param``, FLOP.

    Args:
        text_tokens: usable human text, tokens.
        multimodal_tokens: usable image/video/audio data, tokens.
        synthetic_tokens: usable synthetic data, tokens.
        data_epochs: times each token is seen.
        tokens_per_param: compute-optimal tokens per parameter.
    """
    return _linear("data", text_tokens=text_tokens, multimodal_tokens=multimodal_tokens,
                   synthetic_tokens=synthetic_tokens, data_epochs=data_epochs, tokens_per_param=tokens_per_param)


def latency_limit_flop(*, duration_s: float, batch_tokens: float, latency_per_layer_s: float,
                       aspect_ratio: float, tokens_per_param: float = 20.0) -> float:
    """Largest compute-optimal dense run whose sequential steps fit in ``duration_s``, FLOP.

    Args:
        duration_s: run length, s.
        batch_tokens: tokens per optimiser step.
        latency_per_layer_s: least forward + backward time per layer, s.
        aspect_ratio: d_model / n_layers.
        tokens_per_param: compute-optimal tokens per parameter.
    """
    return _linear("latency", duration_s=duration_s, batch_tokens=batch_tokens,
                   latency_per_layer_s=latency_per_layer_s, aspect_ratio=aspect_ratio,
                   tokens_per_param=tokens_per_param)


def money_limit_flop(*, spend_usd: float, flop_per_usd: float, precision_gain: float = 1.0) -> float:
    """Largest run a budget buys at a cost of ownership, FLOP.

    Args:
        spend_usd: the run's budget (amortised hardware, energy, overheads), USD.
        flop_per_usd: useful 16-bit FLOP per USD of ownership.
        precision_gain: FLOP per 16-bit FLOP from lower precision.
    """
    return _linear("money", spend_usd=spend_usd, flop_per_usd=flop_per_usd, precision_gain=precision_gain)


# the Monte Carlo --------------------------------------------------------------------------

def correlation_matrix(names: Sequence[str], correlations: Sequence[Correlation]) -> FloatArray:
    """The inputs' correlation matrix (identity plus the stated pairs), made positive definite.

    A stated set of pairs can be inconsistent (not positive semi-definite); its eigenvalues are
    then floored at 1e-6 and the matrix rescaled to a unit diagonal (the nearest valid matrix in
    that simple sense), which the caller can see by comparing with the pairs.

    Raises:
        InputError: a pair names an unknown input.
    """
    index = {n: i for i, n in enumerate(names)}
    m = np.eye(len(names))
    for c in correlations:
        if c.a not in index or c.b not in index:
            raise InputError(f"correlation {c.a}~{c.b}: unknown input")
        m[index[c.a], index[c.b]] = m[index[c.b], index[c.a]] = c.rho
    w, v = np.linalg.eigh(m)
    if w.min() < 1e-6:
        m = (v * np.maximum(w, 1e-6)) @ v.T
        d = np.sqrt(np.diag(m))
        m = m / np.outer(d, d)
    return np.asarray(m)


def _through(z: FloatArray, zk: FloatArray, vk: FloatArray) -> FloatArray:
    """Piecewise-linear map of normal scores ``z`` through knots (zk, vk), extended linearly."""
    if not np.all(np.isfinite(vk)):
        return np.full_like(z, vk[len(vk) // 2])
    out = np.interp(z, zk, vk)
    lo, hi = z < zk[0], z > zk[-1]
    if lo.any():
        out[lo] = vk[0] + (z[lo] - zk[0]) * (vk[1] - vk[0]) / (zk[1] - zk[0])
    if hi.any():
        out[hi] = vk[-1] + (z[hi] - zk[-1]) * (vk[-1] - vk[-2]) / (zk[-1] - zk[-2])
    return np.asarray(out)


_PARAM_Z = np.array([-Z90, 0.0, Z90])


def _level(inp: Input, z: FloatArray, years: FloatArray) -> FloatArray:
    """log10 draws of one input: ``(n, 1)`` when constant in time, else ``(n, n_years)``."""
    if inp.fan is not None:
        zk = np.array([NormalDist().inv_cdf(p) for p in inp.fan.levels])
        cols = [_through(z, zk, np.log10(np.asarray(inp.fan.row(int(y)), dtype=float))) for y in years]
        return np.stack(cols, axis=1)
    return _through(z, _PARAM_Z, np.asarray(inp.knots_log10()))[:, None]


@dataclasses.dataclass(frozen=True)
class Draws:
    """The Monte Carlo's raw output (log10 FLOP), for summaries, sensitivity and hindcasts.

    Attributes:
        years: outlook years.
        log10: constraint name -> ``(n, n_years)`` log10 FLOP.
        binding_set: constraints the minimum is taken over.
        feasible_log10: ``(n, n_years)`` minimum over the binding set.
        binding_index: ``(n, n_years)`` index into ``binding_set`` of the minimum.
    """

    years: tuple[int, ...]
    log10: dict[str, FloatArray]
    binding_set: tuple[str, ...]
    feasible_log10: FloatArray
    binding_index: npt.NDArray[np.intp]


@functools.cache
def _blas_threads() -> Any:
    """threadpoolctl's controller of the BLAS libraries loaded (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """BLAS held to one thread for a small product (the numbers are the same with any thread count).

    The copula's product ``chol @ z`` is (inputs x inputs) @ (inputs x draws): a few million
    multiply-adds, which OpenBLAS splits over every core; on a shared or busy machine the extra
    threads mostly wait for a core and spin, so the product took 3x the CPU time (0.95 s against
    0.34 s of the report's 53 draws, measured on the project's 2-core machine). OpenBLAS gives each
    output element to one thread with the same kernel, so the values are bitwise the same either
    way (``tests/outlook/test_draws_one_blas_thread.py`` checks it).
    """
    controller = _blas_threads()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def draw_inputs(inputs: Mapping[str, Input], correlations: Sequence[Correlation], years: Sequence[int], *,
                rng: np.random.Generator, n_draws: int, pinned: Mapping[str, float] | None = None,
                ) -> dict[str, FloatArray]:
    """log10 draws of every input for every year, jointly (Gaussian copula).

    Args:
        inputs: the inputs by name.
        correlations: stated correlations of their normal scores.
        years: outlook years.
        rng: the random stream.
        n_draws: draws.
        pinned: input name -> normal score to hold it at (sensitivity: -1.645 and +1.645 are
            its 5th and 95th percentiles); the other inputs are drawn as usual.

    Returns:
        name -> log10 values, ``(n, 1)`` or ``(n, n_years)``; growth already applied.
    """
    _check_draws(n_draws)
    names = list(inputs)
    z = _scores(names, correlations, rng, n_draws)
    for name, score in (pinned or {}).items():
        z[names.index(name)] = score
    y = np.asarray(years, dtype=float)
    raw = {n: _level(inputs[n], z[i], y) for i, n in enumerate(names)}
    return _grown(inputs, raw, y)


def _check_draws(n_draws: int) -> None:
    if not 1 <= n_draws <= MAX_DRAWS:
        raise InputError(f"draws: expected 1 to {MAX_DRAWS:,} Monte Carlo draws, got {n_draws}")


def _scores(names: Sequence[str], correlations: Sequence[Correlation], rng: np.random.Generator,
            n_draws: int) -> FloatArray:
    """Correlated standard-normal scores, ``(n_inputs, n_draws)``."""
    chol = np.linalg.cholesky(correlation_matrix(names, correlations))
    scores = rng.standard_normal((len(names), n_draws))
    with _one_blas_thread():
        return np.asarray(chol @ scores)


def _grown(inputs: Mapping[str, Input], raw: Mapping[str, FloatArray], y: FloatArray) -> dict[str, FloatArray]:
    """Each input's draws with its growth applied and its upper bound held (log10)."""
    out: dict[str, FloatArray] = {}
    for n, inp in inputs.items():
        value = raw[n]
        if inp.fan is None and inp.growth is not None and inp.at_year is not None:
            value = value + raw[inp.growth] * (y - inp.at_year)[None, :]
        if inp.upper is not None:
            value = np.minimum(value, math.log10(inp.upper))
        out[n] = value
    return out


def _check_binding(inputs: Mapping[str, Input], binding_set: Sequence[str]) -> tuple[str, ...]:
    missing = sorted({n for names in CONSTRAINT_INPUTS.values() for n in names} - set(inputs))
    if missing:
        raise InputError(f"inputs missing: {', '.join(missing)}")
    chosen = tuple(binding_set)
    if not chosen or any(c not in CONSTRAINTS for c in chosen):
        raise InputError(f"binding set: expected some of {', '.join(CONSTRAINTS)}, got {', '.join(chosen) or 'none'}")
    return chosen


def _constrained(v: Mapping[str, FloatArray], years: Sequence[int], chosen: tuple[str, ...], n_draws: int) -> Draws:
    """Every constraint from the inputs' draws, the minimum over ``chosen`` and which attains it."""
    shape = (n_draws, len(years))
    logs = {c: np.broadcast_to(_ARITHMETIC[c](v), shape) for c in CONSTRAINTS}
    best = np.array(logs[chosen[0]], dtype=float)
    index = np.zeros(shape, dtype=np.intp)
    for k, c in enumerate(chosen[1:], start=1):
        lower = logs[c] < best  # ties keep the earlier constraint
        np.copyto(best, logs[c], where=lower)
        index[lower] = k
    return Draws(tuple(int(y) for y in years), logs, chosen, best, index)


def simulate(inputs: Mapping[str, Input], correlations: Sequence[Correlation], years: Sequence[int],
             binding_set: Sequence[str], *, rng: np.random.Generator, n_draws: int,
             pinned: Mapping[str, float] | None = None) -> Draws:
    """Every constraint for every draw and year, the minimum and which constraint attains it.

    Raises:
        InputError: an input the arithmetic needs is missing, or the binding set is empty or unknown.
    """
    chosen = _check_binding(inputs, binding_set)
    v = draw_inputs(inputs, correlations, years, rng=rng, n_draws=n_draws, pinned=pinned)
    return _constrained(v, years, chosen, n_draws)


def pinned_reruns(inputs: Mapping[str, Input], correlations: Sequence[Correlation], years: Sequence[int],
                  binding_set: Sequence[str], *, seed: int, n_draws: int,
                  ) -> Callable[[Mapping[str, float] | None], Draws]:
    """``run(pinned)``: :func:`simulate` on ``np.random.default_rng(seed)`` with ``pinned``, for many ``pinned``.

    Every rerun of a one-at-a-time sensitivity draws the same normal scores (common random
    numbers) and maps every input but the pinned ones through the same quantiles, so the scores
    and each input's draws are made once here and only the pinned inputs are redone per run. A
    run's draws are exactly :func:`simulate`'s with the same arguments (the same operations on
    the same numbers; ``tests/outlook/test_outlook_reruns.py`` compares them bitwise).

    Raises:
        InputError: as :func:`simulate`.
    """
    chosen = _check_binding(inputs, binding_set)
    _check_draws(n_draws)
    names = list(inputs)
    z = _scores(names, correlations, np.random.default_rng(seed), n_draws)
    y = np.asarray(years, dtype=float)
    raw = {n: _level(inputs[n], z[i], y) for i, n in enumerate(names)}

    def run(pinned: Mapping[str, float] | None) -> Draws:
        levels = dict(raw)
        for name, score in (pinned or {}).items():
            if name not in levels:
                raise ValueError(f"{name!r} is not an input")  # as simulate's names.index would
            levels[name] = _level(inputs[name], np.full(n_draws, score, dtype=float), y)
        return _constrained(_grown(inputs, levels, y), years, chosen, n_draws)

    return run
