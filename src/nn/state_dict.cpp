// Module state as named tensors: buffers, state_dict() and load_state_dict(), with PyTorch's keys
// and its rules (strict keys, exact shapes), and a load that changes nothing unless all of it fits.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/nn/module.hpp"

namespace fovea::nn {

namespace {

// Appends a child's entries under "child_name.".
void append_prefixed(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix,
                     const std::vector<std::pair<std::string, Tensor>>& entries) {
  for (auto& [name, t] : entries) out.emplace_back(prefix + "." + name, t);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out(buffers_);
  for (auto& [child_name, child] : children_) append_prefixed(out, child_name, child->named_buffers());
  return out;
}

std::vector<Tensor> Module::buffers() const {
  std::vector<Tensor> out;
  for (auto& [name, b] : named_buffers()) out.push_back(b);
  return out;
}

StateDict Module::state_dict() const {
  // Detached, as PyTorch's state_dict() (keep_vars=False): the values, sharing storage, without
  // the parameters' autograd, so they can be read and written like any tensor.
  StateDict out;
  for (const auto& [name, t] : parameters_) out.emplace_back(name, t.detach());
  out.insert(out.end(), buffers_.begin(), buffers_.end());
  for (auto& [child_name, child] : children_) append_prefixed(out, child_name, child->state_dict());
  return out;
}

LoadStateDictResult Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict own = state_dict();
  std::unordered_map<std::string, const Tensor*> given;
  std::vector<std::string> duplicates;
  for (auto& [key, t] : dict)
    if (!given.emplace(key, &t).second) duplicates.push_back(key);

  LoadStateDictResult result;
  std::vector<std::string> mismatches;
  std::unordered_set<std::string> own_keys;
  for (auto& [key, target] : own) {
    own_keys.insert(key);
    auto it = given.find(key);
    if (it == given.end()) {
      result.missing_keys.push_back(key);
    } else if (it->second->shape() != target.shape()) {
      mismatches.push_back(key + " (given " + to_string(it->second->shape()) + ", the model has " +
                           to_string(target.shape()) + ")");
    }
  }
  for (auto& [key, t] : dict)
    if (!own_keys.count(key)) result.unexpected_keys.push_back(key);

  std::vector<std::string> problems;
  if (!duplicates.empty()) problems.push_back("duplicate keys: " + join(duplicates));
  if (strict && !result.missing_keys.empty()) problems.push_back("missing keys: " + join(result.missing_keys));
  if (strict && !result.unexpected_keys.empty())
    problems.push_back("unexpected keys: " + join(result.unexpected_keys));
  if (!mismatches.empty()) problems.push_back("size mismatch for " + join(mismatches));
  if (!problems.empty()) {
    std::string message = "error(s) loading the state_dict of " + type_name_ + ": ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw ShapeError(message);
  }

  // Everything fits: copy. The targets share storage with the module's own tensors.
  NoGradGuard no_grad;
  for (auto& [key, target] : own) {
    auto it = given.find(key);
    if (it != given.end()) target.copy_(*it->second);
  }
  return result;
}

LoadStateDictResult Module::load_state_dict(const std::map<std::string, Tensor>& dict, bool strict) {
  return load_state_dict(StateDict(dict.begin(), dict.end()), strict);
}

}  // namespace fovea::nn
