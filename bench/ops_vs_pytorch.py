#!/usr/bin/python3
"""fovea's elementwise and reduction ops against PyTorch's, on 1M float32 elements, same machine,
same thread count, side by side in one run.

fovea's side is bench_kernels' op/... benchmarks (Google Benchmark, each op called as a user calls
it, allocating its output, under NoGradGuard); PyTorch's side is the same call timed here under
torch.no_grad(). Each side is measured `--repetitions` times, alternating, and the medians are
compared: ratio = fovea time / PyTorch time (below 1: fovea is faster). The issue's bar: no op
above 2.

    /usr/bin/python3 bench/ops_vs_pytorch.py [--build build] [--threads 1,2] [--repetitions 5]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))


def torch_cases(torch):
    F = torch.nn.functional
    return {
        "add": lambda a, b, r: a + b,
        "add_broadcast_row": lambda a, b, r: a + r,
        "mul": lambda a, b, r: a * b,
        "div": lambda a, b, r: a / b,
        "mul_scalar": lambda a, b, r: a * 3.0,
        "neg": lambda a, b, r: torch.neg(a),
        "abs": lambda a, b, r: torch.abs(a),
        "exp": lambda a, b, r: torch.exp(a),
        "log": lambda a, b, r: torch.log(a),
        "sqrt": lambda a, b, r: torch.sqrt(a),
        "rsqrt": lambda a, b, r: torch.rsqrt(a),
        "pow2": lambda a, b, r: torch.pow(a, 2.0),
        "sigmoid": lambda a, b, r: torch.sigmoid(a),
        "tanh": lambda a, b, r: torch.tanh(a),
        "relu": lambda a, b, r: torch.relu(a),
        "leaky_relu": lambda a, b, r: F.leaky_relu(a),
        "gelu": lambda a, b, r: F.gelu(a),
        "silu": lambda a, b, r: F.silu(a),
        "clamp": lambda a, b, r: torch.clamp(a, 0.5, 1.5),
        "maximum": lambda a, b, r: torch.maximum(a, b),
        "gt": lambda a, b, r: torch.gt(a, b),
        "where": lambda a, b, r: torch.where(a > 1.0, a, b),
        "sum": lambda a, b, r: torch.sum(a),
        "sum_dim0": lambda a, b, r: torch.sum(a, 0),
        "sum_dim1": lambda a, b, r: torch.sum(a, 1),
        "mean": lambda a, b, r: torch.mean(a),
        "var_dim1": lambda a, b, r: torch.var(a, 1),
        "max": lambda a, b, r: torch.max(a),
        "max_dim1": lambda a, b, r: torch.max(a, 1)[0],
        "argmax_dim1": lambda a, b, r: torch.argmax(a, 1),
        "logsumexp_dim1": lambda a, b, r: torch.logsumexp(a, 1),
        "softmax_dim1": lambda a, b, r: torch.softmax(a, 1),
        "log_softmax_dim1": lambda a, b, r: torch.log_softmax(a, 1),
        "softmax_dim0": lambda a, b, r: torch.softmax(a, 0),
    }


def fovea_times(build, threads):
    """Median microseconds per call of each op/... benchmark, from one run of bench_kernels."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([os.path.join(build, "bench_kernels"), "--benchmark_filter=^op/",
                          "--benchmark_format=json", "--benchmark_min_time=0.2"],
                         check=True, capture_output=True, text=True, env=env).stdout
    return {b["name"][len("op/"):]: b["real_time"] for b in json.loads(out)["benchmarks"]}


def torch_times(torch, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    a = torch.rand(1000, 1000) * 1.9 + 0.1
    b = torch.rand(1000, 1000) * 1.9 + 0.1
    r = torch.rand(1000) * 1.9 + 0.1
    times = {}
    with torch.no_grad():
        for name, f in torch_cases(torch).items():
            t = timeit.Timer(lambda: f(a, b, r))
            number, _ = t.autorange()
            times[name] = min(t.repeat(3, number)) / number * 1e6
    return times


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repetitions", type=int, default=5)
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("ops_vs_pytorch.py: PyTorch is not installed (Debian's python3-torch, or a venv)")
    print(f"CPU: {cpu_name()}; PyTorch {torch.__version__}; 1M float32 elements ([1000, 1000]); "
          f"medians of {args.repetitions} alternating runs, microseconds per call")
    worst = 0.0
    for threads in [int(t) for t in args.threads.split(",")]:
        runs_f, runs_t = [], []
        for _ in range(args.repetitions):
            runs_f.append(fovea_times(args.build, threads))
            runs_t.append(torch_times(torch, threads))
        print(f"\n{threads} thread(s)\n{'op':20s} {'fovea us':>10s} {'pytorch us':>11s} {'fovea/pytorch':>14s}")
        for name in torch_cases(torch):
            f = statistics.median(r[name] for r in runs_f)
            t = statistics.median(r[name] for r in runs_t)
            worst = max(worst, f / t)
            flag = "  <-- above 2x" if f / t > 2 else ""
            print(f"{name:20s} {f:10.1f} {t:11.1f} {f / t:14.2f}{flag}")
    print(f"\nworst ratio fovea/pytorch: {worst:.2f}")


if __name__ == "__main__":
    main()
