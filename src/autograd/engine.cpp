// The backward engine: one walk of the graph in reverse topological order.
#include <unordered_map>
#include <utility>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/profiler.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea {

namespace {
thread_local bool grad_mode = true;
}

bool grad_mode_enabled() { return grad_mode; }

NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

Node::Node(std::string name, std::vector<Tensor> inputs, BackwardFn backward, const std::vector<Tensor>& saved)
    : name_(std::move(name)), inputs_(std::move(inputs)), backward_(std::move(backward)) {
  for (const Tensor& t : saved)
    if (t.defined()) saved_.push_back({t.impl()->storage, t.impl()->storage->version});
}

std::vector<Tensor> Node::apply(const Tensor& grad_output) {
  FOVEA_CHECK(backward_, Error, "trying to backward through the graph a second time (", name_,
              " has already run and freed its saved tensors)");
  for (const SavedVersion& s : saved_)
    FOVEA_CHECK(s.storage->version == s.version, Error, "one of the tensors needed for the gradient of ", name_,
                " has been modified by an in-place operation (its storage is at version ", s.storage->version,
                ", expected version ", s.version, ")");
  std::vector<Tensor> grads = backward_(grad_output);
  // record() may come from a user's own op, so this is reported as an error in that op, not in fovea.
  FOVEA_CHECK(grads.size() == inputs_.size(), Error, "the backward of ", name_, " returned ", grads.size(),
              " gradients for ", inputs_.size(), " inputs (expected one per input, undefined where none)");
  return grads;
}

void Node::release() {
  backward_ = nullptr;
  inputs_.clear();
  saved_.clear();
}

bool needs_graph(std::initializer_list<const Tensor*> inputs) {
  if (!grad_mode) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

void record(Tensor& output, std::string name, std::vector<Tensor> inputs, Node::BackwardFn backward,
            const std::vector<Tensor>& saved) {
  output.impl()->requires_grad = true;
  // Under the profiler a node is labelled with the module that created it, so backward time is
  // reported per layer.
  if (profiler::enabled() && !profiler::current_module().empty()) name = profiler::current_module() + " / " + name;
  output.set_grad_fn(std::make_shared<Node>(std::move(name), std::move(inputs), std::move(backward), saved));
}

namespace {

// Adds `g` into `slot`, taking g itself when the slot is empty (no copy on the common path). The
// sum is a new tensor: g may be shared with another node's slot (add's backward hands the same
// gradient to both inputs), so adding in place could corrupt it.
void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    slot = g;
  } else {
    slot = detail::sum_of(slot, g);
  }
}

// Nodes reachable from `root`, each listed after every node that feeds gradient into it.
std::vector<Node*> reverse_topological_order(Node* root) {
  std::vector<Node*> order;
  std::unordered_map<Node*, bool> visited;
  // Iterative DFS: a deep graph must not overflow the stack.
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  visited[root] = true;
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const auto& inputs = node->inputs();
    if (next < inputs.size()) {
      const Tensor& in = inputs[next++];
      if (in.defined()) {
        Node* child = in.grad_fn().get();
        if (child && !visited[child]) {
          visited[child] = true;
          stack.push_back({child, 0});
        }
      }
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  // Post-order puts inputs first; backward needs outputs first.
  return {order.rbegin(), order.rend()};
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_output) {
  if (!root.requires_grad())
    throw Error("backward() on a tensor that does not require grad and has no grad_fn");
  Tensor seed = grad_output;
  if (!seed.defined()) {
    if (root.numel() != 1)
      throw ShapeError("backward() without a gradient needs a scalar output, got shape " +
                       to_string(root.shape()));
    seed = ones(root.shape());
  } else if (seed.shape() != root.shape()) {
    throw ShapeError("backward(): gradient of shape " + to_string(seed.shape()) + " for an output of shape " +
                     to_string(root.shape()));
  }
  NoGradGuard no_grad;  // backward functions compute plain tensors
  if (root.is_leaf()) {
    Tensor slot = root.grad();
    if (slot.defined())
      detail::add_into(slot, seed);
    else
      const_cast<Tensor&>(root).set_grad(detail::sum_of(seed, Tensor()));
    return;
  }
  std::unordered_map<Node*, Tensor> pending;
  pending[root.grad_fn().get()] = seed;
  // Hold the nodes alive while we walk: releasing one drops its edges to the next.
  std::vector<std::shared_ptr<Node>> keep_alive;
  for (Node* node : reverse_topological_order(root.grad_fn().get())) {
    auto it = pending.find(node);
    if (it == pending.end()) continue;  // no gradient reached it
    Tensor grad = std::move(it->second);
    pending.erase(it);
    // Backward functions may assume a row-major gradient (a view's backward, expand's for one, hands
    // on a strided one): one copy here rather than a check in every op.
    if (!grad.is_contiguous()) grad = detail::sum_of(grad, Tensor());
    std::vector<Tensor> grads;
    {
      profiler::Scope scope(node->name());
      grads = node->apply(grad);
    }
    const auto& inputs = node->inputs();
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& in = inputs[i];
      if (!in.defined() || !grads[i].defined() || !in.requires_grad()) continue;
      FOVEA_CHECK(grads[i].shape() == in.shape(), ShapeError, "the backward of ", node->name(),
                  " returned a gradient of shape ", to_string(grads[i].shape()), " for input ", i, " of shape ",
                  to_string(in.shape()));
      if (in.grad_fn()) {
        keep_alive.push_back(in.grad_fn());
        accumulate(pending[in.grad_fn().get()], grads[i]);
      } else {
        // A leaf: gradients accumulate across backward calls until zero_grad().
        Tensor slot = in.grad();
        if (slot.defined()) {
          detail::add_into(slot, grads[i]);
        } else {
          // Never alias a gradient buffer another node (or a view) may still hold: own a copy.
          const bool shared = grads[i].impl()->storage.use_count() > 1 || !grads[i].is_contiguous();
          const_cast<Tensor&>(in).set_grad(shared ? detail::sum_of(grads[i], Tensor()) : grads[i]);
        }
      }
    }
    node->release();
  }
}

void Tensor::backward(const Tensor& grad_output) const { run_backward(*this, grad_output); }

}  // namespace fovea
