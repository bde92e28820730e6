#pragma once
// Define-by-run reverse-mode autograd, as in PyTorch.
//
// Every differentiable op that sees an input with requires_grad (while grad mode is on) creates a
// Node and stores it as its output's grad_fn. A Node knows the tensors it was computed from (its
// `inputs`) and how to turn the gradient of its output into gradients of those inputs
// (`backward`). For   y = relu(linear(x, W, b))   the graph is
//
//     W (leaf) ─┐
//     b (leaf) ─┼─> LinearNode ──> ReluNode ──> y
//     x ────────┘
//
// `y.backward()` walks it once, in reverse topological order, handing each node the sum of the
// gradients flowing into it, and accumulates into `.grad` of the leaves. Each node drops its
// saved tensors and its edges as soon as it has run, so the graph is freed after backward, and a
// second backward through it is an error, as in PyTorch (there is no retain_graph).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea {

class Node {
 public:
  // Given dL/d(output), returns dL/d(input_i) for each input, in order; an undefined Tensor for
  // an input that needs no gradient.
  using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  // `saved` lists the tensors the backward function reads (captured in it): each one's storage
  // version is noted now and checked before backward runs, so a saved tensor overwritten in place
  // in between is an error instead of a wrong gradient, as in PyTorch.
  Node(std::string name, std::vector<Tensor> inputs, BackwardFn backward, const std::vector<Tensor>& saved = {});

  const std::string& name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  bool released() const { return !backward_; }

  std::vector<Tensor> apply(const Tensor& grad_output);
  // Frees saved tensors and edges (called by the engine once the node has run).
  void release();

 private:
  std::string name_;
  std::vector<Tensor> inputs_;
  BackwardFn backward_;
  struct SavedVersion {
    std::shared_ptr<Storage> storage;
    uint64_t version;
  };
  std::vector<SavedVersion> saved_;
};

// Whether ops record graphs right now (thread-local, as in PyTorch).
bool grad_mode_enabled();

// While alive, no op records a graph: for evaluation and for optimizer updates.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when `output` should get a grad_fn: grad mode is on and some input requires grad.
bool needs_graph(std::initializer_list<const Tensor*> inputs);

// Attaches a node to `output` (marks it requires_grad). The inputs are the op's tensor arguments in
// the order `backward` returns their gradients: backward returns exactly one gradient per input
// (undefined for one that needs none). `saved` lists the tensors backward reads (see Node).
//
// A backward function must not capture the op's own output (`out`): the output holds the node,
// the node the function, and the function the output, a cycle that is never freed. Capture
// `out.detach()` instead, which shares the values but not the node.
void record(Tensor& output, std::string name, std::vector<Tensor> inputs, Node::BackwardFn backward,
            const std::vector<Tensor>& saved = {});

// Runs reverse-mode differentiation from `root`; `grad_output` defaults to ones for a scalar.
void run_backward(const Tensor& root, const Tensor& grad_output);

}  // namespace fovea
