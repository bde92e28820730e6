#include "fovea/viz/model_pictures.hpp"

#include <algorithm>
#include <functional>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"

namespace fovea::viz {
namespace {

std::string joined(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }

bool is_conv(const nn::Module& m) { return dynamic_cast<const nn::Conv2d*>(&m) != nullptr; }

// Depth first, in registration order: the first module for which `found` is true.
const nn::Module* find_first(const nn::Module& m, const std::function<bool(const nn::Module&)>& found, std::string& path) {
  if (found(m)) return &m;
  for (const auto& [name, child] : m.named_children()) {
    std::string child_path = joined(path, name);
    if (const nn::Module* hit = find_first(*child, found, child_path)) {
      path = child_path;
      return hit;
    }
  }
  return nullptr;
}

bool holds_conv(const nn::Module& m) {
  std::string unused;
  return find_first(m, is_conv, unused) != nullptr;
}

// Layers after which the maps are no longer maps: the stage ends before them.
bool ends_spatial(const nn::Module& m) {
  return dynamic_cast<const nn::Flatten*>(&m) != nullptr || dynamic_cast<const nn::Linear*>(&m) != nullptr;
}

// The modules whose outputs are the stages, with the names the picture gives them.
void find_stages(nn::Module& m, const std::string& path, std::vector<std::pair<std::string, nn::Module*>>& stages) {
  const auto& children = m.named_children();
  bool flat = false;
  for (const auto& [name, child] : children) flat |= is_conv(*child);
  if (!flat) {
    for (const auto& [name, child] : children)
      if (holds_conv(*child)) stages.emplace_back(joined(path, name), child.get());
    return;
  }
  // A flat run of layers: each Conv2d opens a stage that takes in what follows it.
  for (size_t i = 0; i < children.size(); ++i) {
    if (!is_conv(*children[i].second)) continue;
    size_t last = i;
    while (last + 1 < children.size() && !is_conv(*children[last + 1].second) && !ends_spatial(*children[last + 1].second))
      ++last;
    const std::string name = last == i ? joined(path, children[i].first)
                                       : joined(path, children[i].first) + ".." + children[last].first;
    stages.emplace_back(name, children[last].second.get());
  }
}

}  // namespace

std::pair<std::string, const nn::Module*> first_convolution(const nn::Module& model) {
  std::string path;
  const nn::Module* conv = find_first(model, is_conv, path);
  if (!conv) throw ValueError(model.type_name() + ": the model has no Conv2d, so there are no kernels to draw");
  return {path, conv};
}

Picture model_kernels(const nn::Module& model) {
  const auto [path, module] = first_convolution(model);
  const auto& conv = dynamic_cast<const nn::Conv2d&>(*module);
  const Tensor& w = conv.weight;
  const std::string title = joined(path, "weight") + ": " + std::to_string(w.size(0)) + " kernels " +
                            std::to_string(w.size(2)) + "x" + std::to_string(w.size(3));
  return kernel_grid(w, title);
}

std::vector<std::pair<std::string, Tensor>> convolution_stages(nn::Module& model, const Tensor& image) {
  if (image.dim() != 2 && image.dim() != 3)
    throw ShapeError("convolution_stages: expected one image, C x H x W or H x W, got " + to_string(image.shape()));
  std::vector<std::pair<std::string, nn::Module*>> stages;
  if (is_conv(model)) stages.emplace_back(model.type_name(), &model);
  else find_stages(model, "", stages);
  if (stages.empty()) throw ValueError(model.type_name() + ": the model has no Conv2d, so there are no feature maps to draw");

  std::vector<std::pair<std::string, Tensor>> captured(stages.size());
  std::vector<nn::RemovableHandle> handles;
  struct RemoveAll {  // the hooks come off however this ends
    std::vector<nn::RemovableHandle>& handles;
    ~RemoveAll() {
      for (auto& h : handles) h.remove();
    }
  } remove_all{handles};
  for (size_t i = 0; i < stages.size(); ++i) {
    captured[i].first = stages[i].first;
    handles.push_back(stages[i].second->register_forward_hook([&captured, i](nn::Module&, const Tensor&, const Tensor& out) {
      // A row-major copy: the output may be in a kernel's blocked layout, and later calls reuse it.
      Tensor copy = Tensor::empty(out.shape());
      std::copy_n(out.data(), out.numel(), copy.data());
      captured[i].second = copy;
    }));
  }
  const bool was_training = model.is_training();
  model.eval();
  {
    NoGradGuard no_grad;
    const Tensor batch = image.dim() == 2 ? image.view({1, 1, image.size(0), image.size(1)})
                                          : image.view({1, image.size(0), image.size(1), image.size(2)});
    try {
      model(batch);
    } catch (...) {
      model.train(was_training);
      throw;
    }
  }
  model.train(was_training);
  for (auto& [name, maps] : captured) {
    if (!maps.defined() || maps.dim() != 4)
      throw ShapeError(name + ": expected feature maps of shape 1 x C x H x W, got " +
                       (maps.defined() ? to_string(maps.shape()) : std::string("nothing (the stage never ran)")));
    maps = maps.view({maps.size(1), maps.size(2), maps.size(3)});
  }
  return captured;
}

Picture model_feature_maps(nn::Module& model, const Tensor& image) {
  return feature_maps(image, convolution_stages(model, image));
}

}  // namespace fovea::viz
