#!/usr/bin/env bash
# scripts/install-deps.sh on input it cannot act on: it must say so in one line and exit non-zero,
# touching nothing. (Its recovery from an interrupted dpkg run is exercised on a real root by
# scripts/check-fresh-machine.sh.)
#   install_deps_test.sh SCRIPT
set -uo pipefail
script=$1
fail() { echo "FAIL: $*"; exit 1; }

# An unknown flag.
out=$(bash "$script" --no-such-flag 2>&1); rc=$?
((rc == 2)) || fail "unknown flag: exit $rc, expected 2"
[[ $(wc -l <<<"$out") -eq 1 && "$out" == *"unknown flag '--no-such-flag'"* ]] || fail "unknown flag: said '$out'"

# Not Debian: hide /etc/debian_version (a bind mount of /dev/null in a private mount namespace,
# so the host never sees it). Needs root; skipped (exit 77) otherwise.
if [[ $(id -u) -ne 0 ]] || ! unshare --mount true 2>/dev/null; then
  echo "SKIP: needs root and unshare to hide /etc/debian_version"
  exit 77
fi
out=$(unshare --mount bash -c 'mount --bind /dev/null /etc/debian_version && bash "$0"' "$script" 2>&1); rc=$?
((rc != 0)) || fail "non-Debian system: exit 0"
[[ $(wc -l <<<"$out") -eq 1 && "$out" == *"not a Debian system"*"libdnnl-dev"*"ocl-icd-opencl-dev"* ]] \
  || fail "non-Debian system: said '$out'"
echo "PASS: install-deps.sh refuses unknown flags and non-Debian systems with one line"
