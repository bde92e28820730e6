#!/usr/bin/python3
"""PyTorch's side of the epoch benchmark: the seed's CNN and loop with the data preloaded as
normalised tensors (no per-sample transforms), same batch, optimiser and thread count as
bench_epoch. Prints lines in bench_epoch's format.

    /usr/bin/python3 bench/pytorch_epoch.py --data DIR --threads 2 --epochs 2
"""
import argparse
import gzip
import os
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
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    model = CNN_net()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.95)
    batch = 128
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(train_x.shape[0])
        correct = 0
        t0 = time.perf_counter()
        for b in range(0, train_x.shape[0], batch):
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
              f"train_acc={correct / train_x.shape[0]:.4f} test_acc={test_correct / test_x.shape[0]:.4f}", flush=True)


if __name__ == "__main__":
    main()
