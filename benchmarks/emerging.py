"""Emerging hardware: Babbush et al. (2021) reproduced, the register's comparisons, and how long they take.

Published figures, with their source:

- Babbush, McClean, Newman, Gidney, Boixo & Neven (2021), "Focus beyond quadratic speedups for
  error-corrected quantum advantage", PRX Quantum 2:010103, doi:10.1103/PRXQuantum.2.010103,
  Table I (18 break-even times, d = 2, 3, 4; S = 1, 1e3, 1e6) and Table II (6, d = 2, R = 10-1000).

Usage: python benchmarks/emerging.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from computegov.catalog import load_catalog
from computegov.emerging import (
    ParadigmScenario,
    compare_claims,
    load_register,
    paper_rows,
    paradigm_forecast,
    trend_forecasts,
)

SEED = 20251205


def main() -> None:
    """Print the reproduction and the comparisons (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller forecast ensembles")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    n_samples, n_boot = (400, 100) if args.quick else (2000, 1000)
    timings = {}

    t0 = time.perf_counter()
    paper = paper_rows()
    timings["babbush_tables_s"] = time.perf_counter() - t0
    worst = max(paper, key=lambda r: abs(r["rel_error"]))

    t0 = time.perf_counter()
    register = load_register()
    chips = list(load_catalog())
    timings["load_register_and_catalogue_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    forecasts = trend_forecasts(chips, seed=SEED, n_samples=n_samples, n_boot=n_boot)
    timings["record_forecasts_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = compare_claims(register.claims, chips, forecasts=forecasts)
    timings["compare_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scenario = ParadigmScenario("photonic", "flop_per_j", 0.3, 2030, 2.0, 100.0)
    base = forecasts["flop_per_j"]
    assert base is not None
    paradigm_forecast(base, scenario, np.random.default_rng(SEED))
    timings["paradigm_forecast_s"] = time.perf_counter() - t0

    comparable = [r for r in rows if r.comparable]
    out = {
        "babbush": {"rows": len(paper), "max_abs_rel_error": abs(worst["rel_error"]),
                    "worst_row": {k: worst[k] for k in ("table", "example", "degree", "parallel_speedup", "R")}},
        "register": {"entries": len(register.claims), "comparable": len(comparable),
                     "comparisons": [{"id": r.claim_id, "ratio_to_record": r.ratio_to_record,
                                      "years_ahead": r.years_ahead} for r in comparable]},
        "timings_s": timings,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print("accuracy benchmark: baseline = Babbush et al. (2021) Tables I-II (relative gap ours vs published); "
          "timings are for information, not compared with another tool")
    print(f"Babbush et al. (2021) Tables I-II: {len(paper)} break-even times, largest gap "
          f"{worst['rel_error']:+.1%} ({worst['table']}, {worst['example']}, d={worst['degree']})")
    print(f"register: {len(register.claims)} entries, {len(comparable)} comparable")
    for r in comparable:
        ahead = "beyond the forecast" if r.years_ahead is None else f"{r.years_ahead:+.1f} years"
        print(f"  {r.claim_id:34s} {r.ratio_to_record:8.3g}x record  {ahead}")
    print("timings: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()
