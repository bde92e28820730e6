// The backward engine: one walk of the graph in reverse topological order.
#include <unordered_map>
#include <utility>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/profiler.hpp"

namespace fovea {

namespace {
thread_local bool grad_mode = true;
}

bool grad_mode_enabled() { return grad_mode; }

NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

std::vector<Tensor> Node::apply(const Tensor& grad_output) {
  if (!backward_)
    throw Error("trying to backward through the graph a second time (" + name_ +
                " has already run and freed its saved tensors)");
  return backward_(grad_output);
}

void Node::release() {
  backward_ = nullptr;
  inputs_.clear();
}

bool needs_graph(std::initializer_list<const Tensor*> inputs) {
  if (!grad_mode) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

void record(Tensor& output, std::string name, std::vector<Tensor> inputs, Node::BackwardFn backward) {
  output.impl()->requires_grad = true;
  // Under the profiler a node is labelled with the module that created it, so backward time is
  // reported per layer.
  if (profiler::enabled() && !profiler::current_module().empty()) name = profiler::current_module() + " / " + name;
  output.set_grad_fn(std::make_shared<Node>(std::move(name), std::move(inputs), std::move(backward)));
}

namespace {

// Adds `g` into `slot`, taking g itself when the slot is empty (no copy on the common path). The
// sum is a new tensor: g may be shared with another node's slot (add's backward hands the same
// gradient to both inputs), so adding in place could corrupt it.
void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    slot = g;
  } else {
    Tensor sum = slot.clone();
    sum.add_(g);
    slot = sum;
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
      slot.add_(seed);
    else
      const_cast<Tensor&>(root).set_grad(seed.clone());
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
    std::vector<Tensor> grads;
    {
      profiler::Scope scope(node->name());
      grads = node->apply(grad);
    }
    const auto& inputs = node->inputs();
    for (size_t i = 0; i < inputs.size() && i < grads.size(); ++i) {
      const Tensor& in = inputs[i];
      if (!in.defined() || !grads[i].defined() || !in.requires_grad()) continue;
      if (grads[i].shape() != in.shape())
        throw ShapeError(node->name() + " returned a gradient of shape " + to_string(grads[i].shape()) +
                         " for an input of shape " + to_string(in.shape()));
      if (in.grad_fn()) {
        keep_alive.push_back(in.grad_fn());
        accumulate(pending[in.grad_fn().get()], grads[i]);
      } else {
        // A leaf: gradients accumulate across backward calls until zero_grad().
        Tensor slot = in.grad();
        if (slot.defined()) {
          slot.add_(grads[i]);
        } else {
          // Never alias a gradient buffer another node may still hold: own a copy.
          const_cast<Tensor&>(in).set_grad(grads[i].impl()->storage.use_count() > 1 ? grads[i].clone()
                                                                                     : grads[i]);
        }
      }
    }
    node->release();
  }
}

}  // namespace fovea
