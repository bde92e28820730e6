#!/usr/bin/env bash
# Installs everything fovea needs from Debian 12's packages. Idempotent: when all are present it
# returns without touching apt. `--bench` adds PyTorch, used only by the benchmarks' comparison.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libdnnl-dev            # oneDNN: convolutions and matrix products
  zlib1g-dev             # reading gzip'd IDX files
  libcurl4-openssl-dev   # downloading MNIST
  libssl-dev             # SHA-256 to verify downloads
  nlohmann-json3-dev     # safetensors headers
  libcli11-dev           # the fovea command's flags
  libgtest-dev libgmock-dev  # tests
  libbenchmark-dev       # kernel micro-benchmarks
  dataset-fashion-mnist  # Fashion-MNIST, read by tests and `fovea train --dataset fashion-mnist`
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-torch python3-torchvision)  # PyTorch, to compare against in bench/
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
