#include "fovea/nn/module.hpp"

#include "fovea/error.hpp"
#include "fovea/profiler.hpp"

namespace fovea::nn {

namespace {

// The message of the last error a module annotated on this thread: the modules around it (a
// Sequential holding the Conv2d that failed) pass it on unchanged, so the error names the
// innermost module, the one whose input was wrong.
thread_local std::string last_annotated;

// Throws an error of e's own type whose message starts with the module's description.
[[noreturn]] void rethrow_in_module(const Error& e, const std::string& module) {
  if (last_annotated == e.what()) throw;
  last_annotated = module + ": " + e.what();
  if (dynamic_cast<const ShapeError*>(&e)) throw ShapeError(last_annotated);
  if (dynamic_cast<const ValueError*>(&e)) throw ValueError(last_annotated);
  if (dynamic_cast<const IndexError*>(&e)) throw IndexError(last_annotated);
  if (dynamic_cast<const TypeError*>(&e)) throw TypeError(last_annotated);
  if (dynamic_cast<const OutOfMemoryError*>(&e)) throw OutOfMemoryError(last_annotated);
  if (dynamic_cast<const InternalError*>(&e)) throw InternalError(last_annotated);
  throw;  // other types (IOError, ...) do not come from a forward's arithmetic: as they are
}

}  // namespace

Tensor Module::operator()(const Tensor& input) {
  Tensor output;
  // An op's error names the op and the shapes; the module adds which layer it was (one check, in
  // the op, where the value enters; the layer does not repeat it).
  try {
    if (!profiler::enabled()) {
      output = forward(input);
    } else {
      profiler::Scope scope((path_.empty() ? "" : path_ + " ") + type_name_, /*is_module=*/true);
      output = forward(input);
    }
  } catch (const Error& e) {
    rethrow_annotated(e);
  }
  if (!has_forward_hooks()) return output;
  // A snapshot of the list: a hook may remove itself (or register another) while it runs.
  const auto hooks = forward_hooks_->hooks;
  for (const auto& [id, hook] : hooks)
    if (std::optional<Tensor> replaced = (*hook)(*this, input, output)) output = std::move(*replaced);
  return output;
}

RemovableHandle Module::add_forward_hook(ForwardHook hook) {
  if (!hook) throw ValueError(describe() + ": register_forward_hook was given an empty hook");
  if (!forward_hooks_) forward_hooks_ = std::make_shared<detail::ForwardHooks>();
  const uint64_t id = forward_hooks_->next_id++;
  forward_hooks_->hooks.emplace_back(id, std::make_shared<ForwardHook>(std::move(hook)));
  return RemovableHandle(forward_hooks_, id);
}

void RemovableHandle::remove() {
  if (auto table = table_.lock()) std::erase_if(table->hooks, [&](const auto& entry) { return entry.first == id_; });
  table_.reset();
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [name, p] : parameters_) out.emplace_back(name, p);
  for (auto& [child_name, child] : children_)
    for (auto& [name, p] : child->named_parameters()) out.emplace_back(child_name + "." + name, p);
  return out;
}

ModulePtr Module::clone() const {
  throw Error(type_name_ + " does not implement clone(): override it, usually as "
                            "`return clone_as<" + type_name_ + ">(constructor arguments...);`");
}

void Module::copy_state_from(const Module& source) {
  load_state_dict(source.state_dict(), /*strict=*/true);
  // Mode per module: a model may hold one submodule in eval mode while the rest trains.
  struct Walk {
    static void modes(Module& to, const Module& from) {
      to.training_ = from.training_;
      for (size_t i = 0; i < to.children_.size() && i < from.children_.size(); ++i)
        modes(*to.children_[i].second, *from.children_[i].second);
    }
  };
  Walk::modes(*this, source);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& [name, p] : parameters_) p.set_grad(Tensor());
  for (auto& [name, child] : children_) child->zero_grad();
}

// One namespace for parameters, buffers and children, as in PyTorch: a key names one thing.
void Module::check_name_is_free(const std::string& name, const char* kind) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError(type_name_ + ": " + kind + " name '" + name + "' must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    for (auto& [existing, value] : list)
      if (existing == name) return true;
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw Error(type_name_ + ": cannot register " + kind + " '" + name + "': the name is already registered");
}

Tensor& Module::register_parameter(const std::string& name, Tensor value) {
  check_name_is_free(name, "parameter");
  value.requires_grad_(true);
  parameters_.emplace_back(name, std::move(value));
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  check_name_is_free(name, "buffer");
  buffers_.emplace_back(name, std::move(value));
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  if (!child) throw Error(type_name_ + ": cannot register a null module as '" + name + "'");
  check_name_is_free(name, "module");
  children_.emplace_back(name, child);
  child->set_path(path_.empty() ? name : path_ + "." + name);
}

void Module::set_path(const std::string& path) {
  path_ = path;
  for (auto& [name, child] : children_) child->set_path(path_ + "." + name);
}

void Module::rethrow_annotated(const Error& e) const { rethrow_in_module(e, describe()); }

std::string Module::describe() const {
  std::string d = type_name_ + "(" + extra_repr() + ")";
  return path_.empty() ? d : d + " at '" + path_ + "'";
}

void Module::repr_into(std::string& out, int indent) const {
  out += type_name_ + "(";
  std::string extra = extra_repr();
  if (children_.empty()) {
    out += extra + ")";
    return;
  }
  std::string pad(indent + 2, ' ');
  if (!extra.empty()) out += "\n" + pad + extra;
  for (auto& [name, child] : children_) {
    out += "\n" + pad + "(" + name + "): ";
    child->repr_into(out, indent + 2);
  }
  out += "\n" + std::string(indent, ' ') + ")";
}

std::string Module::repr() const {
  std::string out;
  repr_into(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.repr(); }

}  // namespace fovea::nn
