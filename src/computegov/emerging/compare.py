"""Claims beside the trend: each register entry against the catalogue's record and its calibrated forecast.

For an entry with an energy-efficiency figure (OP/J) or a throughput (OP/s) at a stated precision:

1. **Same precision, no conversion:** the best catalogue chip (chip set ``ml``) released before the
   claim's date, in peak OP/s per W of TDP (or peak OP/s per chip) at the claim's precision.
2. **Against the trend:** the claim converted to 16-bit tensor FLOP (the catalogue's training
   precision, metric ``flop_per_j`` or ``training_flop_per_s``) with one named conversion: the
   median, over catalogue chips quoting both, of their peak at the claim's precision divided by
   their BF16/FP16 tensor peak (e.g. INT8 = 2x BF16 on most accelerators). Then "years ahead of the
   trend": when the record (history, then the calibrated record forecast of
   :func:`computegov.trends.record_forecast`, median and 90 % band) reaches the converted value,
   minus the claim's date.

A claim with no stated precision, or only a ratio to a GPU, is marked not comparable, with the
reason. Token rates become model FLOP with the forward-pass rule FLOP/token = 2 x parameters
(Kaplan et al. 2020, arXiv:2001.08361, sec. 2.1). The caveats that make a ratio mislead (precision,
sparsity, chip vs system, inference vs training, delivered vs peak) are fields, not prose.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from computegov.emerging.register import Claim

if TYPE_CHECKING:
    from computegov.catalog import Chip
    from computegov.trends import RecordForecast

__all__ = [
    "FLOP_PER_TOKEN_PER_PARAMETER",
    "Comparison",
    "Normalisation",
    "RecordHistory",
    "claim_quantity",
    "compare_claim",
    "compare_claims",
    "median_ratio",
    "precision_normalisation",
    "record_history",
    "trend_forecasts",
    "years_to_reach",
]

#: Forward-pass FLOP per generated token per parameter: C_forward ~ 2N (Kaplan et al. 2020,
#: "Scaling Laws for Neural Language Models", arXiv:2001.08361, sec. 2.1).
FLOP_PER_TOKEN_PER_PARAMETER = 2.0
#: The catalogue's 16-bit tensor precision, the one its trend metrics use for training chips.
TREND_PRECISION = "bf16"
#: Trend metric per quantity.
TREND_METRICS = {"energy_efficiency": "flop_per_j", "throughput": "training_flop_per_s"}


@dataclasses.dataclass(frozen=True)
class Normalisation:
    """A conversion from OP at one precision to 16-bit tensor FLOP.

    Attributes:
        precision_key: the claim's precision.
        ops_per_bf16_flop: median (over catalogue chips quoting both) of peak at the precision / BF16 peak.
        n_chips: chips behind the median.
        source: how it was computed.
    """

    precision_key: str
    ops_per_bf16_flop: float
    n_chips: int
    source: str


def precision_normalisation(chips: Iterable[Chip], precision_key: str) -> Normalisation | None:
    """The catalogue's own INT8 (etc.) to BF16 ratio, or None when no chip quotes both."""
    if precision_key == TREND_PRECISION:
        return Normalisation(precision_key, 1.0, 0, "same precision: no conversion")
    ratios = [chip.peak(precision_key) / chip.peak(TREND_PRECISION)  # type: ignore[operator]
              for chip in chips if chip.peak(precision_key) and chip.peak(TREND_PRECISION)]
    if not ratios:
        return None
    ratio = statistics.median(ratios)
    return Normalisation(precision_key, ratio, len(ratios),
                         f"median over {len(ratios)} catalogue chips of peak {precision_key.upper()} / peak "
                         f"BF16-FP16 tensor = {ratio:.3g}")


@dataclasses.dataclass(frozen=True)
class RecordHistory:
    """The record of a per-chip quantity over time: ``values[i]`` is the best up to ``years[i]``."""

    years: tuple[float, ...]
    values: tuple[float, ...]
    chips: tuple[str, ...]

    def at(self, year: float) -> tuple[float, str] | None:
        """The record (value, chip) among chips released before ``year``, or None."""
        best = None
        for y, v, name in zip(self.years, self.values, self.chips, strict=True):
            if y < year:
                best = (v, name)
        return best

    def first_reaching(self, value: float) -> float | None:
        """The release year at which the record first reached ``value``, or None."""
        return next((y for y, v in zip(self.years, self.values, strict=True) if v >= value), None)


def record_history(chips: Iterable[Chip], value_of: Any) -> RecordHistory:
    """The running record of ``value_of(chip)`` over chip set ``ml`` by release date."""
    from computegov.trends import select_chips

    rows = sorted((c.release_year, v, c.name) for c in select_chips(chips, "ml")
                  if c.release_year is not None and (v := value_of(c)) is not None and v > 0)
    years: list[float] = []
    values: list[float] = []
    names: list[str] = []
    for year, value, name in rows:
        if not values or value > values[-1]:
            years.append(year)
            values.append(value)
            names.append(name)
    return RecordHistory(tuple(years), tuple(values), tuple(names))


def years_to_reach(forecast: RecordForecast, value: float, level: float) -> float | None:
    """Decimal year the forecast's ``level`` quantile first reaches ``value`` (log-linear between years).

    The forecast starts from its origin (1 January) at the current record, its first year's lowest
    quantile. Returns None when the quantile stays below ``value`` to the last forecast year.
    """
    column = list(forecast.quantile_levels).index(level)
    xs = [float(forecast.origin), *(float(y) for y in forecast.years)]
    start = float(forecast.quantiles[0, 0])
    ys = [start, *(float(q) for q in forecast.quantiles[:, column])]
    target = math.log10(value)
    for (x0, y0), (x1, y1) in zip(zip(xs, ys, strict=True), zip(xs[1:], ys[1:], strict=True), strict=False):
        l0, l1 = math.log10(y0), math.log10(y1)
        if l1 >= target:
            if l0 >= target:
                return x0
            return x0 + (x1 - x0) * (target - l0) / (l1 - l0)
    return None


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One entry set beside the catalogue and the trend.

    Attributes:
        claim_id: the entry.
        paradigm: its paradigm.
        evidence: its evidence kind.
        quantity: ``energy_efficiency`` (OP/J) or ``throughput`` (OP/s); None when nothing comparable.
        comparable: whether a like-for-like number could be made.
        reason: why not, or how it was made.
        claim_value: the claim in its own unit (OP/J or OP/s at ``precision_key``).
        derivation: how ``claim_value`` follows from the quoted figures.
        precision_key: the precision the claim counts operations at (``model_flop``: model FLOP).
        same_precision_record: best catalogue value at the same precision before the claim's date.
        same_precision_chip: the chip holding it.
        ratio_same_precision: claim / that record.
        trend_metric: the catalogue trend metric (``flop_per_j`` or ``training_flop_per_s``).
        normalisation: the conversion to 16-bit FLOP.
        bf16_equivalent: the claim in 16-bit FLOP/J or FLOP/s.
        record_at_date: the trend metric's record before the claim's date.
        record_chip: the chip holding it.
        ratio_to_record: ``bf16_equivalent / record_at_date``.
        years_ahead: (year the record reaches ``bf16_equivalent``, median) - claim date; negative:
            behind the trend; None: not reached by the forecast's last year.
        years_ahead_low: the same with the forecast's 95 % quantile (the earliest plausible catch-up).
        years_ahead_high: the same with its 5 % quantile (the latest); None: not within the forecast.
        forecast_method: the record forecast's method and its hindcast coverage.
        caveats: field -> what makes the ratio mislead.
    """

    claim_id: str
    paradigm: str
    evidence: str
    quantity: str | None
    comparable: bool
    reason: str
    claim_value: float | None = None
    derivation: str = ""
    precision_key: str | None = None
    same_precision_record: float | None = None
    same_precision_chip: str | None = None
    ratio_same_precision: float | None = None
    trend_metric: str | None = None
    normalisation: str = ""
    bf16_equivalent: float | None = None
    record_at_date: float | None = None
    record_chip: str | None = None
    ratio_to_record: float | None = None
    years_ahead: float | None = None
    years_ahead_low: float | None = None
    years_ahead_high: float | None = None
    forecast_method: str = ""
    caveats: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def claim_quantity(claim: Claim) -> tuple[str, float, str, str | None] | None:
    """(quantity, value, derivation, precision_key) of the claim's most comparable figure, or None.

    Energy efficiency is preferred: the quoted OP/J, else OP/s over power, else (token rate x
    2 x parameters) over power in model FLOP/J; else the quoted OP/s as a throughput.
    """
    m = {x.name: x.value for x in claim.metrics}
    key = claim.precision_key
    if "op_per_j" in m and key:
        return "energy_efficiency", m["op_per_j"], "quoted OP/J", key
    if "op_per_s" in m and "power_w" in m and key:
        return ("energy_efficiency", m["op_per_s"] / m["power_w"],
                f"quoted {m['op_per_s']:.3g} OP/s / {m['power_w']:.3g} W", key)
    if {"tokens_per_s", "power_w", "model_parameters"} <= m.keys():
        flop_per_s = m["tokens_per_s"] * FLOP_PER_TOKEN_PER_PARAMETER * m["model_parameters"]
        return ("energy_efficiency", flop_per_s / m["power_w"],
                f"{m['tokens_per_s']:.5g} tokens/s x 2 x {m['model_parameters']:.3g} parameters "
                f"(Kaplan et al. 2020) / {m['power_w']:.4g} W", "model_flop")
    if "op_per_s" in m and key:
        return "throughput", m["op_per_s"], "quoted OP/s", key
    return None


def _not_comparable(claim: Claim) -> str:
    names = {m.name for m in claim.metrics}
    if not names:
        return "no quantitative figure in the source"
    if names & {"op_per_s", "op_per_j"}:
        return "no operand precision stated: OP cannot be set beside FLOP at a precision"
    if "tokens_per_s" in names:
        return "a token rate without both power and model size: no model FLOP/J"
    return f"no absolute OP/J or OP/s, only {', '.join(sorted(names))}"


def _caveats(claim: Claim, quantity: str, key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if key not in (TREND_PRECISION, "model_flop"):
        out["precision"] = f"{claim.precision} counted against 16-bit tensor FLOP through a catalogue ratio"
    if claim.precision_key == TREND_PRECISION and "ABFP" in claim.precision:
        out["precision"] = "analog block floating point mapped to 16-bit FLOP: lower effective precision"
    if claim.sparsity != "dense":
        out["sparsity"] = f"sparsity {claim.sparsity}: the catalogue counts dense peaks"
    if claim.paradigm == "wafer_scale" and quantity == "throughput":
        out["area"] = "a whole wafer counted as one chip: per-chip throughput grows with silicon area"
    if claim.level == "system":
        out["level"] = "system-level power (hosts, optics, cooling) against chip TDP: favours the catalogue"
    if claim.phase != "training" and quantity == "energy_efficiency":
        out["phase"] = f"{claim.phase} workload against training-precision chips"
    if key == "model_flop" or any(m.basis == "measured" and m.name in ("op_per_j", "tokens_per_s")
                                   for m in claim.metrics):
        out["rate"] = "a delivered (measured) rate against catalogue peak rates: favours the catalogue"
    if claim.evidence != "peer_reviewed_measurement":
        out["evidence"] = f"{claim.evidence.replace('_', ' ')}: not an independent measurement"
    return out


def _years_ahead(claim: Claim, value: float, history: RecordHistory,
                 forecast: RecordForecast | None) -> tuple[float | None, float | None, float | None]:
    year = claim.decimal_year
    reached = history.first_reaching(value)
    if reached is not None:
        ahead = reached - year
        return ahead, ahead, ahead
    if forecast is None:
        return None, None, None
    found = [years_to_reach(forecast, value, level) for level in (0.5, 0.95, 0.05)]
    mid, low, high = (None if f is None else f - year for f in found)
    return mid, low, high


def compare_claim(claim: Claim, chips: Sequence[Chip],
                  forecasts: dict[str, RecordForecast | None] | None = None) -> Comparison:
    """Set one entry beside the catalogue and (when given) the trend's record forecasts.

    Args:
        claim: a register entry.
        chips: the catalogue (any sequence of chips).
        forecasts: ``flop_per_j`` / ``training_flop_per_s`` -> their record forecast (None: history only).
    """
    head = Comparison(claim_id=claim.id, paradigm=claim.paradigm, evidence=claim.evidence, quantity=None,
                      comparable=False, reason="")
    found = claim_quantity(claim)
    if found is None:
        return dataclasses.replace(head, reason=_not_comparable(claim))
    quantity, value, derivation, key = found
    assert key is not None
    per_watt = quantity == "energy_efficiency"

    def at_precision(precision: str) -> Any:
        def value_of(chip: Chip) -> float | None:
            peak = chip.peak(precision)
            if peak is None:
                return None
            return (peak / chip.tdp_w if chip.tdp_w else None) if per_watt else peak
        return value_of

    trend_key = TREND_PRECISION if key == "model_flop" else key
    same = record_history(chips, at_precision(trend_key)).at(claim.decimal_year)
    norm = (Normalisation("model_flop", 1.0, 0, "model FLOP counted as 16-bit FLOP (no conversion)")
            if key == "model_flop" else precision_normalisation(chips, key))
    head = dataclasses.replace(
        head, quantity=quantity, claim_value=value, derivation=derivation, precision_key=key,
        same_precision_record=same[0] if same else None, same_precision_chip=same[1] if same else None,
        ratio_same_precision=value / same[0] if same else None, trend_metric=TREND_METRICS[quantity],
        caveats=_caveats(claim, quantity, key))
    if norm is None:
        return dataclasses.replace(
            head, reason=f"no catalogue chip quotes both {key.upper()} and BF16 peaks: no conversion")
    bf16 = value / norm.ops_per_bf16_flop
    history = record_history(chips, at_precision(TREND_PRECISION))
    record = history.at(claim.decimal_year)
    forecast = (forecasts or {}).get(TREND_METRICS[quantity])
    ahead, low, high = _years_ahead(claim, bf16, history, forecast)
    method = f"{forecast.method}: {forecast.coverage_note}" if forecast is not None else "history only"
    return dataclasses.replace(
        head, comparable=True, reason=f"{derivation}; {norm.source}", normalisation=norm.source,
        bf16_equivalent=bf16, record_at_date=record[0] if record else None,
        record_chip=record[1] if record else None, ratio_to_record=bf16 / record[0] if record else None,
        years_ahead=ahead, years_ahead_low=low, years_ahead_high=high, forecast_method=method)


def trend_forecasts(chips: Sequence[Chip], *, to_year: int = 2075, seed: int = 0,
                    n_samples: int = 1000, n_boot: int = 300) -> dict[str, RecordForecast | None]:
    """The calibrated record forecasts (best method) of the two trend metrics, to ``to_year``."""
    from computegov.trends import metric_points, record_forecast

    out: dict[str, RecordForecast | None] = {}
    for metric in TREND_METRICS.values():
        origin = math.floor(float(metric_points(chips, metric, "ml").years.max())) + 1
        out[metric] = record_forecast(chips, metric, "ml", years=list(range(origin + 1, to_year + 1)),
                                      seed=seed, n_samples=n_samples, n_boot=n_boot)
    return out


def compare_claims(claims: Iterable[Claim], chips: Sequence[Chip], *, forecasts: Any = "auto",
                   seed: int = 0) -> list[Comparison]:
    """Every claim against the catalogue; ``forecasts="auto"`` runs the calibrated record forecasts."""
    pool = list(chips)
    table = trend_forecasts(pool, seed=seed) if forecasts == "auto" else forecasts
    return [compare_claim(c, pool, table) for c in claims]


def median_ratio(comparisons: Iterable[Comparison]) -> float | None:
    """Geometric median-ish summary: the median of comparable ratios to the record (None if none)."""
    ratios = [c.ratio_to_record for c in comparisons if c.comparable and c.ratio_to_record]
    return float(np.median(ratios)) if ratios else None
