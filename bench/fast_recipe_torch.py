#!/usr/bin/python3
"""PyTorch's side of bench/fast_recipe.py: the network and schedule of `fovea train --recipe fast`
(models/fast_cnn.hpp) in plain PyTorch, one process per seed, so that launch to end counts the
same things as fovea's: starting the interpreter, importing torch, reading MNIST's IDX files,
one epoch of training, one pass over the test set.

    /usr/bin/python3 bench/fast_recipe_torch.py --data DIR --seed 0 --threads 2

Prints one line: impl=pytorch seed=.. load_s=.. train_s=.. eval_s=.. test_acc=..
(load_s counts from the interpreter's start, as fovea's does from the process's).
"""
import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_epoch import load  # noqa: E402  MNIST as fovea reads it: (x / 255 - 0.5) / 0.5


def fast_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * 4 * 32, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/mnist")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    load_s = time.perf_counter() - STARTED

    # fovea train --recipe fast: AdamW (lr 1e-3 before the schedule, weight decay 1e-2),
    # OneCycleLR(max_lr=0.02) stepped every batch, label smoothing 0.1, batch 64, one epoch.
    batch, epochs = 64, 1
    model = fast_cnn()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    steps = (len(train_x) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.02, epochs=epochs, steps_per_epoch=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(train_x))
        for b in range(0, len(train_x), batch):
            idx = order[b:b + batch]
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, len(test_x), 128):
            correct += (model(test_x[b:b + 128]).argmax(1) == test_y[b:b + 128]).sum().item()
    eval_s = time.perf_counter() - t0
    print(f"impl=pytorch seed={args.seed} load_s={load_s:.3f} train_s={train_s:.3f} eval_s={eval_s:.3f} "
          f"test_acc={correct / len(test_x):.4f} torch={torch.__version__}", flush=True)


if __name__ == "__main__":
    main()
