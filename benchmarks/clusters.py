"""AI supercomputers and supply: our figures next to the published ones, and how long they take.

Published figures, with their sources:

- Pilz, Sanders, Rahman & Heim (2025), "Trends in AI Supercomputers", arXiv:2504.16026 (v1,
  2025-04-22): leading systems' 16-bit performance doubling every ~9 months; hardware cost and power
  every ~12 months; in early 2025 the US held ~75 % and China ~15 % of aggregate performance.
- Hennessy & Patterson, Computer Architecture: A Quantitative Approach, 5th ed. (2011), section 1.6:
  270 and 640 dies per 300 mm wafer for 1.5 cm and 1.0 cm square dies.
- UC Berkeley IEOR 130 (Leachman, 2009), HW 4 solutions: A = 1 cm^2, D = 1 /cm^2 gives Poisson 0.3679,
  Murphy 0.3996, Seeds 0.5000.

Usage: python benchmarks/clusters.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from computegov.clusters import headline, load_clusters
from computegov.supply import PRESETS, die_yield, gross_dies_per_wafer, simulate

SEED = 20251205


def main() -> None:
    """Print the comparison table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer bootstrap resamples and draws")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    n_boot, n_draws = (300, 2_000) if args.quick else (2_000, 100_000)

    t0 = time.perf_counter()
    table = load_clusters()
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    head = headline(table.systems, seed=SEED, n_boot=n_boot)
    t_head = time.perf_counter() - t0
    rows = [
        ("performance doubling (months)", 9.0, head["leading_performance"]["doubling_time_months"],
         head["leading_performance"]["doubling_time_ci_months"]),
        ("power doubling (months)", 12.0, head["leading_power"]["doubling_time_months"],
         head["leading_power"]["doubling_time_ci_months"]),
        ("hardware-cost doubling (months)", 12.0, head["leading_hardware_cost"]["doubling_time_months"],
         head["leading_hardware_cost"]["doubling_time_ci_months"]),
        ("US share of performance", 0.75, head["country_shares"].get("US", 0.0), None),
        ("China share of performance", 0.15, head["country_shares"].get("CN", 0.0), None),
        ("dies/wafer, 2.25 cm^2 (H&P)", 270.0, gross_dies_per_wafer(225.0), None),
        ("dies/wafer, 1.00 cm^2 (H&P)", 640.0, gross_dies_per_wafer(100.0), None),
        ("Murphy yield, AD = 1 (Leachman)", 0.3996, die_yield(100.0, 1.0, "murphy"), None),
    ]
    timings = {"load_clusters_s": t_load, "headline_s": t_head}
    for name, params in PRESETS.items():
        t0 = time.perf_counter()
        sim = simulate(params, rng=np.random.default_rng(SEED), n_samples=n_draws)
        timings[f"supply_{name}_{n_draws}_draws_s"] = time.perf_counter() - t0
        rows.append((f"{name}: accelerators/yr (no published figure)", float("nan"),
                     sim.central.accelerators_per_year, (sim.quantiles["0.05"], sim.quantiles["0.95"])))
    if args.json:
        print(json.dumps({"rows": [{"figure": r[0], "published": None if r[1] != r[1] else r[1], "ours": float(r[2]),
                                    "interval": list(r[3]) if r[3] else None} for r in rows],
                          "timings": timings}, indent=2))
        return
    print("accuracy benchmark: baseline = the published figures (Pilz et al. 2025; Hennessy & Patterson; "
          "Leachman 2009), ours beside each; timings are for information, not compared with another tool")
    print(f"{'figure':50} {'published':>10} {'ours':>12}  interval")
    for label, published, ours, interval in rows:
        pub = "-" if published != published else f"{published:.4g}"
        span = "" if interval is None else f"[{interval[0]:.4g}, {interval[1]:.4g}]"
        print(f"{label:50} {pub:>10} {float(ours):>12.4g}  {span}")
    print("timings: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()
