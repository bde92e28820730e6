#include "fovea/train/plot_writer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "dispensable_output.hpp"
#include "fovea/error.hpp"
#include "fovea/viz/model_pictures.hpp"

namespace fovea::train {
namespace {

viz::EpochPoint point(const EpochReport& r) {
  return {r.epoch, r.train.loss, r.train.accuracy, r.test.loss, r.test.accuracy};
}

std::string class_name(const std::vector<std::string>& names, int64_t index) {
  return index >= 0 && index < static_cast<int64_t>(names.size()) ? names[static_cast<size_t>(index)] : std::to_string(index);
}

// The seed titles its samples with the label itself ("Ground Truth: 5"): for torchvision's MNIST
// names ("5 - five") that is the part before " - "; other names (Fashion-MNIST's) are shown whole.
std::string label_text(const std::vector<std::string>& names, int64_t index) {
  const std::string name = class_name(names, index);
  const std::string digits = std::to_string(index) + " - ";
  return name.rfind(digits, 0) == 0 ? std::to_string(index) : name;
}

}  // namespace

viz::Picture sample_picture(const data::Dataset& dataset, const std::vector<std::string>& class_names, int count) {
  std::vector<Tensor> images;
  std::vector<std::string> titles;
  for (int64_t i = 0; i < std::min<int64_t>(count, dataset.size()); ++i) {
    data::Example e = dataset.get(i);
    images.push_back(e.image);
    titles.push_back("Ground Truth: " + label_text(class_names, e.target));
  }
  return viz::sample_grid(images, titles);
}

PlotWriter::PlotWriter(std::string folder, nn::Module& model, const data::Dataset& train_set,
                       const data::Dataset& test_set, std::vector<std::string> class_names,
                       std::vector<EpochReport> history, int max_mistakes)
    : folder_(std::move(folder)),
      model_(model),
      test_set_(test_set),
      class_names_(std::move(class_names)),
      max_mistakes_(static_cast<size_t>(std::max(max_mistakes, 1))),
      output_(std::make_unique<detail::DispensableOutput>("pictures in " + folder_)) {
  for (const EpochReport& r : history) history_.push_back(point(r));
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec || !std::filesystem::is_directory(folder_))
    throw IOError(folder_ + ": cannot create the folder for the pictures (" +
                  (ec ? ec.message() : std::string("a file of that name is in the way")) + ")");
  // The first picture, written now: a folder that cannot be written fails before training.
  if (train_set.size() > 0)
    sample_picture(train_set, class_names_).save_png((std::filesystem::path(folder_) / "samples.png").string());
}

PlotWriter::~PlotWriter() = default;

void PlotWriter::save(const viz::Picture& picture, const std::string& name) const {
  picture.save_png((std::filesystem::path(folder_) / name).string());
}

void PlotWriter::on_eval_begin(int64_t, int64_t) {
  confusion_.assign(class_names_.size(), std::vector<int64_t>(class_names_.size(), 0));
  mistakes_.clear();
}

void PlotWriter::on_eval_batch(const EvalBatch& b) {
  if (output_->off()) return;
  const int64_t classes = b.logits.dim() == 2 ? b.logits.size(1) : 0;
  // A model of another width, or batches that are not images: nothing to tally.
  if (classes != static_cast<int64_t>(class_names_.size()) || b.batch.images.dim() != 4) return;
  const float* logits = b.logits.data();
  const Tensor& images = b.batch.images;
  const int64_t per_image = images.numel() / std::max<int64_t>(b.batch.size(), 1);
  const std::vector<int64_t> targets = b.batch.target_list();
  for (int64_t i = 0; i < b.batch.size(); ++i) {
    const float* row = logits + i * classes;
    const int64_t predicted = std::max_element(row, row + classes) - row;
    const int64_t truth = targets[static_cast<size_t>(i)];
    if (truth >= 0 && truth < classes) ++confusion_[static_cast<size_t>(truth)][static_cast<size_t>(predicted)];
    if (predicted == truth) continue;
    // softmax(row)[predicted] = 1 / sum_j exp(row_j - row_predicted): no overflow.
    double denominator = 0.0;
    for (int64_t j = 0; j < classes; ++j) denominator += std::exp(static_cast<double>(row[j]) - row[predicted]);
    const double probability = 1.0 / denominator;
    if (mistakes_.size() == max_mistakes_ && probability <= mistakes_.back().probability) continue;
    Tensor image = Tensor::empty({images.size(2), images.size(3)});
    std::copy_n(images.data() + i * per_image, image.numel(), image.data());  // the first channel
    const auto at = std::upper_bound(mistakes_.begin(), mistakes_.end(), probability,
                                     [](double p, const viz::Mistake& m) { return p > m.probability; });
    mistakes_.insert(at, viz::Mistake{image, truth, predicted, probability});
    if (mistakes_.size() > max_mistakes_) mistakes_.pop_back();
  }
}

void PlotWriter::on_epoch_end(const EpochReport& report) {
  history_.push_back(point(report));
  // Epochs whose loss went to NaN or infinity are left out of the curves (the epoch lines show
  // them); the others still tell how the run got there.
  std::vector<viz::EpochPoint> finite;
  for (const viz::EpochPoint& p : history_)
    if (std::isfinite(p.train_loss) && std::isfinite(p.test_loss) && std::isfinite(p.train_accuracy) &&
        std::isfinite(p.test_accuracy))
      finite.push_back(p);
  // Each picture on its own: one that cannot be drawn (NaN weights) does not stop the others.
  if (!finite.empty()) output_->attempt([&] { save(viz::training_curves(finite), "curves.png"); }, "curves.png");
  if (!confusion_.empty())
    output_->attempt([&] { save(viz::confusion_matrix(confusion_, class_names_), "confusion.png"); }, "confusion.png");
  output_->attempt([&] { save(viz::model_kernels(model_), "kernels.png"); }, "kernels.png");
  if (test_set_.size() > 0)
    output_->attempt([&] { save(viz::model_feature_maps(model_, test_set_.get(0).image), "feature_maps.png"); },
                     "feature_maps.png");
  if (!mistakes_.empty())
    output_->attempt([&] { save(viz::mistakes(mistakes_, class_names_), "mistakes.png"); }, "mistakes.png");
}

}  // namespace fovea::train
