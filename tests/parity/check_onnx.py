#!/usr/bin/python3
"""Checks `fovea export` with runtimes that share no code with fovea: the ONNX file must pass
onnx.checker (full_check) and, run by OpenCV's cv2.dnn and by onnxruntime, give fovea's own logits
on the first MNIST test images to within a tolerance (1e-4 by default).

Usage (Debian's python, which has python3-onnx and python3-opencv; the `python3` on PATH may not):

    /usr/bin/python3 tests/parity/check_onnx.py --fovea build/fovea \\
        --data /work/shared/data/mnist --model model.safetensors [--limit 1000] [--opset 13]

A model to check: fovea train --epochs 1 --data DIR --no-download --save model.safetensors

onnxruntime is not a Debian package. It is used when importable, otherwise reported as skipped.
To include it, install it into a virtual environment that also sees Debian's packages and run the
script with that environment's python:

    /usr/bin/python3 -m venv --system-site-packages build/venv-check
    build/venv-check/bin/pip install onnxruntime
    build/venv-check/bin/python tests/parity/check_onnx.py ...

What it does: `fovea export` writes the ONNX file; `fovea eval --limit N --logits F` writes fovea's
logits of the first N test images (the targets with them); the script reads the same N images from
the IDX file, normalises them as fovea does ((x / 255 - 0.5) / 0.5, N x 1 x 28 x 28), feeds them to
each runtime in one batch and compares. For each runtime it prints the largest absolute difference,
the largest relative difference (|onnx - fovea| / |fovea|, over logits with |fovea| >= 1e-3; the
smaller ones are covered by the absolute figure), how many predictions agree, and PASS or FAIL.
PASS means max abs diff <= tolerance. Exit status: 0 all PASS (skipped runtimes aside), 1 a FAIL
(or the checker refused the file), 2 the check could not run (a fovea command failed, bad input).
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np


def read_safetensors(path):
    """The F32 tensors of a safetensors file, as numpy arrays (no extra package needed)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
    return tensors


def read_idx(folder, name):
    """An IDX file of MNIST (plain or .gz) as a uint8 array of its shape."""
    path = os.path.join(folder, name)
    opener = open
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path, opener = path + ".gz", gzip.open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw[4 + 4 * ndim :], dtype=np.uint8).reshape(shape)


def fovea(binary, *args):
    """Runs a fovea subcommand; its failure stops the check (exit 2) with fovea's own message."""
    cmd = [binary, *args]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(f"check_onnx: {' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}\n")
        sys.exit(2)
    return result.stdout


def compare(name, logits, reference, tolerance):
    """Prints one runtime's figures; returns whether it passed."""
    diff = np.abs(logits.astype(np.float64) - reference.astype(np.float64))
    max_abs = float(diff.max())
    big = np.abs(reference) >= 1e-3
    max_rel = float((diff[big] / np.abs(reference[big].astype(np.float64))).max()) if big.any() else 0.0
    agree = int((logits.argmax(axis=1) == reference.argmax(axis=1)).sum())
    passed = logits.shape == reference.shape and max_abs <= tolerance
    print(f"{name}: max abs diff {max_abs:.3e}, max rel diff {max_rel:.3e}, "
          f"predictions agree {agree}/{len(reference)}: {'PASS' if passed else 'FAIL'} (tolerance {tolerance:g})")
    return passed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fovea", required=True, help="the fovea binary")
    parser.add_argument("--data", required=True, help="folder with MNIST's IDX files (t10k-*)")
    parser.add_argument("--model", required=True, help="weights to export (fovea train --save)")
    parser.add_argument("--limit", type=int, default=1000, help="how many test images (default 1000)")
    parser.add_argument("--opset", type=int, default=13, help="ONNX opset to export (default 13)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest absolute difference allowed")
    parser.add_argument("--keep", metavar="DIR", help="write the ONNX file and the logits here and keep them")
    args = parser.parse_args()
    for path in (args.fovea, args.model):
        if not os.path.exists(path):
            sys.stderr.write(f"check_onnx: {path} does not exist\n")
            return 2

    import cv2
    import onnx

    with tempfile.TemporaryDirectory(prefix="check_onnx_") as tmp:
        work = args.keep or tmp
        os.makedirs(work, exist_ok=True)
        onnx_path = os.path.join(work, "model.onnx")
        logits_path = os.path.join(work, "fovea_logits.safetensors")

        print(fovea(args.fovea, "export", "--model", args.model, "--onnx", onnx_path, "--opset", str(args.opset)).strip())
        try:
            onnx.checker.check_model(onnx.load(onnx_path), full_check=True)
        except Exception as e:  # onnx raises ValidationError or InferenceError
            print(f"onnx.checker.check_model(full_check=True): FAIL: {e}")
            return 1
        print(f"onnx.checker.check_model(full_check=True): ok (onnx {onnx.__version__})")

        fovea(args.fovea, "eval", "--model", args.model, "--data", args.data, "--limit", str(args.limit),
              "--logits", logits_path)
        saved = read_safetensors(logits_path)
        reference, targets = saved["logits"], saved["targets"]

        images = read_idx(args.data, "t10k-images-idx3-ubyte")[: args.limit]
        labels = read_idx(args.data, "t10k-labels-idx1-ubyte")[: args.limit]
        if len(images) != len(reference) or not np.array_equal(labels.astype(np.float32), targets):
            sys.stderr.write("check_onnx: fovea eval's targets are not the first test labels: not the same images\n")
            return 2
        # fovea's ToTensor then Normalize(0.5, 0.5), in float32 as fovea computes them.
        x = ((images.astype(np.float32) / np.float32(255.0) - np.float32(0.5)) / np.float32(0.5))
        x = np.ascontiguousarray(x.reshape(len(images), 1, 28, 28))
        accuracy = float((reference.argmax(axis=1) == labels).mean())
        print(f"fovea eval: logits of {len(reference)} test images, accuracy {accuracy:.4f}")

        results = []
        net = cv2.dnn.readNetFromONNX(onnx_path)
        net.setInput(x)
        results.append(compare(f"OpenCV {cv2.__version__} cv2.dnn", net.forward(), reference, args.tolerance))

        try:
            import onnxruntime
        except ImportError:
            print("onnxruntime: skipped: onnxruntime not installed (see this script's usage)")
        else:
            session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
            (out,) = session.run(["logits"], {"input": x})
            results.append(compare(f"onnxruntime {onnxruntime.__version__}", out, reference, args.tolerance))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
