#!/usr/bin/python3
"""fovea predict on MNIST's own test images written out as PNG files: how long one image takes
(a whole `fovea predict` process: start, model load, decode, prepare, classify) and how long
10,000 take per image, medians of several runs; and whether predict agrees with fovea eval on
every image (it must: a 28 x 28 image is used as it is).

    /usr/bin/python3 bench/predict_bench.py --model MODEL.safetensors [--build build]
        [--data ../shared/data/mnist] [--count 10000] [--runs 5] [--threads N]

Writes the PNG files with OpenCV (Debian's python3-opencv) under build/predict_bench/.
Exit status 1 when predict and eval disagree on any image.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx_images(data_dir):
    path = os.path.join(data_dir, "t10k-images-idx3-ubyte")
    raw = gzip.open(path + ".gz").read() if os.path.exists(path + ".gz") else open(path, "rb").read()
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    assert magic == 0x803 and rows == 28 and cols == 28, f"{path}: not MNIST's image file"
    return n, raw[16:]


def read_logits(path):
    """The "logits" tensor of a safetensors file fovea eval --logits wrote, as rows of floats."""
    raw = open(path, "rb").read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    entry = header["logits"]
    begin, end = entry["data_offsets"]
    n, classes = entry["shape"]
    values = struct.unpack(f"<{n * classes}f", raw[8 + header_len + begin:8 + header_len + end])
    return [values[i * classes:(i + 1) * classes] for i in range(n)]


def timed(cmd):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"predict_bench: {' '.join(cmd)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    import cv2
    import numpy as np

    fovea = os.path.join(a.build, "fovea")
    threads = ["--threads", str(a.threads)] if a.threads else []
    n, pixels = read_idx_images(a.data)
    count = min(a.count, n)
    folder = os.path.join(a.build, "predict_bench", f"mnist_test_{count}")
    os.makedirs(folder, exist_ok=True)
    images = np.frombuffer(pixels, np.uint8).reshape(n, 28, 28)
    for i in range(count):
        cv2.imwrite(os.path.join(folder, f"{i:05d}.png"), images[i])

    logits_file = os.path.join(a.build, "predict_bench", "eval_logits.safetensors")
    subprocess.run([fovea, "eval", "--model", a.model, "--data", a.data, "--no-download", "--limit", str(count),
                    "--logits", logits_file] + threads, check=True, capture_output=True)
    eval_labels = [max(range(len(row)), key=row.__getitem__) for row in read_logits(logits_file)]

    one = [timed([fovea, "predict", "--model", a.model, os.path.join(folder, "00000.png")] + threads)[0]
           for _ in range(a.runs)]
    many = []
    for _ in range(max(1, a.runs // 2)):
        elapsed, out = timed([fovea, "predict", "--json", "--model", a.model, folder] + threads)
        many.append(elapsed)
    predicted = [json.loads(line)["label"] for line in out.splitlines()]
    disagree = sum(1 for x, y in zip(predicted, eval_labels) if x != y) + abs(len(predicted) - len(eval_labels))

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    print(f"CPU: {cpu}, {os.cpu_count()} cores{', threads ' + str(a.threads) if a.threads else ''}")
    print(f"one image: median {statistics.median(one) * 1e3:.1f} ms per `fovea predict` process "
          f"(runs: {', '.join(f'{t * 1e3:.1f}' for t in one)} ms)")
    print(f"{count} images: median {statistics.median(many):.2f} s, {statistics.median(many) / count * 1e6:.0f} us "
          f"per image (runs: {', '.join(f'{t:.2f}' for t in many)} s)")
    print(f"predict vs eval: {count - disagree}/{count} images agree")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
