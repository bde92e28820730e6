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

// Whether reordering `from` (f32) into `to` (bf16) only rounds each element, the element order
// being the same: the same descriptor but for the type, or nChw16c of 16 channels into NHWC (and
// nChw8c of 8), which are the same bytes. Such a reorder runs as round_to_bf16 instead (bf16_round).
bool rounds_only_to_bf16(const dnnl::memory::desc& from, const dnnl::memory::desc& to);
// Runs `reorder` (from `from` into `to`), or round_to_bf16 in its place when `rounds_only`.
void reorder_input(const dnnl::reorder& reorder, bool rounds_only, dnnl::memory& from, dnnl::memory& to);

}  // namespace fovea::kernels::cpu::detail
