#!/usr/bin/python3
"""The seed's epoch on a shared machine: another process spinning on one core (started and stopped
by this script), fovea at --threads 1, at --threads 2 (elastic, the default) and at --threads 2
--fixed-threads; and the same on the quiet machine. Medians of several runs, the CPU named.

The issue's bar: under the load, --threads 2 takes at most 1.5x the time of --threads 1.

    /usr/bin/python3 bench/shared_machine.py [--build build] [--data ../shared/data/mnist]
                                             [--runs 3] [--epochs 3] [--fixed-timeout 300]

An epoch's time is the difference of the `time is:` lines of consecutive epochs (the first
epoch, which builds kernels and lets the thread governor settle, is dropped). It includes the
test evaluation, as the seed's epoch does.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def spinner(core):
    """A process that keeps `core` busy until killed (a tight loop, pinned with taskset)."""
    return subprocess.Popen(["taskset", "-c", str(core), "/usr/bin/python3", "-c", "while True: pass"])


def epoch_seconds(fovea, data, threads, epochs, extra, timeout):
    cmd = [fovea, "train", "--epochs", str(epochs), "--threads", str(threads), "--data", data, "--no-download"] + extra
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
    except subprocess.TimeoutExpired:
        return None
    stamps = [float(x) for x in re.findall(r"time is:([0-9.]+)s", out)]
    return statistics.median([b - a for a, b in zip(stamps, stamps[1:])])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--fixed-timeout", type=int, default=300, help="seconds before a --fixed-threads run under load is given up")
    a = p.parse_args()
    fovea = os.path.join(a.build, "fovea")
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        sys.exit("shared_machine: needs at least 2 cores")
    configs = [("quiet", 1, []), ("quiet", 2, []), ("loaded", 1, []), ("loaded", 2, []), ("loaded", 2, ["--fixed-threads"])]
    results = {}
    for condition, threads, extra in configs:
        times = []
        for _ in range(a.runs):
            load = spinner(cores - 1) if condition == "loaded" else None
            try:
                time.sleep(0.5)
                timeout = a.fixed_timeout if extra else None
                times.append(epoch_seconds(fovea, a.data, threads, a.epochs, extra, timeout))
            finally:
                if load:
                    load.send_signal(signal.SIGKILL)
                    load.wait()
        results[(condition, threads, tuple(extra))] = times
        shown = ", ".join("timeout" if t is None else f"{t:.2f}" for t in times)
        done = [t for t in times if t is not None]
        med = f"{statistics.median(done):.2f} s" if done else "n/a"
        print(f"{condition:6} --threads {threads} {' '.join(extra):16} epoch median {med:>9}  (runs: {shown})", flush=True)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    med = lambda k: statistics.median([t for t in results[k] if t is not None])
    ratio = med(("loaded", 2, ())) / med(("loaded", 1, ()))
    print(f"CPU: {cpu}, {cores} cores; load: one spinning process pinned to core {cores - 1}")
    print(f"loaded: --threads 2 / --threads 1 = {ratio:.2f} (bar: <= 1.5); "
          f"quiet: --threads 2 / --threads 1 = {med(('quiet', 2, ())) / med(('quiet', 1, ())):.2f}")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
