// Reductions: sum, mean, var, std, max, min, argmax, argmin, with their gradients. Each brings the
// reduced dimensions together (reduce_plan.hpp) and runs one kernel over [outer, reduce, inner];
// softmax and logsumexp live in softmax.cpp.
#include <cmath>
#include <limits>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "kernels/cpu/kernels.hpp"
#include "ops/op_helpers.hpp"
#include "ops/reduce_plan.hpp"

namespace fovea {

namespace ops_detail {

ReducePlan plan_reduce(const Tensor& input, const Shape& dims, bool keepdim, const char* op) {
  FOVEA_CHECK(input.defined(), Error, op, ": the input is undefined");
  const int64_t n = input.dim();
  std::vector<bool> reduced(static_cast<size_t>(n), dims.empty());
  for (int64_t d : dims) {
    const int64_t at = wrap_dim(d, n, op);
    if (n == 0) continue;  // a 0-d tensor reduces over its single implicit dimension
    FOVEA_CHECK(!reduced[at], ValueError, op, ": dim ", at, " appears multiple times in the list of dims ",
                to_string(dims));
    reduced[at] = true;
  }
  ReducePlan p;
  p.input_shape = input.shape();
  int64_t lo = n, hi = -1;
  for (int64_t d = 0; d < n; ++d) {
    if (reduced[d]) {
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      p.count *= input.size(d);
      p.keep_shape.push_back(1);
      if (keepdim) p.result_shape.push_back(1);
    } else {
      p.keep_shape.push_back(input.size(d));
      p.result_shape.push_back(input.size(d));
    }
  }
  bool adjacent = true;
  for (int64_t d = lo; d <= hi; ++d) adjacent = adjacent && reduced[d];
  const Tensor detached = input.detach();
  if (adjacent) {
    p.x = detached.contiguous();
    p.s = {1, p.count, 1};
    for (int64_t d = 0; d < n; ++d) {
      if (hi >= 0 && d < lo) p.s.outer *= input.size(d);
      if (d > hi || hi < 0) p.s.inner *= input.size(d);
    }
    if (hi < 0) p.s = {1, 1, input.numel()};  // nothing reduced (only a 0-d input gets here)
  } else {
    int64_t kept = 1;
    for (int64_t d = 0; d < n; ++d)
      if (!reduced[d]) {
        p.permutation.push_back(d);
        kept *= input.size(d);
      }
    for (int64_t d = 0; d < n; ++d)
      if (reduced[d]) p.permutation.push_back(d);
    p.x = detached.permute(p.permutation).contiguous();
    p.s = {kept, p.count, 1};
  }
  return p;
}

Tensor ReducePlan::to_input_layout(const Tensor& planned) const {
  if (permutation.empty()) return planned.view(input_shape);
  Shape permuted_shape, inverse(permutation.size());
  for (size_t k = 0; k < permutation.size(); ++k) {
    permuted_shape.push_back(input_shape[permutation[k]]);
    inverse[permutation[k]] = static_cast<int64_t>(k);
  }
  return planned.view(permuted_shape).permute(inverse).contiguous();
}

}  // namespace ops_detail

using ops_detail::check_float;
using ops_detail::plan_reduce;
using ops_detail::ReducePlan;

namespace {

// The gradient of a sum: g (the result's shape) spread back over the reduced dimensions.
// (A 0-d g, everything reduced, expands directly: it cannot be viewed with more dimensions.)
Tensor expand_back(const Tensor& g, const ReducePlan& p) {
  return (g.dim() == 0 ? g : g.reshape(p.keep_shape)).expand(p.input_shape);
}

}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  FOVEA_CHECK(x.defined(), Error, "sum: the input is undefined");
  ReducePlan p = plan_reduce(x, dims, keepdim, "sum");
  if (x.dtype() != kFloat32) {  // int64 and bool sum to int64, as PyTorch
    const Tensor ints = p.x.to(kInt64);
    Tensor out = Tensor::empty(p.result_shape, kInt64);
    kernels::cpu::sum_reduce_int64(p.s, ints.data_ptr<int64_t>(), out.data_ptr<int64_t>());
    return out;
  }
  Tensor out = Tensor::empty(p.result_shape);
  kernels::cpu::sum_reduce(p.s, p.x.data(), out.data(), false);
  if (needs_graph({&x})) {
    p.x = Tensor();  // backward needs the shapes only
    record(out, "SumBackward", {x}, [p](const Tensor& g) { return std::vector<Tensor>{expand_back(g, p)}; });
  }
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  FOVEA_CHECK(x.defined(), Error, "mean: the input is undefined");
  FOVEA_CHECK(x.dtype() == kFloat32, TypeError, "mean(): could not infer output dtype: expected a float32 tensor, got ",
              to_string(x.dtype()));
  ReducePlan p = plan_reduce(x, dims, keepdim, "mean");
  Tensor out = Tensor::empty(p.result_shape);
  kernels::cpu::sum_reduce(p.s, p.x.data(), out.data(), true);
  if (needs_graph({&x})) {
    p.x = Tensor();  // backward needs the shapes only
    const float scale = 1.0f / static_cast<float>(p.count);
    record(out, "MeanBackward", {x},
           [p, scale](const Tensor& g) { return std::vector<Tensor>{expand_back(mul(g, scale), p)}; });
  }
  return out;
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

namespace {

Tensor variance(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std" : "var";
  check_float(x, op);
  const ReducePlan p = plan_reduce(x, dims, keepdim, op);
  const double correction = unbiased ? 1.0 : 0.0;
  Tensor out = Tensor::empty(p.result_shape);
  kernels::cpu::var_reduce(p.s, p.x.data(), out.data(), correction, take_sqrt);
  if (needs_graph({&x})) {
    const Tensor result = out.detach();
    record(
        out, take_sqrt ? "StdBackward" : "VarBackward", {x},
        [p, result, correction, take_sqrt](const Tensor& g) {
          Tensor gx = Tensor::empty({p.s.outer, p.s.reduce, p.s.inner});
          kernels::cpu::var_backward(p.s, p.x.data(), g.contiguous().data(), take_sqrt ? result.data() : nullptr,
                                     correction, gx.data());
          return std::vector<Tensor>{p.to_input_layout(gx)};
        },
        {result, p.x});
  }
  return out;
}

}  // namespace

Tensor var(const Tensor& x, bool unbiased) { return variance(x, {}, unbiased, false, false); }
Tensor var(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return variance(x, dims, unbiased, keepdim, false);
}
Tensor var(const Tensor& x, std::initializer_list<int64_t> dims, bool unbiased, bool keepdim) {
  return variance(x, Shape(dims), unbiased, keepdim, false);
}
Tensor std(const Tensor& x, std::initializer_list<int64_t> dims, bool unbiased, bool keepdim) {
  return variance(x, Shape(dims), unbiased, keepdim, true);
}
Tensor std(const Tensor& x, bool unbiased) { return variance(x, {}, unbiased, false, true); }
Tensor std(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return variance(x, dims, unbiased, keepdim, true);
}

namespace {

void check_nonempty_all(const Tensor& x, const char* op) {
  FOVEA_CHECK(x.numel() > 0, ValueError, op, "(): expected reduction dim to be specified for an empty input (shape ",
              to_string(x.shape()), ")");
}

Tensor extremum_all(const Tensor& x, bool is_min) {
  const char* op = is_min ? "min" : "max";
  check_float(x, op);
  check_nonempty_all(x, op);
  const Tensor flat = x.detach().contiguous();
  const int64_t n = flat.numel();
  Tensor out = Tensor::empty({});
  (is_min ? kernels::cpu::min_reduce : kernels::cpu::max_reduce)({1, n, 1}, flat.data(), out.data(), nullptr);
  if (needs_graph({&x})) {
    const float value = out.item();
    const Shape shape = x.shape();
    record(
        out, is_min ? "MinBackward" : "MaxBackward", {x},
        [flat, value, n, shape](const Tensor& g) {
          Tensor gx = Tensor::empty(shape);
          kernels::cpu::spread_to_extremum_backward(n, flat.data(), value, g.item(), gx.data());
          return std::vector<Tensor>{gx};
        },
        {flat});
  }
  return out;
}

// (values, indices) along one dimension; indices only when values are not wanted.
std::tuple<Tensor, Tensor> extremum_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_min, const char* op,
                                        bool want_values) {
  check_float(x, op);
  const ReducePlan p = plan_reduce(x, {dim}, keepdim, op);
  FOVEA_CHECK(p.count > 0, IndexError, op, "(): expected reduction dim ", dim, " to have non-zero size (shape ",
              to_string(x.shape()), ")");
  Tensor values = Tensor::empty(p.result_shape), indices = Tensor::empty(p.result_shape, kInt64);
  (is_min ? kernels::cpu::min_reduce : kernels::cpu::max_reduce)(p.s, p.x.data(), values.data(),
                                                                 indices.data_ptr<int64_t>());
  if (want_values && needs_graph({&x})) {
    const Tensor chosen = indices.detach();
    const kernels::ReduceShape s = p.s;
    const Shape shape = x.shape();
    record(
        values, is_min ? "MinBackward" : "MaxBackward", {x},
        [chosen, s, shape](const Tensor& g) {
          Tensor gx = Tensor::empty(shape);
          kernels::cpu::index_reduce_backward(s, chosen.data_ptr<int64_t>(), g.contiguous().data(), gx.data());
          return std::vector<Tensor>{gx};
        },
        {chosen});
  }
  return {values, indices};
}

Tensor arg_extremum(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_min) {
  const char* op = is_min ? "argmin" : "argmax";
  check_float(x, op);
  if (!dim) {
    check_nonempty_all(x, op);
    Tensor flat_index = std::get<1>(extremum_dim(x.dim() == 0 ? x.detach().expand({1}) : x.detach().reshape({-1}), 0, false, is_min, op, false));
    return keepdim ? flat_index.expand(Shape(x.dim(), 1)).contiguous() : flat_index;
  }
  return std::get<1>(extremum_dim(x, *dim, keepdim, is_min, op, false));
}

}  // namespace

Tensor max(const Tensor& x) { return extremum_all(x, false); }
Tensor min(const Tensor& x) { return extremum_all(x, true); }
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return extremum_dim(x, dim, keepdim, false, "max", true);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return extremum_dim(x, dim, keepdim, true, "min", true);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extremum(x, dim, keepdim, false); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extremum(x, dim, keepdim, true); }

Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return fovea::argmax(*this, dim, keepdim); }

}  // namespace fovea
