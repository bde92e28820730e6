#!/usr/bin/python3
"""fovea against PyTorch on the same machine and thread count, side by side in one run.

For each thread count, alternates the programs `--rounds` times (each: `--epochs` epochs; the
first epoch of each process is warm-up and dropped) and prints medians and ratios. Then, for
fovea alone: a profiled epoch (per layer, forward and backward; FP32 peak and the share reached;
single-image latency), the time from launching `fovea train` to its first finished training
step, and the peak memory of a one-epoch `fovea train`.

With `--baseline-build DIR`, DIR's bench_epoch (a build configured with -DFOVEA_NATIVE=ON, i.e.
-march=native) runs in the same rounds, and the ratio portable/native shows what run-time
dispatch costs against compiling for this one machine. `--baseline-label before` names the
baseline otherwise: a build of an earlier commit, to show a change's cost (ratio fovea/before).
`--no-pytorch` leaves PyTorch out.

    /usr/bin/python3 bench/compare.py [--build build] [--data ../shared/data/mnist] [--threads 1,2]
                                      [--baseline-build build-native] [--no-pytorch]
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        if not line.startswith("impl="):
            continue
        fields = dict(kv.split("=", 1) for kv in line.split())
        if int(fields["epoch"]) > 0:  # epoch 0 pays for warm-up (primitive creation, page faults)
            rows.append(fields)
    return rows


def first_step_seconds(cli, data):
    """Wall time from launching `fovea train` to its report of the first finished step."""
    start = time.perf_counter()
    proc = subprocess.Popen([cli, "train", "--epochs", "1", "--threads", "2", "--timing", "--data", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "first training step finished" in line:
            elapsed = time.perf_counter() - start
            proc.kill()
            proc.wait()
            return elapsed
    proc.wait()
    raise RuntimeError("fovea train ended without reporting its first step")


def peak_memory_mb(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"{cmd} failed")
    return usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    ap.add_argument("--threads", default="2", help="comma-separated thread counts, e.g. 1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--baseline-build", help="a -DFOVEA_NATIVE=ON build to run side by side with --build")
    ap.add_argument("--baseline-label", default="native",
                    help="what the baseline build is: native (the default) or, e.g., before (an earlier commit)")
    ap.add_argument("--no-pytorch", action="store_true", help="leave PyTorch out (not installed, or not wanted)")
    args = ap.parse_args()
    if not args.no_pytorch and importlib.util.find_spec("torch") is None:
        sys.exit("compare.py: PyTorch is not installed (scripts/install-deps.sh --bench installs it); "
                 "--no-pytorch compares fovea builds only")
    # With a baseline, the --build under test is the portable one.
    base = args.baseline_label
    fovea = ("portable" if base == "native" else "fovea") if args.baseline_build else "fovea"
    summary = []
    for threads in [int(t) for t in args.threads.split(",")]:
        common = ["--data", args.data, "--threads", str(threads), "--epochs", str(args.epochs)]
        cmds = {fovea: [os.path.join(args.build, "bench_epoch")] + common}
        if args.baseline_build:
            cmds[base] = [os.path.join(args.baseline_build, "bench_epoch")] + common
        if not args.no_pytorch:
            cmds["pytorch"] = [sys.executable, os.path.join(HERE, "pytorch_epoch.py")] + common
        results = {name: [] for name in cmds}
        for r in range(args.rounds):
            for name, cmd in cmds.items():
                rows = run(cmd)
                results[name] += rows
                for row in rows:
                    isa = f"  isa {row['isa']}" if "isa" in row else ""
                    print(f"{threads} threads, round {r}, {name:8s} train {float(row['train_s']):7.3f} s"
                          f"  eval {float(row['eval_s']):6.3f} s  test_acc {row['test_acc']}{isa}", flush=True)
        med = {name: {k: statistics.median(float(row[k]) for row in rows) for k in ("train_s", "eval_s")}
               for name, rows in results.items()}
        for k, label in (("train_s", "training epoch (60,000 images)"), ("eval_s", "test evaluation (10,000 images)")):
            f = med[fovea][k]
            line = f"  {threads} thread(s)  {label:34s} {fovea} {f:7.3f} s"
            if base in med:
                n = med[base][k]
                # The same epoch of the same round, run back to back, divided: a busy neighbour
                # slows both halves of a pair alike, so this median is steadier than the ratio
                # of the two medians on a shared machine.
                paired = statistics.median(float(a[k]) / float(b[k]) for a, b in zip(results[fovea], results[base]))
                line += f"   {base} {n:7.3f} s   {fovea}/{base} {f / n:5.3f} (paired by round {paired:5.3f})"
            if "pytorch" in med:
                t = med["pytorch"][k]
                line += f"   pytorch {t:7.3f} s   speed-up {t / f:5.2f}x"
            summary.append(line)
    print(f"\nmedians over {args.rounds * (args.epochs - 1)} epochs each:")
    print("\n".join(summary), flush=True)

    cli = os.path.join(args.build, "fovea")
    print()
    print(subprocess.run([os.path.join(args.build, "bench_epoch"), "--data", args.data, "--threads", "2",
                          "--epochs", "2", "--profile", "1"], check=True, capture_output=True, text=True).stdout)
    starts = [first_step_seconds(cli, args.data) for _ in range(5)]
    print(f"fovea train, launch to first finished training step: median {statistics.median(starts):.3f} s "
          f"(of {', '.join(f'{s:.3f}' for s in starts)})")
    mem = peak_memory_mb([cli, "train", "--epochs", "1", "--threads", "2", "--data", args.data])
    print(f"fovea train --epochs 1, peak resident memory: {mem:.1f} MB")


if __name__ == "__main__":
    main()
