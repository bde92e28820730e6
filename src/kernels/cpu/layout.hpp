#pragma once
// Backend memory layouts for N x C x H x W activations.
//
// oneDNN's convolutions run several times faster on channel-blocked layouts (nChw16c on AVX-512)
// than on plain NCHW, and for a network this small the reorders between the two cost more than
// the convolutions. So an activation may stay in the layout the convolution produced, from one
// kernel to the next, and is reordered to plain NCHW only when something needs plain memory.
// Above the kernels a layout is an opaque handle: tensors carry it, kernels interpret it.
#include <cstdint>
#include <memory>

namespace fovea {
struct BackendLayout;  // defined in kernels/cpu/layout.cpp (a oneDNN memory descriptor)
}

namespace fovea::kernels::cpu {

using LayoutPtr = std::shared_ptr<const BackendLayout>;

// Floats of storage a tensor in this layout needs (blocked layouts may pad channels).
int64_t layout_storage_floats(const BackendLayout& layout);
// nullptr stands for plain NCHW on both sides.
bool same_layout(const BackendLayout* a, const BackendLayout* b);
// Reorders between `layout` and plain NCHW of the same logical shape.
void reorder_to_plain(const BackendLayout& layout, const float* src, float* plain);
void reorder_from_plain(const BackendLayout& layout, const float* plain, float* dst);
// Between two backend layouts of the same logical shape.
void reorder_between(const BackendLayout& from, const float* src, const BackendLayout& to, float* dst);

}  // namespace fovea::kernels::cpu
