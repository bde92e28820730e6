#pragma once
// Optimizers update parameters in place from their .grad, as torch.optim. Parameters without a
// gradient are skipped, as in PyTorch.
//
// Parameter groups, as torch's: each group has its own parameters and its own options (every
// hyperparameter may differ; a group's Options starts from torch's defaults, as designated
// initializers leave them):
//   optim::SGD sgd(std::vector<optim::SGD::Group>{
//       {features, {.lr = 0.1, .momentum = 0.9}},
//       {classifier, {.lr = 0.01, .momentum = 0.9, .weight_decay = 1e-4}}});
//   sgd.lr(1);              // torch: sgd.param_groups[1]["lr"]
//   sgd.set_lr(1, 0.005);   // torch: sgd.param_groups[1]["lr"] = 0.005 (what schedulers call)
//   sgd.options(0).momentum = 0.8;
// The (params, options) constructors make one group, as torch's SGD(params, lr=...) does.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/tensor.hpp"

namespace fovea::optim {

// An optimizer's state_dict in PyTorch's structure, flattened to what a safetensors file holds:
//   state           torch's sd["state"][i][name] as "state.<i>.<name>", i the parameter's index in
//                   params() (every group's parameters in order, as torch numbers them):
//                   "state.0.momentum_buffer", "state.3.exp_avg", "state.3.step" (a 0-d tensor,
//                   as torch >= 1.12 keeps it). A parameter that has not stepped yet has no
//                   entries, as in torch.
//   param_groups    torch's sd["param_groups"][g] without "params", one map per group: "lr",
//                   "momentum", ...; booleans as 0 or 1, tuples by index ("betas.0"). Which
//                   parameters a group holds is fixed by the constructor, not by the state.
struct OptimizerState {
  NamedTensors state;
  std::vector<std::map<std::string, double>> param_groups;
};

// One of an optimizer's parameter groups (torch: an entry of optimizer.param_groups): its own
// parameters and its own hyperparameters, every one of which may differ from the other groups'.
template <typename Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  // Drops every gradient (set_to_none=True, PyTorch 2's default).
  void zero_grad();
  // Every group's parameters, group after group: the indices of state_dict's "state.<i>".
  const std::vector<Tensor>& params() const { return params_; }
  // "SGD", "Adam", ...: names the optimizer in errors and in checkpoints.
  virtual const char* name() const = 0;
  // torch's len(optimizer.param_groups).
  virtual size_t num_param_groups() const = 0;
  // The learning rate group g's next step uses (torch: optimizer.param_groups[g]["lr"]), and
  // setting it (torch: optimizer.param_groups[g]["lr"] = lr; what the schedulers call).
  virtual double lr(size_t group = 0) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;
  // The momentum OneCycleLR cycles: group["momentum"] (SGD, RMSprop) or group["betas"][0]
  // (Adam, AdamW: uses_betas()). has_momentum() is false for an optimizer with neither.
  virtual bool has_momentum() const { return false; }
  virtual bool uses_betas() const { return false; }
  virtual double momentum(size_t group) const;
  virtual void set_momentum(size_t group, double momentum);

  // The state, sharing storage with the optimizer's own tensors (clone them for a snapshot).
  virtual OptimizerState state_dict() const = 0;
  // Restores a state_dict() of the same kind of optimizer over parameters of the same shapes,
  // every group's hyperparameters included (as torch's load_state_dict restores param_groups).
  // One ValueError names every problem (the number of groups, unknown or missing names, indices
  // past params(), shapes, a parameter with only part of its state, invalid values), and nothing
  // changes unless all of it fits.
  virtual void load_state_dict(const OptimizerState& state) = 0;

 protected:
  explicit Optimizer(const std::vector<std::vector<Tensor>>& groups);

  // A per-parameter state tensor and where the optimizer keeps it: {"momentum_buffer", &buffers_}.
  struct Slot {
    std::string name;
    std::vector<Tensor>* tensors;
    // A step count (Adam's "step"): a 0-d tensor holding a whole number >= 1, not a tensor of
    // the parameter's shape.
    bool step_count = false;
    // Whether parameter i has this slot (RMSprop keeps "grad_avg" only in centered groups);
    // null: every parameter.
    std::function<bool(size_t)> applies = nullptr;
  };
  NamedTensors save_slots(const std::vector<Slot>& slots) const;
  // Checks `state` against the slots (a parameter has all of its slots or none) and, when
  // `problems` stays empty, loads it into them. Appends what is wrong to `problems`.
  void load_slots(const NamedTensors& state, const std::vector<Slot>& slots, std::vector<std::string>& problems);
  // The hyperparameters by name; appends missing and unknown names to `problems`, each prefixed
  // with `where` ("param_groups[1]: ").
  static std::map<std::string, double> take_hyperparameters(const std::map<std::string, double>& given,
                                                           const std::vector<std::string>& names,
                                                           const std::string& where,
                                                           std::vector<std::string>& problems);
  // Throws one ValueError listing `problems` when there are any.
  static void throw_if_any(const std::string& optimizer, const std::vector<std::string>& problems);

  std::vector<Tensor> params_;
  std::vector<size_t> group_of_;  // the group of params_[i]
};

// The parameter groups of an optimizer whose hyperparameters are an `Options` struct, and the
// parts of state_dict / load_state_dict that only depend on that struct. A subclass says how its
// options map to torch's names, how they are checked, and which state slots it keeps.
template <typename Options>
class GroupedOptimizer : public Optimizer {
 public:
  using Group = ParamGroup<Options>;
  const std::vector<Group>& param_groups() const { return groups_; }
  size_t num_param_groups() const override { return groups_.size(); }
  // Group g's hyperparameters (torch: optimizer.param_groups[g]): writable, as torch's dicts
  // are; the next step() uses them as they are then.
  Options& options(size_t group = 0) { return groups_.at(group).options; }
  const Options& options(size_t group = 0) const { return groups_.at(group).options; }
  double lr(size_t group = 0) const override { return groups_.at(group).options.lr; }
  void set_lr(size_t group, double lr) override {
    FOVEA_CHECK(group < groups_.size(), IndexError, name(), ".set_lr: group ", group, " of ", groups_.size());
    FOVEA_CHECK(lr >= 0.0, ValueError, name(), ".set_lr: invalid learning rate ", lr, " (expected >= 0)");
    groups_[group].options.lr = lr;
  }
  bool has_momentum() const override { return has_momentum_field || has_beta1_field; }
  bool uses_betas() const override { return has_beta1_field; }
  double momentum(size_t group) const override {
    if constexpr (has_momentum_field) return groups_.at(group).options.momentum;
    else if constexpr (has_beta1_field) return groups_.at(group).options.beta1;
    else return Optimizer::momentum(group);
  }
  void set_momentum(size_t group, double momentum) override {
    FOVEA_CHECK(group < groups_.size(), IndexError, name(), ".set_momentum: group ", group, " of ", groups_.size());
    if constexpr (has_momentum_field) groups_[group].options.momentum = momentum;
    else if constexpr (has_beta1_field) groups_[group].options.beta1 = momentum;
    else Optimizer::set_momentum(group, momentum);
  }

  OptimizerState state_dict() const override {
    OptimizerState out;
    out.state = save_slots(slots());
    for (const Group& g : groups_) out.param_groups.push_back(to_hyperparameters(g.options));
    return out;
  }

  void load_state_dict(const OptimizerState& state) override {
    std::vector<std::string> problems;
    std::vector<Options> loaded;
    if (state.param_groups.size() != groups_.size()) {
      problems.push_back(std::to_string(state.param_groups.size()) + " parameter groups given, " +
                         std::to_string(groups_.size()) + " expected");
    } else {
      std::vector<std::string> names;
      for (auto& [key, value] : to_hyperparameters(groups_[0].options)) names.push_back(key);
      for (size_t g = 0; g < groups_.size(); ++g) {
        const std::string where = groups_.size() > 1 ? "param_groups[" + std::to_string(g) + "]: " : "";
        const size_t before = problems.size();
        auto h = take_hyperparameters(state.param_groups[g], names, where, problems);
        if (problems.size() != before) continue;
        loaded.push_back(from_hyperparameters(h));
        try {
          check_options(loaded.back());
        } catch (const ValueError& e) {
          problems.push_back(where + e.what());
        }
      }
    }
    // The slots follow the loaded options (Adam's amsgrad decides whether max_exp_avg_sq is
    // expected), so those go in first and come back out when anything is wrong.
    std::vector<Options> previous;
    for (const Group& g : groups_) previous.push_back(g.options);
    if (problems.empty())
      for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = loaded[g];
    load_slots(state.state, slots(), problems);
    if (!problems.empty())
      for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = previous[g];
    throw_if_any(name(), problems);
  }

 protected:
  explicit GroupedOptimizer(std::vector<Group> groups) : Optimizer(params_of(groups)), groups_(std::move(groups)) {}
  // Called by each subclass's constructor (a virtual call from here would not reach it).
  void check_groups() const {
    for (const Group& g : groups_) check_options(g.options);
  }

  // torch's names and values of one group's hyperparameters.
  virtual std::map<std::string, double> to_hyperparameters(const Options& options) const = 0;
  // The inverse, given every name to_hyperparameters writes.
  virtual Options from_hyperparameters(const std::map<std::string, double>& h) const = 0;
  // Throws a ValueError naming the class and the argument when `options` is invalid.
  virtual void check_options(const Options& options) const = 0;
  virtual std::vector<Slot> slots() const = 0;
  const Options& options_of_param(size_t i) const { return groups_[group_of_[i]].options; }
  static constexpr bool has_momentum_field = requires(Options o) { o.momentum; };
  static constexpr bool has_beta1_field = requires(Options o) { o.beta1; };

  std::vector<Group> groups_;

 private:
  static std::vector<std::vector<Tensor>> params_of(const std::vector<Group>& groups) {
    std::vector<std::vector<Tensor>> out;
    for (const Group& g : groups) out.push_back(g.params);
    return out;
  }
};

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

// torch.optim.SGD's update, term for term:
//   g = grad + weight_decay * p
//   buf = g on the first step, else momentum * buf + (1 - dampening) * g
//   g = g + momentum * buf if nesterov else buf          (when momentum != 0)
//   p = p - lr * g
// state: "state.<i>.momentum_buffer" (with momentum); param_groups: lr, momentum, dampening,
// weight_decay, nesterov.
class SGD : public GroupedOptimizer<SGDOptions> {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options) : SGD(std::vector<Group>{{std::move(params), options}}) {}
  // One group per entry, each with its own options (torch: SGD([{"params": ..., "lr": ...}, ...])).
  explicit SGD(std::vector<Group> groups);
  void step() override;
  const char* name() const override { return "SGD"; }
  // The momentum buffer of parameter i (undefined before its first step).
  const Tensor& momentum_buffer(size_t i) const { return buffers_.at(i); }

 protected:
  std::map<std::string, double> to_hyperparameters(const SGDOptions& o) const override;
  SGDOptions from_hyperparameters(const std::map<std::string, double>& h) const override;
  void check_options(const SGDOptions& o) const override;
  std::vector<Slot> slots() const override;

 private:
  std::vector<Tensor> buffers_;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2, added to the gradient (Adam, not AdamW)
  bool amsgrad = false;
};

// torch.optim.AdamW's: the same fields, but decay is decoupled and on by default.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p = p * (1 - lr * weight_decay) before the update
  bool amsgrad = false;
};

namespace detail {
// Adam and AdamW: one update, one state. Decoupled decay when Options is AdamWOptions.
// state: "state.<i>.step", "exp_avg", "exp_avg_sq" (and "max_exp_avg_sq" in amsgrad groups);
// param_groups: lr, betas.0, betas.1, eps, weight_decay, amsgrad.
template <typename Options>
class AdamFamily : public GroupedOptimizer<Options> {
 public:
  using typename GroupedOptimizer<Options>::Group;
  using typename Optimizer::Slot;
  explicit AdamFamily(std::vector<Group> groups);
  void step() override;

 protected:
  std::map<std::string, double> to_hyperparameters(const Options& o) const override;
  Options from_hyperparameters(const std::map<std::string, double>& h) const override;
  void check_options(const Options& o) const override;
  std::vector<Slot> slots() const override;

  std::vector<Tensor> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;
  std::vector<Tensor> steps_;  // 0-d, the count as a float (exact to 2^24 steps), as torch keeps it
};
}  // namespace detail

// torch.optim.Adam's update with bias correction:
//   g = grad + weight_decay * p
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  (amsgrad: vmax = max(vmax, v), used for v)
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
class Adam : public detail::AdamFamily<AdamOptions> {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options) : Adam(std::vector<Group>{{std::move(params), options}}) {}
  explicit Adam(std::vector<Group> groups) : AdamFamily(std::move(groups)) { check_groups(); }
  const char* name() const override { return "Adam"; }
};

// torch.optim.AdamW (Loshchilov & Hutter): Adam without the L2 term, the weights decayed apart
// from the gradient:
//   p = p * (1 - lr * weight_decay);  then Adam's update of p with g = grad
class AdamW : public detail::AdamFamily<AdamWOptions> {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {})
      : AdamW(std::vector<Group>{{std::move(params), options}}) {}
  explicit AdamW(std::vector<Group> groups) : AdamFamily(std::move(groups)) { check_groups(); }
  const char* name() const override { return "AdamW"; }
};

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

// torch.optim.RMSprop:
//   g = grad + weight_decay * p
//   sq = alpha sq + (1 - alpha) g^2
//   avg = sqrt(sq - ga^2) with ga = alpha ga + (1 - alpha) g when centered, else sqrt(sq); avg += eps
//   momentum > 0: buf = momentum buf + g / avg; p = p - lr buf     else: p = p - lr g / avg
// state: "state.<i>.step", "square_avg" (and "momentum_buffer" with momentum, "grad_avg" when
// centered); param_groups: lr, alpha, eps, weight_decay, momentum, centered.
class RMSprop : public GroupedOptimizer<RMSpropOptions> {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {})
      : RMSprop(std::vector<Group>{{std::move(params), options}}) {}
  explicit RMSprop(std::vector<Group> groups);
  void step() override;
  const char* name() const override { return "RMSprop"; }

 protected:
  std::map<std::string, double> to_hyperparameters(const RMSpropOptions& o) const override;
  RMSpropOptions from_hyperparameters(const std::map<std::string, double>& h) const override;
  void check_options(const RMSpropOptions& o) const override;
  std::vector<Slot> slots() const override;

 private:
  std::vector<Tensor> steps_, square_avg_, momentum_buffer_, grad_avg_;
};

}  // namespace fovea::optim
