"""Plausibility of a report's totals against the hardware catalogue and 6ND."""

from __future__ import annotations

from typing import Any

from computegov.errors import ComputegovError
from computegov.ledger.check_values import obj
from computegov.ledger.report import ComputeReport
from computegov.ledger.verdict import Check

__all__ = [
    "ENERGY_TOLERANCE",
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


# --------------------------------------------------------------------------------------------
# Plausibility against the catalogue


def plausibility_check(report: ComputeReport, catalog: Any) -> Check:
    """``plausibility``: the claim against the catalogue and 6ND.

    Fails when utilisation > 1, energy > chips x TDP x time (+ tolerance), or FLOP is not within
    :data:`SIX_ND_TOLERANCE_FACTOR` of 6ND; warns above typical utilisation; skips what it cannot
    check (chip not in the catalogue, parameters or tokens unknown).
    """
    pred = report.predicate
    totals = report.totals
    hardware = obj(pred.get("hardware"))
    chip_name = hardware.get("chip")
    chip_count = hardware.get("chip_count")
    flop = totals.get("flop")
    duration_s = totals.get("duration_s")
    energy_j = totals.get("energy_j")
    notes: list[str] = []
    failures: list[str] = []
    warnings: list[str] = []
    evidence: dict[str, Any] = {}

    run = obj(pred.get("run"))
    params = run.get("parameters")
    tokens = totals.get("tokens")
    if not isinstance(flop, int | float) or isinstance(flop, bool):
        failures.append(f"the FLOP total {flop!r} is not a number")
    elif (
        isinstance(params, int | float) and isinstance(tokens, int | float) and params * tokens > 0
    ):
        six_nd = 6.0 * params * tokens
        ratio = float(flop) / six_nd
        evidence.update({"six_nd_flop": six_nd, "flop_over_six_nd": ratio})
        lo, hi = 1.0 / SIX_ND_TOLERANCE_FACTOR, SIX_ND_TOLERANCE_FACTOR
        if not lo <= ratio <= hi:
            failures.append(f"FLOP is {ratio:.3g} x 6ND (allowed {lo:.2g}-{hi:.2g})")
        else:
            notes.append(f"FLOP = {ratio:.3g} x 6ND")
    else:
        notes.append("6ND check skipped (parameters or tokens unknown)")

    chip = None
    if not isinstance(chip_name, str) or not chip_name:
        notes.append("no chip named")
    else:
        try:
            if catalog is None:
                from computegov.catalog import load_catalog

                catalog = load_catalog()
            chip = catalog.get(chip_name)
        except ComputegovError as err:
            notes.append(f"chip {chip_name!r} not in the catalogue ({err})")
        except Exception as err:  # catalogue unavailable: plausibility is best effort
            notes.append(f"catalogue unavailable: {err}")
    if chip is not None and isinstance(chip_count, int | float) and chip_count > 0:
        evidence["chip"] = chip.name
        if isinstance(duration_s, int | float) and duration_s > 0:
            precision = hardware.get("precision")
            peak = chip.peak(precision) if precision else None
            if peak is None:
                best = chip.training_peak()
                if best:
                    precision, peak = best
            if peak and isinstance(flop, int | float):
                util = flop / (chip_count * peak * duration_s)
                evidence.update(
                    {"utilisation": util, "peak_flop_per_s": peak, "precision": precision}
                )
                if util > 1.0:
                    failures.append(f"utilisation {util:.3g} > 1 at {precision} peak")
                elif util > TYPICAL_UTILISATION_MAX:
                    warnings.append(f"utilisation {util:.3g} is above typical (<= 0.75)")
                else:
                    notes.append(f"utilisation {util:.3g}")
            tdp = getattr(chip, "tdp_w", None)
            if tdp and isinstance(energy_j, int | float):
                bound = chip_count * tdp * duration_s
                evidence.update({"energy_bound_j": bound, "energy_j": energy_j})
                if energy_j > bound * (1 + ENERGY_TOLERANCE):
                    failures.append(f"energy {energy_j:.4g} J > chips x TDP x time {bound:.4g} J")
                else:
                    notes.append(f"energy {energy_j / bound:.2%} of chips x TDP x time")
    if failures:
        return Check("plausibility", "fail", "; ".join(failures), evidence)
    if warnings:
        return Check("plausibility", "warn", "; ".join(warnings + notes), evidence)
    if chip is None and "flop_over_six_nd" not in evidence:
        return Check("plausibility", "skip", "; ".join(notes), evidence)
    return Check("plausibility", "pass", "; ".join(notes), evidence)
