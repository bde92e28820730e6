#include "fovea/inference/classifier.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fovea/autograd.hpp"
#include "fovea/data/augment.hpp"
#include "fovea/data/digit.hpp"
#include "fovea/error.hpp"
#include "fovea/io/image.hpp"
#include "fovea/ops.hpp"

namespace fovea::inference {

namespace {

// The seed's transform after ToTensor: Normalize(mean 0.5, std 0.5) maps [0, 1] to [-1, 1].
constexpr float kMean = 0.5f, kStd = 0.5f;

Prediction from_logits(const float* row, int64_t classes) {
  Prediction p;
  const float top = *std::max_element(row, row + classes);
  double sum = 0.0;
  p.probabilities.resize(static_cast<size_t>(classes));
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(double(row[c]) - top);
  for (int64_t c = 0; c < classes; ++c) p.probabilities[c] = static_cast<float>(std::exp(double(row[c]) - top) / sum);
  p.label = std::max_element(p.probabilities.begin(), p.probabilities.end()) - p.probabilities.begin();
  p.probability = p.probabilities[p.label];
  return p;
}

}  // namespace

std::vector<std::pair<int64_t, float>> Prediction::top(int64_t k) const {
  std::vector<int64_t> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return probabilities[a] > probabilities[b]; });
  std::vector<std::pair<int64_t, float>> out;
  for (int64_t i = 0; i < std::min<int64_t>(k, int64_t(order.size())); ++i)
    out.emplace_back(order[i], probabilities[order[i]]);
  return out;
}

Classifier::Classifier(const std::string& model_path) : Classifier(load_model(model_path)) {}

Classifier::Classifier(LoadedModel loaded) : Classifier(std::move(loaded.model)) {
  classes_ = std::move(loaded.classes);
  input_ = loaded.input;
}

Classifier::Classifier(nn::ModulePtr model) : model_(std::move(model)) {
  if (!model_) throw ValueError("Classifier: no model given");
  model_->eval();
}

Tensor Classifier::logits(const Tensor& images) {
  if (images.dim() != 4 || images.size(1) != 1 || images.size(2) != 28 || images.size(3) != 28)
    throw ShapeError("Classifier: expected N x 1 x 28 x 28 images, got " + to_string(images.shape()));
  NoGradGuard no_grad;
  model_->eval();
  return (*model_)(normalize(images));
}

Tensor Classifier::normalize(const Tensor& images) {
  Tensor normalized = Tensor::empty(images.shape());
  const float* in = images.data();
  float* out = normalized.data();
  for (int64_t i = 0; i < images.numel(); ++i) out[i] = (in[i] - kMean) / kStd;
  return normalized;
}

std::vector<Prediction> Classifier::classify_batch(const Tensor& images) {
  Tensor scores = logits(images);
  const int64_t classes = scores.size(1);
  std::vector<Prediction> out;
  for (int64_t i = 0; i < scores.size(0); ++i) out.push_back(from_logits(scores.data() + i * classes, classes));
  return out;
}

Prediction Classifier::classify(const Tensor& image) {
  if (!((image.dim() == 2 && image.size(0) == 28 && image.size(1) == 28) ||
        (image.dim() == 3 && image.size(0) == 1 && image.size(1) == 28 && image.size(2) == 28)))
    throw ShapeError("Classifier::classify: expected a 28 x 28 or 1 x 28 x 28 image, got " + to_string(image.shape()) +
                     " (classify_file prepares an image of any size)");
  return classify_batch(image.reshape({1, 1, 28, 28})).front();
}

Tensor Classifier::prepare_file(const std::string& path) const {
  try {
    if (input_ == InputKind::Resized) {
      Tensor picture = io::read_image(path, io::ColorMode::Gray, {.min_side = 1});  // as ImageFolder reads it
      if (picture.dim() == 2) picture = picture.unsqueeze(0);
      return data::transforms::resize(picture, 28, 28);
    }
    return data::prepare_digit(io::read_image_gray(path)).reshape({1, 28, 28});
  } catch (const IOError&) {
    throw;
  } catch (const Error& e) {
    throw ValueError(path + ": " + e.what());
  }
}

Prediction Classifier::classify_file(const std::string& path) { return classify(prepare_file(path)); }

}  // namespace fovea::inference
