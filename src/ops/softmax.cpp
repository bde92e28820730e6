// softmax, log_softmax and logsumexp along any dimensions, with their gradients. The [N, C]
// log_softmax over classes (every classifier's last step) keeps its own row kernels; every other
// case runs the [outer, reduce, inner] kernels.
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "ops/reduce_plan.hpp"

namespace fovea {

namespace {

constexpr int64_t kRowKernelMaxClasses = 64;

Tensor softmax_along(const Tensor& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  ops_detail::check_float(x, op);
  const int64_t axis = ops_detail::wrap_dim(dim, x.dim(), op);
  const ops_detail::ReducePlan p = ops_detail::plan_reduce(x, {dim}, true, op);
  const kernels::ReduceShape s = p.s;
  // The classifier's case, [N, C] with few classes, keeps the row kernels cross_entropy's fused
  // path shares; long rows run the general kernel, whose exp is vectorised.
  const bool rows = log && x.dim() == 2 && axis == 1 && x.size(1) <= kRowKernelMaxClasses;
  Tensor out = Tensor::empty(x.shape());
  const bool empty = x.numel() == 0;  // nothing to normalise (the kernels assume non-empty slices)
  if (rows && !empty)
    kernels::cpu::log_softmax_forward(s.outer, s.reduce, p.x.data(), out.data());
  else if (!empty)
    kernels::cpu::softmax_forward(s, p.x.data(), out.data(), log);
  if (needs_graph({&x})) {
    const Tensor y = out.detach();
    record(
        out, log ? "LogSoftmaxBackward" : "SoftmaxBackward", {x},
        [y, s, rows, log](const Tensor& g_) {
          const Tensor g = g_.contiguous();
          Tensor gx = Tensor::empty(g.shape());
          if (gx.numel() == 0) return std::vector<Tensor>{gx};
          if (rows)
            kernels::cpu::log_softmax_backward(s.outer, s.reduce, y.data(), g.data(), gx.data());
          else
            kernels::cpu::softmax_backward(s, y.data(), g.data(), gx.data(), log);
          return std::vector<Tensor>{gx};
        },
        {y});
  }
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_along(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_along(x, dim, true); }

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  ops_detail::check_float(x, "logsumexp");
  const ops_detail::ReducePlan p = ops_detail::plan_reduce(x, dims, keepdim, "logsumexp");
  Tensor out = Tensor::empty(p.result_shape);
  kernels::cpu::logsumexp_reduce(p.s, p.x.data(), out.data());
  if (needs_graph({&x})) {
    const Tensor result = out.detach();
    record(
        out, "LogsumexpBackward", {x},
        [p, result](const Tensor& g) {
          Tensor gx = Tensor::empty({p.s.outer, p.s.reduce, p.s.inner});
          kernels::cpu::logsumexp_backward(p.s, p.x.data(), result.data(), g.contiguous().data(), gx.data());
          return std::vector<Tensor>{p.to_input_layout(gx)};
        },
        {result, p.x});
  }
  return out;
}

}  // namespace fovea
