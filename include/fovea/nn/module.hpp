#pragma once
// nn::Module: the base of every layer and model, as torch.nn.Module.
//
// A module owns named parameters, named buffers and named child modules. Registering them
// (register_parameter, register_buffer, register_module) is what makes parameters(),
// state_dict(), train()/eval() and the printed summary see them; names join with dots
// ("dense.0.weight"), exactly as PyTorch's state_dict keys.
//
// Parameters are learned (the optimizer updates them, they get gradients); buffers are state
// that is not learned but must be saved and restored with the model, as BatchNorm's running
// statistics. state_dict() holds both.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fovea/random.hpp"
#include "fovea/error.hpp"
#include "fovea/tensor.hpp"

namespace fovea::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;

// A module's state: named tensors in PyTorch's order. NamedTensors, as a safetensors file holds,
// so `io::save_safetensors(path, model.state_dict())` saves a model.
using StateDict = NamedTensors;

// What a non-strict load_state_dict left out, as torch's _IncompatibleKeys.
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;     // in the model, not in the dictionary
  std::vector<std::string> unexpected_keys;  // in the dictionary, not in the model
};

// A forward hook, as torch.nn.Module.register_forward_hook: called after forward() with the
// module, its input and its output, each time the module is called as `module(x)` (a direct
// `module.forward(x)` skips hooks, as in PyTorch). A hook that returns a tensor replaces the
// output; std::nullopt keeps it. Hooks run in the order they were registered.
using ForwardHook = std::function<std::optional<Tensor>(Module& module, const Tensor& input, const Tensor& output)>;

namespace detail {
struct ForwardHooks {
  uint64_t next_id = 0;
  // Shared, so a call runs the hooks themselves (a stateful hook keeps its state) from a snapshot
  // of the list that a hook removing itself cannot disturb.
  std::vector<std::pair<uint64_t, std::shared_ptr<ForwardHook>>> hooks;
};
}  // namespace detail

// What register_forward_hook returns, as torch.utils.hooks.RemovableHandle: remove() takes the
// hook off its module. Dropping the handle keeps the hook; remove() twice, or after the module is
// gone, does nothing.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  void remove();

 private:
  friend class Module;
  RemovableHandle(std::weak_ptr<detail::ForwardHooks> table, uint64_t id) : table_(std::move(table)), id_(id) {}
  std::weak_ptr<detail::ForwardHooks> table_;
  uint64_t id_ = 0;
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  // No copies: a copy would share the weights (every Tensor is a handle), and a copy made by this
  // base class could not re-point the handles a derived class holds (Conv2d::weight,
  // CNNNet::conv1), so it would be half deep and half aliased. clone() is the deep copy, said
  // out loud, as in PyTorch (copy.deepcopy) and LibTorch (Cloneable::clone). Moves are fine.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // A deep copy: the same structure, its own parameters and buffers holding this module's values,
  // the same train/eval mode, no gradients. Making it draws nothing from default_generator(), so
  // cloning does not change a seeded run. Every layer of fovea implements it; a module of your own
  // overrides it, usually as `return clone_as<MyNet>(constructor arguments...);`.
  virtual ModulePtr clone() const;

  virtual Tensor forward(const Tensor& input) = 0;
  // Calls forward, as a profiler region when profiling (see profiler.hpp), then the forward hooks.
  Tensor operator()(const Tensor& input);

  // Registers a hook called after every forward through operator() (see ForwardHook). `hook` is
  // any callable of (Module&, const Tensor& input, const Tensor& output) returning
  // std::optional<Tensor>, or void for a hook that only looks. Hooks are not copied by clone().
  template <typename F>
  RemovableHandle register_forward_hook(F hook) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&, const Tensor&>>) {
      return add_forward_hook([hook = std::move(hook)](Module& m, const Tensor& in, const Tensor& out) mutable
                              -> std::optional<Tensor> {
        hook(m, in, out);
        return std::nullopt;
      });
    } else {
      return add_forward_hook(ForwardHook(std::move(hook)));
    }
  }
  bool has_forward_hooks() const { return forward_hooks_ && !forward_hooks_->hooks.empty(); }

  // All parameters of this module and its descendants, in registration order.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  // All buffers of this module and its descendants, in registration order.
  std::vector<Tensor> buffers() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;

  // Parameters and buffers under PyTorch's keys: this module's parameters, then its buffers, then
  // each child's, in registration order. The tensors share storage with the module (as PyTorch's
  // do): clone() them for a snapshot that later training does not change.
  StateDict state_dict() const;
  // Copies every tensor of `dict` into the parameter or buffer of the same key. Shapes must match
  // exactly (a mismatch is an error even when not strict, as in PyTorch). With `strict`, the keys
  // must match too. One ShapeError names every missing key, every unexpected key and every shape
  // mismatch, and nothing is copied unless everything checks out: a failed load leaves the
  // module as it was. Returns the keys a non-strict load left out.
  LoadStateDictResult load_state_dict(const StateDict& dict, bool strict = true);
  LoadStateDictResult load_state_dict(const std::map<std::string, Tensor>& dict, bool strict = true);

  // Sets training mode on this module and all descendants (Dropout reads it).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Drops every parameter's gradient (set_to_none, PyTorch 2's default).
  void zero_grad();

  // The class name shown in the summary ("Conv2d", "CNN_net").
  const std::string& type_name() const { return type_name_; }
  // Dotted path of this module within the model it was registered into ("dense.0"); empty at the top.
  const std::string& path() const { return path_; }
  // What PyTorch prints between the parentheses: "in_features=1568, out_features=128, bias=True".
  virtual std::string extra_repr() const { return ""; }
  // The whole summary, as print(model) in PyTorch.
  std::string repr() const;
  // "Linear(in_features=..)" plus the path, to start an error message about this layer.
  std::string describe() const;
  // Rethrows e (an error from this module's forward) with describe() in front, unless a module
  // inside this one already did: operator() does this for every forward, and a layer that runs
  // its neighbours' work fused (Sequential's fused steps) does it for the neighbour that refused.
  [[noreturn]] void rethrow_annotated(const Error& e) const;

 protected:
  Tensor& register_parameter(const std::string& name, Tensor value);
  // A buffer: saved in state_dict() but not a parameter (no gradient, not optimised).
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  // clone() for a module rebuilt by its constructor: constructs M(args...) without drawing from
  // default_generator() (the initial values are overwritten anyway), then copies this module's
  // state and train/eval mode into it.
  template <typename M, typename... Args>
  std::shared_ptr<M> clone_as(Args&&... args) const {
    std::shared_ptr<M> copy;
    {
      const Generator kept = default_generator();
      struct Restore {
        const Generator& kept;
        ~Restore() { default_generator() = kept; }
      } restore{kept};
      copy = std::make_shared<M>(std::forward<Args>(args)...);
    }
    copy->copy_state_from(*this);
    return copy;
  }
  // Copies `source`'s state_dict and each module's training flag into this module, which must have
  // the same structure.
  void copy_state_from(const Module& source);

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  RemovableHandle add_forward_hook(ForwardHook hook);
  void set_path(const std::string& path);
  void repr_into(std::string& out, int indent) const;

  std::string type_name_;
  std::string path_;
  bool training_ = true;
  void check_name_is_free(const std::string& name, const char* kind) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::shared_ptr<detail::ForwardHooks> forward_hooks_;  // made by the first register_forward_hook
};

std::ostream& operator<<(std::ostream& os, const Module& module);

// A module from either a value (copied into a new shared_ptr) or a shared_ptr (kept).
template <typename M>
ModulePtr to_module_ptr(M&& m) {
  using D = std::decay_t<M>;
  if constexpr (std::is_convertible_v<D, ModulePtr>) {
    return ModulePtr(std::forward<M>(m));
  } else {
    static_assert(std::is_base_of_v<Module, D>, "Sequential takes modules");
    return std::make_shared<D>(std::forward<M>(m));
  }
}

}  // namespace fovea::nn
