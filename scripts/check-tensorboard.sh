#!/usr/bin/env bash
# Reads a log directory with TensorBoard's own reader and checks it against expected values:
#   scripts/check-tensorboard.sh LOG_DIR EXPECTED_JSON
# (the JSON's shape is in scripts/check_tensorboard.py). Proof that what train::SummaryWriter
# writes is what TensorBoard shows; neither the build nor the tests need it.
#
# TensorBoard comes from PyPI into a virtual environment made on first use with Debian's Python:
# build/tensorboard-venv, or the directory FOVEA_TENSORBOARD_VENV names. It needs python3-venv
# and a reachable PyPI the first time only.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 LOG_DIR EXPECTED_JSON" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${FOVEA_TENSORBOARD_VENV:-$root/build/tensorboard-venv}
python=/usr/bin/python3

if [[ ! -x $venv/bin/python ]]; then
  if [[ ! -x $python ]]; then
    echo "check-tensorboard: $python is missing: apt-get install python3 python3-venv" >&2
    exit 1
  fi
  # Debian splits venv's pip bootstrap (ensurepip) off into python3-venv; without it `-m venv`
  # leaves a half-made environment behind.
  if ! "$python" -c 'import ensurepip' 2>/dev/null; then
    echo "check-tensorboard: Python's venv cannot install pip here: apt-get install python3-venv" >&2
    exit 1
  fi
  echo "check-tensorboard: creating $venv" >&2
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "check-tensorboard: $python -m venv $venv failed" >&2
    exit 1
  fi
fi
if ! "$venv/bin/python" -c 'import tensorboard' 2>/dev/null; then
  echo "check-tensorboard: installing tensorboard from PyPI into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check tensorboard
fi
exec "$venv/bin/python" "$root/scripts/check_tensorboard.py" "$1" "$2"
