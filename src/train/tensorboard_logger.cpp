#include "fovea/train/tensorboard_logger.hpp"

#include "dispensable_output.hpp"
#include "fovea/train/plot_writer.hpp"
#include "fovea/viz/model_pictures.hpp"

namespace fovea::train {
namespace {

void add_picture(SummaryWriter& writer, const std::string& tag, const viz::Picture& picture, int64_t step) {
  writer.add_image(tag, picture.png(), picture.width(), picture.height(), /*channels=*/4, step);  // cairo writes RGBA
}

}  // namespace

TensorBoardLogger::TensorBoardLogger(const std::string& log_dir, const nn::Module& model,
                                     const optim::Optimizer& optimizer, const data::Dataset& train_set,
                                     const std::vector<std::string>& class_names)
    : writer_(log_dir),
      model_(model),
      optimizer_(optimizer),
      output_(std::make_unique<detail::DispensableOutput>("TensorBoard events " + writer_.path())) {
  if (train_set.size() > 0) add_picture(writer_, "samples", sample_picture(train_set, class_names), 0);
  writer_.flush();
}

TensorBoardLogger::~TensorBoardLogger() = default;

void TensorBoardLogger::on_epoch_end(const EpochReport& r) {
  // The scalars first and on their own (NaN is written as NaN, as PyTorch does): they are what
  // shows a run going wrong. A kernels picture or a histogram that cannot be made from non-finite
  // weights is skipped alone.
  output_->attempt([&] {
    writer_.add_scalar("loss/train", r.train.loss, r.epoch);
    writer_.add_scalar("loss/test", r.test.loss, r.epoch);
    writer_.add_scalar("accuracy/train", r.train.accuracy, r.epoch);
    writer_.add_scalar("accuracy/test", r.test.accuracy, r.epoch);
    writer_.add_scalar("lr", optimizer_.lr(), r.epoch);
  });
  output_->attempt([&] { add_picture(writer_, "kernels", viz::model_kernels(model_), r.epoch); }, "the kernels image");
  for (const auto& named : model_.named_parameters())  // not a structured binding: clang 14 cannot capture one
    output_->attempt([&] { writer_.add_histogram(named.first, named.second, r.epoch); }, "the histogram of " + named.first);
  output_->attempt([&] { writer_.flush(); });
}

}  // namespace fovea::train
