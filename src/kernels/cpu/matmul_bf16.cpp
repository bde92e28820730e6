// gemm_bf16: a row-major product with bf16 operands and f32 accumulation and output, through a
// oneDNN matmul primitive (sgemm has no bf16 twin in oneDNN's C API).
//
// As for convolutions (conv2d.cpp), building a primitive costs far more than a small product, so
// each (transposes, m, n, k, beta, thread count) gets a plan built once: the primitive, bf16
// buffers for both operands with the f32 -> bf16 reorders into them (a transposed operand is just
// the f32 memory described with swapped strides, so the reorder also lays it out as the primitive
// wants), and a user-owned scratchpad. Locked like the convolution cache: the buffers are shared.
#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fovea/error.hpp"
#include "kernels/cpu/dnnl_context.hpp"
#include "kernels/cpu/kernels.hpp"

namespace fovea::kernels::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

using Key = std::array<int64_t, 7>;

struct MatmulPlan {
  dnnl::matmul primitive;
  memory a_user, b_user, c_user;  // the caller's f32 buffers, rebound on every call
  memory a, b;                    // bf16, as the primitive reads them
  dnnl::reorder to_a, to_b;
  bool a_rounds_only = false, b_rounds_only = false;  // same element order: round_to_bf16 instead
  memory scratchpad;
};

// Row-major m x n, or its transpose stored n x m, as an m x n descriptor.
memory::desc f32_matrix(int64_t rows, int64_t cols, bool transposed) {
  return memory::desc({rows, cols}, dt::f32, transposed ? memory::dims{1, rows} : memory::dims{cols, 1});
}

std::unique_ptr<MatmulPlan> build(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, bool accumulate) {
  auto& engine = detail::dnnl_engine();
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (accumulate) {  // beta = 1: C += A B, as the linear layer seeds C with its bias
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  const memory::desc a_md({m, k}, dt::bf16, tag::ab), b_md({k, n}, dt::bf16, tag::any), c_md({m, n}, dt::f32, tag::ab);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, c_md), attr, engine);
  auto p = std::make_unique<MatmulPlan>();
  p->a_user = memory(f32_matrix(m, k, trans_a), engine, DNNL_MEMORY_NONE);
  p->b_user = memory(f32_matrix(k, n, trans_b), engine, DNNL_MEMORY_NONE);
  p->c_user = memory(c_md, engine, DNNL_MEMORY_NONE);
  p->a = memory(pd.src_desc(), engine);
  p->b = memory(pd.weights_desc(), engine);
  p->to_a = dnnl::reorder(p->a_user, p->a);
  p->to_b = dnnl::reorder(p->b_user, p->b);
  p->a_rounds_only = detail::rounds_only_to_bf16(p->a_user.get_desc(), p->a.get_desc());
  p->b_rounds_only = detail::rounds_only_to_bf16(p->b_user.get_desc(), p->b.get_desc());
  p->scratchpad = memory(pd.scratchpad_desc(), engine);
  p->primitive = dnnl::matmul(pd);
  return p;
}

struct Cache {
  std::mutex mutex;
  std::vector<std::pair<Key, std::unique_ptr<MatmulPlan>>> plans;  // oldest first
};

// Never destroyed, for the reason conv2d.cpp's cache is not.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

constexpr size_t kMaxPlans = 64;

}  // namespace

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, const float* b,
               float beta, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum, which oneDNN is not asked to handle
    if (beta == 0.0f) std::fill_n(c, m * n, 0.0f);
    return;
  }
  const bool accumulate = beta != 0.0f;
  if (accumulate && beta != 1.0f) throw Error("gemm_bf16: beta must be 0 or 1, got " + std::to_string(beta));
  const Key key{trans_a, trans_b, m, n, k, accumulate, omp_get_max_threads()};
  Cache& cc = cache();
  std::lock_guard<std::mutex> lock(cc.mutex);
  try {
    auto it = std::find_if(cc.plans.begin(), cc.plans.end(), [&](const auto& e) { return e.first == key; });
    if (it == cc.plans.end()) {
      if (cc.plans.size() >= kMaxPlans) cc.plans.erase(cc.plans.begin());
      cc.plans.emplace_back(key, build(trans_a, trans_b, m, n, k, accumulate));
      it = std::prev(cc.plans.end());
    }
    MatmulPlan& p = *it->second;
    p.a_user.set_data_handle(const_cast<float*>(a));
    p.b_user.set_data_handle(const_cast<float*>(b));
    p.c_user.set_data_handle(c);
    auto& stream = detail::dnnl_stream();
    detail::reorder_input(p.to_a, p.a_rounds_only, p.a_user, p.a);
    detail::reorder_input(p.to_b, p.b_rounds_only, p.b_user, p.b);
    p.primitive.execute(stream, {{DNNL_ARG_SRC, p.a},
                                 {DNNL_ARG_WEIGHTS, p.b},
                                 {DNNL_ARG_DST, p.c_user},
                                 {DNNL_ARG_SCRATCHPAD, p.scratchpad}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error("oneDNN bf16 matmul failed for (m, n, k) = (" + std::to_string(m) + ", " + std::to_string(n) + ", " +
                std::to_string(k) + "): " + e.what());
  }
}

}  // namespace fovea::kernels::cpu
