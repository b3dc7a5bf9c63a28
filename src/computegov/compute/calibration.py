"""Calibration of the estimation methods' 90 % intervals against Epoch AI's training compute.

For every model in the bundled notable-models table (Epoch AI, Notable AI Models, snapshot
2025-02-24, CC-BY 4.0, https://epoch.ai/data) that has the inputs a method needs, the method is
run on those inputs and the residual ``log10(Epoch's figure / our central estimate)`` is kept.
An interval ``[central·10^lo, central·10^hi]`` holds Epoch's figure exactly when
``lo <= residual <= hi``, so calibrating a method is choosing (lo, hi) from its residuals.

Fitting (:func:`empirical_interval`): the 5th and 95th percentiles of the residuals, linearly
interpolated (Hyndman & Fan 1996, "Sample Quantiles in Statistical Packages", The American
Statistician 50(4):361-365, type 7; numpy's default), widened if needed to hold 0. The
split-conformal order statistics (Lei et al. 2018, JASA 113(523):1094-1111,
doi:10.1080/01621459.2017.1307116) were tried first: their finite-sample guarantee picks the
extreme residuals below n = 39 per tail and held 100 % of the hardware method's 32 given-utilisation
models, over-wide; the plain quantiles hold 84-94 % out of sample (numbers in the benchmark).

Checking (:func:`calibrate`): coverage in sample (fit and check on all), leave-one-out (fit on
all but one, check that one), and by publication date (fit on the models published before a
split date, check on those published on or after it: the honest test for a tool used on new models).

Populations (what "the inputs a method needs" means here):

- ``architecture``: parameters, dataset size and Epoch's compute known; a text-only language
  model (domain names Language and no image, speech or video modality: only then is Epoch's
  "datapoints" a count of words or tokens, the D of 6·N·D); not fine-tuned from a base model
  (Epoch's total then includes the base model, which the inputs do not describe). Split by
  whether Epoch recorded the epochs (the case ``epochs_stated``) or not (``epochs_unstated``,
  one pass assumed), since the user of :class:`~computegov.compute.run.TrainingRun` says the same.
- ``hardware``: one chip type that the catalogue resolves, chip count, training time and Epoch's
  compute known; not fine-tuned from a base model. Case ``default_utilisation`` runs every such
  model with the default utilisation; case ``given_utilisation`` runs the models for which Epoch
  recorded a utilisation with that utilisation.
- ``measured``: the table holds no meter measurements, so it cannot be calibrated here (n = 0,
  stated in the benchmark); its ±5 % stays an assumption.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from computegov.compute.estimate import architecture_estimate
from computegov.compute.hardware import hardware_estimate
from computegov.compute.intervals import INTERVAL_WIDTHS, IntervalWidth
from computegov.compute.run import TrainingRun, Utilisation
from computegov.errors import ComputegovError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from computegov.catalog.catalog import Catalog

__all__ = [
    "CalibrationSample",
    "MethodCoverage",
    "calibrate",
    "calibration_samples",
    "coverage",
    "empirical_interval",
    "fitted_widths",
]

#: Models published before this date are the "earlier" half of the out-of-sample check.
DEFAULT_SPLIT_DATE = dt.date(2021, 1, 1)
#: Domain words that mean Epoch's datapoints are not (only) text tokens.
_NON_TEXT = ("Vision", "Multimodal", "Speech", "Audio", "Video", "Image")


@dataclasses.dataclass(frozen=True)
class CalibrationSample:
    """One model run through one method, beside Epoch's figure.

    Attributes:
        model: the model's name in the table.
        publication_date: when it was published.
        method: ``architecture`` or ``hardware``.
        case: the interval case (a key of :data:`~computegov.compute.intervals.INTERVAL_WIDTHS`).
        estimate_flop: our central estimate, FLOP.
        reference_flop: Epoch AI's training compute, FLOP.
    """

    model: str
    publication_date: dt.date
    method: str
    case: str
    estimate_flop: float
    reference_flop: float

    @property
    def log10_ratio(self) -> float:
        """log10(Epoch / ours): the residual an interval must hold."""
        return math.log10(self.reference_flop / self.estimate_flop)


@dataclasses.dataclass(frozen=True)
class MethodCoverage:
    """How well one method's 90 % interval holds Epoch's figures.

    Attributes:
        method: estimation method.
        case: interval case.
        n: models in the population.
        log10_low: the deployed interval's lower end, log10 of the factor (from the code's constants).
        log10_high: the deployed interval's upper end.
        coverage_deployed: share of Epoch's figures inside the deployed interval (the constants in
            :mod:`computegov.compute.intervals`).
        coverage_in_sample: share inside an interval fitted on the same models.
        coverage_leave_one_out: share inside intervals each fitted without the model checked.
        split_date: the date split (fit before, check on or after).
        n_before: models published before the split date.
        n_after: models published on or after it.
        coverage_after_split: share of the later models inside the interval fitted on the earlier.
        median_abs_error_oom: median |log10(ours / Epoch)| of the central estimate.
        median_log10_ratio: median log10(Epoch / ours), the central estimate's bias.
    """

    method: str
    case: str
    n: int
    log10_low: float
    log10_high: float
    coverage_deployed: float
    coverage_in_sample: float
    coverage_leave_one_out: float
    split_date: dt.date
    n_before: int
    n_after: int
    coverage_after_split: float
    median_abs_error_oom: float
    median_log10_ratio: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["split_date"] = self.split_date.isoformat()
        out["interval"] = "90%"
        return out


def empirical_interval(residuals: Sequence[float], level: float = 0.9) -> tuple[float, float]:
    """(lo, hi) in log10: the central ``level`` quantiles of the residuals, widened to hold 0.

    Quantiles are type 7 of Hyndman & Fan (1996) (module doc). The interval always holds 0 so
    that the central estimate lies inside it.

    Raises:
        InputError: fewer than 2 residuals, a non-finite one, or a level outside (0, 1).
    """
    import numpy as np

    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1), got {level!r}")
    values = np.asarray([float(r) for r in residuals])
    if values.size < 2 or not np.all(np.isfinite(values)):
        raise InputError("empirical_interval needs at least 2 finite residuals")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(values, [alpha, 1.0 - alpha])
    return min(float(lo), 0.0), max(float(hi), 0.0)


def _inside(residuals: Iterable[float], lo: float, hi: float) -> float:
    values = list(residuals)
    return sum(lo <= r <= hi for r in values) / len(values) if values else math.nan


def coverage(samples: Iterable[CalibrationSample], widths: Mapping[tuple[str, str], IntervalWidth] | None = None) -> float:
    """Share of Epoch's figures inside the deployed intervals (NaN for no samples)."""
    table = INTERVAL_WIDTHS if widths is None else widths
    flags = []
    for s in samples:
        w = table[(s.method, s.case)]
        flags.append(w.log10_low <= s.log10_ratio <= w.log10_high)
    return sum(flags) / len(flags) if flags else math.nan


def _text_only(domain: str) -> bool:
    return "Language" in domain and not any(word in domain for word in _NON_TEXT)


def _date(value: Any) -> dt.date:
    if hasattr(value, "date"):
        return dt.date.fromisoformat(str(value.date()))
    return dt.date.fromisoformat(str(value)[:10])


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _number(row: Mapping[str, Any], key: str) -> float:
    """The row's number at ``key``; 0.0 when missing (NaN, None, empty)."""
    try:
        value = float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _architecture_samples(df: pd.DataFrame) -> list[CalibrationSample]:
    out = []
    for r in _records(df):
        params, data, epoch_flop = _number(r, "parameters"), _number(r, "dataset_size_datapoints"), _number(r, "training_compute_flop")
        if not (params > 0 and data > 0 and epoch_flop > 0):
            continue
        if not _text_only(_text(r, "domain")) or _text(r, "base_model"):
            continue
        epochs = _number(r, "epochs")
        active = _number(r, "active_parameters")
        run = TrainingRun(
            name=_text(r, "model"),
            params=params,
            active_params=active if 0 < active <= params else None,
            tokens=data,
            epochs=epochs if epochs > 0 else None,
        )
        est = architecture_estimate(run)
        out.append(CalibrationSample(
            _text(r, "model"), _date(r["publication_date"]), "architecture",
            "epochs_stated" if epochs > 0 else "epochs_unstated", est.flop, epoch_flop,
        ))
    return out


def _hardware_samples(df: pd.DataFrame, catalog: Catalog) -> list[CalibrationSample]:
    out = []
    for r in _records(df):
        hw = _text(r, "training_hardware")
        if not hw or "," in hw or _text(r, "base_model"):
            continue
        count, hours, epoch_flop = _number(r, "hardware_quantity"), _number(r, "training_time_hours"), _number(r, "training_compute_flop")
        if not (count > 0 and hours > 0 and epoch_flop > 0):
            continue
        try:
            chip = catalog.get(hw)
        except ComputegovError:
            continue
        cases: list[tuple[str, Utilisation | None]] = [("default_utilisation", None)]
        recorded = _number(r, "hardware_utilization")
        if recorded > 0:
            cases.append(("given_utilisation", Utilisation.of(recorded)))
        for case, util in cases:
            try:
                run = TrainingRun.from_hours(hours, name=_text(r, "model"), chip=chip, chip_count=count, utilisation=util)
                est = hardware_estimate(run)
            except ComputegovError:
                continue  # the chip lacks a training peak: the method has no input
            out.append(CalibrationSample(_text(r, "model"), _date(r["publication_date"]), "hardware", case, est.flop, epoch_flop))
    return out


def calibration_samples(
    models: pd.DataFrame | None = None, catalog: Catalog | None = None
) -> tuple[CalibrationSample, ...]:
    """Every (model, method, case) of the populations in the module docstring.

    Args:
        models: the notable-models table (the bundled one by default; see
            :func:`computegov.compute.trend.load_notable_models`).
        catalog: chips to resolve hardware names (the bundled catalogue by default).
    """
    from computegov.compute.trend import load_notable_models

    df = load_notable_models() if models is None else models
    if catalog is None:
        from computegov.catalog import load_catalog

        catalog = load_catalog()
    return tuple(_architecture_samples(df) + _hardware_samples(df, catalog))


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


def _flags(
    group: Sequence[CalibrationSample], level: float, split_date: dt.date, deployed: IntervalWidth
) -> dict[str, list[bool | None]]:
    """Per sample: inside the deployed, in-sample, leave-one-out and date-split intervals."""
    res = [s.log10_ratio for s in group]
    if len(res) < 4:
        raise InputError(f"{group[0].method}/{group[0].case}: {len(res)} samples, need at least 4 to calibrate")
    lo, hi = empirical_interval(res, level)
    before = [s.log10_ratio for s in group if s.publication_date < split_date]
    if len(before) < 2:
        raise InputError(f"{group[0].method}/{group[0].case}: fewer than 2 models before {split_date}")
    lo_b, hi_b = empirical_interval(before, level)
    loo: list[bool | None] = []
    for i, r in enumerate(res):
        lo_i, hi_i = empirical_interval(res[:i] + res[i + 1 :], level)
        loo.append(lo_i <= r <= hi_i)
    return {
        "deployed": [deployed.log10_low <= r <= deployed.log10_high for r in res],
        "in_sample": [lo <= r <= hi for r in res],
        "leave_one_out": loo,
        "after_split": [
            (lo_b <= s.log10_ratio <= hi_b) if s.publication_date >= split_date else None for s in group
        ],
    }


def _share(flags: Iterable[bool | None]) -> float:
    kept = [f for f in flags if f is not None]
    return sum(kept) / len(kept) if kept else math.nan


def _coverage_row(
    method: str, case: str, group: Sequence[CalibrationSample], flags: Mapping[str, Sequence[bool | None]],
    split_date: dt.date, lo: float, hi: float,
) -> MethodCoverage:
    res = [s.log10_ratio for s in group]
    return MethodCoverage(
        method=method,
        case=case,
        n=len(res),
        log10_low=lo,
        log10_high=hi,
        coverage_deployed=_share(flags["deployed"]),
        coverage_in_sample=_share(flags["in_sample"]),
        coverage_leave_one_out=_share(flags["leave_one_out"]),
        split_date=split_date,
        n_before=sum(s.publication_date < split_date for s in group),
        n_after=sum(s.publication_date >= split_date for s in group),
        coverage_after_split=_share(flags["after_split"]),
        median_abs_error_oom=_median([abs(r) for r in res]),
        median_log10_ratio=_median(res),
    )


def calibrate(
    samples: Iterable[CalibrationSample],
    *,
    level: float = 0.9,
    split_date: dt.date = DEFAULT_SPLIT_DATE,
    widths: Mapping[tuple[str, str], IntervalWidth] | None = None,
) -> tuple[MethodCoverage, ...]:
    """Coverage of each (method, case), then of each method with every model counted once.

    Per (method, case): the deployed constants, an interval fitted in sample, leave-one-out, and
    fitted before ``split_date`` / checked on or after it. Per method (case ``all``): each model
    once, in the case that uses every input it has (for the hardware method, the recorded
    utilisation where there is one); its log10 bounds are NaN (they differ by case).

    Raises:
        InputError: a (method, case) with fewer than 4 samples, or fewer than 2 before the split.
    """
    table = INTERVAL_WIDTHS if widths is None else widths
    groups: dict[tuple[str, str], list[CalibrationSample]] = {}
    for s in samples:
        groups.setdefault((s.method, s.case), []).append(s)
    out = []
    per_model: dict[str, dict[str, tuple[CalibrationSample, dict[str, bool | None]]]] = {}
    for (method, case), group in sorted(groups.items()):
        deployed = table[(method, case)]
        flags = _flags(group, level, split_date, deployed)
        out.append(_coverage_row(method, case, group, flags, split_date, deployed.log10_low, deployed.log10_high))
        for i, sample in enumerate(group):
            mine = per_model.setdefault(method, {})
            if case == "default_utilisation" and sample.model in mine:
                continue  # the model's given-utilisation case counts for it
            mine[sample.model] = (sample, {k: v[i] for k, v in flags.items()})
    for method, models in sorted(per_model.items()):
        chosen = list(models.values())
        pooled = {k: [f[k] for _, f in chosen] for k in ("deployed", "in_sample", "leave_one_out", "after_split")}
        out.append(_coverage_row(method, "all", [s for s, _ in chosen], pooled, split_date, math.nan, math.nan))
    return tuple(out)


def fitted_widths(samples: Iterable[CalibrationSample], level: float = 0.9) -> dict[tuple[str, str], tuple[float, float]]:
    """(lo, hi) fitted on all samples per (method, case): how the constants in intervals.py were made."""
    groups: dict[tuple[str, str], list[float]] = {}
    for s in samples:
        groups.setdefault((s.method, s.case), []).append(s.log10_ratio)
    return {key: empirical_interval(res, level) for key, res in sorted(groups.items())}
