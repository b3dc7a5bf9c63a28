"""Dies per wafer and die yield: the textbook formulas, vectorised, with their domains checked.

Gross dies per wafer (Hennessy & Patterson, *Computer Architecture: A Quantitative Approach*,
5th ed., 2011, section 1.6 "Cost of an Integrated Circuit"; worked example: a 300 mm wafer holds
270 dies of 1.5 x 1.5 cm and 640 of 1.0 x 1.0 cm)::

    dies = pi * (d / 2)**2 / A  -  pi * d / sqrt(2 * A)

with ``d`` the usable diameter (wafer diameter minus twice the edge exclusion) and ``A`` the die
area including its share of the scribe lines. The second term approximates the partial dies lost
around the edge.

Yield models, with ``AD`` = die area x defect density (mean fatal defects per die):

* Poisson (random, unclustered defects): ``Y = exp(-AD)``;
* Murphy (1964), "Cost-size optima of monolithic integrated circuits", Proc. IEEE 52(12):1537,
  doi:10.1109/PROC.1964.3442: ``Y = ((1 - exp(-AD)) / AD)**2``;
* negative binomial (Stapper's clustered-defect model; Stapper, "On yield, fault distributions and
  clustering of particles", IBM J. Res. Dev. 30(3):326, 1986, doi:10.1147/rd.303.0326):
  ``Y = (1 + AD / alpha)**(-alpha)``; alpha -> infinity gives Poisson, alpha = 1 is Seeds' model.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError

__all__ = [
    "RETICLE_LIMIT_MM2",
    "YIELD_MODELS",
    "YieldModel",
    "die_yield",
    "gross_dies_per_wafer",
]

#: Largest die one exposure prints: the 26 mm x 33 mm full field of 0.33-NA EUV and 193i scanners
#: (ASML TWINSCAN NXT/NXE product specifications, "field size 26 x 33 mm",
#: https://www.asml.com/en/products, accessed 2026-12-04; not re-checked in this session) = 858 mm^2.
RETICLE_LIMIT_MM2 = 26.0 * 33.0
MM2_PER_CM2 = 100.0  # exact

YieldModel = Literal["poisson", "murphy", "negative-binomial"]
YIELD_MODELS: tuple[str, ...] = ("poisson", "murphy", "negative-binomial")

ArrayLike = float | npt.NDArray[np.float64]


def _check_positive(name: str, value: npt.ArrayLike, *, allow_zero: bool = False) -> None:
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if np.any(bad):
        first = float(arr[bad].flat[0]) if arr.ndim else float(arr)
        kind = "a non-negative" if allow_zero else "a positive"
        raise InputError(f"{name}: expected {kind} number, got {first:g}")


def gross_dies_per_wafer(
    die_area_mm2: ArrayLike,
    wafer_diameter_mm: ArrayLike = 300.0,
    edge_exclusion_mm: ArrayLike = 0.0,
    *,
    reticle_limit_mm2: float | None = RETICLE_LIMIT_MM2,
) -> ArrayLike:
    """Gross (candidate) dies per wafer, Hennessy & Patterson's approximation.

    Args:
        die_area_mm2: die area including scribe lines, mm^2.
        wafer_diameter_mm: wafer diameter, mm.
        edge_exclusion_mm: unusable ring at the wafer edge, mm.
        reticle_limit_mm2: largest printable die, mm^2 (None: no limit, e.g. for stitched
            interposers).

    Returns:
        Dies per wafer (a float; not rounded, so that Monte Carlo averages are unbiased).

    Raises:
        InputError: non-positive area or diameter, negative edge exclusion, an edge exclusion
            that leaves no wafer, a die larger than the reticle, or a die too large for the wafer.
    """
    _check_positive("die_area_mm2", die_area_mm2)
    _check_positive("wafer_diameter_mm", wafer_diameter_mm)
    _check_positive("edge_exclusion_mm", edge_exclusion_mm, allow_zero=True)
    area = np.asarray(die_area_mm2, dtype=float)
    usable = np.asarray(wafer_diameter_mm, dtype=float) - 2.0 * np.asarray(edge_exclusion_mm, dtype=float)
    if np.any(usable <= 0):
        raise InputError("edge_exclusion_mm: the edge exclusion leaves no usable wafer (it must be under the radius)")
    if reticle_limit_mm2 is not None and np.any(area > reticle_limit_mm2):
        worst = float(np.max(area))
        raise InputError(
            f"die_area_mm2: {worst:g} mm^2 is larger than the reticle limit of {reticle_limit_mm2:g} mm^2 "
            "(26 x 33 mm): split the design into dies (dies per package) or set a larger reticle limit"
        )
    dies = math.pi * (usable / 2.0) ** 2 / area - math.pi * usable / np.sqrt(2.0 * area)
    if np.any(dies < 1):
        raise InputError(
            f"die_area_mm2: a {float(np.max(area)):g} mm^2 die does not fit on a wafer with "
            f"{float(np.min(usable)):g} mm usable diameter"
        )
    return float(dies) if np.ndim(dies) == 0 else dies


def die_yield(
    die_area_mm2: ArrayLike,
    defect_density_per_cm2: ArrayLike,
    model: str = "murphy",
    *,
    alpha: ArrayLike = 3.0,
) -> ArrayLike:
    """Fraction of dies free of fatal defects.

    Args:
        die_area_mm2: die area (its critical area), mm^2.
        defect_density_per_cm2: fatal defect density D0, defects per cm^2.
        model: ``poisson``, ``murphy`` or ``negative-binomial``.
        alpha: clustering parameter of the negative-binomial model (> 0; small = strongly
            clustered; ignored by the other models).

    Raises:
        InputError: unknown model, non-positive area, negative defect density, alpha <= 0.
    """
    if model not in YIELD_MODELS:
        raise InputError(f"yield_model: unknown model {model!r}; choose one of {', '.join(YIELD_MODELS)}")
    _check_positive("die_area_mm2", die_area_mm2)
    _check_positive("defect_density_per_cm2", defect_density_per_cm2, allow_zero=True)
    ad = np.asarray(die_area_mm2, dtype=float) / MM2_PER_CM2 * np.asarray(defect_density_per_cm2, dtype=float)
    if model == "poisson":
        y = np.exp(-ad)
    elif model == "murphy":
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(ad > 0, ((1.0 - np.exp(-ad)) / np.where(ad > 0, ad, 1.0)) ** 2, 1.0)
    else:
        _check_positive("alpha", alpha)
        a = np.asarray(alpha, dtype=float)
        y = (1.0 + ad / a) ** (-a)
    return float(y) if np.ndim(y) == 0 else y
