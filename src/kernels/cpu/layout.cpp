#include <mutex>
#include <vector>

#include "kernels/cpu/dnnl_context.hpp"
#include "kernels/cpu/layout_impl.hpp"

namespace fovea::kernels::cpu {

namespace {

dnnl::memory::desc plain_of(const BackendLayout& layout) {
  return dnnl::memory::desc(layout.desc.dims(), dnnl::memory::data_type::f32, dnnl::memory::format_tag::nchw);
}

void reorder(const dnnl::memory::desc& from, const float* src, const dnnl::memory::desc& to, float* dst) {
  auto& engine = detail::dnnl_engine();
  dnnl::memory a(from, engine, const_cast<float*>(src)), b(to, engine, dst);
  // oneDNN's primitive cache makes re-creating the same reorder cheap.
  dnnl::reorder(a, b).execute(detail::dnnl_stream(), a, b);
  detail::dnnl_stream().wait();
}

}  // namespace

int64_t layout_storage_floats(const BackendLayout& layout) {
  return static_cast<int64_t>(layout.desc.get_size() / sizeof(float));
}

bool same_layout(const BackendLayout* a, const BackendLayout* b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->desc == b->desc;
}

void reorder_to_plain(const BackendLayout& layout, const float* src, float* plain) {
  reorder(layout.desc, src, plain_of(layout), plain);
}

void reorder_from_plain(const BackendLayout& layout, const float* plain, float* dst) {
  reorder(plain_of(layout), plain, layout.desc, dst);
}

void reorder_between(const BackendLayout& from, const float* src, const BackendLayout& to, float* dst) {
  reorder(from.desc, src, to.desc, dst);
}

namespace detail {

LayoutPtr intern_layout(const dnnl::memory::desc& desc, const dnnl::memory::desc& plain) {
  if (desc == plain) return nullptr;
  static std::mutex mutex;
  // Never freed: a handful of layouts per network, and handles must stay valid as cache keys.
  static auto* known = new std::vector<LayoutPtr>;
  std::lock_guard<std::mutex> lock(mutex);
  for (const LayoutPtr& l : *known)
    if (l->desc == desc) return l;
  known->push_back(std::make_shared<const BackendLayout>(BackendLayout{desc}));
  return known->back();
}

}  // namespace detail

}  // namespace fovea::kernels::cpu
