// A layer of your own, two ways: Swish(x) = x * sigmoid(x) (docs/custom_ops.md walks through it).
//   1. composed of fovea's ops: autograd follows for free;
//   2. with a hand-written backward (needs_graph + record), checked with autograd::gradcheck.
// Run: build/examples/custom_op   (its output is in docs/custom_ops.md)
#include <fovea/fovea.hpp>

#include <iostream>
#include <vector>

using namespace fovea;

// ---- 1. composed: every op it calls records its own backward ----
class Swish : public nn::Module {
 public:
  Swish() : Module("Swish") {}
  Tensor forward(const Tensor& x) override { return x * sigmoid(x); }
  nn::ModulePtr clone() const override { return clone_as<Swish>(); }
};

// ---- 2. hand-written backward: one node instead of three, and its formula in one place ----
// d/dx [x * s(x)] = s + x * s * (1 - s) = s * (1 + x * (1 - s)),  s = sigmoid(x)
Tensor swish(const Tensor& x) {
  Tensor s, out;
  {
    NoGradGuard no_grad;  // the forward records nothing: the node below is the whole graph
    s = sigmoid(x);
    out = x * s;
  }
  if (needs_graph({&x})) {
    // Capture what backward reads, detached, and list it as saved: changing it in place before
    // backward is then an error instead of a wrong gradient. Never capture `out` itself (a cycle:
    // out -> node -> lambda -> out); a backward that needs the output captures out.detach().
    const Tensor xd = x.detach();
    record(
        out, "SwishBackward", {x},
        [xd, s](const Tensor& g) { return std::vector<Tensor>{g * s * (1.0f + xd * (1.0f - s))}; }, {xd, s});
  }
  return out;
}

int main() {
  Tensor x = tensor({-2.0f, -0.5f, 0.0f, 1.0f, 3.0f}).requires_grad_();

  Swish layer;
  Tensor a = layer(x);
  sum(a).backward();
  std::cout << "composed:     " << a << "\n  grad " << x.grad() << "\n";

  x.set_grad(Tensor());
  Tensor b = swish(x);
  sum(b).backward();
  std::cout << "hand-written: " << b << "\n  grad " << x.grad() << "\n";

  // The hand-written backward against central differences (include/fovea/gradcheck.hpp).
  const auto f = [](const std::vector<Tensor>& v) { return swish(v[0]); };
  std::cout << "gradcheck(swish): " << std::boolalpha << autograd::gradcheck(f, {randn({4, 3}).requires_grad_()})
            << "\n";

  // A backward off by a factor is caught.
  const auto wrong = [](const std::vector<Tensor>& v) {
    Tensor out = v[0].detach() * sigmoid(v[0].detach());
    const Tensor xd = v[0].detach();
    if (needs_graph({&v[0]}))
      record(out, "WrongBackward", {v[0]}, [xd](const Tensor& g) { return std::vector<Tensor>{g * sigmoid(xd)}; },
             {xd});
    return out;
  };
  autograd::GradcheckOptions quiet;
  quiet.raise = false;
  std::cout << "gradcheck(wrong backward): " << autograd::gradcheck(wrong, {randn({4, 3}).requires_grad_()}, quiet)
            << "\n";

  // In place: writing into a tensor a backward has saved makes that backward an error.
  Tensor y = x * 2.0f;
  Tensor c = swish(y);
  y.mul_(3.0f);
  try {
    sum(c).backward();
  } catch (const Error& e) {
    std::cout << "after y.mul_(3): " << e.what() << "\n";
  }
  return 0;
}
