#pragma once
// A trained model's full report on a dataset: loss, accuracy, per-class accuracy and the confusion
// matrix, optionally the logits themselves (for comparing against another runtime). Runs in eval
// mode without gradients; its loss and accuracy are train::evaluate's, to the last bit, for the
// same batch size.
#include <cstdint>
#include <vector>

#include "fovea/data/dataloader.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/train/trainer.hpp"

namespace fovea::train {

struct Evaluation {
  Metrics metrics;
  // confusion[true class][predicted class]: how many examples.
  std::vector<std::vector<int64_t>> confusion;
  // samples x classes, in the loader's order; empty unless asked for.
  std::vector<float> logits;

  int64_t classes() const { return static_cast<int64_t>(confusion.size()); }
  int64_t total(int64_t true_class) const;    // examples of this class
  double accuracy(int64_t true_class) const;  // 0 when the class has no examples
};

Evaluation evaluate_in_detail(nn::Module& model, data::DataLoader& loader, bool keep_logits = false);

}  // namespace fovea::train
