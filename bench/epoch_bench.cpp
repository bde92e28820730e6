// One training epoch and one test-set evaluation of the seed CNN, with the data preloaded as
// normalised tensors (the same protocol as bench/pytorch_epoch.py). Prints one line of
// `key=value` pairs per measurement, for bench/compare.py.
//
//   bench_epoch --data DIR [--threads 2] [--epochs 2] [--profile 1]
//
// With --profile 1, one more training epoch runs under the profiler and a table shows where it
// goes: each layer's forward and backward, the loss, the optimizer step and the batch gathering.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "fovea/fovea.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/profiler.hpp"
#include "fovea/train/trainer.hpp"

using namespace fovea;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The whole split as one normalised N x 1 x 28 x 28 tensor plus labels.
std::pair<Tensor, std::vector<int64_t>> preload(const data::MNISTLike& set) {
  const int64_t n = set.size(), plane = set.rows() * set.cols();
  Tensor x = Tensor::empty({n, 1, set.rows(), set.cols()});
  const uint8_t* src = set.pixels().data();
  for (int64_t i = 0; i < n * plane; ++i) x.data()[i] = (src[i] / 255.0f - 0.5f) / 0.5f;
  return {x, std::vector<int64_t>(set.labels().begin(), set.labels().end())};
}

void gather(const Tensor& x, const std::vector<int64_t>& y, const std::vector<int64_t>& idx, int64_t begin,
            int64_t count, Tensor& bx, std::vector<int64_t>& by) {
  const int64_t plane = x.numel() / x.size(0);
  bx = Tensor::empty({count, 1, x.size(2), x.size(3)});
  by.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(bx.data() + i * plane, x.data() + idx[begin + i] * plane, plane * sizeof(float));
    by[i] = y[idx[begin + i]];
  }
}

}  // namespace

int main(int argc, char** argv) try {
  std::string root = "../shared/data/mnist";
  int threads = 2, epochs = 2, profile = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data") root = argv[i + 1];
    else if (flag == "--threads") threads = std::stoi(argv[i + 1]);
    else if (flag == "--epochs") epochs = std::stoi(argv[i + 1]);
    else if (flag == "--profile") profile = std::stoi(argv[i + 1]);
    else throw ValueError("bench_epoch: unknown flag " + flag);
  }
  set_num_threads(threads);
  manual_seed(0);
  data::MNIST train_set(root, true), test_set(root, false);
  auto [train_x, train_y] = preload(train_set);
  auto [test_x, test_y] = preload(test_set);

  models::CNNNet model;
  optim::SGD sgd(model.parameters(), {.lr = 1e-3, .momentum = 0.95});
  Generator gen(0);
  const int64_t batch = 128, n = train_x.size(0);
  std::vector<int64_t> order(n);
  Tensor bx;
  std::vector<int64_t> by;
  for (int e = 0; e < epochs + profile; ++e) {
    const bool profiling = e >= epochs;
    profiler::enable(profiling);
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.below(i + 1)]);
    model.train();
    train::MetricsAccumulator train_metrics;
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < n; b += batch) {
      {
        profiler::Scope s("data: gather batch");
        gather(train_x, train_y, order, b, std::min(batch, n - b), bx, by);
      }
      Tensor out = model(bx);
      Tensor loss;
      {
        profiler::Scope s("loss: cross_entropy forward");
        loss = cross_entropy(out, by);
      }
      {
        profiler::Scope s("optimizer: zero_grad");
        sgd.zero_grad();
      }
      {
        profiler::Scope s("backward (all nodes)");
        loss.backward();
      }
      {
        profiler::Scope s("optimizer: SGD step");
        sgd.step();
      }
      profiler::Scope s("metrics");
      train_metrics.add(loss.item(), out, by);
    }
    double train_s = seconds_since(t0);
    if (profiling) {
      profiler::enable(false);
      std::printf("profile of one training epoch (%d threads, %lld steps; nested regions include their children):\n",
                  threads, static_cast<long long>((n + batch - 1) / batch));
      for (const auto& entry : profiler::entries())
        std::printf("  %-58s %8.1f ms/epoch %7.3f ms/step\n", entry.name.c_str(), entry.seconds * 1e3,
                    entry.seconds * 1e3 / double(entry.calls ? (n + batch - 1) / batch : 1));
      std::printf("  %-58s %8.1f ms/epoch\n", "total (wall)", train_s * 1e3);
      std::fflush(stdout);
      continue;
    }

    model.eval();
    train::MetricsAccumulator test_metrics;
    std::vector<int64_t> identity(test_x.size(0));
    for (int64_t i = 0; i < test_x.size(0); ++i) identity[i] = i;
    t0 = std::chrono::steady_clock::now();
    {
      NoGradGuard no_grad;
      for (int64_t b = 0; b < test_x.size(0); b += batch) {
        gather(test_x, test_y, identity, b, std::min(batch, test_x.size(0) - b), bx, by);
        Tensor out = model(bx);
        test_metrics.add(cross_entropy(out, by).item(), out, by);
      }
    }
    double eval_s = seconds_since(t0);
    std::printf("impl=fovea threads=%d epoch=%d train_s=%.4f eval_s=%.4f train_acc=%.4f test_acc=%.4f\n", threads, e,
                train_s, eval_s, train_metrics.result().accuracy, test_metrics.result().accuracy);
    std::fflush(stdout);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_epoch: error: %s\n", e.what());
  return 1;
}
