// One training epoch and one test-set evaluation of the seed CNN, with the data preloaded as
// normalised tensors (the same protocol as bench/pytorch_epoch.py). Prints one line of
// `key=value` pairs per measurement, for bench/compare.py.
//
//   bench_epoch --data DIR [--threads 2] [--epochs 2] [--profile 1] [--peak 1] [--batch-size 128]
//               [--model NAME | --model-file F] [--train-images N] [--precision fp32|bf16]
//
// --train-images N trains each epoch on the first N images of its shuffled order (all 60,000 by
// default), for networks whose full epoch takes minutes on a small machine.
//
// --model trains one of models/registry.hpp's networks instead of the seed's, --model-file one
// described in text (models/model_file.hpp, e.g. bench/models/wide_cnn.txt). Whichever model
// runs, its FLOPs are counted from its Conv2d and Linear layers on one forward (forward hooks
// see each layer's weights and output shape), and each epoch's line carries the training
// epoch's GFLOP (train_gflop=) and the model's parameter count (params=), so compare.py turns
// the epoch time into GFLOP/s and checks that PyTorch built the same network.
//
// With --peak 1, the machine's FP32 peak is measured after the epochs, with the same thread
// count, and printed as one line `peak_gflops=X threads=T loop=NAME` (compare.py reports each
// model's share of it).
//
// With --profile 1, one more training epoch runs under the profiler and a table shows where it
// goes: each layer's forward and backward, the loss, the optimizer step and the batch gathering.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
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
  const std::vector<uint8_t> pixels = set.pixels();
  const uint8_t* src = pixels.data();
  float* dst = x.data();
  for (int64_t i = 0; i < n * plane; ++i) dst[i] = (src[i] / 255.0f - 0.5f) / 0.5f;
  return {x, std::vector<int64_t>(set.labels().begin(), set.labels().end())};
}

void gather(const Tensor& x, const std::vector<int64_t>& y, const std::vector<int64_t>& idx, int64_t begin,
            int64_t count, Tensor& bx, Tensor& by) {
  const int64_t plane = x.numel() / x.size(0);
  bx = Tensor::empty({count, 1, x.size(2), x.size(3)});
  if (!by.defined() || by.numel() != count) by = Tensor::empty({count}, kInt64);
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(bx.data() + i * plane, x.data() + idx[begin + i] * plane, plane * sizeof(float));
    by.data_ptr<int64_t>()[i] = y[idx[begin + i]];
  }
}

// FLOPs to train on one image, for any model: each Conv2d's and Linear's multiply-adds per image
// (weights times output positions, so groups, stride and padding are all accounted for), seen by
// forward hooks on one image, counted three times (forward, input gradient, weight gradient) at
// 2 FLOP per multiply-add, less the first layer's input gradient, which nothing needs. Bias adds,
// activations, pooling and the loss are left out, as is usual. For the seed's CNN this is
// 2 * (3 * (16*28*28*9 + 32*14*14*9*16 + 1568*128 + 128*10) - 16*28*28*9) = 7.08 MFLOP.
double train_flops_per_image(nn::Module& model) {
  std::vector<double> macs;
  std::vector<nn::RemovableHandle> hooks;
  std::function<void(nn::Module&)> watch = [&](nn::Module& m) {
    for (auto& [name, child] : m.named_children()) watch(*child);
    Tensor weight;
    if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) weight = conv->weight;
    if (auto* linear = dynamic_cast<nn::Linear*>(&m)) weight = linear->weight;
    if (!weight.defined()) return;
    hooks.push_back(m.register_forward_hook([&macs, weight](nn::Module&, const Tensor&, const Tensor& out) {
      const double positions = out.dim() == 4 ? double(out.size(2) * out.size(3)) : 1.0;
      macs.push_back(double(weight.numel()) * positions);
    }));
  };
  watch(model);
  {
    NoGradGuard no_grad;
    model.eval();
    model(zeros({1, 1, 28, 28}));
    model.train();
  }
  for (auto& h : hooks) h.remove();
  double total = 0.0;
  for (double m : macs) total += 3.0 * m;
  return macs.empty() ? 0.0 : 2.0 * (total - macs.front());
}

// The machine's FP32 peak as a pure FMA loop reaches it: each thread keeps 12 independent vector
// accumulators in flight (enough to cover FMA latency on both ports), nothing touches memory.
//
// The binary is built for plain x86-64, so each vector width is its own function with a target
// attribute and the CPU picks the widest at run time. The OpenMP region stays outside them: GCC
// compiles an outlined parallel body for the command line's ISA, not for the attribute's.
__attribute__((target("avx512f"))) float fma_loop_avx512(int64_t iters, float start) {
  __m512 acc[12], m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (auto& v : acc) v = _mm512_set1_ps(start);
  for (int64_t i = 0; i < iters; ++i)
    for (auto& v : acc) v = _mm512_fmadd_ps(v, m, a);
  float sum = 0;
  for (auto& v : acc) sum += _mm512_reduce_add_ps(v);
  return sum;
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2(int64_t iters, float start) {
  __m256 acc[12], m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (auto& v : acc) v = _mm256_set1_ps(start);
  for (int64_t i = 0; i < iters; ++i)
    for (auto& v : acc) v = _mm256_fmadd_ps(v, m, a);
  float lanes[8], sum = 0;
  for (auto& v : acc) {
    _mm256_storeu_ps(lanes, v);
    for (float x : lanes) sum += x;
  }
  return sum;
}

// No FMA before AVX2: a multiply and an add, two FLOPs per lane all the same.
float mul_add_loop_sse(int64_t iters, float start) {
  __m128 acc[12], m = _mm_set1_ps(0.999999f), a = _mm_set1_ps(1e-7f);
  for (auto& v : acc) v = _mm_set1_ps(start);
  for (int64_t i = 0; i < iters; ++i)
    for (auto& v : acc) v = _mm_add_ps(_mm_mul_ps(v, m), a);
  float lanes[4], sum = 0;
  for (auto& v : acc) {
    _mm_storeu_ps(lanes, v);
    for (float x : lanes) sum += x;
  }
  return sum;
}

struct PeakLoop {
  float (*run)(int64_t iters, float start);
  double flops_per_iter;  // 12 accumulators x lanes x 2
  const char* name;
};

PeakLoop widest_peak_loop() {
  if (__builtin_cpu_supports("avx512f")) return {fma_loop_avx512, 12 * 16 * 2, "AVX-512 FMA"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {fma_loop_avx2, 12 * 8 * 2, "AVX2 FMA"};
  return {mul_add_loop_sse, 12 * 4 * 2, "SSE mul+add"};
}

double measure_peak_gflops(const PeakLoop& loop, int threads) {
  const int64_t iters = 20'000'000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += loop.run(iters, float(omp_get_thread_num()));
    best = std::max(best, double(threads) * double(iters) * loop.flops_per_iter / seconds_since(t0) / 1e9);
    if (sink == 12345.0f) std::printf(" ");  // keep the loop alive
  }
  return best;
}

// Median wall time of one forward pass on a single image, eval mode, no graph.
double single_image_latency_ms(nn::Module& model, const Tensor& image) {
  model.eval();
  NoGradGuard no_grad;
  std::vector<double> times;
  for (int i = 0; i < 220; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Tensor out = model(image);
    (void)out.data();
    if (i >= 20) times.push_back(seconds_since(t0) * 1e3);
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  std::string root = "../shared/data/mnist";
  int threads = 2, epochs = 2, profile = 0;
  int64_t batch = 128;
  std::string model_file, model_name = models::kDefaultModel;
  Precision precision = Precision::fp32;  // bf16: as fovea train --precision bf16
  int peak = 0;
  int64_t train_images = 0;
  if (argc % 2 == 0) throw ValueError(std::string("bench_epoch: flag ") + argv[argc - 1] + " needs a value");
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data") root = argv[i + 1];
    else if (flag == "--threads") threads = std::stoi(argv[i + 1]);
    else if (flag == "--epochs") epochs = std::stoi(argv[i + 1]);
    else if (flag == "--profile") profile = std::stoi(argv[i + 1]);
    else if (flag == "--peak") peak = std::stoi(argv[i + 1]);
    else if (flag == "--train-images") train_images = std::stoll(argv[i + 1]);
    else if (flag == "--model-file") model_file = argv[i + 1];
    else if (flag == "--model") model_name = argv[i + 1];
    else if (flag == "--batch-size") batch = std::stoll(argv[i + 1]);
    else if (flag == "--precision") precision = parse_precision(argv[i + 1]);
    else throw ValueError("bench_epoch: unknown flag " + flag);
  }
  set_num_threads(threads);
  if (precision == Precision::bf16 && !bf16_supported())
    std::fprintf(stderr, "bench_epoch: this CPU has no bf16 (AVX512_BF16 or AMX); running fp32\n");
  set_default_precision(precision);
  manual_seed(0);
  data::MNIST train_set(root, true), test_set(root, false);
  auto [train_x, train_y] = preload(train_set);
  auto [test_x, test_y] = preload(test_set);

  const nn::ModulePtr model_ptr =
      model_file.empty() ? models::create_model(model_name) : models::read_model_file(model_file).model;
  nn::Module& model = *model_ptr;
  const double train_flops_per_image = ::train_flops_per_image(model);
  int64_t params = 0;
  for (const Tensor& p : model.parameters()) params += p.numel();
  optim::SGD sgd(model.parameters(), {.lr = 1e-3, .momentum = 0.95});
  Generator gen(0);
  const int64_t n = train_images > 0 ? std::min(train_images, train_x.size(0)) : train_x.size(0);
  std::vector<int64_t> order(train_x.size(0));
  std::vector<double> train_times;
  Tensor bx;
  Tensor by;
  for (int e = 0; e < epochs + profile; ++e) {
    const bool profiling = e >= epochs;
    profiler::enable(profiling);
    for (int64_t i = 0; i < train_x.size(0); ++i) order[i] = i;
    for (int64_t i = train_x.size(0) - 1; i > 0; --i) std::swap(order[i], order[gen.below(i + 1)]);
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
    if (e > 0) train_times.push_back(train_s);  // epoch 0 pays for warm-up
    std::printf(
        "impl=fovea threads=%d epoch=%d train_s=%.4f eval_s=%.4f train_acc=%.4f test_acc=%.4f isa=%s "
        "train_gflop=%.4f params=%lld precision=%s\n",
        threads, e, train_s, eval_s, train_metrics.result().accuracy, test_metrics.result().accuracy, cpu_isa(),
        train_flops_per_image * double(n) / 1e9, static_cast<long long>(params), precision_name(effective_precision()));
    std::fflush(stdout);
  }
  if (peak && !profile) {
    const PeakLoop loop = widest_peak_loop();
    std::string name = loop.name;
    std::replace(name.begin(), name.end(), ' ', '_');
    std::printf("peak_gflops=%.2f threads=%d loop=%s\n", measure_peak_gflops(loop, threads), threads, name.c_str());
  }
  if (profile) {
    const PeakLoop loop = widest_peak_loop();
    const double peak = measure_peak_gflops(loop, threads);
    std::printf("fp32 peak (%s loop, %d threads): %.1f GFLOP/s\n", loop.name, threads, peak);
    const double gflop = train_flops_per_image * double(n) / 1e9;
    std::printf("training epoch needs %.1f GFLOP\n", gflop);
    if (!train_times.empty()) {
      std::sort(train_times.begin(), train_times.end());
      const double t = train_times[train_times.size() / 2];
      std::printf("median training epoch %.3f s = %.1f GFLOP/s = %.0f%% of the FP32 peak\n", t, gflop / t,
                  100.0 * gflop / t / peak);
    }
    Tensor one = Tensor::empty({1, 1, 28, 28});
    std::memcpy(one.data(), test_x.data(), 784 * sizeof(float));
    std::printf("single-image inference latency (median of 200, %d threads): %.3f ms\n", threads,
                single_image_latency_ms(model, one));
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_epoch: error: %s\n", e.what());
  return 1;
}
