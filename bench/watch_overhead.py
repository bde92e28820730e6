#!/usr/bin/python3
"""What watching a run costs: the seed's epoch with nothing attached, with the live progress line
drawn on a real terminal (a pseudo-terminal this script holds, as a person's would be), and with
everything on (progress line, --log with --log-every 10, --plots, --tensorboard). The three run
interleaved, round after round, so that a slow spell of the machine hits them alike; medians of
the runs, the CPU named.

    /usr/bin/python3 bench/watch_overhead.py [--build build] [--data ../shared/data/mnist]
                                             [--runs 5] [--epochs 3]

An epoch's time is the difference of the `time is:` lines of consecutive epochs (the first epoch,
which builds kernels, is dropped); it includes the evaluation and, with --plots, the pictures
drawn after it, as a user waits for them.
"""
import argparse
import os
import pty
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run_on_terminal(cmd):
    """Runs cmd with stdout on a pseudo-terminal; returns everything it wrote there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    err = proc.stderr.read().decode()
    if proc.wait() != 0:
        sys.exit(f"watch_overhead: {' '.join(cmd)} failed: {err}")
    return b"".join(chunks).decode(errors="replace")


def epoch_seconds(output):
    stamps = [float(x) for x in re.findall(r"time is:([0-9.]+)s", output)]
    return statistics.median([b - a for a, b in zip(stamps, stamps[1:])])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--epochs", type=int, default=3)
    a = p.parse_args()
    fovea = os.path.join(a.build, "fovea")
    base = [fovea, "train", "--epochs", str(a.epochs), "--data", a.data, "--no-download", "--fixed-threads"]
    scratch = tempfile.mkdtemp(prefix="fovea_watch_")
    configs = {
        "nothing attached": ["--no-progress"],
        "progress line": [],  # on a terminal: shown by default
        "everything": ["--log", os.path.join(scratch, "m.jsonl"), "--log-every", "10", "--plots",
                       os.path.join(scratch, "plots"), "--tensorboard", os.path.join(scratch, "tb")],
    }
    times = {name: [] for name in configs}
    try:
        for round_ in range(a.runs):
            for name, extra in configs.items():
                out = run_on_terminal(base + extra)
                if name != "nothing attached" and "\r" not in out:
                    sys.exit("watch_overhead: no progress line was drawn on the terminal")
                times[name].append(epoch_seconds(out))
            print(f"round {round_ + 1}: " + ", ".join(f"{n} {t[-1]:.3f} s" for n, t in times.items()), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    cores = len(os.sched_getaffinity(0))
    base_median = statistics.median(times["nothing attached"])
    print(f"CPU: {cpu}, {cores} cores; {a.runs} runs of {a.epochs} epochs, epoch medians:")
    for name, t in times.items():
        m = statistics.median(t)
        print(f"  {name:17} {m:.3f} s  ({m / base_median:.3f} x nothing attached)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
