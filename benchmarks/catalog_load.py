"""Catalogue load and `import computegov` time, as ratios to `import pandas` in the same run.

Each import is timed in a fresh interpreter (imports are cached within a process); each figure is
the median of several runs. Usage: python benchmarks/catalog_load.py [--repeats N] [--quick]
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
    pandas = statistics.median(samples["import pandas"])
    print(f"{'what':45s} {'median s':>10s} {'/ import pandas':>16s}")
    for label, values in samples.items():
        if label in skipped:
            print(f"{label:45s} skipped: {skipped[label]}")
            continue
        median = statistics.median(values)
        print(f"{label:45s} {median:10.4f} {median / pandas:16.2f}")


if __name__ == "__main__":
    main()
