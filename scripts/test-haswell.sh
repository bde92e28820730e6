#!/usr/bin/env bash
# Runs the kernel, blocked-layout and one-step training tests on an emulated Haswell CPU (AVX2 and
# FMA, no AVX-512) with QEMU's user mode, so that an AVX-512 machine also tests what an AVX2-only
# one runs: fovea's avx2 variants (src/kernels/cpu/dispatch.hpp) and oneDNN's AVX2 paths, whose
# convolutions leave activations in nChw8c rather than nChw16c. Checks that fovea did dispatch to
# avx2, prints a summary line and exits non-zero on any failure.
#
#   scripts/test-haswell.sh [BUILD_DIR]    (default: the checkout's build/; a portable build, not FOVEA_NATIVE)
#
# Needs qemu-x86_64 (Debian: qemu-user; 7.2's TCG emulates AVX2 and FMA, not AVX-512).
set -euo pipefail
build=${1:-$(dirname "$0")/../build}
tests=$build/fovea_tests
filter='Dispatch*:Kernel*:*/Kernel*:BlockedLayout*:Parity*:Optim*'

if [[ ! -x $tests ]]; then
  echo "test-haswell: $tests not found; build first (scripts/build.sh)" >&2
  exit 2
fi
if ! command -v qemu-x86_64 >/dev/null; then
  echo "test-haswell: qemu-x86_64 not found (apt-get install qemu-user)" >&2
  exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
status=0
# Without the variables that lower the choices: this run checks what the CPU alone gets.
env -u FOVEA_CPU_ISA -u ONEDNN_MAX_CPU_ISA qemu-x86_64 -cpu Haswell "$tests" --gtest_filter="$filter" \
  --gtest_brief=1 >"$log" 2>&1 || status=$?
# TCG names the Haswell features it cannot emulate (pcid, x2apic, TSX, ...); the tests use none.
grep -v "TCG doesn't support requested feature" "$log" || true

isa=$(sed -n 's/^\[ dispatch \] fovea kernels: \([a-z0-9]*\).*/\1/p' "$log")
onednn=$(sed -n 's/^\[ dispatch \] .*, oneDNN [0-9.]*: \([a-z0-9_]*\).*/\1/p' "$log")
ran=$(sed -n 's/^\[==========\] \([0-9]*\) tests\? from .* ran\..*/\1/p' "$log")
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$log")
summary="${passed:-0} passed, $((${ran:-0} - ${passed:-0})) failed under qemu-x86_64 -cpu Haswell in $((SECONDS - start)) s;"
summary+=" fovea dispatched to ${isa:-?}, oneDNN to ${onednn:-?}"
if [[ $status -ne 0 ]]; then
  echo "test-haswell: FAILED: $summary (exit status $status)" >&2
  exit 1
fi
if [[ $isa != avx2 ]]; then
  echo "test-haswell: FAILED: $summary; expected avx2" >&2
  exit 1
fi
echo "test-haswell: OK: $summary"
