#pragma once
// --tensorboard DIR: a run as TensorBoard shows it (`tensorboard --logdir DIR`), written through
// SummaryWriter (summary_writer.hpp). Per epoch, with the epoch (0-based, as the seed's lines) as
// the step:
//   scalars     loss/train, loss/test, accuracy/train, accuracy/test, lr
//   images      kernels (the first convolution's, as kernels.png)
//   histograms  every parameter, under its state_dict key ("conv1.0.weight")
// and once, at step 0, the image "samples" (the seed's figure). Each epoch's records are flushed
// as it ends, so TensorBoard shows a run live and a crash loses at most the epoch under way.
#include <memory>
#include <string>

#include "fovea/data/dataset.hpp"
#include "fovea/nn/module.hpp"
#include "fovea/optim/optimizer.hpp"
#include "fovea/train/callback.hpp"
#include "fovea/train/summary_writer.hpp"

namespace fovea::train {

namespace detail {
class DispensableOutput;
}

class TensorBoardLogger : public Callback {
 public:
  // Opens the event file in `log_dir` (made if missing) and writes the sample grid: IOError naming
  // the folder or file when that fails, before training. A later failure (a full disk) is reported
  // once on stderr and the logging stops; training goes on.
  TensorBoardLogger(const std::string& log_dir, const nn::Module& model, const optim::Optimizer& optimizer,
                    const data::Dataset& train_set, const std::vector<std::string>& class_names);
  ~TensorBoardLogger() override;

  void on_epoch_end(const EpochReport& report) override;

  const std::string& path() const { return writer_.path(); }

 private:
  SummaryWriter writer_;
  const nn::Module& model_;
  const optim::Optimizer& optimizer_;
  std::unique_ptr<detail::DispensableOutput> output_;
};

}  // namespace fovea::train
