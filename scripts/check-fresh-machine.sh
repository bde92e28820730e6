#!/usr/bin/env bash
# Proves the README's set-up on a fresh Debian 12: builds a minimal root with debootstrap (minbase,
# plus ca-certificates and git, nothing else), clones the committed tree into a fresh copy of it,
# and runs the README's two commands exactly, each in a chroot, under a timeout, as root with a
# clean environment and no stdin. Then makes the .deb (scripts/package.sh) in that root, installs
# it with apt into a second fresh root, and trains one epoch with the installed `fovea`.
#
# Why this exists: CI runs on a machine where earlier sessions installed packages by hand, so a
# missing install step stays invisible there. Only a root that starts empty shows it.
#
#   bash scripts/check-fresh-machine.sh [--refresh]
#
# The base root is cached in $FOVEA_FRESH_CACHE (default /var/cache/fovea-fresh-machine), keyed by
# the mirror; --refresh builds it anew. The mirror is the one the host's apt uses, read at run time.
# Everything runs inside a private mount and PID namespace (unshare), so every mount and every
# process it started is gone however it ends: a failure, Ctrl-C, a timeout or a kill.
# Timeouts in seconds: FOVEA_FRESH_TRAIN_TIMEOUT, FOVEA_FRESH_TEST_TIMEOUT, FOVEA_FRESH_STEP_TIMEOUT.
set -euo pipefail

suite=bookworm
include=ca-certificates,git
cache=${FOVEA_FRESH_CACHE:-/var/cache/fovea-fresh-machine}
train_timeout=${FOVEA_FRESH_TRAIN_TIMEOUT:-1800}
test_timeout=${FOVEA_FRESH_TEST_TIMEOUT:-2400}
step_timeout=${FOVEA_FRESH_STEP_TIMEOUT:-1200}
# What a root login on a fresh machine has, and nothing of this shell's (CI=true, OPENBLAS_*, ...).
clean_env=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
           PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)

log() { printf '[fresh-machine %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'check-fresh-machine.sh: %s\n' "$*" >&2; exit 1; }

# Both halves are functions, read whole before they run: bash reads a script as it goes, so
# editing this file during a run would otherwise change the steps still to come.

# ---- outside the namespace: arguments, the committed tree, the work folder ----------------------
work= ns_pid=
# On any exit. SIGKILL to unshare kills the namespace's first process (--kill-child), and with it
# every process inside and every mount. The mounts were never visible out here, so removing the
# work folder cannot reach through a bind mount into /dev or shared/.
cleanup() {
  if [[ -n "$ns_pid" ]]; then
    kill -KILL "$ns_pid" 2>/dev/null || true
    wait "$ns_pid" 2>/dev/null || true
  fi
  [[ -z "$work" ]] || rm -rf --one-file-system "$work"
}

outside() {
  local refresh=0 repo shared start status
  for a in "$@"; do
    case "$a" in
      --refresh) refresh=1 ;;
      *) die "unknown argument '$a' (expected --refresh)" ;;
    esac
  done
  [[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and mounts need it)"
  for tool in debootstrap unshare chroot git timeout; do
    command -v "$tool" >/dev/null || die "'$tool' not found (Debian: apt-get install debootstrap util-linux coreutils git)"
  done
  repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
  shared=$(realpath "$repo/../shared" 2>/dev/null) || die "no shared/ beside the repository ($repo/../shared): the README's train command reads MNIST from there"
  [[ -d "$shared/data/mnist" ]] || die "$shared/data/mnist is missing"
  # The committed tree only: uncommitted changes are not what a user clones.
  [[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ]] \
    || log "note: uncommitted changes in $repo are not part of this check (it clones HEAD)"
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/fovea-fresh.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$cache"
  rm -rf "$cache"/*.partial  # left by a debootstrap that was interrupted
  start=$SECONDS
  status=0
  # In the background and waited for, so that Ctrl-C or a TERM reaches the traps at once (bash
  # runs a trap only after a foreground child ends, and unshare ignores both signals).
  unshare --mount --pid --fork --kill-child --mount-proc --propagation private \
    bash "$0" --inside "$repo" "$shared" "$work" "$refresh" &
  ns_pid=$!
  wait "$ns_pid" || status=$?
  ns_pid=
  log "total $((SECONDS - start)) s, exit $status"
  return "$status"
}

# ---- inside: a private mount and PID namespace ---------------------------------------------------
inside() {
  local repo=$2 shared=$3 work=$4 refresh=$5

  # The host's Debian archives (the suite and its -updates and -security), as apt resolved them.
  mapfile -t archives < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
                            awk -v s="$suite" '$2 == s || $2 == s "-updates" || $2 == s "-security"' | sort -u)
  ((${#archives[@]})) || die "the host's apt lists no $suite archive (run apt-get update on the host)"
  mirror=$(printf '%s\n' "${archives[@]}" | awk -v s="$suite" '$2 == s {print $1; exit}')
  [[ -n "$mirror" ]] || die "the host's apt has no '$suite' archive, only: ${archives[*]}"

  base="$cache/debian-$suite-minbase-$(printf '%s %s' "$mirror" "$include" | sha256sum | cut -c1-12)"
  if [[ "$refresh" == 1 || ! -x "$base/bin/bash" ]]; then
    log "building the base root with debootstrap from $mirror (cached in $base)"
    rm -rf "$base" "$base.partial"
    t=$SECONDS
    if ! timeout -k 30 "$step_timeout" debootstrap --variant=minbase --include="$include" "$suite" "$base.partial" "$mirror" \
          >"$work/debootstrap.log" 2>&1; then
      tail -n 40 "$work/debootstrap.log" >&2
      die "debootstrap failed (log above)"
    fi
    # A fresh install's apt sources: the suite with its updates and security archives.
    printf '%s\n' "${archives[@]}" | while read -r uri release components; do
      printf 'deb %s %s %s\n' "$uri" "$release" "$components"
    done >"$base.partial/etc/apt/sources.list"
    rm -f "$base.partial/var/cache/apt/archives/"*.deb
    mv "$base.partial" "$base"
    log "base root built in $((SECONDS - t)) s"
  else
    log "base root from cache: $base"
  fi

  # A fresh copy of the base root with what a machine has beyond its files: /proc, /dev, DNS.
  # shared/ is bound read-only beside the clone, where the README's commands expect it.
  new_root() {
    local root=$1
    cp -a --reflink=auto "$base" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    mkdir -p "$root/work/shared"
    mount --bind "$shared" "$root/work/shared"
    mount -o remount,bind,ro "$root/work/shared"
  }

  # Runs a command line in a root like a fresh login would, under a timeout; on failure prints the
  # last lines of its output and stops the check.
  in_root() {
    local root=$1 name=$2 limit=$3 cmd=$4
    local out="$work/$name.log" t=$SECONDS
    log "$name: $cmd"
    if timeout -k 30 "$limit" chroot "$root" "${clean_env[@]}" /bin/bash -c "cd /work/main 2>/dev/null || cd /; $cmd" \
         </dev/null >"$out" 2>&1; then
      log "$name: passed in $((SECONDS - t)) s"
    else
      local rc=$?
      ((rc == 124 || rc == 137)) && log "$name: timed out after ${limit} s" || log "$name: failed with exit $rc after $((SECONDS - t)) s"
      echo "---- last lines of '$cmd' ----" >&2
      tail -n 40 "$out" >&2
      exit 1
    fi
  }

  # The README's set-up commands: the first fenced block, one command a line, comments dropped.
  mapfile -t readme_cmds < <(awk '/^```/ {n++; next} n == 1' "$repo/README.md" | sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d')
  ((${#readme_cmds[@]} == 2)) || die "README.md's first code block should hold exactly two commands, found ${#readme_cmds[@]}"

  # ---- 1. the README's two commands in a fresh root ---------------------------------------------
  build_root="$work/build-root"
  new_root "$build_root"
  git clone -q --no-hardlinks "$repo" "$build_root/work/main"
  log "cloned $(git -C "$build_root/work/main" rev-parse --short HEAD) into a fresh root"
  in_root "$build_root" readme-main "$train_timeout" "${readme_cmds[0]}"
  grep -E '^epoch:' "$work/readme-main.log" | tail -n 1
  in_root "$build_root" readme-tests "$test_timeout" "${readme_cmds[1]}"
  grep -E 'tests passed|tests failed' "$work/readme-tests.log" | tail -n 1
  # install-deps.sh after an interrupted install: pkg-config left unpacked but not configured, as
  # a killed apt-get leaves it. The script must finish the install rather than fail.
  in_root "$build_root" interrupted-install "$step_timeout" \
    'cd /tmp && apt-get download -qq pkg-config && dpkg --unpack pkg-config_*.deb >/dev/null && dpkg --audit | grep -q pkg-config &&
     cd /work/main && bash scripts/install-deps.sh && dpkg-query -W -f="\${Status}\n" pkg-config | grep -qx "install ok installed"'
  grep -F 'dpkg --configure -a' "$work/interrupted-install.log" \
    || die "install-deps.sh did not finish the interrupted install (log: $(cat "$work/interrupted-install.log"))"

  # ---- 2. the .deb, installed with apt into another fresh root ------------------------------------
  in_root "$build_root" package "$step_timeout" "bash scripts/package.sh"
  deb=$(cd "$build_root/work/main/build" && ls fovea_*_amd64.deb)
  log "made $deb ($(du -h "$build_root/work/main/build/$deb" | cut -f1)); Depends: $(chroot "$build_root" dpkg-deb -f "/work/main/build/$deb" Depends)"
  deb_root="$work/deb-root"
  new_root "$deb_root"
  cp "$build_root/work/main/build/$deb" "$deb_root/tmp/"
  in_root "$deb_root" deb-install "$step_timeout" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./tmp/$deb"
  in_root "$deb_root" deb-version 60 "fovea --version"
  cat "$work/deb-version.log"
  in_root "$deb_root" deb-train "$step_timeout" "fovea train --epochs 1 --data /work/shared/data/mnist"
  grep -E '^epoch:' "$work/deb-train.log" | tail -n 1
  log "all passed"
}
if [[ "${1:-}" == --inside ]]; then inside "$@"; else outside "$@"; fi
