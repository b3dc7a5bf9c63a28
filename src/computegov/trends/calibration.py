"""Out-of-sample calibration of any forecasting method from its own past hindcasts.

A split-conformal predictive system run in time order (Vovk, Nouretdinov, Manokhin & Gammerman
2020, "Conformal predictive distributions with kernels" / Vovk et al. 2018, "Cross-conformal
predictive distributions", PMLR 91; and for data that are not exchangeable, Barber, Candes,
Ramdas & Tibshirani 2023, "Conformal prediction beyond exchangeability", Annals of Statistics
51(2):816-845, doi:10.1214/23-AOS2276):

1. at every earlier origin ``s`` the method forecast the record ``h`` years ahead; once that
   target date has passed (``s + h <= t``, and within the data), its **nonconformity score** is
   the absolute scaled error ``|observed - median| / scale``, where ``scale`` is the method's own
   spread at that origin and horizon (``(q95 - q05) / 3.29``, the SD of a normal with that 90 %
   range; floored at :data:`SCALE_FLOOR_LOG10` x sqrt(h)) or, for a point forecast, ``sqrt(h)``
   (random-walk error growth);
2. the calibrated forecast made at ``t`` for horizon ``h`` is the distribution of
   ``median_t +/- scale_t * score`` over those scores (a symmetric split-conformal predictive
   distribution), mixed with the method's own forecast counted as :data:`PRIOR_SCORES`
   pseudo-scores, so the first few scores move it a little and many scores take over;
   for each horizon from that horizon's scores when it has at least :data:`PER_HORIZON_MIN`, else
   from the scores of all horizons 1..H pooled (the scaling by the method's spread makes them comparable); its
   quantiles take the conformal ranks (:func:`~computegov.trends.diagnostics.ensemble_quantiles`).

Bands that held too rarely get wider, bands that held too often narrower. Symmetric scores were
chosen over signed ones after trying both on the bundled catalogue: ML-hardware records switch
between runs of over- and under-forecasting, and a shift learnt from the last run made the next
worse (best calibrated method within 80-97 % coverage, signed: 3 of 8 metrics; symmetric with the prior: 6 of 8). Nothing
dated after ``t`` enters (tested by changing every later value). The libraries ``mapie`` and
``crepes`` calibrate once on a fixed exchangeable calibration set; here the set grows with the
origin and mixes horizons, which a few array lines do directly.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from computegov.trends.diagnostics import ensemble_quantiles

__all__ = [
    "MIN_SCORES",
    "PER_HORIZON_MIN",
    "POINT_MIN_SCORES",
    "PRIOR_SCORES",
    "SCALE_FLOOR_LOG10",
    "Calibrated",
    "calibrate_at",
    "ensemble_median_scale",
]

FloatArray = npt.NDArray[np.float64]

#: Fewest past scores before a calibrated forecast is made (the prior carries the first ones).
MIN_SCORES = 1

#: Fewest past scores for a point method (no own distribution to lean on): the band is then the
#: range of 8 scaled errors, covering 7/9 = 78 % in expectation. Assumption (ours).
POINT_MIN_SCORES = 8

#: Weight of the method's own forecast, in pseudo-scores. Assumption (ours), chosen on the bundled
#: catalogue's backtests (4 variants tried; see docs/trends-calibration.md): with 10, a method
#: is half its own and half its past errors after 10 scored hindcasts.
PRIOR_SCORES = 10

#: Scores per horizon needed to calibrate each horizon on its own (else horizons are pooled).
PER_HORIZON_MIN = 20

#: Smallest scale, log10 per sqrt(year): keeps a method whose ensemble collapsed to one value
#: (no new chip expected) from giving zero-width calibrated bands. Assumption (ours).
SCALE_FLOOR_LOG10 = 0.01

#: Width of a normal's central 90 % interval in SDs (2 x 1.6449).
_NORMAL_90_WIDTH = 3.289707


def ensemble_median_scale(ens: FloatArray, horizons: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Median and nonconformity scale of each forecast row.

    Args:
        ens: sorted ensembles ``(..., n_horizons, n_members)``; one member is a point forecast.
        horizons: years ahead of each row, ``(n_horizons,)``.

    Returns:
        ``(median, scale)``, each ``(..., n_horizons)``.
    """
    h = np.sqrt(np.asarray(horizons, dtype=float))
    q = ensemble_quantiles(ens, [0.05, 0.5, 0.95])
    if ens.shape[-1] == 1:
        return q[..., 1], np.broadcast_to(h, q.shape[:-1]).copy()
    scale = np.maximum((q[..., 2] - q[..., 0]) / _NORMAL_90_WIDTH, SCALE_FLOOR_LOG10 * h)
    return q[..., 1], scale


@dataclasses.dataclass(frozen=True)
class Calibrated:
    """A calibrated forecast made at one origin.

    Attributes:
        origin: the forecast origin (1 January of this year).
        ensemble: sorted, NaN-padded ensembles ``(..., n_horizons, n_scores)``.
        n_scores: past scores used (per horizon when ``per_horizon``, else pooled).
        per_horizon: each horizon calibrated on its own scores.
        first_origin: earliest origin among the hindcasts used.
    """

    origin: int
    ensemble: FloatArray
    n_scores: int
    per_horizon: bool
    first_origin: int


def calibrate_at(
    origin: int,
    *,
    past_origins: npt.ArrayLike,
    past_horizons: npt.ArrayLike,
    past_median: FloatArray,
    past_scale: FloatArray,
    past_observed: FloatArray,
    median: FloatArray,
    scale: FloatArray,
    horizons: npt.ArrayLike,
    observed_until: float,
    min_scores: int = MIN_SCORES,
    per_horizon_min: int = PER_HORIZON_MIN,
    own: FloatArray | None = None,
    prior_scores: int = PRIOR_SCORES,
    symmetric: bool = True,
    floor_log10: float | None = None,
) -> Calibrated | None:
    """The calibrated forecast at ``origin`` from the method's scored hindcasts before it.

    Args:
        origin: forecast origin (year).
        past_origins: hindcast origins ``(O,)``.
        past_horizons: hindcast horizons ``(H,)``, years.
        past_median: hindcast medians ``(..., O, H)`` (NaN where the method could not forecast).
        past_scale: their scales, same shape.
        past_observed: the outcomes, same shape (NaN where unknown).
        median: the method's median at ``origin`` for ``horizons``, ``(..., n_horizons)``.
        scale: its scale, same shape.
        horizons: horizons asked for, years.
        observed_until: last date the data cover (targets after it are unknown).
        min_scores: fewest scores to calibrate from.
        per_horizon_min: scores per horizon to calibrate horizons apart.
        own: the method's own sorted ensemble at ``origin``, ``(..., n_horizons, members)``.
        prior_scores: its weight in pseudo-scores (0: none; never for a point forecast).
        symmetric: scores are absolute errors, used with both signs (else signed errors).
        floor_log10: a value no outcome can be below (the current record), or None.

    Returns:
        None when fewer than ``min_scores`` scores are available.
    """
    so = np.asarray(past_origins, dtype=np.int64)
    sh = np.asarray(past_horizons, dtype=np.int64)
    target = so[:, None] + sh[None, :]
    eligible = (so[:, None] < origin) & (target <= origin) & (target <= observed_until)
    scores = (past_observed - past_median) / past_scale
    lead = tuple(range(scores.ndim - 2))
    eligible = eligible & np.isfinite(scores).all(axis=lead)
    n_total = int(eligible.sum())
    with_prior = own is not None and prior_scores > 0 and own.shape[-1] > 1
    if n_total < (min_scores if with_prior else max(min_scores, POINT_MIN_SCORES)):
        return None
    first_origin = int(so[eligible.any(axis=1)].min())
    want = np.asarray(horizons, dtype=np.int64)
    pooled = scores[..., eligible]  # (..., n_total), horizons mixed
    pools = []
    for h in want:
        j = int(np.searchsorted(sh, h))
        own_h = j < sh.size and sh[j] == h and int(eligible[:, j].sum()) >= per_horizon_min
        pools.append(scores[..., eligible[:, j], j] if own_h else pooled)
    per_horizon = all(p is not pooled for p in pools)
    width = max(p.shape[-1] for p in pools)
    pad = [(0, 0)] * (pooled.ndim - 1)
    r = np.stack(
        [np.pad(np.sort(p, axis=-1), [*pad, (0, width - p.shape[-1])], constant_values=np.nan)
         for p in pools],
        axis=-2,
    )
    n_used = min(p.shape[-1] for p in pools)
    if symmetric:  # NaN padding sorts to the end on both sides
        r = np.sort(np.concatenate([np.abs(r), -np.abs(r)], axis=-1), axis=-1)
    ensemble = median[..., None] + scale[..., None] * r
    if with_prior and own is not None:
        # The method's own forecast counts as ``prior_scores`` pseudo-scores (its quantiles at
        # stratified levels), so a few past scores adjust it a little and many take over.
        k = prior_scores * (2 if symmetric else 1)
        pseudo = ensemble_quantiles(own, (np.arange(k) + 0.5) / k)
        pseudo = np.broadcast_to(pseudo, (*ensemble.shape[:-1], k))
        ensemble = np.sort(np.concatenate([pseudo, ensemble], axis=-1), axis=-1)
    if floor_log10 is not None:
        ensemble = np.maximum(ensemble, floor_log10)  # the record cannot fall; keeps the order
    return Calibrated(
        origin=int(origin),
        ensemble=np.asarray(ensemble),
        n_scores=n_used,
        per_horizon=per_horizon,
        first_origin=first_origin,
    )
