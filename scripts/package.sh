#!/usr/bin/env bash
# Builds fovea and makes its Debian package, build/fovea_<version>_amd64.deb (cmake/Package.cmake).
# Install it with `apt-get install ./build/fovea_*.deb`, which also installs what it depends on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --package
bash scripts/build.sh
cd build
cpack -G DEB
