#!/usr/bin/env bash
# Set up computegov in .venv and build the HTML report from the bundled data.
# Usage: scripts/quickstart.sh [report.html]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-report.html}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# gpus: the broad GPU set (second-source checks); attest: country borders for the report's
# location-claims section. Both install from wheels in seconds; torch and the server are not needed.
python -m pip install --quiet -e '.[gpus,attest]'
computegov report -o "$out"
echo "Report written to $out (open it in any browser; it works offline)."
