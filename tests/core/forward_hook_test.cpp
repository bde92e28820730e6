// Module forward hooks (register_forward_hook), as PyTorch's: every call through operator() runs
// them after forward with the module, its input and its output; a hook may replace the output;
// the handle removes it. They are how the pictures capture a layer's output, so they must fire for
// modules inside a Sequential too, including a Conv2d that would otherwise be fused with its ReLU.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "support/gradcheck.hpp"
#include "support/same_values.hpp"

using namespace fovea;

using fovea::testing::same_values;

TEST(ForwardHook, SeesTheModuleItsInputAndItsOutputAfterEachCall) {
  manual_seed(1);
  nn::Linear linear(4, 3);
  Tensor x = randn({2, 4});
  int calls = 0;
  Tensor seen_input, seen_output;
  const nn::Module* seen_module = nullptr;
  linear.register_forward_hook([&](nn::Module& m, const Tensor& in, const Tensor& out) {
    ++calls;
    seen_module = &m;
    seen_input = in;
    seen_output = out;
  });
  const Tensor y = linear(x);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen_module, &linear);
  EXPECT_TRUE(same_values(seen_input, x));
  EXPECT_TRUE(same_values(seen_output, y));
  linear.forward(x);  // a direct forward() skips hooks, as in PyTorch
  EXPECT_EQ(calls, 1);
}

TEST(ForwardHook, RunInOrderAndMayReplaceTheOutput) {
  nn::ReLU relu;
  std::vector<std::string> order;
  relu.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) -> std::optional<Tensor> {
    order.push_back("double");
    return out * 2.0f;
  });
  relu.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) {
    order.push_back("look");
    EXPECT_FLOAT_EQ(out.data()[0], 6.0f);  // sees the first hook's replacement
  });
  Tensor x = full({1}, 3.0f);
  EXPECT_FLOAT_EQ(relu(x).data()[0], 6.0f);
  EXPECT_EQ(order, (std::vector<std::string>{"double", "look"}));
}

TEST(ForwardHook, RemoveTakesItOffOnceAndIsSafeAfterTheModuleIsGone) {
  int calls = 0;
  nn::RemovableHandle handle;
  {
    nn::ReLU relu;
    handle = relu.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
    EXPECT_TRUE(relu.has_forward_hooks());
    relu(full({1}, 1.0f));
    handle.remove();
    handle.remove();
    EXPECT_FALSE(relu.has_forward_hooks());
    relu(full({1}, 1.0f));
    EXPECT_EQ(calls, 1);
    handle = relu.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
  }
  handle.remove();  // the module is gone: nothing to do, nothing touched
  // A hook that removes itself while it runs.
  nn::ReLU relu;
  nn::RemovableHandle self;
  self = relu.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) {
    ++calls;
    self.remove();
  });
  relu(full({1}, 1.0f));
  relu(full({1}, 1.0f));
  EXPECT_EQ(calls, 2);
}

TEST(ForwardHook, AHookKeepsItsStateFromCallToCall) {
  nn::ReLU relu;
  std::vector<int> seen;
  relu.register_forward_hook([&seen, calls = 0](nn::Module&, const Tensor&, const Tensor&) mutable {
    seen.push_back(++calls);
  });
  for (int i = 0; i < 3; ++i) relu(full({1}, 1.0f));
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(ForwardHook, AnEmptyHookIsRefusedNamingTheLayer) {
  nn::ReLU relu;
  EXPECT_THROW(relu.register_forward_hook(nn::ForwardHook{}), ValueError);
}

TEST(ForwardHook, AConvInsideASequentialShowsItsOwnOutputAndTheModelsOutputIsUnchanged) {
  manual_seed(2);
  models::CNNNet model;
  model.eval();
  Tensor x = randn({2, 1, 28, 28});
  const Tensor plain = model(x);
  // conv1.0 is a Conv2d followed by ReLU, which Sequential fuses; hooked, it must not be.
  auto& conv = *model.conv1->named_children()[0].second;
  Tensor conv_out, stage_out;
  auto h1 = conv.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) { conv_out = out.clone(); });
  auto h2 = model.conv1->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) { stage_out = out.clone(); });
  const Tensor hooked = model(x);
  // Unhooked, conv1 runs as one fused kernel, whose sums may round differently from oneDNN's
  // convolution on some instruction sets (they agree bit for bit on AVX-512); the values agree.
  fovea::testing::expect_close(hooked, plain, 1e-5, 1e-6, "model output");
  ASSERT_EQ(conv_out.shape(), (Shape{2, 16, 28, 28}));
  ASSERT_EQ(stage_out.shape(), (Shape{2, 16, 14, 14}));
  bool negative = false;  // before the ReLU
  for (int64_t i = 0; i < conv_out.numel(); ++i) negative |= conv_out.data()[i] < 0.0f;
  EXPECT_TRUE(negative);
  // Hooks are not part of a clone.
  EXPECT_FALSE(model.clone()->named_children()[0].second->has_forward_hooks());
  h1.remove();
  h2.remove();
}
