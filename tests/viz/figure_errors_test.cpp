// Bad input to the figures: one ValueError line that names the figure and says what was expected.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fovea/viz/figures.hpp"
#include "pictures.hpp"

using namespace fovea;

namespace {

// Expects a ValueError of one line starting "fovea::viz::<figure>: " and containing `expected`.
void expect_refused(const std::function<void()>& draw, const std::string& figure, const std::string& expected) {
  EXPECT_THROW(draw(), ValueError);
  const std::string message = fovea::testing::error_message(draw);
  EXPECT_EQ(message.rfind("fovea::viz::" + figure + ": ", 0), 0u) << message;
  EXPECT_NE(message.find(expected), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

Tensor image() { return zeros({28, 28}); }

Tensor with_nan(const Shape& shape) {
  Tensor t = zeros(shape);
  t.data()[t.numel() / 2] = std::numeric_limits<float>::quiet_NaN();
  return t;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST(VizErrors, SampleGrid) {
  expect_refused([] { viz::sample_grid({}, {}); }, "sample_grid", "at least one");
  expect_refused([] { viz::sample_grid({image()}, {"a", "b"}); }, "sample_grid", "one title per image");
  expect_refused([] { viz::sample_grid({image()}, {"a"}, 0); }, "sample_grid", "columns >= 1");
  expect_refused([] { viz::sample_grid({zeros({3, 28, 28})}, {"a"}); }, "sample_grid", "[3, 28, 28]");
  expect_refused([] { viz::sample_grid({zeros({28})}, {"a"}); }, "sample_grid", "H x W or 1 x H x W");
  expect_refused([] { viz::sample_grid({Tensor()}, {"a"}); }, "sample_grid", "undefined");
  expect_refused([] { viz::sample_grid({zeros({0, 28})}, {"a"}); }, "sample_grid", "to have pixels");
  expect_refused([] { viz::sample_grid({image(), with_nan({28, 28})}, {"a", "b"}); }, "sample_grid", "finite values in image 1");
}

TEST(VizErrors, TrainingCurves) {
  expect_refused([] { viz::training_curves({}); }, "training_curves", "at least one");
  expect_refused([] { viz::training_curves({{1, kNaN, 0.5, 1, 0.5}}); }, "training_curves", "train_loss of history[0]");
  expect_refused([] { viz::training_curves({{1, 1, 0.5, 1, INFINITY}}); }, "training_curves", "test_accuracy");
  expect_refused([] { viz::training_curves({{2, 1, 0.5, 1, 0.5}, {2, 1, 0.5, 1, 0.5}}); }, "training_curves",
                 "increasing order");
}

TEST(VizErrors, ConfusionMatrix) {
  expect_refused([] { viz::confusion_matrix({}, {}); }, "confusion_matrix", "at least one");
  expect_refused([] { viz::confusion_matrix({{1, 2}, {3}}, {"a", "b"}); }, "confusion_matrix", "square");
  expect_refused([] { viz::confusion_matrix({{1, 2, 3}, {3, 4, 5}}, {"a", "b"}); }, "confusion_matrix", "square");
  expect_refused([] { viz::confusion_matrix({{1, -2}, {3, 4}}, {"a", "b"}); }, "confusion_matrix", "counts >= 0");
  expect_refused([] { viz::confusion_matrix({{1, 2}, {3, 4}}, {"a"}); }, "confusion_matrix", "one class name per row");
}

TEST(VizErrors, KernelGrid) {
  expect_refused([] { viz::kernel_grid(zeros({16, 3, 3}), "w"); }, "kernel_grid", "out x in x kh x kw");
  expect_refused([] { viz::kernel_grid(Tensor(), "w"); }, "kernel_grid", "undefined");
  expect_refused([] { viz::kernel_grid(zeros({0, 1, 3, 3}), "w"); }, "kernel_grid", "with elements");
  expect_refused([] { viz::kernel_grid(with_nan({4, 1, 3, 3}), "w"); }, "kernel_grid", "finite");
  // Far too many kernels for one picture: refused, not drawn on a 100000-pixel canvas.
  expect_refused([] { viz::kernel_grid(zeros({16384, 1, 3, 3}), "w"); }, "kernel_grid", "pixels high");
}

TEST(VizErrors, FeatureMaps) {
  expect_refused([] { viz::feature_maps(image(), {}); }, "feature_maps", "at least one");
  expect_refused([] { viz::feature_maps(zeros({2, 28, 28}), {{"conv1", zeros({16, 14, 14})}}); }, "feature_maps",
                 "image as an H x W");
  expect_refused([] { viz::feature_maps(image(), {{"conv1", zeros({16, 14})}}); }, "feature_maps",
                 "stage 0 ('conv1') as a C x H x W");
  expect_refused([] { viz::feature_maps(image(), {{"conv1", zeros({2, 16, 14, 14})}}); }, "feature_maps", "C x H x W");
  expect_refused([] { viz::feature_maps(image(), {{"a", zeros({1, 4, 4})}, {"b", with_nan({8, 7, 7})}}); }, "feature_maps",
                 "finite values in stage 1 ('b')");
}

TEST(VizErrors, Mistakes) {
  const std::vector<std::string> names = {"a", "b"};
  expect_refused([&] { viz::mistakes({}, names); }, "mistakes", "at least one");
  expect_refused([&] { viz::mistakes({{image(), 0, 1, 0.9}}, {}); }, "mistakes", "class_names");
  expect_refused([&] { viz::mistakes({{image(), 2, 1, 0.9}}, names); }, "mistakes", "true_class in 0..1");
  expect_refused([&] { viz::mistakes({{image(), 0, -1, 0.9}}, names); }, "mistakes", "predicted_class");
  expect_refused([&] { viz::mistakes({{image(), 0, 1, 1.5}}, names); }, "mistakes", "probability in [0, 1]");
  expect_refused([&] { viz::mistakes({{image(), 0, 1, kNaN}}, names); }, "mistakes", "probability");
  expect_refused([&] { viz::mistakes({{zeros({1, 1, 28, 28}), 0, 1, 0.9}}, names); }, "mistakes", "mistake 0");
}
