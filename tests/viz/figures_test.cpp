// The six figures: sizes a person looks at on a screen, and pixels that follow the data (no
// golden images: a change of font rendering must not fail these). look_test.cpp draws them from
// real data for a person to look at.
#include "fovea/viz/figures.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "fovea/random.hpp"
#include "pictures.hpp"

using namespace fovea;
using fovea::testing::differing_pixels;
using fovea::testing::inked_pixels;

namespace {

// A 28 x 28 "digit": a bright bar at column `column`, on 0..255 like raw MNIST.
Tensor bar_image(int column, const Shape& shape = {1, 28, 28}) {
  Tensor image = zeros(shape);
  for (int y = 4; y < 24; ++y) image.data()[y * 28 + column] = 255;
  return image;
}

std::vector<Tensor> nine_images() {
  std::vector<Tensor> images;
  for (int i = 0; i < 9; ++i) images.push_back(bar_image(4 + 2 * i));
  return images;
}

std::vector<std::string> nine_titles() {
  std::vector<std::string> titles;
  for (int i = 0; i < 9; ++i) titles.push_back("Ground Truth: " + std::to_string(i));
  return titles;
}

std::vector<viz::EpochPoint> history(int epochs, double shift = 0) {
  std::vector<viz::EpochPoint> h;
  for (int e = 1; e <= epochs; ++e)
    h.push_back({e, 0.5 / e + shift, 0.9 + 0.08 * (1 - 1.0 / e), 0.45 / e + shift, 0.91 + 0.07 * (1 - 1.0 / e)});
  return h;
}

std::vector<std::vector<int64_t>> diagonal_counts(int n, int64_t diagonal, int64_t off) {
  std::vector<std::vector<int64_t>> counts(n, std::vector<int64_t>(n, off));
  for (int i = 0; i < n; ++i) counts[i][i] = diagonal + 10 * i;
  return counts;
}

const std::vector<std::string> kDigits = {"0 - zero", "1 - one", "2 - two",   "3 - three", "4 - four",
                                          "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"};
const std::vector<std::string> kFashion = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

Tensor scaled(const Tensor& t, float factor, float offset = 0) {
  Tensor out = t.clone();
  for (int64_t i = 0; i < out.numel(); ++i) out.data()[i] = out.data()[i] * factor + offset;
  return out;
}

}  // namespace

// ---- sample_grid ----

TEST(VizSampleGrid, NineDigitsMakeAFigureTheSizeOfMatplotlibs) {
  const viz::Picture p = viz::sample_grid(nine_images(), nine_titles());
  EXPECT_GE(p.width(), 500);
  EXPECT_LE(p.width(), 700);
  EXPECT_GE(p.height(), 500);
  EXPECT_LE(p.height(), 800);
}

TEST(VizSampleGrid, ADifferentImageChangesThePicture) {
  std::vector<Tensor> images = nine_images();
  const viz::Picture before = viz::sample_grid(images, nine_titles());
  images[4] = bar_image(20);
  EXPECT_GT(differing_pixels(before, viz::sample_grid(images, nine_titles())), 100);
}

TEST(VizSampleGrid, ADifferentTitleChangesThePicture) {
  std::vector<std::string> titles = nine_titles();
  const viz::Picture before = viz::sample_grid(nine_images(), titles);
  titles[0] = "Ground Truth: 7";
  EXPECT_GT(differing_pixels(before, viz::sample_grid(nine_images(), titles)), 0);
}

TEST(VizSampleGrid, EachImageIsShownFromItsMinimumToItsMaximum) {
  // As imshow(cmap='gray'): raw 0..255 and Normalize(0.5, 0.5)'s -1..1 look the same.
  std::vector<Tensor> raw = nine_images(), normalised;
  for (const Tensor& image : raw) normalised.push_back(scaled(image, 2.0f / 255, -1));
  EXPECT_EQ(differing_pixels(viz::sample_grid(raw, nine_titles()), viz::sample_grid(normalised, nine_titles())), 0);
}

TEST(VizSampleGrid, ColumnsShapeTheGridAndHxWImagesWork) {
  std::vector<Tensor> flat;
  for (int i = 0; i < 9; ++i) flat.push_back(bar_image(i + 3, {28, 28}));
  const viz::Picture row = viz::sample_grid(flat, nine_titles(), 9);
  const viz::Picture square = viz::sample_grid(flat, nine_titles(), 3);
  EXPECT_GT(row.width(), 2 * square.width());
  EXPECT_LT(row.height(), square.height() / 2);
}

TEST(VizSampleGrid, FewerImagesThanColumnsUseOnlyTheirColumns) {
  const viz::Picture one = viz::sample_grid({bar_image(10)}, {"Ground Truth: 1"}, 3);
  EXPECT_LT(one.width(), 300);
}

// ---- training_curves ----

TEST(VizTrainingCurves, OneThreeAndAHundredEpochsDrawAtTheSameScreenSize) {
  const viz::Picture one = viz::training_curves(history(1));
  const viz::Picture hundred = viz::training_curves(history(100));
  EXPECT_EQ(one.width(), hundred.width());
  EXPECT_EQ(one.height(), hundred.height());
  EXPECT_GE(one.width(), 700);
  EXPECT_LE(one.width(), 1100);
  EXPECT_GE(one.height(), 300);
  EXPECT_LE(one.height(), 500);
  EXPECT_EQ(viz::training_curves(history(3)).width(), one.width());
}

TEST(VizTrainingCurves, DifferentLossesChangeThePicture) {
  EXPECT_GT(differing_pixels(viz::training_curves(history(20)), viz::training_curves(history(20, 0.2))), 100);
}

TEST(VizTrainingCurves, ASingleEpochShowsItsPoints) {
  // One epoch has no line to draw: its dots must be there, so removing the test point changes pixels.
  std::vector<viz::EpochPoint> one = history(1), apart = history(1);
  apart[0].test_loss = apart[0].train_loss * 0.5;
  apart[0].test_accuracy = apart[0].train_accuracy * 0.5;
  EXPECT_GT(differing_pixels(viz::training_curves(one), viz::training_curves(apart)), 40);
}

// ---- confusion_matrix ----

TEST(VizConfusionMatrix, TenClassesFitOnAScreen) {
  for (const auto& names : {kDigits, kFashion}) {
    const viz::Picture p = viz::confusion_matrix(diagonal_counts(10, 1000, 3), names);
    EXPECT_GE(p.width(), 500);
    EXPECT_LE(p.width(), 1000);
    EXPECT_GE(p.height(), 500);
    EXPECT_LE(p.height(), 1000);
  }
}

TEST(VizConfusionMatrix, DifferentCountsChangeThePicture) {
  auto counts = diagonal_counts(10, 1000, 3);
  const viz::Picture before = viz::confusion_matrix(counts, kDigits);
  counts[3][5] = 400;
  EXPECT_GT(differing_pixels(before, viz::confusion_matrix(counts, kDigits)), 100);
}

TEST(VizConfusionMatrix, ClassNamesAreDrawn) {
  EXPECT_GT(differing_pixels(viz::confusion_matrix(diagonal_counts(3, 50, 1), {"a", "b", "c"}),
                             viz::confusion_matrix(diagonal_counts(3, 50, 1), {"a", "b", "d"})),
            0);
}

TEST(VizConfusionMatrix, AllZeroCountsStillDraw) {
  EXPECT_GT(inked_pixels(viz::confusion_matrix(diagonal_counts(2, 0, 0), {"a", "b"})), 0);
}

// ---- kernel_grid ----

TEST(VizKernelGrid, SixteenKernelsOfTheFirstLayer) {
  manual_seed(1);
  const viz::Picture p = viz::kernel_grid(randn({16, 1, 3, 3}), "conv1.0.weight: 16 kernels 3x3");
  EXPECT_GE(p.width(), 300);
  EXPECT_LE(p.width(), 900);
  EXPECT_GE(p.height(), 150);
  EXPECT_LE(p.height(), 600);
}

TEST(VizKernelGrid, DifferentWeightsChangeThePicture) {
  manual_seed(2);
  const Tensor weight = randn({16, 1, 3, 3});
  const viz::Picture before = viz::kernel_grid(weight, "conv1");
  EXPECT_GT(differing_pixels(before, viz::kernel_grid(randn({16, 1, 3, 3}), "conv1")), 500);
  // The scale is symmetric about 0, so a sign flip shows (a min..max scale would only invert it too,
  // but also the colour bar's labels change sides).
  EXPECT_GT(differing_pixels(before, viz::kernel_grid(scaled(weight, -1), "conv1")), 500);
}

TEST(VizKernelGrid, ScalingAllWeightsChangesOnlyTheColourBarLabels) {
  // One shared scale from -max|w| to +max|w|: doubling every weight leaves every grey level alone.
  // Weights in [-2, 2] and [-4, 4] give labels of the same widths (-2 -1 0 1 2, -4 -2 0 2 4), so
  // the pictures line up and differ only in the digits of those labels.
  manual_seed(3);
  Tensor weight = rand({8, 1, 3, 3}, -2, 2);
  weight.data()[5] = 2;
  const viz::Picture once = viz::kernel_grid(weight, "w"), twice = viz::kernel_grid(scaled(weight, 2), "w");
  const int64_t differing = differing_pixels(once, twice);
  EXPECT_GT(differing, 0);
  EXPECT_LT(differing, 400) << "only the colour bar's label text may differ";
}

TEST(VizKernelGrid, ManyInputChannelsMakeAMatrixThatFitsTheScreen) {
  manual_seed(4);
  const viz::Picture p = viz::kernel_grid(randn({32, 16, 3, 3}), "conv2.0.weight: 32 x 16 kernels 3x3");
  EXPECT_LE(p.width(), 1200);
  EXPECT_LE(p.height(), 1100);
  EXPECT_GE(p.height(), 600);
}

// ---- feature_maps ----

TEST(VizFeatureMaps, TwoStagesOfTheSeedsCnn) {
  manual_seed(5);
  const viz::Picture p = viz::feature_maps(bar_image(10), {{"conv1", rand({16, 14, 14})}, {"conv2", rand({1, 32, 7, 7})}});
  EXPECT_GE(p.width(), 600);
  EXPECT_LE(p.width(), 1100);
  EXPECT_GE(p.height(), 300);
  EXPECT_LE(p.height(), 800);
}

TEST(VizFeatureMaps, DifferentMapsOrImagesChangeThePicture) {
  manual_seed(6);
  const Tensor maps = rand({16, 14, 14});
  const viz::Picture before = viz::feature_maps(bar_image(10), {{"conv1", maps}});
  EXPECT_GT(differing_pixels(before, viz::feature_maps(bar_image(10), {{"conv1", rand({16, 14, 14})}})), 1000);
  EXPECT_GT(differing_pixels(before, viz::feature_maps(bar_image(20), {{"conv1", maps}})), 100);
}

// ---- mistakes ----

TEST(VizMistakes, SixteenMistakesWithLongNamesFitOnAScreen) {
  std::vector<viz::Mistake> list;
  for (int i = 0; i < 16; ++i) list.push_back({bar_image(4 + i), i % 10, (i + 6) % 10, 0.99 - 0.01 * i});
  for (const auto& names : {kDigits, kFashion}) {
    const viz::Picture p = viz::mistakes(list, names);
    EXPECT_GE(p.width(), 400);
    EXPECT_LE(p.width(), 1000);
    EXPECT_LE(p.height(), 1000);
  }
}

TEST(VizMistakes, TheProbabilityAndClassesAreDrawn) {
  const std::vector<std::string> names = {"4", "9"};
  const viz::Picture p = viz::mistakes({{bar_image(10), 0, 1, 0.98}}, names);
  EXPECT_GT(differing_pixels(p, viz::mistakes({{bar_image(10), 0, 1, 0.51}}, names)), 0);
  EXPECT_GT(differing_pixels(p, viz::mistakes({{bar_image(10), 1, 0, 0.98}}, names)), 0);
  EXPECT_GT(differing_pixels(p, viz::mistakes({{bar_image(12), 0, 1, 0.98}}, names)), 0);
}
