#include "fovea/train/evaluation.hpp"

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"

namespace fovea::train {

int64_t Evaluation::total(int64_t true_class) const {
  int64_t n = 0;
  for (int64_t count : confusion.at(true_class)) n += count;
  return n;
}

double Evaluation::accuracy(int64_t true_class) const {
  const int64_t n = total(true_class);
  return n == 0 ? 0.0 : static_cast<double>(confusion[true_class][true_class]) / n;
}

Evaluation evaluate_in_detail(nn::Module& model, data::DataLoader& loader, bool keep_logits) {
  model.eval();
  NoGradGuard no_grad;
  MetricsAccumulator metrics;
  Evaluation out;
  for (data::Batch& batch : loader) {
    Tensor logits = model(batch.images);
    metrics.add(cross_entropy(logits, batch.targets).item(), logits, batch.targets);
    const int64_t classes = logits.size(1);
    if (out.confusion.empty()) out.confusion.assign(classes, std::vector<int64_t>(classes, 0));
    const std::vector<int64_t> predicted = logits.argmax(1).to_vector<int64_t>();
    const std::vector<int64_t> truth = batch.target_list();
    for (size_t i = 0; i < predicted.size(); ++i) {
      if (truth[i] < 0 || truth[i] >= classes)
        throw ValueError("evaluate: target " + std::to_string(truth[i]) + " outside the model's " +
                         std::to_string(classes) + " classes");
      ++out.confusion[truth[i]][predicted[i]];
    }
    if (keep_logits) out.logits.insert(out.logits.end(), logits.data(), logits.data() + logits.numel());
  }
  out.metrics = metrics.result();
  return out;
}

}  // namespace fovea::train
