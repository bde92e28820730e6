// The activation modules: printed form (as print(model) in torch 1.13), constructor checks, clone,
// gradients against finite differences, and ReLU(inplace=true)'s rule for writing in place.
#include <gtest/gtest.h>

#include "fovea/autograd.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"
#include "support/gradcheck.hpp"

namespace fovea {
namespace {

using testing::error_of;
using testing::expect_gradients_match;
using V = std::vector<Tensor>;

TEST(ActivationModules, PrintLikePyTorch) {
  nn::Sequential model(nn::LeakyReLU(), nn::LeakyReLU(0.2f, true), nn::GELU(), nn::GELU("tanh"), nn::SiLU(),
                       nn::Sigmoid(), nn::Tanh(), nn::Softmax(1), nn::Identity(), nn::ReLU(true));
  // Copied from torch 1.13's print(nn.Sequential(...)) of the same modules.
  EXPECT_EQ(model.repr(),
            "Sequential(\n"
            "  (0): LeakyReLU(negative_slope=0.01)\n"
            "  (1): LeakyReLU(negative_slope=0.2, inplace=True)\n"
            "  (2): GELU(approximate='none')\n"
            "  (3): GELU(approximate='tanh')\n"
            "  (4): SiLU()\n"
            "  (5): Sigmoid()\n"
            "  (6): Tanh()\n"
            "  (7): Softmax(dim=1)\n"
            "  (8): Identity()\n"
            "  (9): ReLU(inplace=True)\n"
            ")");
}

TEST(ActivationModules, GeluRejectsAnUnknownApproximation) {
  EXPECT_EQ(error_of<ValueError>([] { nn::GELU("fast"); }),
            "GELU: approximate must be 'none' or 'tanh', got 'fast'");
}

TEST(ActivationModules, IdentityReturnsItsInput) {
  nn::Identity id;
  Tensor x = randn({2, 3});
  EXPECT_EQ(id(x).impl(), x.impl());
  EXPECT_TRUE(id.parameters().empty());
}

TEST(ActivationModules, CloneKeepsArguments) {
  nn::LeakyReLU leaky(0.3f, true);
  EXPECT_EQ(leaky.clone()->repr(), "LeakyReLU(negative_slope=0.3, inplace=True)");
  nn::Softmax softmax(-1);
  EXPECT_EQ(softmax.clone()->repr(), "Softmax(dim=-1)");
  EXPECT_EQ(nn::GELU("tanh").clone()->repr(), "GELU(approximate='tanh')");
}

TEST(ActivationModules, ForwardIsTheOp) {
  manual_seed(3);
  Tensor x = randn({4, 5}) * 3.0f;
  EXPECT_EQ(nn::LeakyReLU(0.2f)(x).to_vector(), leaky_relu(x, 0.2f).to_vector());
  EXPECT_EQ(nn::GELU("tanh")(x).to_vector(), gelu(x, "tanh").to_vector());
  EXPECT_EQ(nn::SiLU()(x).to_vector(), silu(x).to_vector());
  EXPECT_EQ(nn::Sigmoid()(x).to_vector(), sigmoid(x).to_vector());
  EXPECT_EQ(nn::Tanh()(x).to_vector(), tanh(x).to_vector());
  EXPECT_EQ(nn::Softmax(0)(x).to_vector(), softmax(x, 0).to_vector());
}

TEST(ActivationModules, GradientsMatchFiniteDifferences) {
  manual_seed(5);
  // Away from 0, where LeakyReLU's derivative jumps and a central difference straddles it.
  Tensor x = randn({3, 4});
  x = where(gt(abs(x), 0.1f), x, x + 0.3f);
  std::vector<std::shared_ptr<nn::Module>> modules = {
      std::make_shared<nn::LeakyReLU>(0.2f), std::make_shared<nn::GELU>(),     std::make_shared<nn::GELU>("tanh"),
      std::make_shared<nn::SiLU>(),          std::make_shared<nn::Sigmoid>(),  std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Softmax>(1),      std::make_shared<nn::Identity>(), std::make_shared<nn::ReLU>(true)};
  for (auto& m : modules) {
    SCOPED_TRACE(m->repr());
    // The module sees an intermediate (v[0] * 1): ReLU(inplace=true) then writes into it when
    // gradcheck evaluates without a graph, and computes out of place when it records one; both
    // must give the same function and gradient. (Fed the input itself, it would overwrite it
    // without a graph, as PyTorch's would.)
    expect_gradients_match([&](const V& v) { return (*m)(v[0] * 1.0f); }, {x}, 1e-3f, 1e-2f);
  }
}

// ReLU(inplace=true) writes into its input only where no graph is recorded for it.
TEST(ActivationModules, ReluInplaceWritesInPlaceWithoutAGraph) {
  nn::ReLU relu_inplace(true);
  Tensor x = from_vector({-1.0f, 2.0f, -3.0f}, {3});
  Tensor y = relu_inplace(x);
  EXPECT_EQ(y.impl(), x.impl());
  EXPECT_EQ(x.to_vector(), (std::vector<float>{0.0f, 2.0f, 0.0f}));

  // Grad mode off: in place even for a tensor that requires grad (as torch.no_grad()).
  Tensor w = from_vector({-1.0f, 4.0f}, {2}).requires_grad_(true);
  {
    NoGradGuard no_grad;
    Tensor h = w * 1.0f;
    EXPECT_EQ(relu_inplace(h).impl(), h.impl());
    EXPECT_EQ(h.to_vector(), (std::vector<float>{0.0f, 4.0f}));
  }
}

TEST(ActivationModules, ReluInplaceIsOutOfPlaceUnderAGraph) {
  nn::ReLU relu_inplace(true);
  // A leaf that requires grad: PyTorch raises here; fovea computes out of place.
  Tensor leaf = from_vector({-1.0f, 2.0f}, {2}).requires_grad_(true);
  Tensor y = relu_inplace(leaf);
  EXPECT_NE(y.impl(), leaf.impl());
  EXPECT_EQ(leaf.to_vector(), (std::vector<float>{-1.0f, 2.0f}));
  // A non-leaf another op also read (and saved: mul saves both operands): writing it would break
  // that op's backward, so the input keeps its values and both gradients are right.
  Tensor h = leaf * 2.0f;
  Tensor other = h * h;
  Tensor r = relu_inplace(h);
  EXPECT_EQ(h.to_vector(), (std::vector<float>{-2.0f, 4.0f}));
  sum(other + r).backward();
  // d/dleaf of (2x)^2 + relu(2x) = 8x + 2 [x > 0]
  EXPECT_EQ(leaf.grad().to_vector(), (std::vector<float>{-8.0f, 18.0f}));
}

TEST(ActivationModules, ReluInplaceOnAnExpandedTensorIsOutOfPlace) {
  nn::ReLU relu_inplace(true);
  Tensor base = from_vector({-1.0f, 2.0f}, {2, 1});
  Tensor expanded = base.expand({2, 3});
  Tensor y = relu_inplace(expanded);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 0, 0, 2, 2, 2}));
  EXPECT_EQ(base.to_vector(), (std::vector<float>{-1.0f, 2.0f}));
}

}  // namespace
}  // namespace fovea
