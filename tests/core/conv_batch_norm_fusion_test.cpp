// Sequential's Conv2d -> BatchNorm2d fusion in eval mode (the batch norm folded into the
// convolution's weights, see layers.hpp): the same values as the two layers run one by one, the
// folded weights recomputed after every change a user can make to the tensors they came from
// (a stale copy would be a silent wrong answer), and left alone wherever it could be told apart
// from the unfused path: training, a graph, forward hooks, a channel mismatch.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/profiler.hpp"
#include "fovea/random.hpp"
#include "support/expect_tensor.hpp"
#include "support/gradcheck.hpp"

namespace fovea {
namespace {

using testing::expect_close;

// Runs `fn` with the fusion off: the layer-by-layer path the fused one must agree with.
template <typename Fn>
auto unfused(Fn fn) {
  nn::set_fuse_batch_norm(false);
  struct Restore {
    ~Restore() { nn::set_fuse_batch_norm(true); }
  } restore;
  return fn();
}

// Whether the last call of `fn` ran a folded Conv2d+BatchNorm2d step (a profiler region says so).
template <typename Fn>
bool folded(Fn fn) {
  profiler::reset();
  profiler::enable(true);
  fn();
  profiler::enable(false);
  for (const auto& entry : profiler::entries())
    if (entry.name.find("Conv2d+BatchNorm2d") != std::string::npos) return true;
  return false;
}

// Statistics and affine parameters far from the defaults (1, 0), so a missing term shows.
void randomise(nn::BatchNorm2d& bn) {
  NoGradGuard no_grad;
  const int64_t c = bn.num_features();
  bn.running_mean.copy_(randn({c}));
  bn.running_var.copy_(rand({c}, 0.5f, 2.0f));
  if (bn.affine()) {
    bn.weight.copy_(rand({c}, 0.5f, 1.5f));
    bn.bias.copy_(randn({c}));
  }
}

struct ConvBn {
  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::BatchNorm2d> bn;
  nn::Sequential model;
};

// Conv2d(in, out, 3, stride, padding 1, dilation, groups, bias) -> BatchNorm2d(out, affine), in eval.
std::unique_ptr<ConvBn> conv_bn(int64_t in, int64_t out, int64_t groups = 1, bool bias = true, bool affine = true,
                                int64_t stride = 1, int64_t dilation = 1) {
  auto m = std::make_unique<ConvBn>();
  m->conv = std::make_shared<nn::Conv2d>(in, out, 3, stride, 1, dilation, groups, bias);
  m->bn = std::make_shared<nn::BatchNorm2d>(out, 1e-5f, 0.1f, affine);
  randomise(*m->bn);
  m->model.push_back(m->conv);
  m->model.push_back(m->bn);
  m->model.eval();
  return m;
}

TEST(ConvBatchNormFusion, FoldedEqualsLayerByLayer) {
  manual_seed(1);
  struct Case {
    const char* name;
    int64_t in, out, groups;
    bool bias, affine;
    int64_t stride, dilation;
  };
  const Case cases[] = {
      {"plain", 3, 8, 1, true, true, 1, 1},          {"no conv bias", 3, 8, 1, false, true, 1, 1},
      {"affine=false", 3, 8, 1, true, false, 1, 1},  {"neither", 4, 6, 1, false, false, 1, 1},
      {"groups", 8, 12, 4, true, true, 1, 1},        {"depthwise", 6, 6, 6, false, true, 1, 1},
      {"stride 2, dilation 2", 5, 16, 1, true, true, 2, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto m = conv_bn(c.in, c.out, c.groups, c.bias, c.affine, c.stride, c.dilation);
    const Tensor x = randn({3, c.in, 9, 9});
    NoGradGuard no_grad;
    Tensor y;
    EXPECT_TRUE(folded([&] { y = m->model(x); }));
    const Tensor expected = unfused([&] { return m->model(x); });
    expect_close(y, expected, 1e-5, 1e-6, c.name);
    // The same, computed from the definitions (not from the module's own unfused path).
    const Tensor by_hand = batch_norm(m->conv->forward(x), m->bn->running_mean, m->bn->running_var, m->bn->weight,
                                      m->bn->bias, false, 0.1f, m->bn->eps());
    expect_close(y, by_hand, 1e-5, 1e-6, c.name);
  }
}

// Conv2d -> BatchNorm2d -> ReLU, the usual block: one convolution with the ReLU applied as it writes.
TEST(ConvBatchNormFusion, FoldsTheReLUAfterItToo) {
  manual_seed(2);
  auto m = conv_bn(4, 8);
  m->model.push_back(std::make_shared<nn::ReLU>());
  m->model.push_back(std::make_shared<nn::Conv2d>(8, 4, 1));
  m->model.eval();
  const Tensor x = randn({2, 4, 7, 7});
  NoGradGuard no_grad;
  profiler::reset();
  profiler::enable(true);
  const Tensor y = m->model(x);
  profiler::enable(false);
  bool saw_relu_fold = false;
  for (const auto& entry : profiler::entries()) saw_relu_fold |= entry.name == "0 Conv2d+BatchNorm2d+ReLU";
  EXPECT_TRUE(saw_relu_fold);
  expect_close(y, unfused([&] { return m->model(x); }), 1e-5, 1e-6);
}

// Each way a user changes the tensors the folded weights came from: the next forward sees it.
TEST(ConvBatchNormFusion, RefoldsAfterEveryChangeToItsSources) {
  manual_seed(3);
  auto m = conv_bn(3, 8);
  const Tensor x = randn({2, 3, 6, 6});
  auto check = [&](const char* after) {
    SCOPED_TRACE(after);
    NoGradGuard no_grad;
    const Tensor y = m->model(x);
    expect_close(y, unfused([&] { return m->model(x); }), 1e-5, 1e-6, after);
  };
  check("first forward");

  // load_state_dict: new running statistics and a new convolution weight.
  nn::StateDict state = m->model.state_dict();
  for (auto& [key, t] : state) {
    if (key == "1.running_mean") t = randn({8}) * 3.0f;
    if (key == "0.weight") t = randn(t.shape());
  }
  m->model.load_state_dict(state);
  check("load_state_dict");

  // An in-place write to a buffer and to a parameter.
  {
    NoGradGuard no_grad;
    m->bn->running_var.copy_(rand({8}, 2.0f, 3.0f));
  }
  check("running_var.copy_");
  {
    NoGradGuard no_grad;
    m->bn->bias.mul_(-2.0f);
  }
  check("bias.mul_");

  // Optimizer steps alone (their kernels write through the raw pointer, then bump the version):
  // fine-tuning with the statistics frozen, eval mode with a graph, so the running statistics stay.
  optim::SGD sgd(m->model.parameters(), {.lr = 0.5, .momentum = 0.9});
  for (int step = 0; step < 2; ++step) {
    m->model.zero_grad();
    sum(m->model(x) * randn({2, 8, 6, 6})).backward();
    sgd.step();
  }
  check("SGD steps");
  optim::Adam adam(m->model.parameters(), {.lr = 0.1});
  m->model.zero_grad();
  sum(m->model(x) * randn({2, 8, 6, 6})).backward();
  adam.step();
  check("an Adam step");

  // Training mode moves the running statistics (copy_ into them).
  m->model.train();
  {
    NoGradGuard no_grad;
    m->model(x * 2.0f + 1.0f);
  }
  m->model.eval();
  check("a training forward");

  // A tensor replaced by another one.
  m->conv->bias = randn({8});
  check("a new bias tensor");
}

TEST(ConvBatchNormFusion, TrainingModeIsLayerByLayer) {
  manual_seed(4);
  auto m = conv_bn(3, 8);
  auto twin = std::dynamic_pointer_cast<nn::Sequential>(m->model.clone());
  m->model.train();
  twin->train();
  const Tensor x = randn({4, 3, 6, 6});
  Tensor y;
  {
    NoGradGuard no_grad;  // even without a graph: training normalises with the batch's statistics
    EXPECT_FALSE(folded([&] { y = m->model(x); }));
  }
  Tensor expected;
  {
    NoGradGuard no_grad;
    expected = unfused([&] { return (*twin)(x); });
  }
  expect_close(y, expected, 1e-5, 1e-6, "output");
  expect_close(m->bn->running_mean, std::dynamic_pointer_cast<nn::BatchNorm2d>((*twin)[1])->running_mean, 1e-6, 1e-7,
               "running_mean");
}

// In eval with grad mode on, the parameters need their gradients (fine-tuning with frozen
// statistics): the folded constants would give them none, so nothing is folded.
TEST(ConvBatchNormFusion, NotWhileRecordingAGraph) {
  manual_seed(5);
  auto m = conv_bn(3, 8);
  const Tensor x = randn({2, 3, 5, 5});
  Tensor y;
  EXPECT_FALSE(folded([&] { y = m->model(x); }));
  sum(y).backward();
  EXPECT_TRUE(m->conv->weight.grad().defined());
  EXPECT_TRUE(m->bn->weight.grad().defined());

  // Parameters that need no gradient but an input that does (a saliency map): still a graph.
  for (Tensor& p : m->model.parameters()) p.requires_grad_(false);
  const Tensor xg = randn({2, 3, 5, 5}).requires_grad_(true);
  EXPECT_FALSE(folded([&] { y = m->model(xg); }));
  sum(y).backward();
  EXPECT_TRUE(xg.grad().defined());

  // Nothing requires grad: no graph even in grad mode, so folded.
  EXPECT_TRUE(folded([&] { y = m->model(x); }));
  EXPECT_FALSE(y.requires_grad());
}

// A hook must see its own module's output, so a watched conv or batch norm is run layer by layer.
TEST(ConvBatchNormFusion, ForwardHooksStillFire) {
  manual_seed(6);
  auto m = conv_bn(3, 8);
  const Tensor x = randn({2, 3, 5, 5});
  NoGradGuard no_grad;
  for (nn::Module* watched : {static_cast<nn::Module*>(m->conv.get()), static_cast<nn::Module*>(m->bn.get())}) {
    int calls = 0;
    Tensor seen;
    nn::RemovableHandle handle = watched->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) {
      ++calls;
      seen = out;
    });
    Tensor y;
    EXPECT_FALSE(folded([&] { y = m->model(x); }));
    EXPECT_EQ(calls, 1);
    const Tensor own = watched == m->conv.get() ? m->conv->forward(x) : y;
    expect_close(seen, own, 0, 0, watched->type_name());
    handle.remove();
    EXPECT_TRUE(folded([&] { y = m->model(x); }));
    EXPECT_EQ(calls, 1);
  }
}

// A batch norm over another number of channels is not folded: the error is the one it always was.
TEST(ConvBatchNormFusion, ChannelMismatchErrorsAsBefore) {
  nn::Sequential model(nn::Conv2d(3, 8, 3), nn::BatchNorm2d(6));
  model.eval();
  NoGradGuard no_grad;
  const Tensor x = randn({1, 3, 5, 5});
  const std::string message = testing::error_of<ShapeError>([&] { model(x); });
  testing::expect_contains(message, {"BatchNorm2d", "expected input with 6 channels"});
  EXPECT_EQ(message, unfused([&] { return testing::error_of<ShapeError>([&] { model(x); }); }));
}

// The switch the benchmark compares with: off, the pair runs layer by layer.
TEST(ConvBatchNormFusion, SwitchTurnsItOff) {
  auto m = conv_bn(3, 8);
  NoGradGuard no_grad;
  const Tensor x = randn({1, 3, 5, 5});
  EXPECT_TRUE(nn::fuse_batch_norm());
  EXPECT_TRUE(folded([&] { m->model(x); }));
  unfused([&] {
    EXPECT_FALSE(nn::fuse_batch_norm());
    EXPECT_FALSE(folded([&] { m->model(x); }));
  });
  EXPECT_TRUE(nn::fuse_batch_norm());
}

}  // namespace
}  // namespace fovea
