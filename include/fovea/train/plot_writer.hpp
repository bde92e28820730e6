#pragma once
// --plots DIR: the pictures of a run (viz/), written into one folder and redrawn after each
// epoch, so a person can keep them open and watch the network learn:
//   samples.png       the seed's figure: the first 9 training images, "Ground Truth: 5"
//   curves.png        train and test loss and accuracy per epoch
//   confusion.png     the test split's confusion matrix with the class names
//   kernels.png       every kernel of the first convolution, one grey scale
//   feature_maps.png  the first test image and what each convolution stage makes of it
//   mistakes.png      the most confidently misclassified test images
// The confusion matrix and the mistakes come from the epoch's own evaluation (on_eval_batch), not
// from a second pass over the test split. Every file is replaced atomically: a viewer never sees
// half a PNG.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fovea/data/dataset.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/train/callback.hpp"
#include "fovea/viz/figures.hpp"
#include "fovea/viz/picture.hpp"

namespace fovea::train {

namespace detail {
class DispensableOutput;
}

// The seed's figure for a dataset: its first `count` examples titled "Ground Truth: <class name>".
viz::Picture sample_picture(const data::Dataset& dataset, const std::vector<std::string>& class_names, int count = 9);

class PlotWriter : public Callback {
 public:
  // Creates `folder` (and its parents) and draws samples.png at once, so that a folder that
  // cannot be made or written fails here, before training (IOError naming the folder). `history`:
  // the epochs a resumed run did before, for curves.png. Later failures (a full disk) are reported
  // once on stderr and the pictures stop; training goes on.
  PlotWriter(std::string folder, nn::Module& model, const data::Dataset& train_set, const data::Dataset& test_set,
             std::vector<std::string> class_names, std::vector<EpochReport> history = {}, int max_mistakes = 16);
  ~PlotWriter() override;

  void on_eval_begin(int64_t epoch, int64_t batches) override;
  void on_eval_batch(const EvalBatch& batch) override;
  void on_epoch_end(const EpochReport& report) override;

  const std::string& folder() const { return folder_; }

 private:
  void save(const viz::Picture& picture, const std::string& name) const;

  std::string folder_;
  nn::Module& model_;
  const data::Dataset& test_set_;
  std::vector<std::string> class_names_;
  std::vector<viz::EpochPoint> history_;
  size_t max_mistakes_;
  std::vector<std::vector<int64_t>> confusion_;
  std::vector<viz::Mistake> mistakes_;  // the most confident so far, most confident first
  std::unique_ptr<detail::DispensableOutput> output_;
};

}  // namespace fovea::train
