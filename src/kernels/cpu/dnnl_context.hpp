#pragma once
// The one oneDNN CPU engine and stream every kernel shares. Internal to kernels/cpu.
//
// One of each is enough: oneDNN's CPU engine is stateless apart from its caches, and with the
// OpenMP runtime a stream executes synchronously on the calling thread's OpenMP team, so a single
// in-order stream costs nothing in parallelism.
#include <oneapi/dnnl/dnnl.hpp>

namespace fovea::kernels::cpu::detail {

dnnl::engine& dnnl_engine();
dnnl::stream& dnnl_stream();

}  // namespace fovea::kernels::cpu::detail
