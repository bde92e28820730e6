#!/usr/bin/env bash
# Checks fovea as a package other projects build on: installs the build in ./build into a
# temporary prefix, then builds examples/ out of tree against it twice, once with CMake
# (find_package(fovea) + fovea::fovea, nothing else) and once with pkg-config, and runs each
# program for one epoch on MNIST.
#   bash scripts/check-install.sh [MNIST_DIR]     (default ../shared/data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${1:-../shared/data/mnist}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install build --prefix "$prefix" >/dev/null
echo "installed into $prefix: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

# CMake: a fresh configure that knows only the prefix. The examples' CMakeLists calls
# find_package(fovea) because no fovea target exists there.
cmake -S examples -B "$tmp/cmake-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cmake-build" >/dev/null
echo "built examples/ with find_package(fovea); running one epoch:"
"$tmp/cmake-build/mnist_cnn" "$data" 1 | grep -E '^epoch:'

# pkg-config: the compiler line a Makefile user would write.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs fovea)
g++ -O2 examples/mnist_cnn.cpp $flags -Wl,-rpath,"$(pkg-config --variable=libdir fovea)" -o "$tmp/mnist_cnn_pc"
echo "built examples/mnist_cnn.cpp with \`g++ ... $(pkg-config --cflags --libs fovea | sed "s|$prefix|PREFIX|g")\`; running one epoch:"
"$tmp/mnist_cnn_pc" "$data" 1 | grep -E '^epoch:'
echo "install check passed"
