"""Out-of-sample coverage of the compute-estimation routes on published training runs.

For each route (architecture: 6·N·D; hardware: chips × time × peak × utilisation, with the
utilisation unknown or the developer's stated MFU) and for the two combined, every reference run
in ``src/computegov/data/compute_reference_runs.yaml`` is left out in turn, the route's error
model is refitted on the others, and the run's published compute is checked against the 90 %
interval (see :mod:`computegov.compute.routes`). Prints, per route: runs, leave-one-out coverage
(target 0.80-0.97), median interval width (orders of magnitude and as a factor), median |error|
of the central value, the runs that fell outside, and the coverage on developer-stated figures.
Then the Llama 3.1 405B check of issue 28 (P over 1e26 and 1e25 from parameters and tokens).

Usage: python benchmarks/compute_routes.py [--json] [--quick]
"""

from __future__ import annotations

import argparse
import json

from computegov.compute import TrainingRun, estimate
from computegov.compute.routes import (
    CASES,
    leave_one_out,
    leave_one_out_combined,
    load_reference_runs,
)
from computegov.policy.thresholds import probability_over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--quick", action="store_true", help="same run (it takes a few seconds)")
    args = parser.parse_args()
    rows = [leave_one_out(route, case) for route, case in CASES]
    rows += [leave_one_out_combined("utilisation_unknown"), leave_one_out_combined("utilisation_stated")]
    est = estimate(TrainingRun(params=405e9, tokens=15.6e12, epochs=1, name="Llama 3.1 405B"))
    p26 = probability_over(1e26, est.flop, est.flop_low, est.flop_high)
    p25 = probability_over(1e25, est.flop, est.flop_low, est.flop_high)
    if args.json:
        print(json.dumps({
            "reference_runs": len(load_reference_runs()),
            "routes": [r.to_dict() for r in rows],
            "llama_31_405b": {"flop": est.flop, "flop_low": est.flop_low, "flop_high": est.flop_high,
                              "p_over_1e26": p26, "p_over_1e25": p25},
        }, indent=2))
        return
    print("accuracy benchmark: baseline = each reference run's published compute, left out in turn; "
          "coverage of our 90 % interval and |log10(ours / published)|")
    print(f"{len(load_reference_runs())} reference runs (data/compute_reference_runs.yaml)")
    print("route / case: n, LOO 90% coverage, median width (OOM, factor), median |error| OOM; outside; developer-stated coverage")
    for r in rows:
        ok = "meets" if 0.80 <= r.coverage <= 0.97 else "MISSES"
        print(
            f"  {r.route} / {r.case}: n={r.n}, coverage {r.coverage:.2f} ({ok} 0.80-0.97), "
            f"width {r.median_width_log10:.3f} OOM (x{10**r.median_width_log10:.2f}), "
            f"|error| {r.median_abs_error_log10:.3f}; outside: {', '.join(r.outside) or '-'}; "
            f"developer-stated {r.coverage_developer:.2f} of {r.n_developer}"
        )
    print(
        f"Llama 3.1 405B from 405e9 params x 15.6e12 tokens, 1 epoch: {est.flop:.3g} FLOP "
        f"(90% {est.flop_low:.3g}-{est.flop_high:.3g}); P(over 1e26) = {p26:.4f}, P(over 1e25) = {p25:.4f}; "
        "Meta reports 3.8e25"
    )


if __name__ == "__main__":
    main()
