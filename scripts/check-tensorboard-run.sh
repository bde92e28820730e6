#!/usr/bin/env bash
# A real run read back by TensorBoard: `fovea train` for 2 epochs with --tensorboard, --log,
# --plots and --save, then TensorBoard's own reader (scripts/check-tensorboard.sh) must find every
# scalar of the --log, images of the sizes of the --plots pictures, and a histogram of every
# parameter per epoch whose last one has the min, max, count and sum of the saved weights.
#   scripts/check-tensorboard-run.sh [BUILD_DIR] [MNIST_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
data=${2:-$root/../shared/data/mnist}
run=$(mktemp -d /tmp/fovea_tb_run_XXXXXX)
trap 'rm -rf "$run"' EXIT
"$build/fovea" train --epochs 2 --data "$data" --no-download --tensorboard "$run/tb" --log "$run/metrics.jsonl" \
  --plots "$run/plots" --save "$run/model.safetensors" | grep -E '^epoch:'
/usr/bin/python3 "$root/scripts/tensorboard_expected.py" "$run/metrics.jsonl" "$run/plots" "$run/model.safetensors" \
  >"$run/expected.json"
"$root/scripts/check-tensorboard.sh" "$run/tb" "$run/expected.json"
