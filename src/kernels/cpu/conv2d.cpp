// Convolution through oneDNN.
//
// Why the plan cache: creating a oneDNN primitive (choosing an implementation, JIT-compiling it)
// costs tens of microseconds to milliseconds, and so does allocating its blocked buffers. A
// training epoch calls each convolution ~469 times with the same shape, so each (shape,
// direction, bias, thread count) gets a Plan built once: primitive descriptor, primitive, the
// blocked intermediate buffers, the reorders to and from the caller's plain layout, and a
// user-owned scratchpad. In steady state a call only rebinds the caller's pointers and executes.
//
// The thread count is part of the key because oneDNN partitions work for the number of OpenMP
// threads it sees when the primitive is created; fovea::set_num_threads must not leave a stale plan.
//
// bf16 (fovea/precision.hpp) changes only the descriptors: the operands a product reads (src,
// weights, diff_dst) are bf16, the ones it writes (dst, diff_src, diff_weights, bias and its
// gradient) stay f32, a combination oneDNN's avx512_core_bf16 and AMX kernels run natively with
// f32 accumulation. The f32 -> bf16 rounding is then just the reorder each operand already has
// when its layout differs, so callers keep passing f32 buffers. The precision is in the key.
#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fovea/error.hpp"
#include "kernels/cpu/dnnl_context.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/layout_impl.hpp"

namespace fovea::kernels::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

enum class Direction : int64_t { forward, forward_relu, backward_input, backward_weight };

using Key = std::array<int64_t, 20>;

// Activation layouts are interned handles (layout_impl.hpp), so their addresses identify them.
Key make_key(const Conv2dShape& s, Direction d, bool with_bias, const BackendLayout* a, const BackendLayout* b,
             Precision precision) {
  return {s.batch,    s.in_channels, s.in_h,     s.in_w,  s.out_channels, s.kernel_h,      s.kernel_w,
          s.stride_h, s.stride_w,    s.pad_h,    s.pad_w, int64_t(d),     int64_t(with_bias),
          int64_t(omp_get_max_threads()), reinterpret_cast<int64_t>(a), reinterpret_cast<int64_t>(b),
          s.groups,   s.dilation_h,  s.dilation_w,  int64_t(precision)};
}

// One tensor argument of a primitive. `user` wraps the caller's plain NCHW/OIHW buffer and is
// rebound on every call; `inner` is what the primitive touches: the very same memory object when
// oneDNN accepts the plain layout, otherwise a blocked buffer allocated once, with a reorder
// between the two.
struct Operand {
  bool is_output;
  memory user, inner;
  std::optional<dnnl::reorder> reorder;
  bool rounds_only = false;  // the reorder only rounds f32 to bf16 (detail::reorder_input)
};

struct Plan {
  LayoutPtr keep_a, keep_b;  // the activation layouts in the key stay alive with the plan
  dnnl::primitive primitive;
  std::vector<Operand> operands;  // in the order the caller's pointers are passed to run()
  std::unordered_map<int, memory> args;
};

// The descriptors of one convolution problem, in the user's plain layouts and as `any`.
struct Descs {
  memory::dims src, wei, dst, bias, strides, dilates, pad_l, pad_r;
  tag wei_tag;  // oihw, or goihw for a grouped convolution (the same bytes, split by group)
  memory::desc plain(const memory::dims& d, tag t) const { return memory::desc(d, dt::f32, t); }
  memory::desc any(const memory::dims& d, dt type = dt::f32) const { return memory::desc(d, type, tag::any); }
};

// oneDNN's reference implementation accepts bf16 for any shape but runs orders of magnitude slower
// than its JIT f32 kernels, so a problem with no fast bf16 kernel (there are few) stays f32.
// `make(type)` builds the primitive descriptor with `type` for the operands a product reads.
// A convolution whose dot products are short (a first layer: 1 or 3 input channels, 3x3) gains
// nothing from bf16 and pays for rounding its input: measured on Zen 4 (oneDNN 2.6, MNIST's
// 1 -> 16 channel 3x3 layer, one thread), bf16 took 0.49 / 1.11 ms forward / weight gradient
// against fp32's 0.43 / 0.45, while the 16 -> 32 layer ran 2.9x / 1.5x faster and its input
// gradient 2x. Such a layer stays f32 in bf16 mode, as the cheapest and most exact choice.
constexpr int64_t kBf16MinReduction = 32;
Precision for_shape(const Conv2dShape& s, Precision precision) {
  return s.in_per_group() * s.kernel_h * s.kernel_w < kBf16MinReduction ? Precision::fp32 : precision;
}

template <class Make>
auto with_precision(Precision precision, Make make) {
  if (precision == Precision::bf16) {
    auto pd = make(dt::bf16);
    if (std::string(pd.impl_info_str()).rfind("ref", 0) != 0) return pd;
  }
  return make(dt::f32);
}

Descs make_descs(const Conv2dShape& s) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  // PyTorch floors the output size; oneDNN wants the right padding that makes the arithmetic
  // exact, which is negative when the last rows/columns of the input are never reached.
  const int64_t pad_b = (oh - 1) * s.stride_h + s.span_h() - s.in_h - s.pad_h;
  const int64_t pad_r = (ow - 1) * s.stride_w + s.span_w() - s.in_w - s.pad_w;
  const bool grouped = s.groups > 1;
  memory::dims wei = grouped ? memory::dims{s.groups, s.out_per_group(), s.in_per_group(), s.kernel_h, s.kernel_w}
                             : memory::dims{s.out_channels, s.in_channels, s.kernel_h, s.kernel_w};
  return {{s.batch, s.in_channels, s.in_h, s.in_w},
          wei,
          {s.batch, s.out_channels, oh, ow},
          {s.out_channels},
          {s.stride_h, s.stride_w},
          // oneDNN counts dilation from 0 (no gap between taps), PyTorch from 1.
          {s.dilation_h - 1, s.dilation_w - 1},
          {s.pad_h, s.pad_w},
          {pad_b, pad_r},
          grouped ? tag::goihw : tag::oihw};
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  // A scratchpad owned by the plan, instead of one oneDNN sizes and may grow on its own.
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void add_operand(Plan& p, int arg, const memory::desc& user_md, const memory::desc& wanted, bool is_output) {
  auto& engine = detail::dnnl_engine();
  Operand op{is_output, memory(user_md, engine, DNNL_MEMORY_NONE), {}, {}};
  if (wanted == user_md) {
    op.inner = op.user;
  } else {
    op.inner = memory(wanted, engine);
    op.reorder = is_output ? dnnl::reorder(op.inner, op.user) : dnnl::reorder(op.user, op.inner);
    op.rounds_only = !is_output && detail::rounds_only_to_bf16(user_md, wanted);
  }
  p.args[arg] = op.inner;
  p.operands.push_back(std::move(op));
}

template <class PrimitiveDesc>
void add_scratchpad(Plan& p, const PrimitiveDesc& pd) {
  p.args[DNNL_ARG_SCRATCHPAD] = memory(pd.scratchpad_desc(), detail::dnnl_engine());
}

// Direct convolution only: Winograd would change the numbers relative to the reference.
constexpr auto kAlgorithm = dnnl::algorithm::convolution_direct;

// `in`: the type of src and weights (f32, or bf16 with an f32 dst).
dnnl::convolution_forward::primitive_desc forward_pd_of(const Descs& d, bool with_bias, const dnnl::primitive_attr& attr,
                                                        dt in) {
  using conv = dnnl::convolution_forward;
  const auto pk = dnnl::prop_kind::forward_training;
  auto desc = with_bias ? conv::desc(pk, kAlgorithm, d.any(d.src, in), d.any(d.wei, in), d.plain(d.bias, tag::x),
                                     d.any(d.dst), d.strides, d.dilates, d.pad_l, d.pad_r)
                        : conv::desc(pk, kAlgorithm, d.any(d.src, in), d.any(d.wei, in), d.any(d.dst), d.strides,
                                     d.dilates, d.pad_l, d.pad_r);
  return conv::primitive_desc(desc, attr, detail::dnnl_engine());
}

dnnl::convolution_forward::primitive_desc forward_pd(const Descs& d, bool with_bias, const dnnl::primitive_attr& attr,
                                                     Precision precision) {
  return with_precision(precision, [&](dt in) { return forward_pd_of(d, with_bias, attr, in); });
}

// Operand order: input, weight, [bias], output. The activations are in `in` and `out` (null: plain).
std::unique_ptr<Plan> build_forward(const Conv2dShape& s, bool with_bias, bool relu, const BackendLayout* in,
                                    const BackendLayout* out, Precision precision) {
  const Descs d = make_descs(s);
  auto attr = user_scratchpad();
  if (relu) {
    // ReLU applied to each output as it is written: no second pass over the activation.
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  auto pd = forward_pd(d, with_bias, attr, precision);
  auto p = std::make_unique<Plan>();
  add_operand(*p, DNNL_ARG_SRC, detail::desc_or(in, d.plain(d.src, tag::nchw)), pd.src_desc(), false);
  add_operand(*p, DNNL_ARG_WEIGHTS, d.plain(d.wei, d.wei_tag), pd.weights_desc(), false);
  if (with_bias) add_operand(*p, DNNL_ARG_BIAS, d.plain(d.bias, tag::x), pd.bias_desc(), false);
  add_operand(*p, DNNL_ARG_DST, detail::desc_or(out, d.plain(d.dst, tag::nchw)), pd.dst_desc(), true);
  add_scratchpad(*p, pd);
  p->primitive = dnnl::convolution_forward(pd);
  return p;
}

// Operand order: grad_output, weight, grad_input.
dnnl::convolution_backward_data::primitive_desc backward_input_pd(const Descs& d, Precision precision) {
  using conv = dnnl::convolution_backward_data;
  return with_precision(precision, [&](dt in) {
    auto hint = forward_pd_of(d, false, dnnl::primitive_attr(), in);
    conv::desc desc(kAlgorithm, d.any(d.src), d.any(d.wei, in), d.any(d.dst, in), d.strides, d.dilates, d.pad_l,
                    d.pad_r);
    return conv::primitive_desc(desc, user_scratchpad(), detail::dnnl_engine(), hint);
  });
}

std::unique_ptr<Plan> build_backward_input(const Conv2dShape& s, const BackendLayout* gy, const BackendLayout* gx,
                                           Precision precision) {
  using conv = dnnl::convolution_backward_data;
  const Descs d = make_descs(s);
  auto pd = backward_input_pd(d, precision);
  auto p = std::make_unique<Plan>();
  add_operand(*p, DNNL_ARG_DIFF_DST, detail::desc_or(gy, d.plain(d.dst, tag::nchw)), pd.diff_dst_desc(), false);
  add_operand(*p, DNNL_ARG_WEIGHTS, d.plain(d.wei, d.wei_tag), pd.weights_desc(), false);
  add_operand(*p, DNNL_ARG_DIFF_SRC, detail::desc_or(gx, d.plain(d.src, tag::nchw)), pd.diff_src_desc(), true);
  add_scratchpad(*p, pd);
  p->primitive = conv(pd);
  return p;
}

// Operand order: input, grad_output, grad_weight, [grad_bias].
std::unique_ptr<Plan> build_backward_weight(const Conv2dShape& s, bool with_bias, const BackendLayout* x,
                                            const BackendLayout* gy, Precision precision) {
  using conv = dnnl::convolution_backward_weights;
  const Descs d = make_descs(s);
  auto pd = with_precision(precision, [&](dt in) {
    auto hint = forward_pd_of(d, with_bias, dnnl::primitive_attr(), in);
    auto desc = with_bias ? conv::desc(kAlgorithm, d.any(d.src, in), d.any(d.wei), d.plain(d.bias, tag::x),
                                       d.any(d.dst, in), d.strides, d.dilates, d.pad_l, d.pad_r)
                          : conv::desc(kAlgorithm, d.any(d.src, in), d.any(d.wei), d.any(d.dst, in), d.strides,
                                       d.dilates, d.pad_l, d.pad_r);
    return conv::primitive_desc(desc, user_scratchpad(), detail::dnnl_engine(), hint);
  });
  auto p = std::make_unique<Plan>();
  add_operand(*p, DNNL_ARG_SRC, detail::desc_or(x, d.plain(d.src, tag::nchw)), pd.src_desc(), false);
  add_operand(*p, DNNL_ARG_DIFF_DST, detail::desc_or(gy, d.plain(d.dst, tag::nchw)), pd.diff_dst_desc(), false);
  add_operand(*p, DNNL_ARG_DIFF_WEIGHTS, d.plain(d.wei, d.wei_tag), pd.diff_weights_desc(), true);
  if (with_bias) add_operand(*p, DNNL_ARG_DIFF_BIAS, d.plain(d.bias, tag::x), pd.diff_bias_desc(), true);
  add_scratchpad(*p, pd);
  p->primitive = conv(pd);
  return p;
}

void run(Plan& p, std::initializer_list<const void*> pointers) {
  auto& stream = detail::dnnl_stream();
  auto op = p.operands.begin();
  // oneDNN takes non-const handles for every argument; inputs are only ever read.
  for (const void* ptr : pointers) (op++)->user.set_data_handle(const_cast<void*>(ptr));
  for (auto& o : p.operands)
    if (!o.is_output && o.reorder) detail::reorder_input(*o.reorder, o.rounds_only, o.user, o.inner);
  p.primitive.execute(stream, p.args);
  for (auto& o : p.operands)
    if (o.is_output && o.reorder) o.reorder->execute(stream, o.inner, o.user);
  stream.wait();
}

// A handful of shapes per network (each layer, the last short batch, evaluation batches); the cap
// only stops a program that sweeps shapes from holding every plan forever.
constexpr size_t kMaxPlans = 64;

struct PlanCache {
  std::mutex mutex;
  std::vector<std::pair<Key, std::unique_ptr<Plan>>> plans;  // oldest first
};

// Deliberately never destroyed: plans hold oneDNN objects tied to the engine, and tearing them
// down during static destruction, in an order relative to the engine and to OpenMP's shutdown
// that nothing guarantees, buys nothing at exit.
PlanCache& plan_cache() {
  static PlanCache* cache = new PlanCache;
  return *cache;
}

// The lock covers execution too: a plan's blocked buffers are shared by every caller of that shape.
template <class Build>
void execute(const Key& key, Build build, std::initializer_list<const void*> pointers) {
  PlanCache& cache = plan_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  try {
    auto& plans = cache.plans;
    auto it = std::find_if(plans.begin(), plans.end(), [&](const auto& e) { return e.first == key; });
    if (it == plans.end()) {
      if (plans.size() >= kMaxPlans) plans.erase(plans.begin());
      plans.emplace_back(key, build());
      it = std::prev(plans.end());
    }
    run(*it->second, pointers);
  } catch (const dnnl::error& e) {
    // Shapes are validated by the ops layer, so this is oneDNN refusing a valid problem: say which.
    std::string shape;
    for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18}) shape += (i ? "," : "") + std::to_string(key[i]);
    throw Error("oneDNN convolution failed for shape (N,C,H,W,O,kH,kW,sH,sW,pH,pW,groups,dH,dW) = (" + shape +
                "): " + e.what());
  }
}

}  // namespace

LayoutPtr conv2d_output_layout(const Conv2dShape& s, bool with_bias, Precision precision) {
  precision = for_shape(s, precision);
  const Descs d = make_descs(s);
  return detail::intern_layout(forward_pd(d, with_bias, dnnl::primitive_attr(), precision).dst_desc(),
                               d.plain(d.dst, tag::nchw));
}

LayoutPtr conv2d_input_grad_layout(const Conv2dShape& s, Precision precision) {
  precision = for_shape(s, precision);
  const Descs d = make_descs(s);
  return detail::intern_layout(backward_input_pd(d, precision).diff_src_desc(), d.plain(d.src, tag::nchw));
}

void conv2d_forward(const Conv2dShape& s, const float* input, const float* weight, const float* bias,
                    float* output, const BackendLayout* input_layout, const BackendLayout* output_layout,
                    bool fuse_relu, Precision precision) {
  if (s.batch == 0) return;
  precision = for_shape(s, precision);
  const bool with_bias = bias != nullptr;
  auto build = [&] { return build_forward(s, with_bias, fuse_relu, input_layout, output_layout, precision); };
  auto key = make_key(s, fuse_relu ? Direction::forward_relu : Direction::forward, with_bias, input_layout,
                      output_layout, precision);
  if (with_bias)
    execute(key, build, {input, weight, bias, output});
  else
    execute(key, build, {input, weight, output});
}

void conv2d_backward_input(const Conv2dShape& s, const float* grad_output, const float* weight,
                           float* grad_input, const BackendLayout* grad_output_layout,
                           const BackendLayout* grad_input_layout, Precision precision) {
  if (s.batch == 0) return;
  precision = for_shape(s, precision);
  execute(make_key(s, Direction::backward_input, false, grad_output_layout, grad_input_layout, precision),
          [&] { return build_backward_input(s, grad_output_layout, grad_input_layout, precision); },
          {grad_output, weight, grad_input});
}

void conv2d_backward_weight(const Conv2dShape& s, const float* input, const float* grad_output,
                            float* grad_weight, float* grad_bias, const BackendLayout* input_layout,
                            const BackendLayout* grad_output_layout, Precision precision) {
  if (s.batch == 0) {  // an empty batch contributes nothing, but the outputs must still be written
    std::fill_n(grad_weight, s.out_channels * s.in_per_group() * s.kernel_h * s.kernel_w, 0.0f);
    if (grad_bias) std::fill_n(grad_bias, s.out_channels, 0.0f);
    return;
  }
  precision = for_shape(s, precision);
  const bool with_bias = grad_bias != nullptr;
  auto build = [&] { return build_backward_weight(s, with_bias, input_layout, grad_output_layout, precision); };
  auto key = make_key(s, Direction::backward_weight, with_bias, input_layout, grad_output_layout, precision);
  if (with_bias)
    execute(key, build, {input, grad_output, grad_weight, grad_bias});
  else
    execute(key, build, {input, grad_output, grad_weight});
}

}  // namespace fovea::kernels::cpu
