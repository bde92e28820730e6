#!/usr/bin/python3
"""Writes tests/fixtures/parity.safetensors: PyTorch's own numbers for fovea's parity tests.

Run with Debian's PyTorch (python3-torch):  /usr/bin/python3 tests/parity/make_fixtures.py
The file holds inputs, the seed CNN's initial weights, its outputs, every parameter's gradient,
the parameters after SGD-momentum and Adam steps, and standalone cases for cross_entropy,
log_softmax, pooling and conv2d. Names follow PyTorch's state_dict keys.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_file import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "parity.safetensors")


class CNN_net(nn.Module):
    """The seed's model, verbatim."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=1),
                                   nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=2, stride=2))
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=1),
                                   nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=2, stride=2))
        self.dense = nn.Sequential(nn.Linear(7 * 7 * 32, 128), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(128, 10))

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        x = x.view(x.size(0), -1)
        return self.dense(x)


def main():
    torch.manual_seed(1234)
    torch.set_num_threads(1)
    t = {}
    batch = 6

    # ---- the seed CNN: forward, gradients, two optimizer steps ----
    model = CNN_net()
    model.eval()  # dropout off: its random mask cannot match across frameworks; its scaling is tested below
    for name, p in model.state_dict().items():
        t["init." + name] = p.clone()
    # Inputs in the seed's normalised range [-1, 1], like MNIST after Normalize(0.5, 0.5).
    xa = torch.rand(batch, 1, 28, 28) * 2 - 1
    xb = torch.rand(batch, 1, 28, 28) * 2 - 1
    ya = torch.randint(0, 10, (batch,))
    yb = torch.randint(0, 10, (batch,))
    t["input_a"], t["input_b"] = xa, xb
    t["target_a"], t["target_b"] = ya.float(), yb.float()

    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.95)
    out = model(xa)
    loss = F.cross_entropy(out, ya)
    opt.zero_grad()
    loss.backward()
    t["logits_a"] = out
    t["loss_a"] = loss.reshape([])
    for name, p in model.named_parameters():
        t["grad." + name] = p.grad.clone()
    opt.step()
    for name, p in model.named_parameters():
        t["sgd1." + name] = p.detach().clone()
    # A second step exercises the momentum buffer (buf = 0.95 buf + grad).
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    for name, p in model.named_parameters():
        t["sgd2." + name] = p.detach().clone()

    # Adam from the same initial weights, two steps on the same two batches.
    model.load_state_dict({k[len("init."):]: v for k, v in t.items() if k.startswith("init.")})
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in ((xa, ya), (xb, yb)):
        loss = F.cross_entropy(model(x), y)
        adam.zero_grad()
        loss.backward()
        adam.step()
    for name, p in model.named_parameters():
        t["adam2." + name] = p.detach().clone()

    # ---- cross_entropy and log_softmax, including logits large enough to overflow exp ----
    logits = (torch.randn(16, 10) * 5).requires_grad_()
    targets = torch.randint(0, 10, (16,))
    ce = F.cross_entropy(logits, targets)
    ce.backward()
    t["ce.logits"], t["ce.target"], t["ce.loss"], t["ce.grad"] = logits, targets.float(), ce.reshape([]), logits.grad
    big = torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, 0.0, 50.0]])
    t["lsm.input"], t["lsm.output"] = big, F.log_softmax(big, dim=1)

    # ---- pooling: overlapping windows, padding, odd sizes ----
    for kind, fn in (("maxpool", F.max_pool2d), ("avgpool", F.avg_pool2d)):
        x = torch.randn(2, 3, 9, 7).requires_grad_()
        y = fn(x, kernel_size=3, stride=2, padding=1)
        g = torch.randn_like(y)
        y.backward(g)
        t[kind + ".input"], t[kind + ".output"], t[kind + ".grad_output"], t[kind + ".grad_input"] = x, y, g, x.grad
    x = torch.randn(4, 16, 28, 28).requires_grad_()
    y = F.max_pool2d(x, 2, 2)
    g = torch.randn_like(y)
    y.backward(g)
    t["maxpool2.input"], t["maxpool2.output"], t["maxpool2.grad_output"], t["maxpool2.grad_input"] = x, y, g, x.grad

    # ---- conv2d with stride 2, asymmetric kernel, padding 2 ----
    x = torch.randn(2, 3, 11, 9).requires_grad_()
    w = torch.randn(4, 3, 3, 5).requires_grad_()
    b = torch.randn(4).requires_grad_()
    y = F.conv2d(x, w, b, stride=2, padding=2)
    g = torch.randn_like(y)
    y.backward(g)
    for k, v in dict(input=x, weight=w, bias=b, output=y, grad_output=g, grad_input=x.grad, grad_weight=w.grad,
                     grad_bias=b.grad).items():
        t["conv." + k] = v

    # ---- dropout: survivors are scaled by 1/(1-p) in training, identity in eval ----
    d = F.dropout(torch.ones(1000), p=0.3, training=True)
    t["dropout.p03_survivor_value"] = d[d != 0][:1].reshape([])

    meta = {"torch": torch.__version__, "python": sys.version.split()[0], "batch": str(batch)}
    write_safetensors(os.path.abspath(OUT), t, meta)
    print("wrote", os.path.abspath(OUT), len(t), "tensors")


if __name__ == "__main__":
    main()
