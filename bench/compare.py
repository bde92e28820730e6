#!/usr/bin/python3
"""fovea against PyTorch on the same machine and thread count, side by side in one run.

For each model and thread count, alternates the programs `--rounds` times (each: `--epochs`
epochs; the first epoch of each process is warm-up and dropped) and prints medians and ratios,
then one table: per model and thread count, the training epoch of fovea and of each PyTorch,
PyTorch's time over fovea's (the speed-up), and fovea's GFLOP/s with its share of the FP32 peak
that bench_epoch measured in the same runs (--peak 1). Two PyTorches run: Debian's (the Python
running this script, python3-torch 1.13) and, when bench/install-pypi-torch.sh has installed it
into build/venv-torch, the current release from PyPI (`--pypi-python`, `--no-pypi`).

`--models` picks the networks (comma-separated): cnn (the seed's CNN, the default), wide (the
same layers with 64 and 128 channels and a 512-unit hidden layer, bench/models/wide_cnn.txt) and
lenet5 (fovea's models::LeNet5: Tanh, average pooling). Each side counts its parameters and the
run stops if they differ, so both train the same network. Then, for fovea alone
(`--no-extras` skips it): a profiled epoch (per layer, forward and backward; FP32 peak and the share reached;
single-image latency), the time from launching `fovea train` to its first finished training
step, and the peak memory of a one-epoch `fovea train`.

With `--baseline-build DIR`, DIR's bench_epoch (a build configured with -DFOVEA_NATIVE=ON, i.e.
-march=native) runs in the same rounds, and the ratio portable/native shows what run-time
dispatch costs against compiling for this one machine. `--baseline-label before` names the
baseline otherwise: a build of an earlier commit, to show a change's cost (ratio fovea/before).
`--no-pytorch` leaves PyTorch out.

    /usr/bin/python3 bench/compare.py [--build build] [--data ../shared/data/mnist] [--threads 1,2]
                                      [--models cnn,wide,lenet5] [--rounds 3] [--epochs 2]
                                      [--baseline-build build-native] [--no-pytorch] [--no-pypi]
                                      [--pypi-python build/venv-torch/bin/python] [--no-extras]
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WIDE = os.path.join(HERE, "models", "wide_cnn.txt")
# name: (bench_epoch's flags, pytorch_epoch.py's flags, what it is)
MODELS = {
    "cnn": (["--model", "cnn"], ["--model", "cnn"], "the seed's CNN"),
    "wide": (["--model-file", WIDE], ["--model-file", WIDE], "the seed's CNN, wide (64/128 channels, fc 512)"),
    "lenet5": (["--model", "lenet5"], ["--model", "lenet5"], "LeNet-5 (Tanh, average pooling)"),
}


def run(cmd, peaks=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        if line.startswith("peak_gflops=") and peaks is not None:
            peaks.append(float(line.split()[0].split("=", 1)[1]))
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
    ap.add_argument("--no-pytorch", action="store_true", help="leave Debian's PyTorch out (not installed, or not wanted)")
    ap.add_argument("--pypi-python", default=os.path.join(HERE, "..", "build", "venv-torch", "bin", "python"),
                    help="a Python with PyPI's torch (bench/install-pypi-torch.sh makes build/venv-torch)")
    ap.add_argument("--no-pypi", action="store_true", help="leave the PyPI PyTorch out")
    ap.add_argument("--train-images", type=int, default=0,
                    help="train each epoch on the first N images only (default: all 60,000), for quick runs")
    ap.add_argument("--models", default="cnn", help="comma-separated, of: " + ", ".join(MODELS))
    ap.add_argument("--no-extras", action="store_true",
                    help="skip fovea's profile, start-up and memory measurements after the table")
    args = ap.parse_args()
    if not args.no_pytorch and importlib.util.find_spec("torch") is None:
        sys.exit("compare.py: PyTorch is not installed (scripts/install-deps.sh --bench installs it); "
                 "--no-pytorch compares fovea builds only")
    torches = {} if args.no_pytorch else {"pytorch": sys.executable}
    if not args.no_pypi:
        if os.access(args.pypi_python, os.X_OK):
            torches["pypi"] = args.pypi_python
        else:
            print(f"compare.py: no PyPI PyTorch at {args.pypi_python} (bench/install-pypi-torch.sh installs it); "
                  "running without it", file=sys.stderr)
    models = args.models.split(",")
    for m in models:
        if m not in MODELS:
            sys.exit(f"compare.py: unknown model '{m}' (expected one of {', '.join(MODELS)})")
    # With a baseline, the --build under test is the portable one.
    base = args.baseline_label
    fovea = ("portable" if base == "native" else "fovea") if args.baseline_build else "fovea"
    images = min(args.train_images, 60000) if args.train_images > 0 else 60000
    summary = []
    table = []
    versions = {}
    for model in models:
        fovea_flags, torch_flags, _ = MODELS[model]
        for threads in [int(t) for t in args.threads.split(",")]:
            common = ["--data", args.data, "--threads", str(threads), "--epochs", str(args.epochs)]
            if args.train_images:
                common += ["--train-images", str(args.train_images)]
            cmds = {fovea: [os.path.join(args.build, "bench_epoch")] + common + fovea_flags + ["--peak", "1"]}
            if args.baseline_build:
                cmds[base] = [os.path.join(args.baseline_build, "bench_epoch")] + common + fovea_flags
            for name, python in torches.items():
                cmds[name] = [python, os.path.join(HERE, "pytorch_epoch.py")] + common + torch_flags
            results = {name: [] for name in cmds}
            peaks = []
            for r in range(args.rounds):
                for name, cmd in cmds.items():
                    rows = run(cmd, peaks if name == fovea else None)
                    results[name] += rows
                    for row in rows:
                        isa = f"  isa {row['isa']}" if "isa" in row else ""
                        isa += f"  torch {row['version']}" if "version" in row else ""
                        print(f"{model} {threads} threads, round {r}, {name:8s} train {float(row['train_s']):7.3f} s"
                              f"  eval {float(row['eval_s']):6.3f} s  test_acc {row['test_acc']}{isa}", flush=True)
            params = {name: rows[0].get("params") for name, rows in results.items() if rows}
            if len({p for p in params.values() if p is not None}) > 1:
                sys.exit(f"compare.py: model {model}: the programs built different networks (parameters: {params})")
            for name in torches:
                versions[name] = results[name][0]["version"]
            med = {name: {k: statistics.median(float(row[k]) for row in rows) for k in ("train_s", "eval_s")}
                   for name, rows in results.items()}
            for k, label in (("train_s", f"training epoch ({images:,} images)"), ("eval_s", "test evaluation (10,000 images)")):
                f = med[fovea][k]
                line = f"  {model:6s} {threads} thread(s)  {label:34s} {fovea} {f:7.3f} s"
                if base in med:
                    n = med[base][k]
                    # The same epoch of the same round, run back to back, divided: a busy neighbour
                    # slows both halves of a pair alike, so this median is steadier than the ratio
                    # of the two medians on a shared machine.
                    paired = statistics.median(float(a[k]) / float(b[k]) for a, b in zip(results[fovea], results[base]))
                    line += f"   {base} {n:7.3f} s   {fovea}/{base} {f / n:5.3f} (paired by round {paired:5.3f})"
                for name in torches:
                    t = med[name][k]
                    line += f"   torch {versions[name]} {t:7.3f} s   speed-up {t / f:5.2f}x"
                summary.append(line)
            gflop = float(results[fovea][0]["train_gflop"])
            table.append((model, threads, med, gflop, peaks, int(params[fovea])))
    print(f"\nmedians over {args.rounds * (args.epochs - 1)} epochs each:")
    print("\n".join(summary), flush=True)

    # One table: training epochs; speed-up = PyTorch's epoch time / fovea's.
    cols = [name for name in torches]
    head = f"{'model':7s} {'params':>9s} {'GFLOP/epoch':>11s} {'threads':>7s} {fovea + ' s':>9s}"
    if base in (table[0][2] if table else {}):
        head += f" {base + ' s':>9s} {fovea + '/' + base:>14s}"
    for name in cols:
        head += f" {'torch ' + versions[name] + ' s':>20s} {'speed-up':>8s}"
    head += f" {'GFLOP/s':>8s} {'peak GFLOP/s':>12s} {'% of peak':>9s}"
    print(f"\ntraining epoch ({images:,} images), medians; speed-up = PyTorch's time / {fovea}'s; "
          f"peak: bench_epoch's FMA loop, same threads, same runs:")
    print(head)
    # The peak for a thread count: the best any of its runs reached, all models together (the FMA
    # loop is short, and a busy neighbour only lowers it).
    best = {}
    for _, threads, _, _, peaks, _ in table:
        best[threads] = max(peaks + [best.get(threads, float("nan"))], key=lambda p: -1 if p != p else p)
    for model, threads, med, gflop, _, params in table:
        peak = best[threads]
        f = med[fovea]["train_s"]
        line = f"{model:7s} {params:9d} {gflop:11.1f} {threads:7d} {f:9.3f}"
        if base in med:
            line += f" {med[base]['train_s']:9.3f} {f / med[base]['train_s']:14.3f}"
        for name in cols:
            t = med[name]["train_s"]
            line += f" {t:20.3f} {t / f:7.2f}x"
        line += f" {gflop / f:8.1f} {peak:12.1f} {100 * gflop / f / peak:8.1f}%"
        print(line)
    print(flush=True)
    if args.no_extras:
        return

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
