#include "kernels/cpu/dnnl_context.hpp"

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

}  // namespace fovea::kernels::cpu::detail
