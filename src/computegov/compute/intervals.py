"""The calibrated 90 % intervals of the estimation methods, as factors around the central estimate.

Each width is (lo, hi) in log10: the interval is ``[central·10^lo, central·10^hi]``. The numbers
were fitted by :func:`computegov.compute.calibration.fitted_widths` (the 5th and 95th percentiles,
Hyndman & Fan 1996 type 7, of log10(Epoch / ours), rounded outward to 3 decimals) on the bundled
notable-models table (Epoch AI, Notable AI Models, snapshot 2025-02-24, CC-BY 4.0,
https://epoch.ai/data), populations as in :mod:`computegov.compute.calibration`'s docstring;
fitted 2026-12-04 and checked out of sample there (leave-one-out, and fit before 2021-01-01 /
check on later models: 84-94 % held; numbers in benchmarks/estimator_vs_epoch.py). Fitted on all
the models, so the in-sample coverage is about 90 % by construction and the out-of-sample figures
are the honest ones. The architecture widths are wide because Epoch's recorded dataset size is
often not the number of tokens trained on (unknown epochs, data counted differently): a user who
knows the tokens processed has a smaller error than these widths allow. A test re-fits them from the
data and fails if the data or the estimators drift away from these constants.

Since issue 28 the estimators use only ``architecture / epochs_unstated`` from here (tokens given
without epochs); the other intervals come from :mod:`computegov.compute.routes`, calibrated on
published runs whose inputs are known. The constants stay as the check against Epoch's table.
"""

from __future__ import annotations

import dataclasses

__all__ = ["INTERVAL_WIDTHS", "IntervalWidth", "interval_width"]


@dataclasses.dataclass(frozen=True)
class IntervalWidth:
    """A method's calibrated 90 % interval around its central estimate.

    Attributes:
        method: estimation method.
        case: what the user supplied (see INTERVAL_WIDTHS).
        log10_low: 5th percentile of log10(true / central), <= 0.
        log10_high: 95th percentile, >= 0.
        n: models it was fitted on.
        note: the population, in words.
    """

    method: str
    case: str
    log10_low: float
    log10_high: float
    n: int
    note: str

    def describe(self) -> str:
        """One line for an estimate's assumptions."""
        return (
            f"90% interval x{10**self.log10_low:.3g}–x{10**self.log10_high:.3g} of the central value, "
            f"calibrated on {self.n} Epoch AI notable models ({self.note}; "
            "empirical 5-95% residual quantiles, see computegov.compute.intervals)"
        )


def _w(method: str, case: str, lo: float, hi: float, n: int, note: str) -> IntervalWidth:
    return IntervalWidth(method, case, lo, hi, n, note)


#: (method, case) -> calibrated width. Derivation in the module docstring; data 2025-02-24
#: snapshot, fitted 2026-12-04.
INTERVAL_WIDTHS: dict[tuple[str, str], IntervalWidth] = {
    (w.method, w.case): w
    for w in (
        _w("architecture", "epochs_stated", -0.759, 1.855, 47, "text language models, epochs recorded"),
        _w("architecture", "epochs_unstated", -2.284, 2.431, 57, "text language models, epochs not recorded, one pass assumed"),
        _w("hardware", "default_utilisation", -0.521, 0.177, 101, "one chip type, default utilisation 0.4"),
        _w("hardware", "given_utilisation", -0.226, 0.050, 32, "one chip type, Epoch's recorded utilisation"),
    )
}


def interval_width(method: str, case: str) -> IntervalWidth:
    """The calibrated width of ``method`` in ``case`` (KeyError if none)."""
    return INTERVAL_WIDTHS[(method, case)]
