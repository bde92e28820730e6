#pragma once
// The definition behind the opaque BackendLayout, for the kernels that build oneDNN primitives.
#include <oneapi/dnnl/dnnl.hpp>

#include "kernels/cpu/layout.hpp"

namespace fovea {

struct BackendLayout {
  dnnl::memory::desc desc;
};

}  // namespace fovea

namespace fovea::kernels::cpu::detail {

// The canonical handle for `desc`: equal descriptors give the same pointer, so callers may key
// caches by it. Returns nullptr for plain NCHW (`plain` is that descriptor).
LayoutPtr intern_layout(const dnnl::memory::desc& desc, const dnnl::memory::desc& plain);
// The descriptor an operand actually has: `layout`'s, or `plain` when layout is null.
inline const dnnl::memory::desc& desc_or(const BackendLayout* layout, const dnnl::memory::desc& plain) {
  return layout ? layout->desc : plain;
}

}  // namespace fovea::kernels::cpu::detail
