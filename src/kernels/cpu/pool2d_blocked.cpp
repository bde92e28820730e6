// Max pooling on activations in a oneDNN blocked layout (the layout a convolution left them in),
// through oneDNN's pooling primitives, so conv -> relu -> pool never reorders to NCHW.
//
// The forward pass records a workspace (which window element was the maximum) that backward
// reads, as oneDNN's pooling_max training mode defines; its layout is oneDNN's business.
#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <limits>
#include <vector>

#include "fovea/error.hpp"
#include "kernels/cpu/dnnl_context.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/layout_impl.hpp"

namespace fovea::kernels::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;

struct PoolPlan {
  LayoutPtr src, dst;
  dnnl::pooling_forward::primitive_desc fwd_pd;
  dnnl::pooling_forward forward;
  dnnl::pooling_backward::primitive_desc bwd_pd;
  dnnl::pooling_backward backward;
  memory::desc plain_dst;
  std::vector<float> grad_output_buffer;  // grad_output reordered to the dst layout, when it arrives plain
};

using Key = std::array<int64_t, 12>;

std::mutex& pool_mutex() {
  static std::mutex m;
  return m;
}

// Built once per (shape, source layout, thread count) and kept: primitive creation costs more than
// pooling a batch. Never destroyed, like the convolution plans, and for the same reasons.
PoolPlan& plan_for(const Pool2dShape& s, const BackendLayout& src) {
  static auto* plans = new std::vector<std::pair<Key, std::unique_ptr<PoolPlan>>>;
  Key key{s.batch,    s.channels, s.in_h,  s.in_w,  s.kernel_h, s.kernel_w, s.stride_h,
          s.stride_w, s.pad_h,    s.pad_w, int64_t(omp_get_max_threads()), reinterpret_cast<int64_t>(&src)};
  for (auto& [k, p] : *plans)
    if (k == key) return *p;
  auto& engine = detail::dnnl_engine();
  const int64_t oh = s.out_h(), ow = s.out_w();
  memory::dims dst_dims{s.batch, s.channels, oh, ow}, strides{s.stride_h, s.stride_w},
      kernel{s.kernel_h, s.kernel_w}, pad_l{s.pad_h, s.pad_w},
      pad_r{(oh - 1) * s.stride_h + s.kernel_h - s.in_h - s.pad_h, (ow - 1) * s.stride_w + s.kernel_w - s.in_w - s.pad_w};
  memory::desc any_dst(dst_dims, memory::data_type::f32, tag::any);
  auto plan = std::make_unique<PoolPlan>();
  plan->plain_dst = memory::desc(dst_dims, memory::data_type::f32, tag::nchw);
  dnnl::pooling_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, src.desc, any_dst,
                                 strides, kernel, pad_l, pad_r);
  plan->fwd_pd = dnnl::pooling_forward::primitive_desc(fd, engine);
  plan->forward = dnnl::pooling_forward(plan->fwd_pd);
  dnnl::pooling_backward::desc bd(dnnl::algorithm::pooling_max, src.desc, plan->fwd_pd.dst_desc(), strides, kernel,
                                  pad_l, pad_r);
  plan->bwd_pd = dnnl::pooling_backward::primitive_desc(bd, engine, plan->fwd_pd);
  plan->backward = dnnl::pooling_backward(plan->bwd_pd);
  plan->src = detail::intern_layout(src.desc, memory::desc(src.desc.dims(), memory::data_type::f32, tag::nchw));
  plan->dst = detail::intern_layout(plan->fwd_pd.dst_desc(), plan->plain_dst);
  plans->emplace_back(key, std::move(plan));
  return *plans->back().second;
}

// ---- nChw16c, fovea's own loop ----
// oneDNN's pooling backward took 1.3-1.4 ms per batch here (it zero-fills and scatters through a
// generic path), more than the convolutions around it. In nChw16c every spatial position holds 16
// consecutive channels, so a window's max is a max over 16-wide vectors and the argmax (spatial
// index h * W + w, as in the plain kernel) is recorded per lane.

constexpr int64_t kBlock = 16;

bool is_nchw16c(const BackendLayout& layout) {
  const auto dims = layout.desc.dims();
  return dims.size() == 4 && layout.desc == memory::desc(dims, memory::data_type::f32, tag::nChw16c);
}

bool is_2x2_stride_2(const Pool2dShape& s) {
  return s.kernel_h == 2 && s.kernel_w == 2 && s.stride_h == 2 && s.stride_w == 2 && s.pad_h == 0 && s.pad_w == 0;
}

// The seed's 2x2 stride-2 pooling: four 16-lane vectors per window, no bounds checks, and a
// backward that writes every input element once (windows tile the input) instead of zero-filling
// and scattering.
void max_pool_16c_2x2_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const float* in = input + b * H * W * kBlock;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t p0 = int32_t(2 * oh * W + 2 * ow);
        const float* r0 = in + int64_t(p0) * kBlock;
        const float* r1 = r0 + W * kBlock;
        float* out = output + (b * OH * OW + oh * OW + ow) * kBlock;
        int32_t* arg = argmax + (b * OH * OW + oh * OW + ow) * kBlock;
#pragma omp simd
        for (int64_t l = 0; l < kBlock; ++l) {
          float v = r0[l];
          int32_t a = p0;
          const float b1 = r0[kBlock + l], c = r1[l], d = r1[kBlock + l];
          if ((b1 > v) | (b1 != b1)) v = b1, a = p0 + 1;  // first max wins, NaN propagates
          if ((c > v) | (c != c)) v = c, a = p0 + int32_t(W);
          if ((d > v) | (d != d)) v = d, a = p0 + int32_t(W) + 1;
          out[l] = v;
          arg[l] = a;
        }
      }
  }
}

void max_pool_16c_2x2_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                               float* grad_input) {
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    float* gx = grad_input + b * H * W * kBlock;
    // Rows and columns past the last full window (odd sizes) receive no gradient.
    if (H % 2 || W % 2) std::fill_n(gx, H * W * kBlock, 0.0f);
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t p0 = int32_t(2 * oh * W + 2 * ow);
        const float* gy = grad_output + (b * OH * OW + oh * OW + ow) * kBlock;
        const int32_t* arg = argmax + (b * OH * OW + oh * OW + ow) * kBlock;
        float* q0 = gx + int64_t(p0) * kBlock;
        float* q1 = q0 + W * kBlock;
#pragma omp simd
        for (int64_t l = 0; l < kBlock; ++l) {
          const int32_t a = arg[l];
          q0[l] = a == p0 ? gy[l] : 0.0f;
          q0[kBlock + l] = a == p0 + 1 ? gy[l] : 0.0f;
          q1[l] = a == p0 + int32_t(W) ? gy[l] : 0.0f;
          q1[kBlock + l] = a == p0 + int32_t(W) + 1 ? gy[l] : 0.0f;
        }
      }
  }
}

void max_pool_16c_forward(const Pool2dShape& s, const float* input, float* output, int32_t* argmax) {
  if (is_2x2_stride_2(s)) return max_pool_16c_2x2_forward(s, input, output, argmax);
  const int64_t OH = s.out_h(), OW = s.out_w(), H = s.in_h, W = s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const float* in = input + b * H * W * kBlock;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float best[kBlock];
        int32_t arg[kBlock];
        for (int64_t l = 0; l < kBlock; ++l) best[l] = -std::numeric_limits<float>::infinity(), arg[l] = -1;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          const int64_t h = oh * s.stride_h - s.pad_h + kh;
          if (h < 0 || h >= H) continue;
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
            const int64_t w = ow * s.stride_w - s.pad_w + kw;
            if (w < 0 || w >= W) continue;
            const float* v = in + (h * W + w) * kBlock;
            const int32_t pos = int32_t(h * W + w);
            // PyTorch's rule per lane: strictly greater wins (first max kept), NaN always wins.
#pragma omp simd
            for (int64_t l = 0; l < kBlock; ++l) {
              const bool take = (v[l] > best[l]) | (v[l] != v[l]) | (arg[l] < 0);
              best[l] = take ? v[l] : best[l];
              arg[l] = take ? pos : arg[l];
            }
          }
        }
        const int64_t o = (b * OH * OW + oh * OW + ow) * kBlock;
        for (int64_t l = 0; l < kBlock; ++l) output[o + l] = best[l], argmax[o + l] = arg[l];
      }
  }
}

void max_pool_16c_backward(const Pool2dShape& s, const float* grad_output, const int32_t* argmax,
                           float* grad_input) {
  if (is_2x2_stride_2(s)) return max_pool_16c_2x2_backward(s, grad_output, argmax, grad_input);
  const int64_t OH = s.out_h(), OW = s.out_w(), plane = s.in_h * s.in_w;
  const int64_t blocks = s.batch * ((s.channels + kBlock - 1) / kBlock);
  // One thread owns each block of 16 channel planes: a fixed order, no atomics, reproducible.
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    float* gx = grad_input + b * plane * kBlock;
    std::fill_n(gx, plane * kBlock, 0.0f);
    const float* gy = grad_output + b * OH * OW * kBlock;
    const int32_t* arg = argmax + b * OH * OW * kBlock;
    for (int64_t o = 0; o < OH * OW; ++o)
      for (int64_t l = 0; l < kBlock; ++l) gx[int64_t(arg[o * kBlock + l]) * kBlock + l] += gy[o * kBlock + l];
  }
}

}  // namespace

BlockedPoolInfo max_pool2d_blocked_info(const Pool2dShape& s, const BackendLayout& src) {
  if (is_nchw16c(src)) {
    const memory::dims dims{s.batch, s.channels, s.out_h(), s.out_w()};
    const int64_t padded_channels = (s.channels + kBlock - 1) / kBlock * kBlock;
    return {detail::intern_layout(memory::desc(dims, memory::data_type::f32, tag::nChw16c),
                                  memory::desc(dims, memory::data_type::f32, tag::nchw)),
            s.batch * padded_channels * s.out_h() * s.out_w() * int64_t(sizeof(int32_t))};
  }
  std::lock_guard<std::mutex> lock(pool_mutex());
  PoolPlan& p = plan_for(s, src);
  return {p.dst, static_cast<int64_t>(p.fwd_pd.workspace_desc().get_size())};
}

void max_pool2d_forward_blocked(const Pool2dShape& s, const BackendLayout& src_layout, const float* input,
                                float* output, uint8_t* workspace) {
  if (is_nchw16c(src_layout))
    return max_pool_16c_forward(s, input, output, reinterpret_cast<int32_t*>(workspace));
  std::lock_guard<std::mutex> lock(pool_mutex());
  PoolPlan& p = plan_for(s, src_layout);
  auto& engine = detail::dnnl_engine();
  memory src(src_layout.desc, engine, const_cast<float*>(input)), dst(p.fwd_pd.dst_desc(), engine, output),
      ws(p.fwd_pd.workspace_desc(), engine, workspace);
  p.forward.execute(detail::dnnl_stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_WORKSPACE, ws}});
  detail::dnnl_stream().wait();
}

void max_pool2d_backward_blocked(const Pool2dShape& s, const BackendLayout& src_layout, const float* grad_output,
                                 const BackendLayout* grad_output_layout, const uint8_t* workspace,
                                 float* grad_input) {
  if (is_nchw16c(src_layout)) {
    const int32_t* argmax = reinterpret_cast<const int32_t*>(workspace);
    if (grad_output_layout && is_nchw16c(*grad_output_layout))
      return max_pool_16c_backward(s, grad_output, argmax, grad_input);
    if (grad_output_layout) throw Error("max_pool2d backward: gradient in an unexpected backend layout");
    // A plain gradient (through Flatten): one small reorder into nChw16c first.
    auto info = max_pool2d_blocked_info(s, src_layout);
    std::vector<float> g(static_cast<size_t>(layout_storage_floats(*info.dst)));
    reorder_from_plain(*info.dst, grad_output, g.data());
    return max_pool_16c_backward(s, g.data(), argmax, grad_input);
  }
  std::lock_guard<std::mutex> lock(pool_mutex());
  PoolPlan& p = plan_for(s, src_layout);
  auto& engine = detail::dnnl_engine();
  auto& stream = detail::dnnl_stream();
  const memory::desc& dst_desc = p.fwd_pd.dst_desc();
  memory diff_dst;
  const memory::desc& given = detail::desc_or(grad_output_layout, p.plain_dst);
  if (given == dst_desc) {
    diff_dst = memory(dst_desc, engine, const_cast<float*>(grad_output));
  } else {
    // Typically the gradient coming back through Flatten, which is plain: one small reorder.
    p.grad_output_buffer.resize(dst_desc.get_size() / sizeof(float));
    diff_dst = memory(dst_desc, engine, p.grad_output_buffer.data());
    memory g(given, engine, const_cast<float*>(grad_output));
    dnnl::reorder(g, diff_dst).execute(stream, g, diff_dst);
  }
  memory diff_src(src_layout.desc, engine, grad_input),
      ws(p.fwd_pd.workspace_desc(), engine, const_cast<uint8_t*>(workspace));
  p.backward.execute(stream, {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}, {DNNL_ARG_WORKSPACE, ws}});
  stream.wait();
}

}  // namespace fovea::kernels::cpu
