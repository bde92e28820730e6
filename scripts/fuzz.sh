#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, one per parser of untrusted bytes) with clang, ASan and UBSan
# into build-fuzz/, and runs each for SECONDS_PER_TARGET (default 60). CI runs 30 s each.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    targets: idx safetensors checkpoint image cli
#
# Each target starts from its seeds in fuzz/corpus/<target>/ (read only) and from what earlier runs
# found, in build-fuzz/corpus/<target>/, where new inputs go; the repository is never written.
# A target that crashes, trips a sanitizer, breaks an invariant, times out (10 s for one input)
# or runs out of memory (2 GB) leaves the input in build-fuzz/findings/<run>/<target>/ and fails
# the script, which names that file and prints the report's top. All targets run either way.
# Reproduce with: build-fuzz/fuzz/<target>_fuzz <file>. Needs clang-14 and its runtime
# (scripts/install-deps.sh --fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
all=(idx safetensors checkpoint image cli)
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a whole number > 0, got '$seconds'" >&2
  exit 2
fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (expected: ${all[*]})" >&2; exit 2; }
done
for tool in clang++-14; do
  command -v $tool >/dev/null || { echo "fuzz.sh: $tool not found (bash scripts/install-deps.sh --fuzz)" >&2; exit 2; }
done

# RelWithDebInfo: optimised like the library users run, with line numbers in the reports.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 \
  -DFOVEA_FUZZ=ON -DFOVEA_SANITIZE=address,undefined -DFOVEA_BUILD_TESTS=OFF -DFOVEA_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/%/_fuzz}"

# Every sanitizer error is a crash libFuzzer catches and saves the input of. Leaks count too
# (libFuzzer checks each input that allocated more than it freed).
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=0:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:symbolize=1
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14 || true)}
# The parsers run single-threaded; no OpenMP team is started for the few kernels prepare_digit uses.
export OMP_NUM_THREADS=1

run=build-fuzz/findings/$(date +%Y%m%d-%H%M%S)
failed=()
for t in "${targets[@]}"; do
  scratch=build-fuzz/corpus/$t findings=$run/$t log=build-fuzz/logs/$t.log
  mkdir -p "$scratch" "$findings" "$(dirname "$log")"
  dict=()
  [[ -f fuzz/$t.dict ]] && dict=(-dict=fuzz/$t.dict)
  start=$SECONDS
  status=0
  "build-fuzz/fuzz/${t}_fuzz" "$scratch" "fuzz/corpus/$t" "${dict[@]}" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  summary="$t: ${runs:-?} inputs in $((SECONDS - start)) s, ${cov:-cov: ?}, corpus $(find "$scratch" -type f | wc -l) in $scratch"
  found=$(find "$findings" -type f | head -1)
  if [[ $status -ne 0 || -n $found ]]; then
    failed+=("$t")
    echo "fuzz.sh: FAILED: $summary (exit status $status)"
    echo "fuzz.sh: input: ${found:-none saved}; reproduce: build-fuzz/fuzz/${t}_fuzz ${found:-<input>}; log: $log"
    # The report: from the sanitizer's or libFuzzer's first line to the saved input.
    sed -n '/^==[0-9]*==\|^[^ ]*: runtime error\|invariant broken\|^=* *ERROR: libFuzzer\|terminate called/,$p' "$log" | head -40
  else
    echo "fuzz.sh: OK: $summary"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: ${#failed[@]} of ${#targets[@]} targets found something: ${failed[*]} (inputs under $run/)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds} s without a finding"
