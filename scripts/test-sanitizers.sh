#!/usr/bin/env bash
# The test suite under the sanitizers, each in its own build folder (cmake/Sanitizers.cmake):
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/): the whole ctest suite.
#   tsan  ThreadSanitizer (build-tsan/): the tests that run the DataLoader's worker threads and
#         the OpenMP kernels (TSAN_FILTER below).
# Every report is fatal (-fno-sanitize-recover=all, halt_on_error, abort_on_error) and fails the
# test that hit it; the script prints one summary line per part and exits non-zero on any failure.
#
#   scripts/test-sanitizers.sh [asan|tsan]...     (default: both)
#
# What is not instrumented: Debian's oneDNN (and the code its JIT writes), libgomp, zlib, libcurl.
# ASan and UBSan see nothing inside them and report nothing false because of them. TSan does not
# see libgomp's fork and join, so it would report every OpenMP team's hand-over as a race: the TSan
# build tells it of them (tests/support/tsan_openmp_fork_join.cpp), and needs no suppressions, so
# races inside fovea's OpenMP regions are reported too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
parts=("$@")
((${#parts[@]})) || parts=(asan tsan)
for p in "${parts[@]}"; do
  [[ $p == asan || $p == tsan ]] || { echo "test-sanitizers.sh: unknown part '$p' (expected asan or tsan)" >&2; exit 2; }
done

# Tests left out under ASan, each with its reason (a ctest -E regex):
#   InputChecks.OutOfMemory...: runs fovea under `ulimit -v`; ASan reserves terabytes of shadow
#   address space at start-up and dies before main() under any such limit.
ASAN_EXCLUDE='^InputChecks\.OutOfMemoryIsOneLine'
# The tests with threads, run under TSan with a team of two OpenMP threads: the DataLoader's
# workers (DataLoader, the per-sample augmentation seeds, Checkpoint's resumed run), the downloader's local HTTP server (Download), the
# OpenMP kernels against their serial references (Kernel*, BlockedLayout, Optim*), training with
# both at once (Determinism), the elastic thread governor (ThreadGovernor) and the IDX reader's
# inflating thread (IdxStream, Mnist: every MNIST file is read that way).
TSAN_FILTER='IdxStream*:Mnist.EveryImageComesOutAsTheFileHoldsIt:DataLoader*:Augment.Loader*:Checkpoint.ResumeGoesOnExactly:Download*:Kernel*:*/Kernel*:BlockedLayout*:Optim*:Determinism*:ThreadGovernor*'

configure() {  # folder, sanitizers
  # RelWithDebInfo: the optimisation the suite normally runs with, and line numbers in reports.
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOVEA_SANITIZE="$2" -DFOVEA_BUILD_BENCH=OFF >/dev/null
}

status=0
for p in "${parts[@]}"; do
  start=$SECONDS
  if [[ $p == asan ]]; then
    configure build-asan address,undefined
    cmake --build build-asan -j2
    built=$((SECONDS - start))
    # detect_leaks: LeakSanitizer at exit. check_initialization_order/strict_init_order: static
    # initialisers that read another file's globals. libgomp and oneDNN need no option: their
    # threads' and caches' memory is still reachable at exit, which LSan does not report.
    export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0
    export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
    # fontconfig's one-time caches (the pictures' text) are all tests/lsan.supp names.
    export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
    # -j2 as the README's test command; timeouts doubled: instrumented code runs 2-3x slower.
    if (cd build-asan && ctest --output-on-failure -j2 --timeout 1200 -E "$ASAN_EXCLUDE" >ctest.log 2>&1); then
      echo "test-sanitizers: asan: OK: $(grep -o '[0-9]*% tests passed.*' build-asan/ctest.log) (build ${built} s, tests $((SECONDS - start - built)) s)"
    else
      grep -A200 'The following tests FAILED' build-asan/ctest.log || tail -50 build-asan/ctest.log
      echo "test-sanitizers: asan: FAILED (build ${built} s, tests $((SECONDS - start - built)) s; log: build-asan/ctest.log)" >&2
      status=1
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
  else
    configure build-tsan thread
    cmake --build build-tsan -j2 --target fovea_tests
    built=$((SECONDS - start))
    # The tensor allocator's block cache is off in this build (FOVEA_SANITIZER_BUILD): TSan sees
    # every block's change of owner through malloc and free. OpenMP's fork and join, which happen
    # inside the uninstrumented libgomp, are told to TSan by tests/support/tsan_openmp_fork_join.cpp
    # (linked into this build's fovea_tests). ignore_noninstrumented_modules: the libc calls that
    # oneDNN and libgomp make (memcpy, memset, which TSan intercepts) are not checked; their
    # synchronisation is invisible. With both, no suppression file is needed.
    # second_deadlock_stack: both stacks of a lock-order inversion.
    export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"
    log=build-tsan/tsan.log
    if OMP_NUM_THREADS=2 build-tsan/fovea_tests --gtest_filter="$TSAN_FILTER" --gtest_brief=1 >"$log" 2>&1; then
      echo "test-sanitizers: tsan: OK: $(grep -o '[0-9]* tests\? from .* ran' "$log" | tail -1) (build ${built} s, tests $((SECONDS - start - built)) s)"
    else
      grep -m1 -A60 'WARNING: ThreadSanitizer\|FAILED\|Failure' "$log" || tail -50 "$log"
      echo "test-sanitizers: tsan: FAILED (build ${built} s, tests $((SECONDS - start - built)) s; log: $log)" >&2
      status=1
    fi
    unset TSAN_OPTIONS
  fi
done
exit $status
