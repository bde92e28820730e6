#!/usr/bin/python3
"""Writes the fixtures of tests/parity/interchange_test.cpp: a CNN_net trained in PyTorch, as PyTorch saves it.

Run with Debian's PyTorch (python3-torch):  /usr/bin/python3 tests/parity/make_interchange_fixtures.py [MNIST_DIR]
(or with build/venv-interchange/bin/python, whose official `safetensors` package then writes the files).

  tests/fixtures/pytorch_cnn_net.safetensors          the seed's CNN_net after 300 seeded SGD steps on MNIST,
                                                      its state_dict under PyTorch's keys (conv1.0.weight, ...)
  tests/fixtures/pytorch_cnn_net_logits.safetensors   "logits" [1000, 10] and "targets" [1000] (F32): the model in
                                                      eval mode on the first 1,000 MNIST test images, after
                                                      ToTensor and Normalize(0.5, 0.5), as the seed prepares them

The files are written with safetensors.torch.save_file when the package is importable, else with write_safetensors
below, which lays out the same bytes (checked here whenever both are present). check_interchange.py imports the
model, the MNIST reader and the safetensors helpers from this file.
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
DEFAULT_MNIST = "/work/shared/data/mnist"
WEIGHTS_FILE = "pytorch_cnn_net.safetensors"
LOGITS_FILE = "pytorch_cnn_net_logits.safetensors"
TEST_IMAGES = 1000


# The seed's model, verbatim, as the parity fixtures use it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import CNN_net  # noqa: E402
import safetensors_file  # noqa: E402


# ---- MNIST from the IDX files (raw or .gz, as fovea::data::MNIST reads them) ----

def read_idx(path):
    """An IDX file as a numpy uint8 array: big-endian magic 0x0000 08 <dims>, the dims, then the bytes."""
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                data = f.read()
            break
    else:
        raise FileNotFoundError(path + "[.gz] not found")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(path + ": not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(root, train, limit=None):
    """(images N x 1 x 28 x 28 after ToTensor and Normalize(0.5, 0.5), labels N int64), the first `limit`."""
    split = "train" if train else "t10k"
    images = read_idx(os.path.join(root, split + "-images-idx3-ubyte"))[:limit]
    labels = read_idx(os.path.join(root, split + "-labels-idx1-ubyte"))[:limit]
    x = torch.from_numpy(images.copy()).unsqueeze(1)
    # torchvision's ToTensor divides by 255; Normalize subtracts the mean, then divides by the std.
    x = x.float().div_(255).sub_(0.5).div_(0.5)
    return x, torch.from_numpy(labels.astype(np.int64))


def train_briefly(root, steps, seed, batch_size=64, lr=0.01, momentum=0.9):
    """A CNN_net after `steps` SGD-momentum steps on shuffled MNIST batches (dropout on), seeded."""
    torch.manual_seed(seed)
    model = CNN_net()
    images, labels = mnist(root, train=True)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    model.train()
    for step in range(steps):
        idx = order[(step * batch_size) % len(order):][:batch_size]
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


@torch.no_grad()
def eval_logits(model, root, limit):
    images, labels = mnist(root, train=False, limit=limit)
    model.eval()
    return model(images), labels


# ---- safetensors ----

def write_safetensors(path, tensors, metadata=None):
    """The layout safetensors.torch.save_file writes, byte for byte, for F32 tensors: an 8-byte little-endian
    header length; compact JSON with "__metadata__" first, then one {"dtype", "shape", "data_offsets"} entry per
    tensor, sorted by name (save_file's order for a single dtype); spaces up to a multiple of 8; the data in the
    same order. (With several metadata entries save_file's order of them is a hash map's, so only the bytes of
    files with at most one entry are comparable.)"""
    safetensors_file.write_safetensors(path, {k: v.detach().to(torch.float32) for k, v in tensors.items()}, metadata,
                                       sort_names=True)


def read_safetensors(path):
    """{name: tensor}, checking what safetensors' own loader checks: the offsets tile the data exactly, in order,
    and each tensor's byte count is its shape's. F32 only."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = memoryview(data)[8 + n:]
    out, end = {}, 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64))
        if e["dtype"] != "F32" or begin != end or stop - begin != 4 * count:
            raise ValueError(f"{path}: bad entry {name}: {e}")
        out[name] = torch.from_numpy(np.frombuffer(body[begin:stop], dtype="<f4").copy()).reshape(e["shape"])
        end = stop
    if end != len(body):
        raise ValueError(f"{path}: the offsets cover {end} of the {len(body)} data bytes")
    return out


def official_safetensors():
    """The official package's (save_file, load_file), or None when it is not importable."""
    try:
        from safetensors.torch import load_file, save_file
    except ImportError:
        return None
    return save_file, load_file


def save(path, tensors, metadata=None):
    """Saves with the official save_file when importable, else write_safetensors; returns which wrote the file.
    With the official package present and at most one metadata entry, also checks that write_safetensors would
    have written the same bytes."""
    official = official_safetensors()
    if official is None:
        write_safetensors(path, tensors, metadata)
        return "write_safetensors (this script's writer; the safetensors package is not importable)"
    official[0]({k: v.detach().contiguous() for k, v in tensors.items()}, path, metadata=metadata)
    if not metadata or len(metadata) <= 1:
        write_safetensors(path + ".own", tensors, metadata)
        with open(path, "rb") as a, open(path + ".own", "rb") as b:
            same = a.read() == b.read()
        os.remove(path + ".own")
        if not same:
            raise RuntimeError(f"{path}: write_safetensors differs from safetensors.torch.save_file")
    import safetensors
    return f"safetensors.torch.save_file (safetensors {safetensors.__version__})"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MNIST
    torch.set_num_threads(1)
    steps, seed = 300, 20240
    model = train_briefly(root, steps=steps, seed=seed)
    logits, targets = eval_logits(model, root, TEST_IMAGES)
    accuracy = (logits.argmax(1) == targets).float().mean().item()

    weights_path = os.path.join(FIXTURES, WEIGHTS_FILE)
    # One metadata entry, as transformers writes it: the file is then comparable byte for byte.
    writer = save(weights_path, model.state_dict(), {"format": "pt"})
    meta = {"torch": torch.__version__, "writer": writer.split(" (")[0], "train_steps": str(steps),
            "seed": str(seed), "accuracy_first_1000_test": f"{accuracy:.4f}"}
    save(os.path.join(FIXTURES, LOGITS_FILE), {"logits": logits, "targets": targets.float()}, meta)
    print("writer:", writer)
    print(f"wrote {weights_path} ({os.path.getsize(weights_path)} bytes) and {LOGITS_FILE}: "
          f"{steps} SGD steps, accuracy {accuracy:.4f} on the first {TEST_IMAGES} test images, "
          f"logits in [{logits.min():.3f}, {logits.max():.3f}]")


if __name__ == "__main__":
    main()
