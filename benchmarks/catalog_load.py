"""Catalogue load and `import computegov` time, as ratios to `import pandas` in the same run.

Each import is timed in a fresh interpreter (imports are cached within a process); each figure is
the median of several runs. Usage: python benchmarks/catalog_load.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

SNIPPETS = {
    "python -c pass (interpreter start)": "pass",
    "import pandas": "import pandas",
    "import computegov": "import computegov",
    "import computegov + load_catalog()": "import computegov; computegov.load_catalog()",
    "... + load_catalog().to_frame()": "import computegov; computegov.load_catalog().to_frame()",
    "... + load_catalog(broad_gpus=True)": "import computegov; computegov.load_catalog(broad_gpus=True)",
}


def time_snippet(code: str) -> float:
    """Seconds spent in ``code`` inside a fresh interpreter (start-up excluded)."""
    wrapper = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {label: [] for label in SNIPPETS}
    for _ in range(args.repeats):
        for label, code in SNIPPETS.items():
            samples[label].append(time_snippet(code))
    pandas = statistics.median(samples["import pandas"])
    print(f"{'what':45s} {'median s':>10s} {'/ import pandas':>16s}")
    for label, values in samples.items():
        median = statistics.median(values)
        print(f"{label:45s} {median:10.4f} {median / pandas:16.2f}")


if __name__ == "__main__":
    main()
