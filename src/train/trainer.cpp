#include "fovea/train/trainer.hpp"

#include <chrono>
#include <memory>

#include "fovea/autograd.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"
#include "fovea/threads.hpp"
#include "fovea/train/thread_governor.hpp"

namespace fovea::train {

void MetricsAccumulator::add(double mean_loss, const Tensor& logits, const Tensor& targets) {
  const Tensor pred = logits.argmax(1), truth = targets.contiguous();
  const int64_t n = truth.numel();
  FOVEA_INTERNAL_ASSERT(pred.numel() == n, "one prediction per target");
  const int64_t *p = pred.data_ptr<int64_t>(), *t = truth.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) correct_ += p[i] == t[i];
  loss_sum_ += mean_loss * static_cast<double>(n);
  samples_ += n;
}

Metrics MetricsAccumulator::result() const {
  if (samples_ == 0) return {};
  return {loss_sum_ / samples_, static_cast<double>(correct_) / samples_, samples_};
}

MetricsAccumulator MetricsAccumulator::from(const Sums& s) {
  MetricsAccumulator m;
  m.loss_sum_ = s.loss_sum;
  m.correct_ = s.correct;
  m.samples_ = s.samples;
  return m;
}

namespace {

// Where a training pass reports to: the run's callbacks, and which epoch of the run it is.
struct PassWatchers {
  const std::vector<Callback*>& callbacks;
  int64_t epoch = 0;
  int64_t* run_steps = nullptr;  // optimizer steps since the run began, advanced by each step
};

// One pass from step `step` on (the loader starts its pass there), adding to `metrics`. Returns
// false when `stop` asked to end it after a step; `step` is then the steps done.
bool train_steps(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader, int64_t& step,
                 MetricsAccumulator& metrics, const StepHook& on_step, const std::function<bool()>& stop,
                 ThreadGovernor* governor = nullptr, const PassWatchers* watchers = nullptr,
                 float label_smoothing = 0.0f) {
  model.train();
  auto step_start = std::chrono::steady_clock::now();
  for (data::Batch& batch : loader) {
    Tensor out = model(batch.images);
    Tensor loss = label_smoothing > 0.0f ? cross_entropy(out, batch.targets, {.label_smoothing = label_smoothing})
                                         : cross_entropy(out, batch.targets);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    const double loss_value = loss.item();
    metrics.add(loss_value, out, batch.targets);
    // The step's time includes waiting for its batch: a starved loader is part of what is measured.
    const auto now = std::chrono::steady_clock::now();
    if (governor && batch.size() == loader.options().batch_size) {
      const int threads = governor->after_step(std::chrono::duration<double>(now - step_start).count());
      if (threads != get_num_threads()) set_num_threads(threads);
    }
    if (on_step) on_step(step);
    ++step;
    if (watchers) {
      const TrainStep info{watchers->epoch, step, loader.size(), *watchers->run_steps, loss_value, batch, metrics};
      for (Callback* c : watchers->callbacks) c->on_train_step(info);
    }
    // The next step's time starts here: what the callbacks cost is not the training's, and must
    // not move the thread governor.
    step_start = std::chrono::steady_clock::now();
    if (stop && stop() && step < loader.size()) return false;
  }
  return true;
}

Metrics evaluate_pass(nn::Module& model, data::DataLoader& loader, const PassWatchers* watchers) {
  model.eval();
  NoGradGuard no_grad;
  MetricsAccumulator metrics;
  if (watchers)
    for (Callback* c : watchers->callbacks) c->on_eval_begin(watchers->epoch, loader.size());
  int64_t index = 0;
  for (data::Batch& batch : loader) {
    Tensor out = model(batch.images);
    metrics.add(cross_entropy(out, batch.targets).item(), out, batch.targets);
    ++index;
    if (watchers) {
      const EvalBatch info{watchers->epoch, index, loader.size(), batch, out, metrics};
      for (Callback* c : watchers->callbacks) c->on_eval_batch(info);
    }
  }
  return metrics.result();
}

// Tells every callback the run is over, however fit() leaves.
struct FitEnd {
  const std::vector<Callback*>& callbacks;
  ~FitEnd() {
    for (Callback* c : callbacks) {
      try {
        c->on_fit_end();
      } catch (...) {  // a destructor must not throw; the exception under way says what went wrong
      }
    }
  }
};

}  // namespace

Metrics train_epoch(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& loader,
                    const StepHook& on_step) {
  MetricsAccumulator metrics;
  int64_t step = 0;
  train_steps(model, optimizer, loader, step, metrics, on_step, {});
  return metrics.result();
}

Metrics evaluate(nn::Module& model, data::DataLoader& loader) { return evaluate_pass(model, loader, nullptr); }

bool fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, const FitOptions& options) {
  // An empty split would print a loss and an accuracy of 0 as if something had been measured.
  if (train_loader.size() == 0) throw ValueError("fit: the training set yields no batches (it is empty, or drop_last with fewer examples than a batch)");
  if (test_loader.size() == 0) throw ValueError("fit: the test set yields no batches (it is empty)");
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return options.start_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int64_t steps = options.start_step;
  std::unique_ptr<ThreadGovernor> governor;
  const int threads_before = get_num_threads();
  struct RestoreThreads {  // a governed run gives the caller back the count it had
    int count;
    ~RestoreThreads() {
      if (get_num_threads() != count) set_num_threads(count);
    }
  } restore_threads{threads_before};
  if (options.elastic_threads) governor = std::make_unique<ThreadGovernor>(ThreadGovernor::Options{.max_threads = threads_before});
  auto on_step = [&](int64_t step_in_epoch) {
    ++steps;
    if (options.on_step) options.on_step(step_in_epoch);
  };
  FitEnd fit_end{options.callbacks};
  for (int64_t epoch = options.start_epoch; epoch < options.epochs; ++epoch) {
    const bool resumed_mid_epoch = epoch == options.start_epoch && options.start_step_in_epoch > 0;
    int64_t step_in_epoch = resumed_mid_epoch ? options.start_step_in_epoch : 0;
    MetricsAccumulator metrics = MetricsAccumulator::from(resumed_mid_epoch ? options.start_partial : MetricsAccumulator::Sums{});
    const std::string shuffle_state = train_loader.generator().get_state();
    if (resumed_mid_epoch) train_loader.start_next_pass_at(step_in_epoch);
    for (Callback* c : options.callbacks) c->on_epoch_begin(epoch, step_in_epoch, train_loader.size());
    const PassWatchers watchers{options.callbacks, epoch, &steps};
    const auto epoch_start = std::chrono::steady_clock::now();
    const int64_t samples_before = metrics.sums().samples;
    if (!train_steps(model, optimizer, train_loader, step_in_epoch, metrics, on_step, options.stop_requested,
                     governor.get(), &watchers, options.label_smoothing)) {
      if (options.on_interrupt)
        options.on_interrupt({epoch, step_in_epoch, steps, metrics.sums(), shuffle_state, elapsed()});
      return false;
    }
    const auto test_start = std::chrono::steady_clock::now();
    const Metrics test = evaluate_pass(model, test_loader, &watchers);
    const auto test_end = std::chrono::steady_clock::now();
    EpochReport report{epoch, metrics.result(), test, elapsed(), steps,
                       std::chrono::duration<double>(test_start - epoch_start).count(),
                       std::chrono::duration<double>(test_end - test_start).count(),
                       metrics.sums().samples - samples_before};
    if (options.on_epoch) options.on_epoch(report);
    for (Callback* c : options.callbacks) c->on_epoch_end(report);
    if (options.stop_requested && options.stop_requested() && epoch + 1 < options.epochs) {
      // Stopped between epochs: the checkpoint of this epoch is the place to go on from.
      if (options.on_interrupt)
        options.on_interrupt({epoch + 1, 0, steps, {}, train_loader.generator().get_state(), elapsed()});
      return false;
    }
  }
  return true;
}

void fit(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader& train_loader,
         data::DataLoader& test_loader, int64_t epochs, const std::function<void(const EpochReport&)>& on_epoch,
         const StepHook& on_step) {
  FitOptions options;
  options.epochs = epochs;
  options.on_epoch = on_epoch;
  options.on_step = on_step;
  fit(model, optimizer, train_loader, test_loader, options);
}

}  // namespace fovea::train
