#!/usr/bin/env bash
# Installs everything fovea needs from Debian 12's packages. Idempotent: when all are present it
# returns without touching apt.
#   --package  adds what `cpack -G DEB` needs (dpkg-shlibdeps computes the .deb's Depends)
#   --bench    adds PyTorch, used only by the benchmarks' comparison, and python3-venv, with which
#              bench/install-pypi-torch.sh puts PyPI's current PyTorch into build/venv-torch
#   --onnx-check  adds ONNX's and OpenCV's Python modules, for tests/parity/check_onnx.py
#   --qemu     adds qemu-user, to run the tests on an emulated AVX2-only CPU (scripts/test-haswell.sh)
#   --fresh-machine  adds debootstrap, for scripts/check-fresh-machine.sh
#   --fuzz     adds clang 14 with libFuzzer and the sanitizer runtimes, for scripts/fuzz.sh
# Every package is listed with its reason; the README's table says the same.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libdnnl-dev            # oneDNN: convolutions and matrix products
  ocl-icd-opencl-dev     # Debian's oneDNN CMake config looks for OpenCL (only a Recommends of libdnnl-dev)
  zlib1g-dev             # reading gzip'd IDX files
  libdeflate-dev         # the same, a whole file in one call at ~3x zlib's speed (start-up)
  libcurl4-openssl-dev   # downloading MNIST
  libssl-dev             # SHA-256 to verify downloads
  nlohmann-json3-dev     # safetensors headers
  libcli11-dev           # the fovea command's flags
  libstb-dev             # decoding PNG and BMP for fovea predict
  libturbojpeg0-dev      # decoding JPEG for fovea predict (libjpeg-turbo)
  libcairo2-dev fonts-dejavu-core  # the pictures: drawing, PNG, and the font of their text
  libisal-dev            # CRC-32C (Intel ISA-L) for TensorBoard's event records
  libonnx-dev libprotobuf-dev  # ONNX export
  protobuf-compiler      # protoc: C++ classes for the TensorBoard Event messages (src/train/tensorboard_event.proto)
  libgtest-dev libgmock-dev  # tests
  libbenchmark-dev       # kernel micro-benchmarks
  dataset-fashion-mnist  # Fashion-MNIST, read by tests and `fovea train --dataset fashion-mnist`
)
for flag in "$@"; do
  case "$flag" in
    --package) packages+=(dpkg-dev file) ;;                     # dpkg-shlibdeps, and `file` that CPack's DEB generator calls
    --bench) packages+=(python3-torch python3-torchvision python3-venv) ;;   # PyTorch, to compare against in bench/
    --onnx-check) packages+=(python3-onnx python3-opencv) ;;    # onnx.checker and cv2.dnn, to run fovea export's output
    --qemu) packages+=(qemu-user) ;;                            # qemu-x86_64 -cpu Haswell
    --fresh-machine) packages+=(debootstrap) ;;                 # a minimal Debian 12 root to set up in
    # The fuzz targets (fuzz/): clang-14 and its libFuzzer/ASan/UBSan runtimes (libclang-rt-14-dev;
    # g++ has no libFuzzer), clang's OpenMP runtime and omp.h (libomp-14-dev: clang cannot compile
    # OpenMP for libgomp), and llvm-symbolizer-14 (llvm-14) for file:line in the crash reports.
    --fuzz) packages+=(clang-14 libclang-rt-14-dev libomp-14-dev llvm-14) ;;
    *) echo "install-deps.sh: unknown flag '$flag' (expected --package, --bench, --onnx-check, --qemu, --fresh-machine or --fuzz)" >&2; exit 2 ;;
  esac
done

# Not Debian (or no dpkg/apt): say what is needed and stop, rather than guess another package manager.
if [[ ! -f /etc/debian_version ]] || ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "install-deps.sh: this is not a Debian system with apt; install the equivalents of these Debian 12 packages by hand: ${packages[*]}" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps.sh: missing packages (${missing[*]}); run this script as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A previous install that was interrupted leaves dpkg half-configured and apt refusing to run;
# finishing it is what dpkg itself asks for. `dpkg --audit` prints nothing when all is well.
if [[ -n "$($SUDO dpkg --audit 2>/dev/null)" ]]; then
  echo "install-deps.sh: finishing an interrupted package install (dpkg --configure -a)" >&2
  if ! $SUDO dpkg --configure -a >/dev/null; then
    echo "install-deps.sh: dpkg --configure -a failed; run 'dpkg --configure -a' and 'apt-get -f install' as root, then this script again" >&2
    exit 1
  fi
fi
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "install-deps.sh: apt-get install failed for: ${missing[*]}" >&2
  exit 1
fi
