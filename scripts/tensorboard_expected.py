#!/usr/bin/python3
"""What a `fovea train --tensorboard` run must hold, from the run's other outputs, for
scripts/check_tensorboard.py: the scalars from its --log (every epoch record), the image sizes from
its --plots (samples.png, kernels.png: the same pictures), and the histograms' number of values of
every parameter per epoch, with min, max and sum for the last epoch from its --save weights.

usage: tensorboard_expected.py METRICS_JSONL PLOTS_DIR SAVED_SAFETENSORS > expected.json
"""
import json
import math
import struct
import sys
from array import array


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


def safetensors_f32(path):
    """{name: list of float} for every F32 tensor of a safetensors file."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        values = array("f")
        values.frombytes(data[begin:end])
        out[name] = list(values)
    return out


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    log_path, plots, saved = argv[1:]
    epochs = [r for r in map(json.loads, open(log_path)) if "train_loss" in r]
    if not epochs:
        print(f"tensorboard_expected: no epoch records in {log_path}", file=sys.stderr)
        return 1
    scalars = {"loss/train": "train_loss", "loss/test": "test_loss", "accuracy/train": "train_accuracy",
               "accuracy/test": "test_accuracy", "lr": "lr"}
    expected = {"scalars": {tag: [[r["epoch"], r[key]] for r in epochs] for tag, key in scalars.items()}}
    expected["images"] = {"samples": [[0, *png_size(f"{plots}/samples.png")]],
                          "kernels": [[r["epoch"], *png_size(f"{plots}/kernels.png")] for r in epochs]}
    weights = safetensors_f32(saved)
    last = epochs[-1]["epoch"]
    expected["histograms"] = {
        name: [[r["epoch"], None, None, len(values), None] for r in epochs[:-1]] +
              [[last, min(values), max(values), len(values), math.fsum(values)]]
        for name, values in weights.items()}
    json.dump(expected, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
