#!/usr/bin/env bash
# Set up everything the tests need in .venv and run them (the command CI runs).
# Usage: scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# PyTorch pinned first: on these machines the pin resolves to a local CPU wheel, and an unpinned
# torch would pull a multi-GB CUDA build (elsewhere, point pip at PyTorch's CPU wheel index).
python -m pip install --quiet 'torch==2.13.0'
python -m pip install --quiet -e '.[all,dev]'
ruff check .
mypy  # strict for computegov.* (pyproject.toml [tool.mypy])
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
# Two or more pytest-xdist workers (one per CPU, at most 4; COMPUTEGOV_TEST_WORKERS overrides, 0 runs
# serially). Each worker has its own PostgreSQL database (tests/registry/conftest.py). --dist loadfile
# keeps a file's tests on one worker, so module-scoped fixtures (servers, browsers, worlds) are built once.
workers=${COMPUTEGOV_TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}
[ "$workers" -le 4 ] || workers=4
set +e
python -m pytest -q -p no:cacheprovider --timeout=600 -n "$workers" --dist loadfile --durations=25 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
