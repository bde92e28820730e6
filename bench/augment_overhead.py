#!/usr/bin/python3
"""What augmentation costs the seed's epoch: `fovea train` with no augmentation, with
`--augment crop,affine` (the seed's translation and rotation invariances) and with all five
transforms, alternated round by round so that a noisy machine slows all of them alike. The
transforms run per sample on the DataLoader's worker thread while the two compute threads train
on the batch before; the issue's bar is that they do not slow the epoch.

    /usr/bin/python3 bench/augment_overhead.py [--build build] [--data ../shared/data/mnist]
                                               [--rounds 5] [--threads 2]

An epoch's time is the difference of the `time is:` lines of epochs 1 and 2 (epoch 0 builds the
kernels), test evaluation included, as the seed's epoch is.
"""
import argparse
import re
import statistics
import subprocess

VARIANTS = [("none", []), ("crop,affine", ["--augment", "crop,affine"]),
            ("all five", ["--augment", "hflip,crop,affine,jitter,erasing"])]


def epoch_seconds(fovea, data, threads, extra):
    cmd = [fovea, "train", "--epochs", "3", "--threads", str(threads), "--data", data, "--no-download",
           "--no-progress"] + extra
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    stamps = [float(x) for x in re.findall(r"time is:([0-9.]+)s", out)]
    return stamps[2] - stamps[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--data", default="../shared/data/mnist")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    print(f"CPU: {cpu}; the seed's epoch at --threads {args.threads}, {args.rounds} rounds, medians")
    times = {name: [] for name, _ in VARIANTS}
    for _ in range(args.rounds):
        for name, extra in VARIANTS:
            times[name].append(epoch_seconds(f"{args.build}/fovea", args.data, args.threads, extra))
    base = statistics.median(times["none"])
    for name, _ in VARIANTS:
        t = statistics.median(times[name])
        paired = statistics.median(a / b for a, b in zip(times[name], times["none"]))
        print(f"  augment {name:12s} epoch {t:6.3f} s   {t / base:5.3f}x no augmentation "
              f"(paired by round {paired:5.3f}x)")


if __name__ == "__main__":
    main()
