"""`MeterSummary`: the totals of a metered run, computed from its interval records.

The meter and ``computegov measure summarize FILE`` use the same function,
:func:`summarize_records`, so a summary can always be recomputed from the records file.

FLOP definitions: :data:`computegov.measure.flop_definitions.FLOP_DEFINITIONS` (carried in each summary).
Terms. ``flop`` is the counted ("hardware") FLOP, recomputation included, under the stated
causal-attention convention. ``mfu`` is ``flop_per_s`` over the chip's dense peak at the
precision in use; PaLM (Chowdhery et al. 2022, appendix B) calls that ratio *HFU* and keeps
*MFU* for model FLOP, which is our ``mfu_6nd`` (6·N·D over the same peak, Kaplan et al. 2020,
arXiv:2001.08361, N = non-embedding parameters, D = tokens).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn, TypeGuard

from computegov.errors import DataError
from computegov.measure.flop_definitions import FLOP_DEFINITIONS, merge_counts

__all__ = [
    "MAX_RECORD_FLOP",
    "MeterSummary",
    "check_interval",
    "combine_ranks",
    "summarize_file",
    "summarize_records",
]


@dataclasses.dataclass(frozen=True)
class MeterSummary:
    """Totals of a metered run (one rank, or all ranks combined).

    Attributes:
        flop: counted FLOP under ``causal_attention_convention`` (a lower bound when
            ``flop_exact`` is False; None when no interval was recorded).
        flop_full_attention: counted FLOP, causal attention in full.
        flop_causal_halved: counted FLOP, causal attention matmuls halved.
        flop_flopcounter_compatible: what ``FlopCounterMode`` watching every step reports.
        model_flop_6nd: 6·N·D model FLOP, or None when the tokens are unknown.
        tokens: tokens processed (D), or None.
        seconds: time inside ``step()`` blocks, s (max over ranks when combined).
        wall_seconds: first step start to last interval end, s.
        flop_per_s: ``flop / seconds`` (all ranks' FLOP over the slowest rank's time).
        mfu: ``flop_per_s`` over the dense peak of all devices, or None (see the reason).
        mfu_6nd: ``model_flop_6nd / seconds`` over the same peak, or None.
        mfu_unavailable_reason: why ``mfu`` is None.
        peak_flop_per_s: dense peak of one device at ``precision``, FLOP/s, or None.
        precision: catalogue precision key used for the peak (``"bf16"``, ``"fp32"``...).
        chip: catalogue chip name, or None.
        device: torch device type of the model (``"cpu"``, ``"cuda"``).
        timing_method: ``"cuda_events"``, ``"perf_counter"`` (CPU), ``"perf_counter +
            synchronize"`` (other devices) or ``"perf_counter (unsynchronised)"``.
        energy_j: measured energy, J, or None.
        energy_unavailable_reason: why ``energy_j`` is None.
        energy_source: ``"nvml"``, ``"rapl"`` or ``"none"``.
        energy_estimate_j: TDP × wall time estimate, J, only when asked for (not a measurement).
        steps: steps measured (max over ranks when combined).
        counted_steps: steps counted with FlopCounterMode (the rest reused a cached count).
        flop_exact: True when every step's FLOP is known exactly.
        gaps: what was not measured, one line each.
        causal_attention_convention: ``"full"`` or ``"causal_halved"``.
        world_size: number of ranks combined.
        ranks: per-rank summaries as dicts (empty for a single process).
        time_start_unix_s: wall-clock start, s since the Unix epoch.
        time_end_unix_s: wall-clock end, s since the Unix epoch.
        flop_beyond_flopcounter_by_op: FLOP of the ops ``FlopCounterMode`` counts as zero, by op
            name (the whole of ``flop_full_attention - flop_flopcounter_compatible``).
        flop_definitions: what counts as a FLOP here (:data:`computegov.measure.flop_definitions.FLOP_DEFINITIONS`).
    """

    flop: int | None
    flop_full_attention: int | None
    flop_causal_halved: int | None
    flop_flopcounter_compatible: int | None
    model_flop_6nd: int | None
    tokens: int | None
    seconds: float
    wall_seconds: float
    flop_per_s: float | None
    mfu: float | None
    mfu_6nd: float | None
    mfu_unavailable_reason: str | None
    peak_flop_per_s: float | None
    precision: str | None
    chip: str | None
    device: str
    timing_method: str
    energy_j: float | None
    energy_unavailable_reason: str | None
    energy_source: str
    energy_estimate_j: float | None
    steps: int
    counted_steps: int
    flop_exact: bool
    gaps: tuple[str, ...]
    causal_attention_convention: str
    world_size: int = 1
    ranks: tuple[Mapping[str, Any], ...] = ()
    time_start_unix_s: float | None = None
    time_end_unix_s: float | None = None
    flop_beyond_flopcounter_by_op: Mapping[str, int] = dataclasses.field(default_factory=dict)
    flop_definitions: str = FLOP_DEFINITIONS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, SI units, unit in each key; ``energy_estimate_method`` labels the estimate."""
        out = dataclasses.asdict(self)
        out["gaps"] = list(self.gaps)
        out["ranks"] = [dict(r) for r in self.ranks]
        out["flop_beyond_flopcounter_by_op"] = dict(self.flop_beyond_flopcounter_by_op)
        out["energy_estimate_method"] = (
            "TDP x wall time (an upper-bound estimate, not a measurement)"
            if self.energy_estimate_j is not None
            else None
        )
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MeterSummary:
        """Inverse of :meth:`to_dict` (extra keys are ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["gaps"] = tuple(kwargs.get("gaps") or ())
        kwargs["ranks"] = tuple(kwargs.get("ranks") or ())
        kwargs["flop_beyond_flopcounter_by_op"] = dict(kwargs.get("flop_beyond_flopcounter_by_op") or {})
        return cls(**kwargs)


#: Largest FLOP count one interval record may carry: a sanity bound (the largest training runs
#: so far are ~1e26 FLOP), so that sums and rates stay finite floats.
MAX_RECORD_FLOP = 1e40

#: Interval fields that must be counts (non-negative integers), and those that may also be null.
_REQUIRED_COUNTS = ("steps",)
_OPTIONAL_COUNTS = (
    "flop",
    "flop_full_attention",
    "flop_causal_halved",
    "flop_flopcounter_compatible",
    "model_flop_6nd",
    "tokens",
    "counted_steps",
)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_interval(record: Mapping[str, Any], number: int) -> None:
    """Check the types and ranges of one ``interval`` record read from a file.

    Counts are non-negative integers (booleans are not numbers), FLOP at most
    :data:`MAX_RECORD_FLOP`, ``seconds`` and ``energy_j`` finite and non-negative, the times
    finite with the end not before the start.

    Args:
        record: the record.
        number: its position among the interval records (1-based), for the message.

    Raises:
        DataError: a missing field, a wrong type or a value out of range (the field named).
    """

    def fail(field: str, expected: str) -> NoReturn:
        got = repr(record[field]) if field in record else "nothing"
        raise DataError(f"interval record {number}: expected {expected}, got {got}", field=field)

    for field in (*_REQUIRED_COUNTS, *_OPTIONAL_COUNTS):
        value = record.get(field)
        if value is None and field in _OPTIONAL_COUNTS:
            continue
        if not (_is_number(value) and value >= 0 and float(value).is_integer()):
            fail(field, "a non-negative whole number")
        if "flop" in field and value > MAX_RECORD_FLOP:
            fail(field, f"at most {MAX_RECORD_FLOP:g} FLOP")
    for field in ("seconds", "time_start_unix_s", "time_end_unix_s"):
        value = record.get(field)
        if not (_is_number(value) and value >= 0):
            fail(field, "a finite, non-negative number of seconds")
    if record["time_end_unix_s"] < record["time_start_unix_s"]:
        fail("time_end_unix_s", f"a time not before time_start_unix_s ({record['time_start_unix_s']})")
    energy = record.get("energy_j")
    if energy is not None and not (_is_number(energy) and energy >= 0):
        fail("energy_j", "null or a finite, non-negative number of joules")
    gaps = record.get("gaps", [])
    if not (isinstance(gaps, list) and all(isinstance(g, str) for g in gaps)):
        fail("gaps", "a list of texts")
    beyond = record.get("flop_beyond_flopcounter_by_op", {})
    if not (
        isinstance(beyond, dict)
        and all(isinstance(k, str) and _is_number(v) and v >= 0 and float(v).is_integer() for k, v in beyond.items())
    ):
        fail("flop_beyond_flopcounter_by_op", "an object of op name -> non-negative whole FLOP")


def _check_start(start: Mapping[str, Any]) -> None:
    for field in ("peak_flop_per_s", "tdp_w"):
        value = start.get(field)
        if value is not None and not (_is_number(value) and value > 0):
            raise DataError(
                f"meter_start record: expected null or a positive finite number, got {value!r}",
                field=field,
            )


def _sum_optional(values: Iterable[int | None]) -> int | None:
    values = list(values)
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def summarize_records(records: Sequence[Mapping[str, Any]]) -> MeterSummary:
    """Totals of one rank's records (a ``meter_start`` record and ``interval`` records).

    Args:
        records: the records in order; other kinds (``summary``) are ignored.

    Returns:
        The rank's :class:`MeterSummary`.

    Raises:
        DataError: there is no ``meter_start`` record, or an interval lacks a field or has a
            value of the wrong type or out of range (see :func:`check_interval`).
    """
    starts = [r for r in records if r.get("kind") == "meter_start"]
    if not starts:
        raise DataError("no 'meter_start' record; expected a records file written by ComputeMeter")
    start = starts[-1]
    _check_start(start)
    intervals = [r for r in records if r.get("kind") == "interval"]
    for number, record in enumerate(intervals, start=1):
        check_interval(record, number)
    try:
        return _summarize(start, intervals)
    except (KeyError, TypeError) as err:
        raise DataError(f"interval record lacks or garbles a field: {err}") from err


def _summarize(start: Mapping[str, Any], intervals: Sequence[Mapping[str, Any]]) -> MeterSummary:
    convention = start.get("causal_attention_convention", "full")
    steps = sum(int(r["steps"]) for r in intervals)
    seconds = float(sum(float(r["seconds"]) for r in intervals))
    gaps = tuple(g for r in intervals for g in r.get("gaps", ()))
    flop = _sum_optional(r["flop"] for r in intervals)
    full = _sum_optional(r["flop_full_attention"] for r in intervals)
    halved = _sum_optional(r["flop_causal_halved"] for r in intervals)
    compatible = _sum_optional(r["flop_flopcounter_compatible"] for r in intervals)
    model_flop = _sum_optional(r.get("model_flop_6nd") for r in intervals)
    tokens = _sum_optional(r.get("tokens") for r in intervals)
    energies = [r.get("energy_j") for r in intervals]
    energy_j: float | None = None
    energy_reason = start.get("energy_unavailable_reason")
    if intervals and all(e is not None for e in energies):
        energy_j = float(sum(float(e) for e in energies if e is not None))
    elif energy_reason is None:
        energy_reason = (
            "no interval recorded" if not intervals else "energy missing in some intervals"
        )
    t0 = min((float(r["time_start_unix_s"]) for r in intervals), default=None)
    t1 = max((float(r["time_end_unix_s"]) for r in intervals), default=None)
    wall = (t1 - t0) if t0 is not None and t1 is not None else 0.0
    peak = start.get("peak_flop_per_s")
    flop_per_s = _ratio(flop, seconds)
    mfu = _ratio(flop_per_s, peak)
    mfu_reason = start.get("mfu_unavailable_reason")
    if mfu is None and mfu_reason is None:
        mfu_reason = "no counted FLOP or no time measured"
    tdp = start.get("tdp_w")
    estimate = tdp * wall if tdp and start.get("tdp_estimate") else None
    return MeterSummary(
        flop=flop,
        flop_full_attention=full,
        flop_causal_halved=halved,
        flop_flopcounter_compatible=compatible,
        model_flop_6nd=model_flop,
        tokens=tokens,
        seconds=seconds,
        wall_seconds=wall,
        flop_per_s=flop_per_s,
        mfu=mfu,
        mfu_6nd=_ratio(_ratio(model_flop, seconds), peak),
        mfu_unavailable_reason=None if mfu is not None else mfu_reason,
        peak_flop_per_s=peak,
        precision=start.get("precision"),
        chip=start.get("chip"),
        device=start.get("device", "cpu"),
        timing_method=start.get("timing_method", "perf_counter"),
        energy_j=energy_j,
        energy_unavailable_reason=None if energy_j is not None else energy_reason,
        energy_source=start.get("energy_source", "none"),
        energy_estimate_j=estimate,
        steps=steps,
        counted_steps=sum(int(r.get("counted_steps", 0)) for r in intervals),
        flop_exact=bool(intervals) and all(bool(r.get("flop_exact", False)) for r in intervals),
        gaps=gaps,
        causal_attention_convention=convention,
        world_size=1,
        ranks=(),
        time_start_unix_s=t0,
        time_end_unix_s=t1,
        flop_beyond_flopcounter_by_op=functools.reduce(
            merge_counts, (r.get("flop_beyond_flopcounter_by_op") or {} for r in intervals), {}
        ),
    )


def combine_ranks(
    per_rank: Sequence[MeterSummary], energy_scopes: Sequence[str] | None = None
) -> MeterSummary:
    """Combine per-rank summaries into a run total with per-rank detail.

    FLOP, tokens and energy are summed (energy once per distinct ``energy_scopes`` entry, so two
    ranks reading one CPU package are not counted twice); time is the slowest rank's; MFU is
    over the peak of all ranks' devices.

    Args:
        per_rank: one summary per rank, in rank order.
        energy_scopes: what each rank's energy source measures (same order).

    Returns:
        The combined summary; ``ranks`` holds each rank's ``to_dict()``.
    """
    if not per_rank:
        raise ValueError("combine_ranks needs at least one summary")
    first = per_rank[0]
    seconds = max(s.seconds for s in per_rank)
    flop = _sum_optional(s.flop for s in per_rank)
    model_flop = _sum_optional(s.model_flop_6nd for s in per_rank)
    peaks = [s.peak_flop_per_s for s in per_rank]
    total_peak = sum(p for p in peaks if p) if all(peaks) else None
    flop_per_s = _ratio(flop, seconds)
    mfu = _ratio(flop_per_s, total_peak)
    energy_j: float | None = None
    energy_reason: str | None = None
    missing = [
        f"rank {i}: {s.energy_unavailable_reason}"
        for i, s in enumerate(per_rank)
        if s.energy_j is None
    ]
    if missing:
        energy_reason = "; ".join(missing)
    else:
        scopes = list(energy_scopes) if energy_scopes else [str(i) for i in range(len(per_rank))]
        seen: dict[str, float] = {}
        for scope, summary in zip(scopes, per_rank, strict=True):
            seen.setdefault(scope, float(summary.energy_j or 0.0))
        energy_j = sum(seen.values())
    estimates = [s.energy_estimate_j for s in per_rank]
    starts = [s.time_start_unix_s for s in per_rank if s.time_start_unix_s is not None]
    ends = [s.time_end_unix_s for s in per_rank if s.time_end_unix_s is not None]
    reasons = {s.mfu_unavailable_reason for s in per_rank if s.mfu_unavailable_reason}
    return MeterSummary(
        flop=flop,
        flop_full_attention=_sum_optional(s.flop_full_attention for s in per_rank),
        flop_causal_halved=_sum_optional(s.flop_causal_halved for s in per_rank),
        flop_flopcounter_compatible=_sum_optional(s.flop_flopcounter_compatible for s in per_rank),
        model_flop_6nd=model_flop,
        tokens=_sum_optional(s.tokens for s in per_rank),
        seconds=seconds,
        wall_seconds=(max(ends) - min(starts)) if starts and ends else 0.0,
        flop_per_s=flop_per_s,
        mfu=mfu,
        mfu_6nd=_ratio(_ratio(model_flop, seconds), total_peak),
        mfu_unavailable_reason=None if mfu is not None else ("; ".join(sorted(reasons)) or None),
        peak_flop_per_s=first.peak_flop_per_s,
        precision=first.precision,
        chip=first.chip,
        device=first.device,
        timing_method=first.timing_method,
        energy_j=energy_j,
        energy_unavailable_reason=energy_reason,
        energy_source=first.energy_source,
        energy_estimate_j=sum(e for e in estimates if e is not None)
        if all(e is not None for e in estimates)
        else None,
        steps=max(s.steps for s in per_rank),
        counted_steps=sum(s.counted_steps for s in per_rank),
        flop_exact=all(s.flop_exact for s in per_rank),
        gaps=tuple(f"rank {i}: {g}" for i, s in enumerate(per_rank) for g in s.gaps),
        causal_attention_convention=first.causal_attention_convention,
        world_size=len(per_rank),
        ranks=tuple({"rank": i, **s.to_dict()} for i, s in enumerate(per_rank)),
        time_start_unix_s=min(starts) if starts else None,
        time_end_unix_s=max(ends) if ends else None,
        flop_beyond_flopcounter_by_op=functools.reduce(
            merge_counts, (s.flop_beyond_flopcounter_by_op for s in per_rank), {}
        ),
    )


def summarize_file(records: Sequence[Mapping[str, Any]]) -> MeterSummary:
    """Summary of records from one or more ranks (records carry a ``rank`` field).

    One rank: :func:`summarize_records`. Several (records files concatenated): each rank's
    summary, combined with :func:`combine_ranks`.
    """
    by_rank: dict[int, list[Mapping[str, Any]]] = {}
    for record in records:
        rank = record.get("rank", 0) or 0
        if not (isinstance(rank, int) and not isinstance(rank, bool) and rank >= 0):
            raise DataError(f"expected a non-negative whole rank, got {rank!r}", field="rank")
        by_rank.setdefault(rank, []).append(record)
    if len(by_rank) <= 1:
        return summarize_records(records)
    ranks = sorted(by_rank)
    summaries = [summarize_records(by_rank[r]) for r in ranks]
    scopes = []
    for r in ranks:
        starts = [x for x in by_rank[r] if x.get("kind") == "meter_start"]
        scopes.append(str(starts[-1].get("energy_scope") or f"rank{r}") if starts else f"rank{r}")
    return combine_ranks(summaries, scopes)
