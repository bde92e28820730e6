#include "fovea/optim/optimizer.hpp"

#include <cmath>
#include <sstream>

#include "fovea/error.hpp"

namespace fovea::optim {

Optimizer::Optimizer(const std::vector<std::vector<Tensor>>& groups) {
  FOVEA_CHECK(!groups.empty(), ValueError, "optimizer got an empty list of parameter groups");
  for (size_t g = 0; g < groups.size(); ++g) {
    FOVEA_CHECK(!groups[g].empty(), ValueError, "optimizer got an empty parameter list",
                groups.size() > 1 ? " in group " + std::to_string(g) : std::string());
    for (const Tensor& p : groups[g]) {
      params_.push_back(p);
      group_of_.push_back(g);
    }
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined() || !params_[i].is_leaf())
      throw ValueError("optimizer parameter " + std::to_string(i) + " is not a defined leaf tensor");
    // torch: "some parameters appear in more than one parameter group"; a tensor stepped twice
    // would also be updated twice a step.
    for (size_t j = 0; j < i; ++j)
      FOVEA_CHECK(params_[j].impl() != params_[i].impl(), ValueError, "optimizer parameter ", i, " is parameter ", j,
                  " again (a parameter may appear once, in one group)");
  }
}

double Optimizer::momentum(size_t) const {
  throw ValueError(std::string(name()) + " has no momentum (expected an optimizer with momentum or betas)");
}

void Optimizer::set_momentum(size_t group, double) { momentum(group); }

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.set_grad(Tensor());
}

}  // namespace fovea::optim

// ---- state_dict: the per-parameter tensors and the hyperparameters, checked before loading ----

namespace fovea::optim {

NamedTensors Optimizer::save_slots(const std::vector<Slot>& slots) const {
  NamedTensors out;
  for (size_t i = 0; i < params_.size(); ++i)
    for (const Slot& slot : slots)
      if ((!slot.applies || slot.applies(i)) && (*slot.tensors)[i].defined())
        out.emplace_back("state." + std::to_string(i) + "." + slot.name, (*slot.tensors)[i]);
  return out;
}

void Optimizer::load_slots(const NamedTensors& state, const std::vector<Slot>& slots,
                           std::vector<std::string>& problems) {
  // given[i][s]: the tensor for parameter i, slot s.
  std::vector<std::vector<const Tensor*>> given(params_.size(), std::vector<const Tensor*>(slots.size(), nullptr));
  for (auto& [key, t] : state) {
    // "state.<index>.<name>"
    const size_t dot = key.find('.', 6);
    size_t index = 0, used = 0;
    bool parsed = key.rfind("state.", 0) == 0 && dot != std::string::npos && dot > 6;
    if (parsed) {
      try {
        index = std::stoul(key.substr(6, dot - 6), &used);
      } catch (const std::exception&) {
        parsed = false;
      }
      parsed = parsed && used == dot - 6;
    }
    if (!parsed) {
      problems.push_back("key '" + key + "' is not state.<index>.<name>");
      continue;
    }
    if (index >= params_.size()) {
      problems.push_back("'" + key + "' is past the " + std::to_string(params_.size()) + " parameters");
      continue;
    }
    const std::string name = key.substr(dot + 1);
    size_t s = 0;
    while (s < slots.size() && slots[s].name != name) ++s;
    if (s == slots.size() || (slots[s].applies && !slots[s].applies(index))) {
      problems.push_back("unexpected state '" + key + "'");
      continue;
    }
    if (given[index][s]) {
      problems.push_back("duplicate key '" + key + "'");
      continue;
    }
    const Shape expected = slots[s].step_count ? Shape{} : params_[index].shape();
    if (t.shape() != expected) {
      problems.push_back("'" + key + "' has shape " + to_string(t.shape()) + ", expected " + to_string(expected));
      continue;
    }
    if (slots[s].step_count && !(t.item() >= 1.0f && t.item() == std::floor(t.item()))) {
      std::ostringstream what;
      what << "'" << key << "' is " << t.item() << ", expected a whole number >= 1";
      problems.push_back(what.str());
      continue;
    }
    given[index][s] = &t;
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    size_t present = 0, expected = 0;
    for (size_t s = 0; s < slots.size(); ++s) {
      present += given[i][s] != nullptr;
      expected += !slots[s].applies || slots[s].applies(i);
    }
    if (present != 0 && present != expected)
      problems.push_back("parameter " + std::to_string(i) + " has only part of its state");
  }
  if (!problems.empty()) return;
  // Copies, so the caller's tensors stay its own.
  for (size_t i = 0; i < params_.size(); ++i)
    for (size_t s = 0; s < slots.size(); ++s)
      (*slots[s].tensors)[i] = given[i][s] ? given[i][s]->clone() : Tensor();
}

std::map<std::string, double> Optimizer::take_hyperparameters(const std::map<std::string, double>& given,
                                                             const std::vector<std::string>& names,
                                                             const std::string& where,
                                                             std::vector<std::string>& problems) {
  std::map<std::string, double> out;
  for (const std::string& name : names) {
    auto it = given.find(name);
    if (it == given.end())
      problems.push_back(where + "missing hyperparameter '" + name + "'");
    else
      out[name] = it->second;
  }
  for (auto& [name, value] : given)
    if (!out.count(name)) problems.push_back(where + "unexpected hyperparameter '" + name + "'");
  return out;
}

void Optimizer::throw_if_any(const std::string& optimizer, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string message = optimizer + ".load_state_dict: ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  throw ValueError(message);
}

}  // namespace fovea::optim
