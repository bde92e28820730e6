#include "kernels/cpu/dnnl_context.hpp"

#include "kernels/cpu/dispatch.hpp"

namespace fovea::kernels::cpu::detail {

// Function-local statics: created on first use (thread-safe), never at static-init time, so a
// program that never convolves never touches oneDNN.
dnnl::engine& dnnl_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& dnnl_stream() {
  static dnnl::stream stream(dnnl_engine());
  return stream;
}

bool rounds_only_to_bf16(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  if (from.data_type() != dt::f32 || to.data_type() != dt::bf16) return false;
  dnnl::memory::desc retyped = from;
  retyped.data.data_type = dnnl_bf16;
  if (retyped == to) return true;
  const dnnl::memory::dims dims = from.dims();
  if (dims.size() != 4 || to != dnnl::memory::desc(dims, dt::bf16, tag::nhwc)) return false;
  return (dims[1] == 16 && from == dnnl::memory::desc(dims, dt::f32, tag::nChw16c)) ||
         (dims[1] == 8 && from == dnnl::memory::desc(dims, dt::f32, tag::nChw8c));
}

void reorder_input(const dnnl::reorder& reorder, bool rounds_only, dnnl::memory& from, dnnl::memory& to) {
  if (!rounds_only) return reorder.execute(dnnl_stream(), from, to);
  const auto n = static_cast<int64_t>(to.get_desc().get_size() / sizeof(uint16_t));
  round_to_bf16(n, static_cast<const float*>(from.get_data_handle()), static_cast<uint16_t*>(to.get_data_handle()));
}

}  // namespace fovea::kernels::cpu::detail
