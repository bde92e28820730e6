// --plots' callback (train/plot_writer.hpp) driven by hand: samples.png at construction, the five
// others after an epoch; the confusion matrix and the most confident mistakes tallied from the
// evaluation's own logits; and a folder that disappears mid-run, which is one warning, after which
// the run goes on and nothing more is tried.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/random.hpp"
#include "fovea/train/plot_writer.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

// Ten random 1 x 28 x 28 images, image i of class i.
class TenImages : public data::Dataset {
 public:
  TenImages() {
    for (int i = 0; i < 10; ++i) images_.push_back(randn({1, 28, 28}));
  }
  int64_t size() const override { return 10; }
  data::Example get(int64_t i) const override { return {images_[static_cast<size_t>(i)], i}; }

 private:
  std::vector<Tensor> images_;
};

std::vector<std::string> digit_names() {
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back(std::to_string(i));
  return names;
}

// One evaluation batch of the ten images: image i predicted as `predicted[i]` with logit `confidence[i]`.
void evaluate(train::PlotWriter& plots, const TenImages& set, const std::vector<int64_t>& predicted,
              const std::vector<float>& confidence) {
  data::Batch batch;
  batch.images = Tensor::empty({10, 1, 28, 28});
  for (int64_t i = 0; i < 10; ++i) {
    const Tensor image = set.get(i).image;
    std::copy_n(image.data(), 28 * 28, batch.images.data() + i * 28 * 28);
  }
  batch.targets = arange(10);
  Tensor logits = zeros({10, 10});
  for (int64_t i = 0; i < 10; ++i) logits.data()[i * 10 + predicted[static_cast<size_t>(i)]] = confidence[static_cast<size_t>(i)];
  train::MetricsAccumulator running;
  plots.on_eval_begin(0, 1);
  plots.on_eval_batch({0, 1, 1, batch, logits, running});
}

}  // namespace

TEST(PlotWriter, DrawsSamplesAtOnceAndTheRestAfterEachEpoch) {
  manual_seed(4);
  fovea::testing::TempDir dir;
  models::CNNNet model;
  TenImages set;
  const std::string folder = dir / "plots/run";
  train::PlotWriter plots(folder, model, set, set, digit_names(), {}, /*max_mistakes=*/3);
  EXPECT_TRUE(fs::exists(folder + "/samples.png"));
  EXPECT_FALSE(fs::exists(folder + "/curves.png"));
  // Images 0..5 right; 6, 7, 8, 9 wrong with rising confidence: the three most confident are kept.
  evaluate(plots, set, {0, 1, 2, 3, 4, 5, 0, 0, 0, 0}, {9, 9, 9, 9, 9, 9, 1, 2, 3, 4});
  plots.on_epoch_end({0, {0.5, 0.6, 10}, {0.4, 0.6, 10}, 1.0, 1, 0.8, 0.2, 10});
  for (const std::string name : {"curves", "confusion", "kernels", "feature_maps", "mistakes"})
    EXPECT_TRUE(fs::exists(folder + "/" + name + ".png")) << name;
  const auto mistakes_before = fs::file_size(folder + "/mistakes.png");
  // A second epoch with other mistakes redraws the picture.
  evaluate(plots, set, {1, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {5, 9, 9, 9, 9, 9, 9, 9, 9, 9});
  plots.on_epoch_end({1, {0.3, 0.8, 10}, {0.3, 0.9, 10}, 2.0, 2, 0.8, 0.2});
  EXPECT_NE(fs::file_size(folder + "/mistakes.png"), mistakes_before);
}

TEST(PlotWriter, AFolderThatCannotBeMadeIsRefusedBeforeTraining) {
  fovea::testing::TempDir dir;
  std::ofstream(dir / "file") << "x";
  models::CNNNet model;
  TenImages set;
  try {
    train::PlotWriter plots(dir / "file/plots", model, set, set, digit_names());
    FAIL() << "no error";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "file/plots"), std::string::npos) << e.what();
  }
}

TEST(PlotWriter, AFolderLostMidRunIsOneWarningAndTheRunGoesOn) {
  fovea::testing::TempDir dir;
  models::CNNNet model;
  TenImages set;
  const std::string folder = dir / "plots";
  train::PlotWriter plots(folder, model, set, set, digit_names());
  fs::remove_all(folder);
  std::ofstream(folder) << "in the way";  // writing into it now fails as a full disk would
  ::testing::internal::CaptureStderr();
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    evaluate(plots, set, {0, 1, 2, 3, 4, 5, 6, 7, 8, 0}, {9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
    plots.on_epoch_end({epoch, {0.5, 0.6, 10}, {0.4, 0.6, 10}, 1.0, 1, 0.8, 0.2});
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.rfind("fovea: warning: stopped writing the pictures in " + folder + ": ", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(PlotWriter, NanWeightsSkipTheirPicturesAloneWithOneWarningEach) {
  fovea::testing::TempDir dir;
  models::CNNNet model;
  TenImages set;
  const std::string folder = dir / "plots";
  train::PlotWriter plots(folder, model, set, set, digit_names());
  Tensor w = model.conv1->named_parameters()[0].second;  // a handle on the weight's storage
  w.data()[0] = NAN;  // a run that diverged
  ::testing::internal::CaptureStderr();
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    evaluate(plots, set, {0, 1, 2, 3, 4, 5, 6, 7, 8, 0}, {9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
    const double loss = epoch == 0 ? 0.5 : NAN;
    plots.on_epoch_end({epoch, {loss, 0.6, 10}, {loss, 0.6, 10}, 1.0, 1, 0.8, 0.2, 10});
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  // The curves (the finite epoch), the confusion matrix and the mistakes are still drawn.
  for (const std::string name : {"curves", "confusion", "mistakes"}) EXPECT_TRUE(fs::exists(folder + "/" + name + ".png")) << name;
  EXPECT_FALSE(fs::exists(folder + "/kernels.png"));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1 + (fs::exists(folder + "/feature_maps.png") ? 0 : 1)) << err;
  EXPECT_NE(err.find("skipped kernels.png"), std::string::npos) << err;
}
