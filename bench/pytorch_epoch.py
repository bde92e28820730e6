#!/usr/bin/python3
"""PyTorch's side of the epoch benchmark: the seed's CNN and loop with the data preloaded as
normalised tensors (no per-sample transforms), same batch, optimiser and thread count as
bench_epoch. Prints lines in bench_epoch's format, with the torch version and the model's
parameter count (compare.py checks it against fovea's).

    /usr/bin/python3 bench/pytorch_epoch.py --data DIR --threads 2 --epochs 2
                                             [--model cnn | --model-file bench/models/wide_cnn.txt]
                                             [--train-images N]

Any Python with torch and numpy runs it: Debian's /usr/bin/python3 (python3-torch 1.13) or the
PyPI release in build/venv-torch (bench/install-pypi-torch.sh).

--model-file reads fovea's model-file format (include/fovea/models/model_file.hpp) in its plain
form: one PyTorch layer constructor per line, in the order they run, '#' comments; the layers
become an nn.Sequential, as in fovea.
"""
import argparse
import gzip
import os
import re
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class CNN_net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2))
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2))
        self.dense = nn.Sequential(nn.Linear(7 * 7 * 32, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))

    def forward(self, x):
        x = self.conv2(self.conv1(x))
        return self.dense(x.view(x.size(0), -1))


# The layers a model file may name that PyTorch has under the same name and arguments.
MODEL_FILE_LAYERS = ("Conv2d", "Linear", "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "GELU", "SiLU",
                     "Sigmoid", "Tanh", "Softmax", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                     "AdaptiveMaxPool2d", "Dropout", "Dropout2d", "Flatten", "Identity")


def read_model_file(path):
    """An nn.Sequential of the file's layers. Named layers and nested Sequential groups, which
    fovea also accepts, are not needed by the benchmark's files and are refused here."""
    layers = []
    namespace = {name: getattr(nn, name) for name in MODEL_FILE_LAYERS}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            m = re.fullmatch(r"([A-Za-z0-9]+)\((.*)\)", text)
            if not m or m.group(1) not in namespace:
                raise SystemExit(f"{path}:{number}: expected one of {', '.join(MODEL_FILE_LAYERS)} "
                                 f"as Name(arguments), got '{text}'")
            layers.append(eval(text, {"__builtins__": {}, "True": True, "False": False, "None": None}, namespace))
    return nn.Sequential(*layers)


class LeNet5(nn.Module):
    """fovea's models::LeNet5 (registry name lenet5): Tanh and average pooling."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, 1, 2), nn.Tanh(), nn.AvgPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84),
                                        nn.Tanh(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


MODELS = {"cnn": CNN_net, "lenet5": LeNet5}


def load(root, prefix):
    x = torch.from_numpy(read_idx(os.path.join(root, prefix + "-images-idx3-ubyte")).copy()).float()
    x = ((x / 255.0 - 0.5) / 0.5).unsqueeze(1).contiguous()
    y = torch.from_numpy(read_idx(os.path.join(root, prefix + "-labels-idx1-ubyte")).astype(np.int64))
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/mnist")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--train-images", type=int, default=0,
                    help="train each epoch on the first N images of its shuffled order (default: all)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--model", default="cnn", choices=sorted(MODELS))
    which.add_argument("--model-file", help="a model in fovea's model-file format, e.g. bench/models/wide_cnn.txt")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    model = read_model_file(args.model_file) if args.model_file else MODELS[args.model]()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.95)
    batch = args.batch_size
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(train_x.shape[0])[:args.train_images or None]
        correct = 0
        t0 = time.perf_counter()
        for b in range(0, perm.shape[0], batch):
            idx = perm[b:b + batch]
            img, label = train_x[idx], train_y[idx]
            out = model(img)
            loss = F.cross_entropy(out, label)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (out.argmax(1) == label).sum().item()
        train_s = time.perf_counter() - t0
        model.eval()
        test_correct = 0
        t0 = time.perf_counter()
        with torch.no_grad():
            for b in range(0, test_x.shape[0], batch):
                out = model(test_x[b:b + batch])
                F.cross_entropy(out, test_y[b:b + batch]).item()
                test_correct += (out.argmax(1) == test_y[b:b + batch]).sum().item()
        eval_s = time.perf_counter() - t0
        print(f"impl=pytorch threads={args.threads} epoch={epoch} train_s={train_s:.4f} eval_s={eval_s:.4f} "
              f"train_acc={correct / perm.shape[0]:.4f} test_acc={test_correct / test_x.shape[0]:.4f} "
              f"version={torch.__version__} params={params}", flush=True)


if __name__ == "__main__":
    main()
