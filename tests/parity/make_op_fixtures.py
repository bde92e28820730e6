#!/usr/bin/python3
"""Writes tests/fixtures/ops.safetensors and tests/core/op_parity_cases.inc: PyTorch's results for
every op in include/fovea/ops.hpp, and the table of fovea calls that must reproduce them.

Run with Debian's PyTorch (python3-torch):  /usr/bin/python3 tests/parity/make_op_fixtures.py

Each case is one line below: a name, its inputs, the PyTorch expression and the same call in
fovea's C++ (`x[i]` is input i as stored in the file). One place to add a case, so the fixture
and the C++ table cannot drift apart. For case NAME the file holds
    NAME.in0, NAME.in1, ...   the inputs, contiguous (F32, I64 or BOOL);
    NAME.out0, NAME.out1, ... PyTorch's outputs (one per element of a tuple);
    NAME.gw, NAME.grad0, ...  for a case with a float output and float inputs: a weighting of out0
                              and the gradients of sum(out0 * gw) for each float input.
Non-contiguous inputs are made from the stored contiguous ones by the expression itself, e.g.
`x[0].transpose(0, 1)`: the header's __metadata__ records every case's PyTorch expression.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_file import write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "ops.safetensors")
TABLE = os.path.join(HERE, "..", "core", "op_parity_cases.inc")

torch.manual_seed(0)


def r(*shape):
    return torch.randn(*shape)


def pos(*shape):  # for log, sqrt, pow: away from 0
    return torch.rand(*shape) + 0.5


def idx(high, *shape):
    return torch.randint(0, high, shape)


def mask(*shape):
    return torch.rand(*shape) > 0.5


NAN = float("nan")
with_nan = torch.tensor([[1.0, NAN, -2.0], [0.5, 3.0, NAN]])
ties = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
x23, x34, x4 = r(2, 3), r(3, 4), r(4)

# (name, inputs, torch expression over x, C++ expression over x)
CASES = [
    # ---- elementwise arithmetic, broadcasting ----
    ("add.same", [r(2, 3), r(2, 3)], "x[0] + x[1]", "add(x[0], x[1])"),
    ("add.broadcast", [r(2, 1, 3), r(4, 1)], "x[0] + x[1]", "x[0] + x[1]"),
    ("add.alpha", [r(3, 4), r(4)], "torch.add(x[0], x[1], alpha=-2.5)", "add(x[0], x[1], -2.5f)"),
    ("add.scalar", [r(3)], "x[0] + 1.5", "x[0] + 1.5f"),
    ("add.transposed", [r(4, 3), r(3, 4)], "x[0].transpose(0, 1) + x[1]", "x[0].transpose(0, 1) + x[1]"),
    ("add.empty", [r(0, 3), r(3)], "x[0] + x[1]", "x[0] + x[1]"),
    ("add.zero_dim", [r(()), r(2, 2)], "x[0] + x[1]", "x[0] + x[1]"),
    ("sub.broadcast", [r(3, 1), r(1, 4)], "torch.sub(x[0], x[1], alpha=0.5)", "sub(x[0], x[1], 0.5f)"),
    ("sub.scalar", [r(3)], "x[0] - 2.0", "x[0] - 2.0f"),
    ("rsub.scalar", [r(3)], "2.0 - x[0]", "2.0f - x[0]"),
    ("rsub.function", [r(3)], "torch.rsub(x[0], 2.0)", "rsub(x[0], 2.0f)"),
    ("mul.broadcast", [r(2, 3, 1), r(3, 4)], "x[0] * x[1]", "x[0] * x[1]"),
    ("mul.scalar", [r(2, 2)], "3.0 * x[0]", "3.0f * x[0]"),
    ("mul.expanded", [r(1, 3), r(2, 3)], "x[0].expand(2, 3) * x[1]", "x[0].expand({2, 3}) * x[1]"),
    ("div.broadcast", [r(2, 3), pos(3)], "x[0] / x[1]", "x[0] / x[1]"),
    ("div.scalar", [r(3)], "x[0] / 4.0", "x[0] / 4.0f"),
    ("div.rscalar", [pos(3)], "2.0 / x[0]", "2.0f / x[0]"),
    ("div.by_zero", [torch.tensor([1.0, -1.0, 0.0]), torch.zeros(3)], "x[0] / x[1]", "div(x[0], x[1])"),
    ("neg.plain", [r(2, 3)], "-x[0]", "-x[0]"),
    ("neg.function", [r(2, 3)], "torch.neg(x[0])", "neg(x[0])"),
    # ---- elementwise math ----
    ("abs.plain", [r(2, 3)], "torch.abs(x[0])", "abs(x[0])"),
    ("exp.plain", [r(2, 3)], "torch.exp(x[0])", "exp(x[0])"),
    ("exp.transposed", [r(3, 2)], "torch.exp(x[0].t())", "exp(x[0].t())"),
    ("log.plain", [pos(2, 3)], "torch.log(x[0])", "log(x[0])"),
    ("log.edge", [torch.tensor([0.0, -1.0, float("inf")])], "torch.log(x[0])", "log(x[0])"),
    ("sqrt.plain", [pos(2, 3)], "torch.sqrt(x[0])", "sqrt(x[0])"),
    ("rsqrt.plain", [pos(2, 3)], "torch.rsqrt(x[0])", "rsqrt(x[0])"),
    ("pow.scalar", [pos(2, 3)], "torch.pow(x[0], 2.5)", "pow(x[0], 2.5f)"),
    ("pow.square", [r(2, 3)], "torch.pow(x[0], 2.0)", "pow(x[0], 2.0f)"),
    ("pow.tensor", [pos(2, 3), r(3)], "torch.pow(x[0], x[1])", "pow(x[0], x[1])"),
    ("clamp.both", [r(3, 4)], "torch.clamp(x[0], -0.5, 0.5)", "clamp(x[0], -0.5f, 0.5f)"),
    ("clamp.min", [r(3, 4)], "torch.clamp(x[0], min=0.1)", "clamp(x[0], 0.1f, std::nullopt)"),
    ("clamp.max", [r(3, 4)], "torch.clamp(x[0], max=0.1)", "clamp(x[0], std::nullopt, 0.1f)"),
    ("clamp.nan", [with_nan], "torch.clamp(x[0], -1.0, 1.0)", "clamp(x[0], -1.0f, 1.0f)"),
    ("maximum.broadcast", [r(2, 3), r(3)], "torch.maximum(x[0], x[1])", "maximum(x[0], x[1])"),
    ("maximum.nan", [with_nan, torch.zeros(3)], "torch.maximum(x[0], x[1])", "maximum(x[0], x[1])"),
    ("minimum.broadcast", [r(2, 3), r(2, 1)], "torch.minimum(x[0], x[1])", "minimum(x[0], x[1])"),
    ("minimum.nan", [with_nan, torch.zeros(3)], "torch.minimum(x[0], x[1])", "minimum(x[0], x[1])"),
    ("where.tensors", [mask(2, 3), r(2, 3), r(3)], "torch.where(x[0], x[1], x[2])", "where(x[0], x[1], x[2])"),
    ("where.scalar_other", [mask(2, 3), r(2, 3)], "torch.where(x[0], x[1], torch.tensor(0.5))", "where(x[0], x[1], 0.5f)"),
    ("where.scalar_self", [mask(3, 1), r(1, 4)], "torch.where(x[0], torch.tensor(-1.0), x[1])", "where(x[0], -1.0f, x[1])"),
    ("masked_fill.broadcast", [r(2, 3), mask(3)], "x[0].masked_fill(x[1], -1.5)", "masked_fill(x[0], x[1], -1.5f)"),
    ("masked_fill.method", [r(2, 3), mask(2, 1)], "x[0].masked_fill(x[1], float('-inf'))",
     "x[0].masked_fill(x[1], -std::numeric_limits<float>::infinity())"),
    # ---- activations ----
    ("relu.plain", [r(3, 4)], "torch.relu(x[0])", "relu(x[0])"),
    ("leaky_relu.default", [r(3, 4)], "F.leaky_relu(x[0])", "leaky_relu(x[0])"),
    ("leaky_relu.slope", [r(3, 4)], "F.leaky_relu(x[0], 0.2)", "leaky_relu(x[0], 0.2f)"),
    ("sigmoid.plain", [r(3, 4) * 5], "torch.sigmoid(x[0])", "sigmoid(x[0])"),
    ("sigmoid.transposed", [r(4, 3)], "torch.sigmoid(x[0].t())", "sigmoid(x[0].t())"),
    ("tanh.plain", [r(3, 4)], "torch.tanh(x[0])", "tanh(x[0])"),
    ("gelu.none", [r(3, 4) * 2], "F.gelu(x[0])", "gelu(x[0])"),
    ("gelu.tanh", [r(3, 4) * 2], "F.gelu(x[0], approximate='tanh')", "gelu(x[0], \"tanh\")"),
    ("silu.plain", [r(3, 4) * 2], "F.silu(x[0])", "silu(x[0])"),
    # ---- comparisons ----
    ("eq.broadcast", [torch.tensor([[1.0, 2.0], [3.0, 2.0]]), torch.tensor([2.0, 2.0])], "x[0] == x[1]", "x[0] == x[1]"),
    ("ne.scalar", [torch.tensor([1.0, 2.0, NAN])], "x[0] != 2.0", "x[0] != 2.0f"),
    ("lt.broadcast", [r(2, 3), r(3)], "x[0] < x[1]", "lt(x[0], x[1])"),
    ("le.scalar", [torch.tensor([1.0, 2.0, 3.0])], "x[0] <= 2.0", "le(x[0], 2.0f)"),
    ("gt.nan", [with_nan, torch.zeros(3)], "x[0] > x[1]", "x[0] > x[1]"),
    ("ge.scalar", [r(2, 3)], "x[0] >= 0.0", "x[0] >= 0.0f"),
    ("eq.nan", [with_nan], "x[0] == x[0]", "eq(x[0], x[0])"),
    ("logical_not.plain", [mask(2, 3)], "torch.logical_not(x[0])", "logical_not(x[0])"),
    ("logical_and.broadcast", [mask(2, 3), mask(3)], "torch.logical_and(x[0], x[1])", "logical_and(x[0], x[1])"),
    ("logical_or.broadcast", [mask(2, 1), mask(3)], "torch.logical_or(x[0], x[1])", "logical_or(x[0], x[1])"),
    # ---- reductions ----
    ("sum.all", [r(3, 4)], "torch.sum(x[0])", "sum(x[0])"),
    ("sum.dim", [r(3, 4, 5)], "torch.sum(x[0], 1)", "sum(x[0], {1})"),
    ("sum.negative_keepdim", [r(3, 4, 5)], "torch.sum(x[0], -1, keepdim=True)", "sum(x[0], {-1}, true)"),
    ("sum.dims", [r(3, 4, 5)], "torch.sum(x[0], (0, -1))", "sum(x[0], {0, -1})"),
    ("sum.dims_keepdim", [r(3, 4, 5)], "torch.sum(x[0], (2, 0), keepdim=True)", "sum(x[0], {2, 0}, true)"),
    ("sum.empty_list", [r(3, 4)], "torch.sum(x[0], ())", "sum(x[0], Shape{})"),
    ("sum.empty_input", [r(0, 3)], "torch.sum(x[0], 0)", "sum(x[0], {0})"),
    ("sum.empty_all", [r(0, 3)], "torch.sum(x[0])", "sum(x[0])"),
    ("sum.transposed", [r(4, 3)], "torch.sum(x[0].t(), 1)", "sum(x[0].t(), {1})"),
    ("sum.zero_dim", [r(())], "torch.sum(x[0])", "sum(x[0])"),
    ("mean.all", [r(3, 4)], "torch.mean(x[0])", "mean(x[0])"),
    ("mean.dims", [r(2, 3, 4)], "torch.mean(x[0], (-1, -3), keepdim=True)", "mean(x[0], {-1, -3}, true)"),
    ("mean.empty", [r(0, 3)], "torch.mean(x[0], 0)", "mean(x[0], {0})"),
    ("var.all", [r(3, 4)], "torch.var(x[0])", "var(x[0])"),
    ("var.biased", [r(3, 4)], "torch.var(x[0], unbiased=False)", "var(x[0], false)"),
    ("var.dim", [r(3, 4)], "torch.var(x[0], 1)", "var(x[0], {1})"),
    ("var.dims_keepdim", [r(2, 3, 4)], "torch.var(x[0], (0, 2), unbiased=False, keepdim=True)",
     "var(x[0], {0, 2}, false, true)"),
    ("var.single", [r(1, 3)], "torch.var(x[0], 0)", "var(x[0], {0})"),
    ("std.all", [r(3, 4)], "torch.std(x[0])", "std(x[0])"),
    ("std.dim", [r(3, 4)], "torch.std(x[0], -1, keepdim=True)", "std(x[0], {-1}, true, true)"),
    ("std.biased_dim", [r(3, 4)], "torch.std(x[0], 0, unbiased=False)", "std(x[0], {0}, false)"),
    ("max.all", [r(3, 4)], "torch.max(x[0])", "max(x[0])"),
    ("max.all_nan", [with_nan], "torch.max(x[0])", "max(x[0])"),
    ("min.all", [r(3, 4)], "torch.min(x[0])", "min(x[0])"),
    ("max.dim", [r(3, 4)], "torch.max(x[0], 1)", "max(x[0], 1)"),
    ("max.dim_keepdim_negative", [r(3, 4, 2)], "torch.max(x[0], -2, keepdim=True)", "max(x[0], -2, true)"),
    ("max.dim_ties", [ties], "torch.max(x[0], 1)", "max(x[0], 1)"),
    ("max.dim_nan", [with_nan], "torch.max(x[0], 1)", "max(x[0], 1)"),
    ("min.dim", [r(3, 4)], "torch.min(x[0], 0)", "min(x[0], 0)"),
    ("min.dim_ties", [ties], "torch.min(x[0], 1)", "min(x[0], 1)"),
    ("argmax.flat", [r(3, 4)], "torch.argmax(x[0])", "argmax(x[0])"),
    ("argmax.dim", [r(3, 4)], "torch.argmax(x[0], 1)", "argmax(x[0], 1)"),
    ("argmax.dim_keepdim", [r(3, 4)], "torch.argmax(x[0], -2, keepdim=True)", "argmax(x[0], -2, true)"),
    ("argmax.ties", [ties], "torch.argmax(x[0], 1)", "argmax(x[0], 1)"),
    ("argmin.flat", [r(3, 4)], "torch.argmin(x[0])", "argmin(x[0])"),
    ("argmin.dim", [r(3, 4)], "torch.argmin(x[0], 0)", "argmin(x[0], 0)"),
    ("logsumexp.dim", [r(3, 4) * 10], "torch.logsumexp(x[0], 1)", "logsumexp(x[0], {1})"),
    ("logsumexp.dims_keepdim", [r(2, 3, 4)], "torch.logsumexp(x[0], (0, -1), keepdim=True)",
     "logsumexp(x[0], {0, -1}, true)"),
    ("logsumexp.inf", [torch.tensor([[float("-inf"), float("-inf")], [1.0, float("inf")]])],
     "torch.logsumexp(x[0], 1)", "logsumexp(x[0], {1})"),
    ("softmax.last", [r(3, 5) * 3], "torch.softmax(x[0], -1)", "softmax(x[0], -1)"),
    ("softmax.first", [r(3, 5)], "torch.softmax(x[0], 0)", "softmax(x[0], 0)"),
    ("softmax.middle_transposed", [r(4, 3, 2)], "torch.softmax(x[0].transpose(0, 2), 1)",
     "softmax(x[0].transpose(0, 2), 1)"),
    ("softmax.large", [r(2, 4) * 1000], "torch.softmax(x[0], 1)", "softmax(x[0], 1)"),
    ("softmax.empty", [r(0, 4)], "torch.softmax(x[0], 1)", "softmax(x[0], 1)"),
    ("log_softmax.last", [r(3, 5) * 3], "torch.log_softmax(x[0], -1)", "log_softmax(x[0], -1)"),
    ("log_softmax.first", [r(3, 5)], "torch.log_softmax(x[0], 0)", "log_softmax(x[0], 0)"),
    ("log_softmax.large", [r(2, 4) * 1000], "torch.log_softmax(x[0], 1)", "log_softmax(x[0], 1)"),
    # ---- shape and indexing ----
    ("cat.dim0", [r(2, 3), r(1, 3)], "torch.cat([x[0], x[1]], 0)", "cat({x[0], x[1]}, 0)"),
    ("cat.negative", [r(2, 3), r(2, 1), r(2, 2)], "torch.cat([x[0], x[1], x[2]], -1)", "cat({x[0], x[1], x[2]}, -1)"),
    ("cat.empty_part", [r(2, 3), r(0, 3)], "torch.cat([x[0], x[1]])", "cat({x[0], x[1]})"),
    ("cat.transposed", [r(3, 2), r(2, 3)], "torch.cat([x[0].t(), x[1]], 1)", "cat({x[0].t(), x[1]}, 1)"),
    ("stack.dim0", [r(2, 3), r(2, 3)], "torch.stack([x[0], x[1]])", "stack({x[0], x[1]})"),
    ("stack.last", [r(2, 3), r(2, 3), r(2, 3)], "torch.stack([x[0], x[1], x[2]], -1)", "stack({x[0], x[1], x[2]}, -1)"),
    ("stack.middle", [r(2, 3), r(2, 3)], "torch.stack([x[0], x[1]], 1)", "stack({x[0], x[1]}, 1)"),
    ("pad.constant_last", [r(2, 3)], "F.pad(x[0], (1, 2))", "pad(x[0], {1, 2})"),
    ("pad.constant_two", [r(2, 3, 4)], "F.pad(x[0], (1, 0, 2, 1), value=-1.0)", "pad(x[0], {1, 0, 2, 1}, \"constant\", -1.0f)"),
    ("pad.negative", [r(2, 5)], "F.pad(x[0], (-1, 2))", "pad(x[0], {-1, 2})"),
    ("pad.reflect", [r(1, 2, 5)], "F.pad(x[0], (2, 3), mode='reflect')", "pad(x[0], {2, 3}, \"reflect\")"),
    ("pad.reflect_2d", [r(1, 1, 4, 4)], "F.pad(x[0], (1, 2, 3, 1), mode='reflect')", "pad(x[0], {1, 2, 3, 1}, \"reflect\")"),
    ("index_select.dim0", [r(4, 3), idx(4, 5)], "torch.index_select(x[0], 0, x[1])", "index_select(x[0], 0, x[1])"),
    ("index_select.negative", [r(2, 4, 3), torch.tensor([3, 0, 3])], "torch.index_select(x[0], -2, x[1])",
     "index_select(x[0], -2, x[1])"),
    ("index_select.method", [r(4, 3), torch.tensor([2])], "x[0].index_select(1, x[1])", "x[0].index_select(1, x[1])"),
    ("index_select.empty_index", [r(4, 3), torch.zeros(0, dtype=torch.int64)], "torch.index_select(x[0], 0, x[1])",
     "index_select(x[0], 0, x[1])"),
    ("gather.dim1", [r(3, 4), idx(4, 3, 2)], "torch.gather(x[0], 1, x[1])", "gather(x[0], 1, x[1])"),
    ("gather.dim0_repeat", [r(3, 4), idx(3, 5, 4)], "torch.gather(x[0], 0, x[1])", "gather(x[0], 0, x[1])"),
    ("gather.negative", [r(2, 3, 4), idx(4, 2, 3, 1)], "x[0].gather(-1, x[1])", "x[0].gather(-1, x[1])"),
    ("flip.one", [r(3, 4)], "torch.flip(x[0], [0])", "flip(x[0], {0})"),
    ("flip.two_negative", [r(2, 3, 4)], "torch.flip(x[0], [-1, 0])", "flip(x[0], {-1, 0})"),
    ("flip.method", [r(3, 4)], "x[0].flip([1])", "x[0].flip({1})"),
    ("permute.then_add", [r(2, 3, 4), r(4, 2, 3)], "x[0].permute(2, 0, 1) + x[1]", "x[0].permute({2, 0, 1}) + x[1]"),
    ("slice.step", [r(5, 6)], "x[0][:, 1:6:2] * 1.0", "x[0].slice(1, 1, 6, 2) * 1.0f"),
    ("select.negative", [r(3, 4)], "x[0].select(1, -1) * 1.0", "x[0].select(1, -1) * 1.0f"),
    ("split.sizes", [r(5, 2)], "torch.split(x[0], [2, 3], 0)", "x[0].split(Shape{2, 3}, 0)"),
    ("chunk.uneven", [r(5, 2)], "torch.chunk(x[0], 3, 0)", "x[0].chunk(3, 0)"),
    # ---- linear algebra ----
    ("mm.plain", [r(3, 4), r(4, 5)], "torch.mm(x[0], x[1])", "mm(x[0], x[1])"),
    ("mm.transposed", [r(4, 3), r(5, 4)], "torch.mm(x[0].t(), x[1].t())", "mm(x[0].t(), x[1].t())"),
    ("mm.empty_k", [r(3, 0), r(0, 2)], "torch.mm(x[0], x[1])", "mm(x[0], x[1])"),
    ("bmm.plain", [r(2, 3, 4), r(2, 4, 5)], "torch.bmm(x[0], x[1])", "bmm(x[0], x[1])"),
    ("matmul.vec_vec", [r(4), r(4)], "torch.matmul(x[0], x[1])", "matmul(x[0], x[1])"),
    ("matmul.mat_vec", [r(3, 4), r(4)], "torch.matmul(x[0], x[1])", "matmul(x[0], x[1])"),
    ("matmul.vec_mat", [r(4), r(4, 5)], "torch.matmul(x[0], x[1])", "matmul(x[0], x[1])"),
    ("matmul.batch_broadcast", [r(2, 1, 3, 4), r(5, 4, 2)], "torch.matmul(x[0], x[1])", "matmul(x[0], x[1])"),
    ("matmul.batch_mat", [r(2, 3, 4), r(4, 2)], "torch.matmul(x[0], x[1])", "matmul(x[0], x[1])"),
    ("matmul.vec_batch", [r(4), r(2, 4, 3)], "torch.matmul(x[0], x[1])", "matmul(x[0], x[1])"),
    ("addmm.default", [r(5), r(3, 4), r(4, 5)], "torch.addmm(x[0], x[1], x[2])", "addmm(x[0], x[1], x[2])"),
    ("addmm.beta_alpha", [r(3, 5), r(3, 4), r(4, 5)], "torch.addmm(x[0], x[1], x[2], beta=0.5, alpha=-2.0)",
     "addmm(x[0], x[1], x[2], 0.5f, -2.0f)"),
    # ---- losses ----
    ("mse_loss.mean", [r(3, 4), r(3, 4)], "F.mse_loss(x[0], x[1])", "mse_loss(x[0], x[1])"),
    ("mse_loss.sum", [r(3, 4), r(3, 4)], "F.mse_loss(x[0], x[1], reduction='sum')", "mse_loss(x[0], x[1], Reduction::Sum)"),
    ("mse_loss.none", [r(3, 4), r(3, 4)], "F.mse_loss(x[0], x[1], reduction='none')",
     "mse_loss(x[0], x[1], Reduction::None)"),
    ("l1_loss.mean", [r(3, 4), r(3, 4)], "F.l1_loss(x[0], x[1])", "l1_loss(x[0], x[1])"),
    ("l1_loss.sum", [r(3, 4), r(3, 4)], "F.l1_loss(x[0], x[1], reduction='sum')", "l1_loss(x[0], x[1], Reduction::Sum)"),
    ("l1_loss.none", [r(3, 4), r(3, 4)], "F.l1_loss(x[0], x[1], reduction='none')",
     "l1_loss(x[0], x[1], Reduction::None)"),
    ("smooth_l1_loss.mean", [r(3, 4) * 2, r(3, 4)], "F.smooth_l1_loss(x[0], x[1])", "smooth_l1_loss(x[0], x[1])"),
    ("smooth_l1_loss.beta", [r(3, 4) * 2, r(3, 4)], "F.smooth_l1_loss(x[0], x[1], reduction='none', beta=0.5)",
     "smooth_l1_loss(x[0], x[1], Reduction::None, 0.5f)"),
    ("smooth_l1_loss.sum", [r(3, 4) * 2, r(3, 4)], "F.smooth_l1_loss(x[0], x[1], reduction='sum', beta=2.0)",
     "smooth_l1_loss(x[0], x[1], Reduction::Sum, 2.0f)"),
    ("bce_logits.mean", [r(3, 4) * 3, torch.rand(3, 4)], "F.binary_cross_entropy_with_logits(x[0], x[1])",
     "binary_cross_entropy_with_logits(x[0], x[1])"),
    ("bce_logits.weight_none", [r(3, 4) * 3, torch.rand(3, 4), torch.rand(4)],
     "F.binary_cross_entropy_with_logits(x[0], x[1], weight=x[2], reduction='none')",
     "binary_cross_entropy_with_logits(x[0], x[1], x[2], Reduction::None)"),
    ("bce_logits.pos_weight_sum", [r(3, 4) * 3, torch.rand(3, 4), torch.rand(4) * 3],
     "F.binary_cross_entropy_with_logits(x[0], x[1], reduction='sum', pos_weight=x[2])",
     "binary_cross_entropy_with_logits(x[0], x[1], Tensor(), Reduction::Sum, x[2])"),
    ("bce_logits.large", [torch.tensor([100.0, -100.0, 0.0]), torch.tensor([0.0, 1.0, 0.5])],
     "F.binary_cross_entropy_with_logits(x[0], x[1], reduction='none')",
     "binary_cross_entropy_with_logits(x[0], x[1], Tensor(), Reduction::None)"),
    ("nll_loss.mean", [torch.log_softmax(r(4, 5), 1), idx(5, 4)], "F.nll_loss(x[0], x[1])", "nll_loss(x[0], x[1])"),
    ("nll_loss.weight", [torch.log_softmax(r(4, 5), 1), idx(5, 4), torch.rand(5)], "F.nll_loss(x[0], x[1], weight=x[2])",
     "nll_loss(x[0], x[1], {.weight = x[2]})"),
    ("nll_loss.ignore_index", [torch.log_softmax(r(4, 5), 1), torch.tensor([1, -100, 4, 1])],
     "F.nll_loss(x[0], x[1])", "nll_loss(x[0], x[1])"),
    ("nll_loss.ignore_custom_sum", [torch.log_softmax(r(4, 5), 1), torch.tensor([1, 2, 4, 2])],
     "F.nll_loss(x[0], x[1], ignore_index=2, reduction='sum')",
     "nll_loss(x[0], x[1], {.ignore_index = 2, .reduction = Reduction::Sum})"),
    ("nll_loss.none", [torch.log_softmax(r(4, 5), 1), idx(5, 4)], "F.nll_loss(x[0], x[1], reduction='none')",
     "nll_loss(x[0], x[1], {.reduction = Reduction::None})"),
    ("nll_loss.spatial", [torch.log_softmax(r(2, 3, 2, 2), 1), idx(3, 2, 2, 2)], "F.nll_loss(x[0], x[1])",
     "nll_loss(x[0], x[1])"),
    ("cross_entropy.mean", [r(4, 5), idx(5, 4)], "F.cross_entropy(x[0], x[1])", "cross_entropy(x[0], x[1])"),
    ("cross_entropy.weight_ignore", [r(4, 5), torch.tensor([0, 3, -100, 3]), torch.rand(5)],
     "F.cross_entropy(x[0], x[1], weight=x[2])", "cross_entropy(x[0], x[1], {.weight = x[2]})"),
    ("cross_entropy.label_smoothing", [r(4, 5), idx(5, 4)], "F.cross_entropy(x[0], x[1], label_smoothing=0.1)",
     "cross_entropy(x[0], x[1], {.label_smoothing = 0.1f})"),
    ("cross_entropy.smoothing_weight_none", [r(4, 5), torch.tensor([0, 3, 1, -100]), torch.rand(5)],
     "F.cross_entropy(x[0], x[1], weight=x[2], reduction='none', label_smoothing=0.2)",
     "cross_entropy(x[0], x[1], {.weight = x[2], .reduction = Reduction::None, .label_smoothing = 0.2f})"),
    ("cross_entropy.sum", [r(4, 5), idx(5, 4)], "F.cross_entropy(x[0], x[1], reduction='sum')",
     "cross_entropy(x[0], x[1], {.reduction = Reduction::Sum})"),
    ("cross_entropy.spatial", [r(2, 3, 2, 2), idx(3, 2, 2, 2)], "F.cross_entropy(x[0], x[1])", "cross_entropy(x[0], x[1])"),
    ("cross_entropy.transposed", [r(5, 4), idx(5, 4)], "F.cross_entropy(x[0].t(), x[1])", "cross_entropy(x[0].t(), x[1])"),
]

# Inputs that are positions in a distribution or a weight: gradients flow to x[0] only.
FIRST_INPUT_ONLY = ("nll_loss", "cross_entropy", "bce_logits", "index_select", "gather", "where", "masked_fill")


def as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def main():
    tensors, metadata, rows = {}, {}, []
    names = set()
    for name, inputs, expr, cxx in CASES:
        assert name not in names, name
        names.add(name)
        x = [t.clone() for t in inputs]
        grads_for = [i for i, t in enumerate(x) if t.dtype == torch.float32
                     and not (name.split(".")[0] in FIRST_INPUT_ONLY and i > 0)]
        for i in grads_for:
            x[i].requires_grad_(True)
        outs = as_list(eval(expr, {"torch": torch, "F": F, "x": x}))
        for i, t in enumerate(inputs):
            tensors[f"{name}.in{i}"] = t
        for i, o in enumerate(outs):
            tensors[f"{name}.out{i}"] = o
        with_grad = outs[0].dtype == torch.float32 and outs[0].requires_grad and outs[0].numel() > 0
        if with_grad:
            gw = torch.randn(outs[0].shape)
            gs = torch.autograd.grad((outs[0] * gw).sum(), [x[i] for i in grads_for], allow_unused=True)
            tensors[f"{name}.gw"] = gw
            for i, g in zip(grads_for, gs):
                tensors[f"{name}.grad{i}"] = g if g is not None else torch.zeros_like(x[i])
        metadata[name] = expr
        if "{." in cxx and ".weight" not in cxx:  # designated initialisers name every field before the last
            cxx = cxx.replace("{.", "{.weight = Tensor(), .", 1)
        rows.append(f'    {{"{name}", [](const V& x) {{ return outs({cxx}); }}, {len(inputs)}, {len(outs)}, '
                    f'{"true" if with_grad else "false"}}},')
    write_safetensors(OUT, tensors, metadata)
    with open(TABLE, "w") as f:
        f.write("// Generated by tests/parity/make_op_fixtures.py with the fixture tests/fixtures/ops.safetensors:\n"
                "// edit the CASES list there, not this file. {name, fovea call, inputs, outputs, has gradients}\n")
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(CASES)} cases, {len(tensors)} tensors to {os.path.normpath(OUT)} and {os.path.normpath(TABLE)}")


if __name__ == "__main__":
    main()
