#!/usr/bin/python3
"""Writes tests/fixtures/layers.safetensors: PyTorch 1.13's results for the layers of issue 11
(activation modules, BatchNorm1d/2d, AdaptiveAvgPool2d/AdaptiveMaxPool2d, Conv2d's groups and
dilation), which
tests/core/layer_parity_test.cpp reproduces with fovea's modules.

Run with Debian's PyTorch (python3-torch):  /usr/bin/python3 tests/parity/make_layer_fixtures.py

Every backward is of sum(out * gw) for a stored random weighting gw, so each output element gets a
different gradient. Names:
  act.NAME.{in,out,gw,grad}          an activation module applied to `in`
  pool.NAME.{in,out,gw,grad}         an adaptive pooling module
  bn.NAME.{weight,bias}              the affine parameters set before training
  bn.NAME.step{1,2}.{in,out,gw,grad_in,grad_weight,grad_bias}   two training forwards/backwards
  bn.NAME.{running_mean,running_var,num_batches_tracked}        the buffers after the two steps
  bn.NAME.eval.{in,out,gw,grad_in,grad_weight,grad_bias}        then one forward in eval mode
  conv.NAME.{weight,bias,in,out,gw,grad,grad_weight,grad_bias}  Conv2d with groups and dilation
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_file import write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "layers.safetensors")

torch.manual_seed(11)
T = {}


def run(prefix, module, x):
    x = x.clone().requires_grad_(True)
    out = module(x)
    gw = torch.randn_like(out)
    (out * gw).sum().backward()
    T[prefix + ".in"] = x.detach()
    T[prefix + ".out"] = out.detach()
    T[prefix + ".gw"] = gw
    T[prefix + ".grad"] = x.grad


# ---- activations ----
ACTIVATIONS = [
    ("leaky_relu", nn.LeakyReLU(), torch.randn(3, 4, 5)),
    ("leaky_relu_0.2", nn.LeakyReLU(0.2), torch.randn(3, 4, 5)),
    ("gelu", nn.GELU(), torch.randn(3, 4, 5) * 3),
    ("gelu_tanh", nn.GELU("tanh"), torch.randn(3, 4, 5) * 3),
    ("silu", nn.SiLU(), torch.randn(3, 4, 5) * 3),
    ("sigmoid", nn.Sigmoid(), torch.randn(3, 4, 5) * 3),
    ("tanh", nn.Tanh(), torch.randn(3, 4, 5) * 2),
    ("softmax_1", nn.Softmax(dim=1), torch.randn(3, 4, 5) * 2),
    ("softmax_-1", nn.Softmax(dim=-1), torch.randn(3, 4, 5) * 2),
    ("relu_inplace", nn.ReLU(inplace=False), torch.randn(3, 4, 5)),  # values of ReLU(inplace=True)
]
for name, module, x in ACTIVATIONS:
    run("act." + name, module, x)

# ---- adaptive pooling: global, exact divisions, and overlapping windows (7 -> 3, 9 -> 4) ----
x_pool = torch.randn(2, 3, 7, 9)
POOLS = [
    ("avg_1", nn.AdaptiveAvgPool2d(1), x_pool),
    ("avg_3x4", nn.AdaptiveAvgPool2d((3, 4)), x_pool),
    ("avg_5x5", nn.AdaptiveAvgPool2d(5), x_pool),
    ("avg_same", nn.AdaptiveAvgPool2d((7, 9)), x_pool),
    ("avg_3d", nn.AdaptiveAvgPool2d((2, 3)), torch.randn(3, 6, 6)),
    ("max_1", nn.AdaptiveMaxPool2d(1), x_pool),
    ("max_3x4", nn.AdaptiveMaxPool2d((3, 4)), x_pool),
    ("max_5x5", nn.AdaptiveMaxPool2d(5), x_pool),
    ("max_3d", nn.AdaptiveMaxPool2d((2, 3)), torch.randn(3, 6, 6)),
]
for name, module, x in POOLS:
    run("pool." + name, module, x)


# ---- batch norm: two training steps, then eval ----
def bn_case(name, module, shape, scale=2.0, shift=1.0):
    prefix = "bn." + name
    if module.affine:
        with torch.no_grad():
            module.weight.copy_(torch.rand(module.num_features) + 0.5)
            module.bias.copy_(torch.randn(module.num_features))
        T[prefix + ".weight"] = module.weight.detach().clone()
        T[prefix + ".bias"] = module.bias.detach().clone()

    def step(tag):
        x = (torch.randn(*shape) * scale + shift).requires_grad_(True)
        out = module(x)
        gw = torch.randn_like(out)
        (out * gw).sum().backward()
        p = prefix + "." + tag
        T[p + ".in"] = x.detach()
        T[p + ".out"] = out.detach()
        T[p + ".gw"] = gw
        T[p + ".grad_in"] = x.grad
        if module.affine:
            T[p + ".grad_weight"] = module.weight.grad.clone()
            T[p + ".grad_bias"] = module.bias.grad.clone()
            module.weight.grad = None
            module.bias.grad = None

    module.train()
    step("step1")
    step("step2")
    if module.track_running_stats:
        T[prefix + ".running_mean"] = module.running_mean.clone()
        T[prefix + ".running_var"] = module.running_var.clone()
        T[prefix + ".num_batches_tracked"] = module.num_batches_tracked.clone()
    module.eval()
    step("eval")


bn_case("2d", nn.BatchNorm2d(3), (4, 3, 5, 6))
bn_case("1d_2d", nn.BatchNorm1d(5), (8, 5))
bn_case("1d_3d", nn.BatchNorm1d(4), (3, 4, 7))
bn_case("2d_cumulative", nn.BatchNorm2d(3, momentum=None), (2, 3, 4, 4))
bn_case("2d_momentum", nn.BatchNorm2d(2, eps=1e-3, momentum=0.3), (3, 2, 3, 5), scale=0.5, shift=-3.0)
bn_case("2d_no_affine", nn.BatchNorm2d(3, affine=False), (2, 3, 4, 5))
bn_case("2d_no_stats", nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 5))


# ---- Conv2d with groups and dilation (weights stored, as fovea's initialisation draws differently) ----
CONVS = [
    ("groups2", nn.Conv2d(6, 4, 3, padding=1, groups=2), (2, 6, 7, 7)),
    ("depthwise", nn.Conv2d(4, 4, 3, groups=4, bias=False), (2, 4, 6, 5)),
    ("dilation2", nn.Conv2d(3, 5, 3, padding=2, dilation=2), (2, 3, 9, 8)),
    ("mixed", nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(3, 2), groups=2), (1, 4, 12, 13)),
]
for name, conv, shape in CONVS:
    prefix = "conv." + name
    x = torch.randn(*shape).requires_grad_(True)
    out = conv(x)
    gw = torch.randn_like(out)
    (out * gw).sum().backward()
    T[prefix + ".weight"] = conv.weight.detach().clone()
    T[prefix + ".in"] = x.detach()
    T[prefix + ".out"] = out.detach()
    T[prefix + ".gw"] = gw
    T[prefix + ".grad"] = x.grad
    T[prefix + ".grad_weight"] = conv.weight.grad
    if conv.bias is not None:
        T[prefix + ".bias"] = conv.bias.detach().clone()
        T[prefix + ".grad_bias"] = conv.bias.grad

write_safetensors(OUT, T, metadata={"generator": "tests/parity/make_layer_fixtures.py", "torch": torch.__version__})
print(f"wrote {len(T)} tensors to {os.path.normpath(OUT)}")
