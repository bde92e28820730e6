#!/usr/bin/env bash
# The main job: install dependencies, build, and train the seed's CNN on MNIST.
# Flags go to `fovea train` (see `build/fovea train --help`); without --data, MNIST is downloaded
# into ./data on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/fovea train "$@"
