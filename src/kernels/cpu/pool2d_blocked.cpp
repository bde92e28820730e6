// Max pooling on activations in a oneDNN blocked layout (the layout a convolution left them in),
// so conv -> relu -> pool never reorders to NCHW: fovea's own loops where channels lie innermost
// (nChw16c, AVX-512's fp32 layout; nChw8c, AVX2's; NHWC, what the bf16 convolutions write;
// per_isa/pool2d_channel_blocks.cpp), oneDNN's pooling primitives for any other.
//
// The forward pass records a workspace (which window element was the maximum) that backward
// reads, as oneDNN's pooling_max training mode defines; its layout is oneDNN's business.
#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "fovea/error.hpp"
#include "kernels/cpu/dnnl_context.hpp"
#include "kernels/cpu/dispatch.hpp"
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

// ---- channels innermost: fovea's own loops (per_isa/pool2d_channel_blocks.cpp) ----

// A layout stored [blocks][H][W][lanes] (16 for nChw16c, 8 for nChw8c, C for NHWC): its lanes and
// tag, which the pooled output keeps; lanes 0 for any other layout. oneDNN's own pooling dropped
// NaN on nChw8c (AVX2), which these loops do not.
struct ChannelBlocks {
  int64_t lanes = 0;
  tag layout = tag::undef;
};

ChannelBlocks channel_blocks(const BackendLayout& layout) {
  const auto dims = layout.desc.dims();
  if (dims.size() != 4) return {};
  for (const auto& [lanes, t] : {std::pair<int64_t, tag>{16, tag::nChw16c}, {8, tag::nChw8c}, {dims[1], tag::nhwc}})
    if (layout.desc == memory::desc(dims, memory::data_type::f32, t)) return {lanes, t};
  return {};
}

// The pooled output's descriptor: the input's layout at the output's size.
memory::desc pooled_desc(const Pool2dShape& s, const ChannelBlocks& c) {
  return memory::desc({s.batch, s.channels, s.out_h(), s.out_w()}, memory::data_type::f32, c.layout);
}

}  // namespace

BlockedPoolInfo max_pool2d_blocked_info(const Pool2dShape& s, const BackendLayout& src) {
  if (const ChannelBlocks c = channel_blocks(src); c.lanes) {
    const memory::desc out = pooled_desc(s, c);
    const int64_t padded_channels = (s.channels + c.lanes - 1) / c.lanes * c.lanes;
    return {detail::intern_layout(out, memory::desc(out.dims(), memory::data_type::f32, tag::nchw)),
            s.batch * padded_channels * s.out_h() * s.out_w() * int64_t(sizeof(int32_t))};
  }
  std::lock_guard<std::mutex> lock(pool_mutex());
  PoolPlan& p = plan_for(s, src);
  return {p.dst, static_cast<int64_t>(p.fwd_pd.workspace_desc().get_size())};
}

void max_pool2d_forward_blocked(const Pool2dShape& s, const BackendLayout& src_layout, const float* input,
                                float* output, uint8_t* workspace) {
  if (const ChannelBlocks c = channel_blocks(src_layout); c.lanes)
    return max_pool2d_channel_blocks_forward(s, c.lanes, input, output, reinterpret_cast<int32_t*>(workspace));
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
  if (const ChannelBlocks c = channel_blocks(src_layout); c.lanes) {
    const int32_t* argmax = reinterpret_cast<const int32_t*>(workspace);
    if (grad_output_layout && grad_output_layout->desc == pooled_desc(s, c))
      return max_pool2d_channel_blocks_backward(s, c.lanes, grad_output, argmax, grad_input);
    // Another layout (a plain gradient through Flatten, typically): one small reorder first.
    const auto info = max_pool2d_blocked_info(s, src_layout);
    std::vector<float> g(static_cast<size_t>(layout_storage_floats(*info.dst)));
    if (grad_output_layout)
      reorder_between(*grad_output_layout, grad_output, *info.dst, g.data());
    else
      reorder_from_plain(*info.dst, grad_output, g.data());
    return max_pool2d_channel_blocks_backward(s, c.lanes, g.data(), argmax, grad_input);
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
