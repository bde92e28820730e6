#include "fovea/train/trainer.hpp"

#include <chrono>

#include "fovea/autograd.hpp"
#include "fovea/ops.hpp"

namespace fovea::train {

void MetricsAccumulator::add(double mean_loss, const Tensor& logits, const std::vector<int64_t>& targets) {
  std::vector<int64_t> pred = logits.argmax(1);
  for (size_t i = 0; i < targets.size(); ++i) correct_ += pred[i] == targets[i];
  loss_sum_ += mean_loss * static_cast<double>(targets.size());
  samples_ += static_cast<int64_t>(targets.size());
}

Metrics MetricsAccumulator::result() const {
  if (samples_ == 0) return {};
  return {loss_sum_ / samples_, static_cast<double>(correct_) / samples_, samples_};
}

Metrics train_epoch(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader,
                    const StepHook& on_step) {
  model.train();
  MetricsAccumulator metrics;
  int64_t step = 0;
  for (data::Batch& batch : loader) {
    Tensor out = model(batch.images);
    Tensor loss = cross_entropy(out, batch.targets);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    metrics.add(loss.item(), out, batch.targets);
    if (on_step) on_step(step++);
  }
  return metrics.result();
}

Metrics evaluate(nn::Module& model, data::DataLoader& loader) {
  model.eval();
  NoGradGuard no_grad;
  MetricsAccumulator metrics;
  for (data::Batch& batch : loader) {
    Tensor out = model(batch.images);
    metrics.add(cross_entropy(out, batch.targets).item(), out, batch.targets);
  }
  return metrics.result();
}

void fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  int64_t steps = options.start_step;
  auto on_step = [&](int64_t step_in_epoch) {
    ++steps;
    if (options.on_step) options.on_step(step_in_epoch);
  };
  for (int64_t epoch = options.start_epoch; epoch < options.epochs; ++epoch) {
    EpochReport report{epoch, train_epoch(model, optimizer, train_loader, on_step), evaluate(model, test_loader), 0.0};
    report.elapsed_seconds =
        options.start_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.steps = steps;
    if (options.on_epoch) options.on_epoch(report);
  }
}

void fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, int64_t epochs, const std::function<void(const EpochReport&)>& on_epoch,
         const StepHook& on_step) {
  fit(model, optimizer, train_loader, test_loader, {.epochs = epochs, .on_epoch = on_epoch, .on_step = on_step});
}

}  // namespace fovea::train
