// models::LeNet5: the printed layout PyTorch shows for the same module, its parameter count,
// shapes through both styles, and that it trains (loss falls on a fixed batch).
#include "fovea/models/lenet5.hpp"

#include <gtest/gtest.h>

#include "fovea/ops.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/random.hpp"

using namespace fovea;
using models::LeNet5;
using models::LeNetStyle;

TEST(LeNet5, PrintsAsTorch) {
  // print(model) of the same torch 1.13 module (features / classifier Sequentials).
  EXPECT_EQ(LeNet5().repr(), R"(LeNet5(
  (features): Sequential(
    (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
    (1): Tanh()
    (2): AvgPool2d(kernel_size=2, stride=2, padding=0)
    (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
    (4): Tanh()
    (5): AvgPool2d(kernel_size=2, stride=2, padding=0)
  )
  (classifier): Sequential(
    (0): Flatten(start_dim=1, end_dim=-1)
    (1): Linear(in_features=400, out_features=120, bias=True)
    (2): Tanh()
    (3): Linear(in_features=120, out_features=84, bias=True)
    (4): Tanh()
    (5): Linear(in_features=84, out_features=10, bias=True)
  )
))");
  const std::string modern = LeNet5(LeNetStyle::Modern).repr();
  EXPECT_NE(modern.find("(1): ReLU()"), std::string::npos) << modern;
  EXPECT_NE(modern.find("(2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
            std::string::npos)
      << modern;
}

TEST(LeNet5, ShapesParametersAndTraining) {
  manual_seed(0);
  for (LeNetStyle style : {LeNetStyle::Classic, LeNetStyle::Modern}) {
    LeNet5 model(style);
    int64_t count = 0;
    for (const Tensor& p : model.parameters()) count += p.numel();
    EXPECT_EQ(count, 61706);
    const Tensor x = randn({8, 1, 28, 28});
    std::vector<int64_t> labels{0, 1, 2, 3, 4, 5, 6, 7};
    const Tensor y = from_vector(labels, {8});
    EXPECT_EQ(model(x).shape(), (Shape{8, 10}));
    optim::SGD sgd(model.parameters(), {.lr = 0.05, .momentum = 0.9});
    float first = 0, last = 0;
    for (int step = 0; step < 30; ++step) {
      sgd.zero_grad();
      Tensor loss = cross_entropy(model(x), y);
      loss.backward();
      sgd.step();
      (step == 0 ? first : last) = loss.item();
    }
    EXPECT_LT(last, 0.5f * first) << "a fixed batch is learned";
    EXPECT_EQ(model.clone()->repr(), model.repr());
  }
}
