#!/usr/bin/env bash
# The GPU checks, as one prepared run on a machine with an NVIDIA GPU (the project's CI has none).
# Runs the tests marked `gpu` (meter on CUDA: CUDA-event timing, exact FLOP, MFU, NVML energy)
# and the meter's CLI demo, and writes logs to $OUT (or ./out). On a machine that lacks the
# project's pure-Python dependencies, put their wheels in .whl/ (see README "GPU checks").
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out}
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD/src
else
  export PYTHONPATH=$PWD/src
fi
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit --format=csv | tee "$out/nvidia-smi.csv"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))" \
  | tee "$out/torch.txt"
python3 -m pytest tests/measure/test_measure_gpu.py -m gpu -q -rA -p no:cacheprovider \
  -o addopts="" -W ignore::DeprecationWarning 2>&1 | tee "$out/gpu_tests.log"
status=${PIPESTATUS[0]}
exit "$status"
