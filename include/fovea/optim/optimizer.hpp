#pragma once
// Optimizers update parameters in place from their .grad, as torch.optim. Parameters without a
// gradient are skipped, as in PyTorch.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::optim {

// An optimizer's state_dict in PyTorch's structure, flattened to what a safetensors file holds:
//   state           torch's sd["state"][i][name] as "state.<i>.<name>", i the parameter's index in
//                   params(): "state.0.momentum_buffer", "state.3.exp_avg", "state.3.step" (a
//                   0-d tensor, as torch >= 1.12 keeps it). A parameter that has not stepped yet
//                   has no entries, as in torch.
//   hyperparameters torch's sd["param_groups"][0] without "params": "lr", "momentum", ...;
//                   booleans as 0 or 1, tuples by index ("betas.0").
struct OptimizerState {
  NamedTensors state;
  std::map<std::string, double> hyperparameters;
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  // Drops every gradient (set_to_none=True, PyTorch 2's default).
  void zero_grad();
  const std::vector<Tensor>& params() const { return params_; }
  // The learning rate the next step uses (torch: optimizer.param_groups[0]["lr"]).
  virtual double lr() const = 0;

  // The state, sharing storage with the optimizer's own tensors (clone them for a snapshot).
  virtual OptimizerState state_dict() const = 0;
  // Restores a state_dict() of the same kind of optimizer over parameters of the same shapes,
  // hyperparameters included (as torch's load_state_dict restores param_groups). One ValueError
  // names every problem (unknown or missing names, indices past params(), shapes, a parameter
  // with only part of its state, invalid values), and nothing changes unless all of it fits.
  virtual void load_state_dict(const OptimizerState& state) = 0;

 protected:
  // A per-parameter state tensor and where the optimizer keeps it: {"momentum_buffer", &buffers_}.
  struct Slot {
    std::string name;
    std::vector<Tensor>* tensors;
    // A step count (Adam's "step"): a 0-d tensor holding a whole number >= 1, not a tensor of
    // the parameter's shape.
    bool step_count = false;
  };
  NamedTensors save_slots(const std::vector<Slot>& slots) const;
  // Checks `state` against the slots (a parameter has all of them or none) and, when
  // `problems` stays empty, loads it into them. Appends what is wrong to `problems`.
  void load_slots(const NamedTensors& state, const std::vector<Slot>& slots, std::vector<std::string>& problems);
  // The hyperparameters by name; appends missing and unknown names to `problems`.
  static std::map<std::string, double> take_hyperparameters(const std::map<std::string, double>& given,
                                                           const std::vector<std::string>& names,
                                                           std::vector<std::string>& problems);
  // Throws one ValueError listing `problems` when there are any.
  static void throw_if_any(const std::string& optimizer, const std::vector<std::string>& problems);

  std::vector<Tensor> params_;
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
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  // state: "state.<i>.momentum_buffer"; hyperparameters: lr, momentum, dampening, weight_decay, nesterov.
  OptimizerState state_dict() const override;
  void load_state_dict(const OptimizerState& state) override;
  const SGDOptions& options() const { return options_; }
  double lr() const override { return options_.lr; }
  // The momentum buffer of parameter i (undefined before its first step).
  const Tensor& momentum_buffer(size_t i) const { return buffers_.at(i); }

 private:
  SGDOptions options_;
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

// torch.optim.Adam's update with bias correction:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  (amsgrad: vmax = max(vmax, v), used for v)
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  void step() override;
  const AdamOptions& options() const { return options_; }
  double lr() const override { return options_.lr; }
  // state: "state.<i>.step", "exp_avg", "exp_avg_sq" (and "max_exp_avg_sq" with amsgrad);
  // hyperparameters: lr, betas.0, betas.1, eps, weight_decay, amsgrad.
  OptimizerState state_dict() const override;
  void load_state_dict(const OptimizerState& state) override;

 private:
  std::vector<Slot> slots() const;

  AdamOptions options_;
  std::vector<Tensor> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;
  std::vector<Tensor> steps_;  // 0-d, the count as a float (exact to 2^24 steps), as torch keeps it
};

}  // namespace fovea::optim
