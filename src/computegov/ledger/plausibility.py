"""Plausibility of a report's totals, from the verifier's side: its own catalogue, and 6ND.

The report is the claimant's; nothing in it may switch a check off. The peak FLOP/s comes from
the *verifier's* catalogue for the declared chip and precision (or from a peak the verifier
supplies, ``computegov verify --peak-flop-per-s``), never from the report; an unknown chip makes
the check ``missing`` (evidence kind ``chip_peak``: the verdict is incomplete) unless the
verifier supplies a peak. With the peak, counted FLOP must fit the hardware:
FLOP <= chips x peak x seconds x (1 + :data:`PEAK_TOLERANCE`). Parameters, when declared, must
be positive, and FLOP must lie within :data:`SIX_ND_TOLERANCE_FACTOR` of 6ND (the factor is
named when it does not).
"""

from __future__ import annotations

from typing import Any

from computegov.errors import ComputegovError
from computegov.ledger.check_values import obj
from computegov.ledger.record_schema import is_finite_number
from computegov.ledger.report import ComputeReport
from computegov.ledger.verdict import Check

__all__ = [
    "ENERGY_TOLERANCE",
    "PEAK_TOLERANCE",
    "SIX_ND_TOLERANCE_FACTOR",
    "TYPICAL_UTILISATION_MAX",
    "plausibility_check",
]

#: Measured FLOP within this factor of 6 x parameters x tokens passes. 6ND is the standard
#: dense-transformer training estimate (Kaplan et al. 2020, arXiv:2001.08361, §2.1); it omits
#: attention and embedding FLOP, so counted FLOP can legitimately exceed it. The factor 2 is an
#: assumption (no published bound), wide enough for long-context attention and counting
#: conventions, narrow enough to catch an order-of-magnitude misreport.
SIX_ND_TOLERANCE_FACTOR = 2.0
#: Model FLOP utilisation above this is flagged as atypical (warn, not fail). Published large runs
#: report 38-46%: PaLM 540B 46.2% MFU (Chowdhery et al. 2022, arXiv:2204.02311, Table 3); Llama 3
#: 405B 38-43% (Dubey et al. 2024, arXiv:2407.21783, Table 4). 0.75 is an assumption well above.
TYPICAL_UTILISATION_MAX = 0.75
#: Measured energy may exceed chips x TDP x time by this fraction before failing: board power
#: briefly exceeds TDP and meters have a few-percent error (assumption; NVML documents +/-5 W
#: on the power reading for recent data-centre GPUs).
ENERGY_TOLERANCE = 0.10
#: Counted FLOP may exceed chips x peak x seconds by this fraction before failing. Assumption: the
#: step timer and the wall clock disagree by well under 1% over an interval, and published peaks
#: are rounded (e.g. "989 TFLOPS"); 5% covers both while a x2 overstatement fails.
PEAK_TOLERANCE = 0.05
#: Precisions whose peak bounds *floating-point* work (integer OP/s are not FLOP/s).
_FLOAT_PRECISIONS = ("fp64", "fp32", "tf32", "fp16_vector", "bf16", "fp8", "fp4")


# --------------------------------------------------------------------------------------------
# Plausibility against the verifier's catalogue


def _number(v: Any) -> bool:
    return is_finite_number(v)


def plausibility_check(
    report: ComputeReport, catalog: Any, peak_flop_per_s: float | None = None
) -> Check:
    """``plausibility``: the claim against the verifier's catalogue (or peak) and 6ND.

    Args:
        report: the report.
        catalog: the verifier's :class:`~computegov.catalog.Catalog` (None: the bundled one).
        peak_flop_per_s: a peak per chip the verifier supplies, FLOP/s; it takes precedence
            over the catalogue and makes an unknown chip checkable.

    Returns:
        ``fail`` when FLOP exceed chips x peak x seconds (+ :data:`PEAK_TOLERANCE`), energy
        exceeds chips x TDP x time (+ :data:`ENERGY_TOLERANCE`), parameters are not positive,
        FLOP is not within :data:`SIX_ND_TOLERANCE_FACTOR` of 6ND, or the numbers needed for
        the bound are absent; ``missing`` (kind ``chip_peak``) when nothing failed but the chip
        has no peak the verifier knows; ``warn`` above typical utilisation; else ``pass``.
    """
    pred = report.predicate
    totals = report.totals
    hardware = obj(pred.get("hardware"))
    run = obj(pred.get("run"))
    flop: Any = totals.get("flop")
    duration_s: Any = totals.get("duration_s")
    failures: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []
    evidence: dict[str, Any] = {}

    params = run.get("parameters")
    if params is not None and not (_number(params) and params > 0):
        failures.append(f"run.parameters must be a positive number, got {params!r}")
    if not _number(flop) or flop < 0:
        failures.append(f"the FLOP total {flop!r} is not a number >= 0")
        flop = None
    else:
        _six_nd(flop, params, totals.get("tokens"), failures, notes, evidence)

    chip_name = hardware.get("chip")
    chip_count: Any = hardware.get("chip_count")
    if type(chip_count) is not int or chip_count < 1:
        failures.append(
            f"hardware.chip_count must be a whole number >= 1 to bound FLOP by chips x peak x "
            f"seconds, got {chip_count!r}"
        )
        chip_count = None
    if flop is not None and flop > 0 and not (_number(duration_s) and duration_s > 0):
        failures.append(f"{flop:.4g} FLOP in a duration of {duration_s!r} s")
        duration_s = None

    peak, precision, source, chip = _peak(chip_name, hardware.get("precision"), catalog,
                                          peak_flop_per_s, notes)
    if peak is not None and flop is not None and chip_count and duration_s:
        bound = chip_count * peak * float(duration_s)
        util = flop / bound
        evidence.update(
            {
                "peak_flop_per_s": peak,
                "peak_source": source,
                "precision": precision,
                "bound_flop": bound,
                "utilisation": util,
                "tolerance": PEAK_TOLERANCE,
            }
        )
        if util > 1.0 + PEAK_TOLERANCE:
            failures.append(
                f"FLOP {flop:.4g} exceed chips x peak x seconds = {chip_count} x {peak:.4g} x "
                f"{float(duration_s):.4g} = {bound:.4g} by a factor {util:.3g} "
                f"({precision} peak from {source}; tolerance {PEAK_TOLERANCE:.0%})"
            )
        elif util > TYPICAL_UTILISATION_MAX:
            warnings.append(f"utilisation {util:.3g} is above typical (<= {TYPICAL_UTILISATION_MAX})")
        else:
            notes.append(f"utilisation {util:.3g} of the {precision} peak ({source})")
    if chip is not None and chip_count and duration_s:
        _energy(chip, chip_count, float(duration_s), totals.get("energy_j"), failures, notes,
                evidence)
    if failures:
        return Check("plausibility", "fail", "; ".join(failures), evidence)
    if peak is None:
        return Check(
            "plausibility",
            "missing",
            f"{'; '.join(notes)}: FLOP cannot be bounded by chips x peak x seconds (pass the "
            "chip's peak with --peak-flop-per-s, or add the chip to the verifier's catalogue)",
            evidence,
            missing_kind="chip_peak",
            missing=(f"peak FLOP/s of chip {chip_name!r}",),
        )
    if warnings:
        return Check("plausibility", "warn", "; ".join(warnings + notes), evidence)
    return Check("plausibility", "pass", "; ".join(notes), evidence)


def _six_nd(
    flop: float,
    params: Any,
    tokens: Any,
    failures: list[str],
    notes: list[str],
    evidence: dict[str, Any],
) -> None:
    """FLOP against 6 x parameters x tokens (Kaplan et al. 2020), when both are given."""
    if not (_number(params) and params > 0 and _number(tokens) and tokens > 0):
        notes.append("6ND check not applicable (parameters or tokens not declared)")
        return
    six_nd = 6.0 * params * tokens
    ratio = float(flop) / six_nd
    evidence.update({"six_nd_flop": six_nd, "flop_over_six_nd": ratio})
    lo, hi = 1.0 / SIX_ND_TOLERANCE_FACTOR, SIX_ND_TOLERANCE_FACTOR
    if not lo <= ratio <= hi:
        failures.append(f"FLOP is {ratio:.3g} x 6ND (allowed {lo:.2g}-{hi:.2g})")
    else:
        notes.append(f"FLOP = {ratio:.3g} x 6ND")


def _peak(
    chip_name: Any, precision: Any, catalog: Any, supplied: float | None, notes: list[str]
) -> tuple[float | None, str | None, str, Any]:
    """(peak FLOP/s, precision, where it came from, the catalogue's chip or None)."""
    chip = None
    if isinstance(chip_name, str) and chip_name:
        try:
            if catalog is None:
                from computegov.catalog import load_catalog

                catalog = load_catalog()
            chip = catalog.get(chip_name)
        except ComputegovError as err:
            notes.append(f"chip {chip_name!r} is not in the verifier's catalogue ({err})")
        except Exception as err:  # the catalogue itself is unavailable: no peak from it
            notes.append(f"the verifier's catalogue is unavailable: {err}")
    else:
        notes.append("the report names no chip")
    if supplied is not None:
        return float(supplied), str(precision or "declared"), "the verifier (--peak-flop-per-s)", chip
    if chip is None:
        return None, None, "", None
    peaks = {k: v for k, v in getattr(chip, "peak_flop_per_s", {}).items()
             if k in _FLOAT_PRECISIONS and _number(v) and v > 0}
    if isinstance(precision, str) and precision:
        from computegov.catalog.chip import normalise_precision

        try:
            key: str | None = normalise_precision(precision)
        except KeyError:
            key = None
        value = None
        if key in _FLOAT_PRECISIONS:
            try:
                value = chip.peak(key)
            except KeyError:
                value = None
        elif key is not None:
            # Integer operations are not FLOP: a run claiming int8 must not borrow the int8 peak
            # (twice the fp8 peak on most chips) to make more FLOP look possible.
            notes.append(f"{precision!r} is an integer precision: FLOP are bounded at the highest float peak")
        if value:
            return float(value), key, f"the verifier's catalogue ({chip.name})", chip
        if key in _FLOAT_PRECISIONS or key is None:
            notes.append(f"no {precision!r} peak for {chip.name}: bounded at its highest float peak")
    if not peaks:
        notes.append(f"{chip.name} has no floating-point peak in the verifier's catalogue")
        return None, None, "", chip
    best = max(peaks, key=lambda k: peaks[k])
    return float(peaks[best]), best, f"the verifier's catalogue ({chip.name}, highest peak)", chip


def _energy(
    chip: Any,
    chip_count: int,
    duration_s: float,
    energy_j: Any,
    failures: list[str],
    notes: list[str],
    evidence: dict[str, Any],
) -> None:
    tdp = getattr(chip, "tdp_w", None)
    if not tdp or not _number(energy_j):
        return
    bound = chip_count * tdp * duration_s
    evidence.update({"energy_bound_j": bound, "energy_j": energy_j})
    if energy_j > bound * (1 + ENERGY_TOLERANCE):
        failures.append(f"energy {energy_j:.4g} J > chips x TDP x time {bound:.4g} J")
    else:
        notes.append(f"energy {energy_j / bound:.2%} of chips x TDP x time")
