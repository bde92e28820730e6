// Every figure drawn from realistic input, for a person to look at: real MNIST and Fashion-MNIST
// images, the PyTorch-trained CNN of tests/fixtures (its kernels, its feature maps, its confusion
// matrix and its most confident mistakes on the 10,000 test digits), curves of 1, 3, 20 and 100
// epochs. With FOVEA_VIZ_OUT set to a folder, the PNGs are written there:
//
//   FOVEA_VIZ_OUT=/tmp/viz-look build/fovea_tests --gtest_filter='VizLook*'
//
// Without it the figures are still drawn and checked for size, so the test runs everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "fovea/autograd.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/viz/figures.hpp"

using namespace fovea;

namespace {

const std::string kFashionRoot = "/usr/share/datasets/fashion-mnist";

void keep(const viz::Picture& picture, const std::string& name) {
  EXPECT_GE(picture.width(), 100) << name;
  EXPECT_LE(picture.width(), 1400) << name;
  EXPECT_GE(picture.height(), 100) << name;
  EXPECT_LE(picture.height(), 1400) << name;
  const char* folder = std::getenv("FOVEA_VIZ_OUT");
  if (!folder || !*folder) return;
  std::filesystem::create_directories(folder);
  picture.save_png((std::filesystem::path(folder) / (name + ".png")).string());
}

// The seed's transform: ToTensor then Normalize(0.5, 0.5), so pixels lie in [-1, 1].
Tensor normalised(const Tensor& raw) {
  Tensor out = raw.clone();
  for (int64_t i = 0; i < out.numel(); ++i) out.data()[i] = out.data()[i] / 255.0f * 2 - 1;
  return out;
}

std::vector<viz::EpochPoint> history(int epochs) {
  std::vector<viz::EpochPoint> h;
  for (int e = 1; e <= epochs; ++e) {
    const double wobble = 0.01 * std::sin(e * 1.7);  // test numbers are noisier than train ones
    h.push_back({e, 0.05 + 0.45 * std::exp(-0.35 * (e - 1)), 0.985 - 0.12 * std::exp(-0.4 * (e - 1)),
                 0.06 + 0.3 * std::exp(-0.3 * (e - 1)) + wobble + 0.0015 * e, 0.98 - 0.08 * std::exp(-0.5 * (e - 1)) - wobble});
  }
  return h;
}

struct Evaluation {
  std::vector<std::vector<int64_t>> counts = std::vector<std::vector<int64_t>>(10, std::vector<int64_t>(10, 0));
  std::vector<viz::Mistake> mistakes;
};

// The trained CNN on the whole test split: counts and the most confident mistakes.
Evaluation evaluate(models::CNNNet& model, const data::MNIST& test) {
  NoGradGuard no_grad;
  Evaluation result;
  constexpr int64_t kBatch = 500;
  for (int64_t first = 0; first < test.size(); first += kBatch) {
    const int64_t n = std::min(kBatch, test.size() - first);
    std::vector<float> pixels;
    for (int64_t i = 0; i < n; ++i) {
      const Tensor image = normalised(test.get(first + i).image);
      pixels.insert(pixels.end(), image.data(), image.data() + image.numel());
    }
    const Tensor logits = model(from_vector(pixels, {n, 1, 28, 28}));
    for (int64_t i = 0; i < n; ++i) {
      const float* z = logits.data() + i * 10;
      const int64_t predicted = std::max_element(z, z + 10) - z;
      double sum = 0;
      for (int k = 0; k < 10; ++k) sum += std::exp(z[k] - z[predicted]);
      const int64_t truth = test.labels()[first + i];
      ++result.counts[truth][predicted];
      if (predicted != truth) result.mistakes.push_back({test.get(first + i).image, truth, predicted, 1 / sum});
    }
  }
  std::stable_sort(result.mistakes.begin(), result.mistakes.end(),
                   [](const viz::Mistake& a, const viz::Mistake& b) { return a.probability > b.probability; });
  result.mistakes.resize(std::min<size_t>(result.mistakes.size(), 16));
  return result;
}

// A Fashion-MNIST-like matrix: shirts, T-shirts, pullovers and coats confused with each other.
std::vector<std::vector<int64_t>> fashion_counts() {
  std::vector<std::vector<int64_t>> counts(10, std::vector<int64_t>(10, 0));
  const int correct[10] = {860, 975, 830, 905, 850, 970, 640, 960, 980, 955};
  for (int t = 0; t < 10; ++t) counts[t][t] = correct[t];
  auto confuse = [&](int t, int p, int n) { counts[t][p] += n; };
  confuse(0, 6, 95), confuse(0, 3, 25), confuse(0, 2, 20);
  confuse(1, 3, 18), confuse(1, 0, 7);
  confuse(2, 4, 80), confuse(2, 6, 75), confuse(2, 0, 15);
  confuse(3, 4, 40), confuse(3, 0, 30), confuse(3, 6, 25);
  confuse(4, 2, 70), confuse(4, 6, 60), confuse(4, 3, 20);
  confuse(5, 7, 22), confuse(5, 9, 8);
  confuse(6, 0, 130), confuse(6, 2, 110), confuse(6, 4, 80), confuse(6, 3, 40);
  confuse(7, 5, 15), confuse(7, 9, 25);
  confuse(8, 6, 10), confuse(8, 2, 10);
  confuse(9, 7, 40), confuse(9, 5, 5);
  return counts;
}

}  // namespace

TEST(VizLook, DrawsEveryFigureFromRealisticInput) {
  data::MNIST train(FOVEA_MNIST_DIR, /*train=*/true), test(FOVEA_MNIST_DIR, /*train=*/false);

  // 1. The seed's figure: nine training digits, normalised as the seed's loader gives them.
  std::vector<Tensor> digits;
  std::vector<std::string> titles;
  for (int i = 0; i < 9; ++i) {
    const data::Example e = train.get(i);
    digits.push_back(normalised(e.image));
    titles.push_back("Ground Truth: " + std::to_string(e.target));
  }
  keep(viz::sample_grid(digits, titles), "sample_grid");

  // 2. Curves.
  for (int epochs : {1, 3, 20, 100}) keep(viz::training_curves(history(epochs)), "training_curves_" + std::to_string(epochs));

  // 3-6 from the PyTorch-trained CNN.
  models::CNNNet model;
  model.load_state_dict(io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/pytorch_cnn_net.safetensors"), true);
  model.eval();
  const auto parameters = model.named_parameters();
  auto parameter = [&](const std::string& name) {
    for (const auto& [key, value] : parameters)
      if (key == name) return value;
    ADD_FAILURE() << "no parameter " << name;
    return Tensor();
  };
  keep(viz::kernel_grid(parameter("conv1.0.weight"), "conv1.0.weight: 16 kernels 3x3"), "kernel_grid_conv1");
  keep(viz::kernel_grid(parameter("conv2.0.weight"), "conv2.0.weight: 32 \u00d7 16 kernels 3x3"), "kernel_grid_conv2");

  {
    NoGradGuard no_grad;
    const Tensor digit = normalised(test.get(0).image);
    const Tensor after_conv1 = (*model.conv1)(digit.view({1, 1, 28, 28}));
    const Tensor after_conv2 = (*model.conv2)(after_conv1);
    keep(viz::feature_maps(digit, {{"conv1", after_conv1}, {"conv2", after_conv2}}), "feature_maps");
  }

  const Evaluation evaluation = evaluate(model, test);
  keep(viz::confusion_matrix(evaluation.counts, test.classes()), "confusion_matrix_digits");
  data::FashionMNIST fashion(kFashionRoot, /*train=*/false);
  keep(viz::confusion_matrix(fashion_counts(), fashion.classes()), "confusion_matrix_fashion");
  ASSERT_FALSE(evaluation.mistakes.empty());
  keep(viz::mistakes(evaluation.mistakes, test.classes()), "mistakes_digits");

  // Fashion images with made-up predictions: the longest class names in the titles.
  std::vector<viz::Mistake> fashion_mistakes;
  for (int i = 0; i < 16; ++i) {
    const data::Example e = fashion.get(i);
    fashion_mistakes.push_back({e.image, e.target, (e.target + 3 + i % 5) % 10, 0.99 - 0.013 * i});
  }
  keep(viz::mistakes(fashion_mistakes, fashion.classes()), "mistakes_fashion");
}
