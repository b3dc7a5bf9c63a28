"""Our compute estimators against Epoch AI's published training compute, model by model.

Runs the architecture method (6·N·D; active parameters for the mixture-of-experts models whose
active count we curated) and the hardware method (chips × catalogue peak × time × utilisation)
on every model in the bundled notable-models table (Epoch AI, Notable AI Models, snapshot
2025-02-24, CC-BY 4.0) that has the inputs, and prints the distribution of log10(ours / Epoch)
per method and subset, then the worst cases with a likely reason.

Dataset sizes: Epoch records "datapoints" (words for most text datasets, images for vision...).
We feed them to 6·N·D unchanged, as Epoch itself does in most of its operation-counting
estimates; the subset "language, Epoch used operation counting" is the headline figure.

Beside the errors of the central estimate, it reports how often Epoch's figure falls inside each
method's 90 % interval (computegov.compute.calibration): with the deployed constants, fitted in
sample, leave-one-out, and fitted on models published before 2021 / checked on later ones. The
measured method cannot be checked here (the table holds no meter reports).

Usage: python benchmarks/estimator_vs_epoch.py [--worst 12] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from computegov.compute import TrainingRun, Utilisation, architecture_estimate, hardware_estimate
from computegov.compute.calibration import calibrate, calibration_samples
from computegov.compute.trend import NOTABLE_MODELS_SNAPSHOT, load_notable_models
from computegov.errors import ComputegovError


@dataclass
class Row:
    model: str
    method: str
    subset: str
    ours_flop: float
    epoch_flop: float
    epoch_method: str
    reason: str

    @property
    def log_ratio(self) -> float:
        return math.log10(self.ours_flop / self.epoch_flop)


def _reason_architecture(r: pd.Series, log_ratio: float) -> str:
    method = str(r.estimation_method)
    domain = str(r.domain)
    reasons = []
    if "Operation counting" not in method:
        reasons.append(f"Epoch used {method or 'another method'}")
    if "Language" not in domain or any(k in domain for k in ("Vision", "Multimodal", "Speech")):
        reasons.append(f"datapoints are not (only) text tokens ({domain})")
    if r.dataset_notes_mention == "words":
        reasons.append("dataset counted in words")
    if pd.isna(r.active_parameters) and log_ratio > 0.3:
        reasons.append("possibly sparse/MoE or fewer passes than the dataset size")
    if log_ratio < -0.3 and pd.isna(r.epochs):
        reasons.append("epochs not recorded (Epoch counted more passes)")
    if str(r.base_model or ""):
        reasons.append(f"fine-tuned from {r.base_model}: Epoch's total includes the base model")
    return "; ".join(reasons) or "unexplained"


def _reason_hardware(r: pd.Series, log_ratio: float) -> str:
    method = str(r.estimation_method)
    reasons = []
    if str(r.base_model or ""):
        reasons.append(f"fine-tuned from {r.base_model}: Epoch's total includes the base model")
    if "Hardware" not in method:
        reasons.append(f"Epoch used {method or 'another method'}")
    if not pd.isna(r.hardware_utilization):
        reasons.append(f"reported utilisation {r.hardware_utilization:.2f}")
    if abs(log_ratio) > 0.3:
        reasons.append("precision or peak differs from Epoch's, or training time is approximate")
    return "; ".join(reasons) or "unexplained"


def run_architecture(df: pd.DataFrame) -> list[Row]:
    rows = []
    need = df["parameters"].gt(0) & df["dataset_size_datapoints"].gt(0) & df["training_compute_flop"].gt(0)
    for _, r in df[need].iterrows():
        epochs = float(r.epochs) if r.epochs > 0 else 1.0
        active = float(r.active_parameters) if r.active_parameters > 0 else None
        run = TrainingRun(
            name=r.model,
            params=float(r.parameters),
            active_params=active if active and active <= r.parameters else None,
            tokens=float(r.dataset_size_datapoints),
            epochs=epochs,
        )
        est = architecture_estimate(run)
        language = "Language" in str(r.domain)
        opcount = "Operation counting" in str(r.estimation_method)
        subset = ("language" if language else "other domains") + (", Epoch op-counting" if opcount else ", Epoch other method")
        if str(r.base_model or ""):
            subset = "fine-tuned from a base model"
        ratio = math.log10(est.flop / r.training_compute_flop)
        rows.append(Row(r.model, "architecture", subset, est.flop, r.training_compute_flop, str(r.estimation_method), _reason_architecture(r, ratio)))
    return rows


def run_hardware(df: pd.DataFrame, *, reported_utilisation: bool) -> list[Row]:
    from computegov.catalog import load_catalog

    cat = load_catalog()
    rows = []
    need = (
        df["training_hardware"].fillna("").ne("")
        & ~df["training_hardware"].fillna("").str.contains(",")
        & df["hardware_quantity"].gt(0)
        & df["training_time_hours"].gt(0)
        & df["training_compute_flop"].gt(0)
    )
    if reported_utilisation:
        need &= df["hardware_utilization"].gt(0)
    for _, r in df[need].iterrows():
        util = Utilisation.of(float(r.hardware_utilization)) if reported_utilisation else None
        try:
            chip = cat.get(r.training_hardware)
            run = TrainingRun.from_hours(
                float(r.training_time_hours), name=r.model, chip=chip,
                chip_count=float(r.hardware_quantity), utilisation=util,
            )
            est = hardware_estimate(run)
        except ComputegovError:
            continue
        ratio = math.log10(est.flop / r.training_compute_flop)
        hw_method = "Hardware" in str(r.estimation_method)
        subset = ("reported utilisation" if reported_utilisation else "default utilisation 0.4") + (
            ", Epoch hardware" if hw_method else ", Epoch other method"
        )
        if str(r.base_model or ""):
            subset = "fine-tuned from a base model"
        rows.append(Row(r.model, "hardware", subset, est.flop, r.training_compute_flop, str(r.estimation_method), _reason_hardware(r, ratio)))
    return rows


def summarise(rows: list[Row]) -> list[dict[str, object]]:
    out = []
    frame = pd.DataFrame({"method": [r.method for r in rows], "subset": [r.subset for r in rows], "lr": [r.log_ratio for r in rows]})
    for (method, subset), g in frame.groupby(["method", "subset"]):
        err = g["lr"].abs()
        out.append({
            "method": method, "subset": subset, "n": len(g),
            "median_log10_ratio": float(g["lr"].median()),
            "median_abs_error_oom": float(err.median()),
            "p90_abs_error_oom": float(np.quantile(err, 0.9)),
            "share_within_0.1_oom": float((err <= 0.1).mean()),
        })
    for method, g in frame.groupby("method"):
        err = g["lr"].abs()
        out.append({
            "method": method, "subset": "ALL", "n": len(g),
            "median_log10_ratio": float(g["lr"].median()),
            "median_abs_error_oom": float(err.median()),
            "p90_abs_error_oom": float(np.quantile(err, 0.9)),
            "share_within_0.1_oom": float((err <= 0.1).mean()),
        })
    return out


def coverage_summary(df: pd.DataFrame) -> list[dict[str, object]]:
    """Coverage of each method's 90 % interval (per case, then per method with each model once)."""
    rows = [c.to_dict() for c in calibrate(calibration_samples(df))]
    rows.append({
        "method": "measured", "case": "all", "n": 0,
        "note": "not checked: Epoch's table holds no meter measurements; the ±5% interval stays an assumption",
    })
    return rows


def _print_coverage(cov: list[dict[str, object]]) -> None:
    print("\nShare of Epoch's figures inside our 90% interval (target 0.80-0.97):")
    print(f"{'method':<13} {'case':<20} {'n':>4} {'deployed':>8} {'LOO':>6} {'split n':>9} {'after':>6} {'|med|':>6}")
    for c in cov:
        if not c["n"]:
            print(f"{c['method']:<13} {c['case']:<20} {0:>4}  {c['note']}")
            continue
        split = f"{c['n_before']}/{c['n_after']}"
        print(
            f"{c['method']:<13} {c['case']:<20} {c['n']:>4} {c['coverage_deployed']:>8.2f} "
            f"{c['coverage_leave_one_out']:>6.2f} {split:>9} {c['coverage_after_split']:>6.2f} {c['median_abs_error_oom']:>6.3f}"
        )
    print("deployed: constants in computegov.compute.intervals (fitted on all); LOO: leave-one-out; "
          "after: fitted before 2021-01-01, checked on later models (split n = before/after)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=12, help="worst cases to list per method")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--quick", action="store_true", help="smoke mode: the same run (about 2 s), 3 worst cases")
    args = parser.parse_args(argv)
    if args.quick:
        args.worst = min(args.worst, 3)
    df = load_notable_models()
    coverage = coverage_summary(df)
    rows = run_architecture(df) + run_hardware(df, reported_utilisation=False) + run_hardware(df, reported_utilisation=True)
    summary = summarise(rows)
    worst = {}
    headline = {
        "architecture (all)": ("architecture", None),
        "architecture (language, Epoch op-counting)": ("architecture", "language, Epoch op-counting"),
        "hardware (default utilisation, Epoch hardware)": ("hardware", "default utilisation 0.4, Epoch hardware"),
    }
    for label, (method, subset) in headline.items():
        mine = sorted(
            (r for r in rows if r.method == method and (subset is None or r.subset == subset)),
            key=lambda r: -abs(r.log_ratio),
        )
        worst[label] = [
            {"model": r.model, "subset": r.subset, "log10_ratio": round(r.log_ratio, 3), "ours_flop": r.ours_flop, "epoch_flop": r.epoch_flop, "reason": r.reason}
            for r in mine[: args.worst]
        ]
    if args.json:
        json.dump({"snapshot": NOTABLE_MODELS_SNAPSHOT, "summary": summary, "coverage": coverage, "worst": worst}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print("accuracy benchmark: baseline = Epoch AI's published training compute per model; ratio = ours / Epoch")
    print(f"Estimators vs Epoch AI training compute (Notable AI Models snapshot {NOTABLE_MODELS_SNAPSHOT}, CC-BY 4.0)")
    print("log10(ours / Epoch): median signed, median |.|, 90th percentile |.|, share within 0.1 OOM\n")
    print(f"{'method':<13} {'subset':<45} {'n':>4} {'median':>7} {'|med|':>6} {'p90':>6} {'<=0.1':>6}")
    for s in summary:
        print(f"{s['method']:<13} {s['subset']:<45} {s['n']:>4} {s['median_log10_ratio']:>7.3f} {s['median_abs_error_oom']:>6.3f} {s['p90_abs_error_oom']:>6.3f} {s['share_within_0.1_oom']:>6.0%}")
    _print_coverage(coverage)
    for method, items in worst.items():
        print(f"\nworst {method} cases:")
        for w in items:
            print(f"  {w['log10_ratio']:+7.2f}  {w['model'][:38]:<38} {w['reason']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
