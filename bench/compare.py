#!/usr/bin/python3
"""fovea against PyTorch on the same machine, same thread count, side by side in one run.

Alternates the two programs `--rounds` times (each round: `--epochs` epochs; the first epoch of
each process is a warm-up and is dropped), then prints the medians and the ratios.

    /usr/bin/python3 bench/compare.py [--build build] [--data ../shared/data/mnist] [--threads 2]
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split())
        if int(fields["epoch"]) > 0:  # epoch 0 pays for warm-up (primitive creation, page faults)
            rows.append(fields)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    common = ["--data", args.data, "--threads", str(args.threads), "--epochs", str(args.epochs)]
    fovea_cmd = [os.path.join(args.build, "bench_epoch")] + common
    torch_cmd = [sys.executable, os.path.join(HERE, "pytorch_epoch.py")] + common
    results = {"fovea": [], "pytorch": []}
    for r in range(args.rounds):
        for name, cmd in (("fovea", fovea_cmd), ("pytorch", torch_cmd)):
            rows = run(cmd)
            results[name] += rows
            for row in rows:
                print(f"round {r} {name:8s} train {float(row['train_s']):7.3f} s  eval {float(row['eval_s']):6.3f} s"
                      f"  test_acc {row['test_acc']}", flush=True)
    med = {name: {k: statistics.median(float(row[k]) for row in rows) for k in ("train_s", "eval_s")}
           for name, rows in results.items()}
    print(f"\nmedians over {len(results['fovea'])} epochs each, {args.threads} threads:")
    for k, label in (("train_s", "training epoch (60,000 images)"), ("eval_s", "test evaluation (10,000 images)")):
        f, t = med["fovea"][k], med["pytorch"][k]
        print(f"  {label:34s} fovea {f:7.3f} s   pytorch {t:7.3f} s   speed-up {t / f:5.2f}x")


if __name__ == "__main__":
    main()
