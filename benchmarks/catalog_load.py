"""Catalogue load and `import computegov` time, as ratios to what a practitioner would run instead.

Baseline: reading Epoch AI's ML hardware table with pandas (``import pandas; pandas.read_csv`` of
the bundled snapshot, ``src/computegov/data/epoch_ml_hardware.csv``), which is where a user
without computegov starts; the catalogue does more (curation, units, anomaly checks), and the
ratio says what that costs. Ratios are ours / baseline time; ``import pandas`` alone is shown too.

Each snippet is timed in a fresh interpreter (imports are cached within a process); each figure is
the median of several runs. Usage: python benchmarks/catalog_load.py [--repeats N] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

EPOCH_CSV = Path(__file__).resolve().parents[1] / "src" / "computegov" / "data" / "epoch_ml_hardware.csv"
BASELINE = "baseline: import pandas + read_csv(Epoch table)"
SNIPPETS = {
    "python -c pass (interpreter start)": "pass",
    "import pandas": "import pandas",
    BASELINE: f"import pandas; pandas.read_csv({str(EPOCH_CSV)!r})",
    "import computegov": "import computegov",
    "import computegov + load_catalog()": "import computegov; computegov.load_catalog()",
    "... + load_catalog().to_frame()": "import computegov; computegov.load_catalog().to_frame()",
    "... + load_catalog(broad_gpus=True)": "import computegov; computegov.load_catalog(broad_gpus=True)",
}


def time_snippet(code: str) -> float | str:
    """Seconds spent in ``code`` inside a fresh interpreter (start-up excluded).

    Returns the last line of the error instead when the snippet fails (an extra not installed).
    """
    wrapper = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["failed"])[-1]
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one repeat (CI smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.repeats = 1
    samples: dict[str, list[float]] = {label: [] for label in SNIPPETS}
    skipped: dict[str, str] = {}
    for _ in range(args.repeats):
        for label, code in SNIPPETS.items():
            if label in skipped:
                continue
            result = time_snippet(code)
            if isinstance(result, str):
                skipped[label] = result
            else:
                samples[label].append(result)
    base = statistics.median(samples[BASELINE])
    ours = statistics.median(samples["import computegov + load_catalog()"])
    ratio = ours / base
    print(f"baseline: pandas.read_csv of Epoch's hardware table; import computegov + load_catalog() takes "
          f"{ratio:.2f}x its time ({'SLOWER' if ratio > 1 else 'faster'})")
    print(f"{'what':50s} {'median s':>10s} {'/ baseline':>11s}")
    for label, values in samples.items():
        if label in skipped:
            print(f"{label:50s} skipped: {skipped[label]}")
            continue
        median = statistics.median(values)
        print(f"{label:50s} {median:10.4f} {median / base:11.2f}")


if __name__ == "__main__":
    main()
