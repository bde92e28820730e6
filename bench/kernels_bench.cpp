// Micro-benchmarks of the CPU kernels at the seed network's batch-128 shapes (MNIST CNN:
// conv 1->16 on 28x28, pool, conv 16->32 on 14x14, pool, linear 1568->128, linear 128->10).
// items/s counts images. Run with OMP_NUM_THREADS set to the thread count you care about.
//
// Then the tensor ops (op/...): each elementwise and reduction op on 1M float32 elements, called
// as a user calls it (fovea::exp(x), allocating its output), as bench/ops_vs_pytorch.py times
// PyTorch's equivalents (torch.exp(x)) on the same machine and thread count. The list of ops is
// kOps below; the Python script holds the same names with PyTorch's calls.
//
// Then conv_bn/...: an eval-mode Conv2d(32, 64, 3, padding=1) -> BatchNorm2d(64) forward on a
// 256 x 32 x 14 x 14 batch, layer by layer (unfused) and with the batch norm folded into the
// convolution (fused, Sequential's default; see nn::set_fuse_batch_norm). Medians:
//   OMP_NUM_THREADS=2 build/bench_kernels --benchmark_filter=conv_bn --benchmark_repetitions=7 \
//     --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "fovea/autograd.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/ops.hpp"
#include "fovea/random.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/reference/reference.hpp"

namespace {

using namespace fovea::kernels;

constexpr int64_t kBatch = 128;

const Conv2dShape kConv[2] = {{kBatch, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1}, {kBatch, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1}};
const Pool2dShape kPool[2] = {{kBatch, 16, 28, 28, 2, 2, 2, 2, 0, 0}, {kBatch, 32, 14, 14, 2, 2, 2, 2, 0, 0}};
const LinearShape kLinear[2] = {{kBatch, 1568, 128}, {kBatch, 128, 10}};

std::vector<float> random_vector(int64_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

struct ConvBuffers {
  std::vector<float> x, w, b, y, gx, gw, gb;
  explicit ConvBuffers(const Conv2dShape& s)
      : x(random_vector(s.batch * s.in_channels * s.in_h * s.in_w)),
        w(random_vector(s.out_channels * s.in_channels * s.kernel_h * s.kernel_w)),
        b(random_vector(s.out_channels)),
        y(random_vector(s.batch * s.out_channels * s.out_h() * s.out_w())),
        gx(x.size()),
        gw(w.size()),
        gb(b.size()) {}
};

void BM_Conv2dForward(benchmark::State& state) {
  const Conv2dShape& s = kConv[state.range(0)];
  ConvBuffers d(s);
  for (auto _ : state) cpu::conv2d_forward(s, d.x.data(), d.w.data(), d.b.data(), d.y.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
BENCHMARK(BM_Conv2dForward)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Conv2dBackwardInput(benchmark::State& state) {
  const Conv2dShape& s = kConv[state.range(0)];
  ConvBuffers d(s);
  for (auto _ : state) cpu::conv2d_backward_input(s, d.y.data(), d.w.data(), d.gx.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
// Layer 0's input is the image, which needs no gradient in training; measured for contrast only.
BENCHMARK(BM_Conv2dBackwardInput)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Conv2dBackwardWeight(benchmark::State& state) {
  const Conv2dShape& s = kConv[state.range(0)];
  ConvBuffers d(s);
  for (auto _ : state) cpu::conv2d_backward_weight(s, d.x.data(), d.y.data(), d.gw.data(), d.gb.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
BENCHMARK(BM_Conv2dBackwardWeight)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// All convolution work of one training step: both forwards, layer 1's input gradient, both
// weight gradients (what the training loop does per batch).
void BM_Conv2dTrainingStep(benchmark::State& state) {
  ConvBuffers d0(kConv[0]), d1(kConv[1]);
  for (auto _ : state) {
    cpu::conv2d_forward(kConv[0], d0.x.data(), d0.w.data(), d0.b.data(), d0.y.data());
    cpu::conv2d_forward(kConv[1], d1.x.data(), d1.w.data(), d1.b.data(), d1.y.data());
    cpu::conv2d_backward_input(kConv[1], d1.y.data(), d1.w.data(), d1.gx.data());
    cpu::conv2d_backward_weight(kConv[1], d1.x.data(), d1.y.data(), d1.gw.data(), d1.gb.data());
    cpu::conv2d_backward_weight(kConv[0], d0.x.data(), d0.y.data(), d0.gw.data(), d0.gb.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_Conv2dTrainingStep)->Unit(benchmark::kMillisecond);

void BM_MaxPoolForward(benchmark::State& state) {
  const Pool2dShape& s = kPool[state.range(0)];
  const auto x = random_vector(s.batch * s.channels * s.in_h * s.in_w);
  std::vector<float> y(static_cast<size_t>(s.batch * s.channels * s.out_h() * s.out_w()));
  std::vector<int32_t> arg(y.size());
  for (auto _ : state) cpu::max_pool2d_forward(s, x.data(), y.data(), arg.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
BENCHMARK(BM_MaxPoolForward)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_MaxPoolBackward(benchmark::State& state) {
  const Pool2dShape& s = kPool[state.range(0)];
  const auto x = random_vector(s.batch * s.channels * s.in_h * s.in_w);
  std::vector<float> y(static_cast<size_t>(s.batch * s.channels * s.out_h() * s.out_w())), gx(x.size());
  std::vector<int32_t> arg(y.size());
  cpu::max_pool2d_forward(s, x.data(), y.data(), arg.data());
  for (auto _ : state) cpu::max_pool2d_backward(s, y.data(), arg.data(), gx.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
BENCHMARK(BM_MaxPoolBackward)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_LinearForward(benchmark::State& state) {
  const LinearShape& s = kLinear[state.range(0)];
  const auto x = random_vector(s.rows * s.in_features), w = random_vector(s.out_features * s.in_features);
  const auto b = random_vector(s.out_features);
  std::vector<float> y(static_cast<size_t>(s.rows * s.out_features));
  for (auto _ : state) cpu::linear_forward(s, x.data(), w.data(), b.data(), y.data());
  state.SetItemsProcessed(state.iterations() * s.rows);
}
BENCHMARK(BM_LinearForward)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_LinearBackward(benchmark::State& state) {
  const LinearShape& s = kLinear[state.range(0)];
  const auto x = random_vector(s.rows * s.in_features), w = random_vector(s.out_features * s.in_features);
  const auto gy = random_vector(s.rows * s.out_features);
  std::vector<float> gx(x.size()), gw(w.size()), gb(static_cast<size_t>(s.out_features));
  for (auto _ : state) cpu::linear_backward(s, x.data(), w.data(), gy.data(), gx.data(), gw.data(), gb.data());
  state.SetItemsProcessed(state.iterations() * s.rows);
}
BENCHMARK(BM_LinearBackward)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The naive loops on a small slice of layer 1 (8 images), to show what oneDNN buys.
void BM_ReferenceConv2dForward(benchmark::State& state) {
  const Conv2dShape s{8, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1};
  ConvBuffers d(s);
  for (auto _ : state) reference::conv2d_forward(s, d.x.data(), d.w.data(), d.b.data(), d.y.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
BENCHMARK(BM_ReferenceConv2dForward)->Unit(benchmark::kMillisecond);

void BM_FastConv2dForwardSmall(benchmark::State& state) {
  const Conv2dShape s{8, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1};
  ConvBuffers d(s);
  for (auto _ : state) cpu::conv2d_forward(s, d.x.data(), d.w.data(), d.b.data(), d.y.data());
  state.SetItemsProcessed(state.iterations() * s.batch);
}
BENCHMARK(BM_FastConv2dForwardSmall)->Unit(benchmark::kMillisecond);

// ---- tensor ops on 1M elements ----

using fovea::Tensor;

struct OpCase {
  const char* name;
  Tensor (*run)(const Tensor& a, const Tensor& b, const Tensor& row);
};

// a, b: [1000, 1000] uniform in [0.1, 2) (so log, sqrt and division are defined); row: [1000].
const OpCase kOps[] = {
    {"add", [](const Tensor& a, const Tensor& b, const Tensor&) { return a + b; }},
    {"add_broadcast_row", [](const Tensor& a, const Tensor&, const Tensor& r) { return a + r; }},
    {"mul", [](const Tensor& a, const Tensor& b, const Tensor&) { return a * b; }},
    {"div", [](const Tensor& a, const Tensor& b, const Tensor&) { return a / b; }},
    {"mul_scalar", [](const Tensor& a, const Tensor&, const Tensor&) { return a * 3.0f; }},
    {"neg", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::neg(a); }},
    {"abs", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::abs(a); }},
    {"exp", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::exp(a); }},
    {"log", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::log(a); }},
    {"sqrt", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::sqrt(a); }},
    {"rsqrt", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::rsqrt(a); }},
    {"pow2", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::pow(a, 2.0f); }},
    {"sigmoid", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::sigmoid(a); }},
    {"tanh", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::tanh(a); }},
    {"relu", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::relu(a); }},
    {"leaky_relu", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::leaky_relu(a); }},
    {"gelu", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::gelu(a); }},
    {"silu", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::silu(a); }},
    {"clamp", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::clamp(a, 0.5f, 1.5f); }},
    {"maximum", [](const Tensor& a, const Tensor& b, const Tensor&) { return fovea::maximum(a, b); }},
    {"gt", [](const Tensor& a, const Tensor& b, const Tensor&) { return fovea::gt(a, b); }},
    {"where", [](const Tensor& a, const Tensor& b, const Tensor&) { return fovea::where(a > 1.0f, a, b); }},
    {"sum", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::sum(a); }},
    {"sum_dim0", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::sum(a, {0}); }},
    {"sum_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::sum(a, {1}); }},
    {"mean", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::mean(a); }},
    {"var_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::var(a, {1}); }},
    {"max", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::max(a); }},
    {"max_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return std::get<0>(fovea::max(a, 1)); }},
    {"argmax_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::argmax(a, 1); }},
    {"logsumexp_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::logsumexp(a, {1}); }},
    {"softmax_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::softmax(a, 1); }},
    {"log_softmax_dim1", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::log_softmax(a, 1); }},
    {"softmax_dim0", [](const Tensor& a, const Tensor&, const Tensor&) { return fovea::softmax(a, 0); }},
};

void register_op_benchmarks() {
  for (const OpCase& c : kOps) {
    benchmark::RegisterBenchmark((std::string("op/") + c.name).c_str(), [run = c.run](benchmark::State& state) {
      fovea::NoGradGuard no_grad;  // as torch.no_grad(): the op alone
      fovea::manual_seed(7);
      const Tensor a = fovea::rand({1000, 1000}, 0.1f, 2.0f), b = fovea::rand({1000, 1000}, 0.1f, 2.0f);
      const Tensor row = fovea::rand({1000}, 0.1f, 2.0f);
      for (auto _ : state) {
        Tensor out = run(a, b, row);
        benchmark::DoNotOptimize(out.impl());
      }
      state.SetItemsProcessed(state.iterations() * a.numel());
    })->Unit(benchmark::kMicrosecond);
  }
}
// ---- Conv2d -> BatchNorm2d in eval (issue 11): folded into one convolution or not ----
void BM_ConvBatchNormEval(benchmark::State& state, bool fuse) {
  fovea::NoGradGuard no_grad;
  fovea::manual_seed(11);
  fovea::nn::Sequential model(fovea::nn::Conv2d(32, 64, 3, 1, 1), fovea::nn::BatchNorm2d(64));
  model.eval();
  const Tensor x = fovea::randn({256, 32, 14, 14});
  fovea::nn::set_fuse_batch_norm(fuse);
  for (auto _ : state) {
    Tensor out = model(x);
    benchmark::DoNotOptimize(out.impl());
  }
  fovea::nn::set_fuse_batch_norm(true);
  state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK_CAPTURE(BM_ConvBatchNormEval, conv_bn/unfused, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ConvBatchNormEval, conv_bn/fused, true)->Unit(benchmark::kMillisecond);

// ---- reductions (issue 10): 1M float32 elements, as torch.sum/mean/max/softmax are compared ----
// (bench/compare.py's neighbours time PyTorch's with torch.set_num_threads matching OMP_NUM_THREADS.)
const ReduceShape kAll{1, 1 << 20, 1}, kRows{1000, 1000, 1}, kCols{1, 1000, 1000};

void BM_SumAll(benchmark::State& state) {
  const auto x = random_vector(1 << 20);
  float out;
  for (auto _ : state) cpu::sum_reduce(kAll, x.data(), &out, false);
  state.SetItemsProcessed(state.iterations() * (1 << 20));
}
BENCHMARK(BM_SumAll)->Unit(benchmark::kMicrosecond);

void BM_SumRowsAndColumns(benchmark::State& state) {
  const auto x = random_vector(1000 * 1000);
  std::vector<float> out(1000);
  const ReduceShape s = state.range(0) ? kCols : kRows;
  for (auto _ : state) cpu::sum_reduce(s, x.data(), out.data(), false);
  state.SetItemsProcessed(state.iterations() * 1000 * 1000);
}
BENCHMARK(BM_SumRowsAndColumns)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_MaxAllAndRows(benchmark::State& state) {
  const auto x = random_vector(1 << 20);
  std::vector<float> values(1000);
  std::vector<int64_t> indices(1000);
  const ReduceShape s = state.range(0) ? kRows : kAll;
  for (auto _ : state) cpu::max_reduce(s, x.data(), values.data(), state.range(0) ? indices.data() : nullptr);
  state.SetItemsProcessed(state.iterations() * s.outer * s.reduce);
}
BENCHMARK(BM_MaxAllAndRows)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_SoftmaxRowsAndColumns(benchmark::State& state) {
  const auto x = random_vector(1000 * 1000);
  std::vector<float> y(1000 * 1000);
  const ReduceShape s = state.range(0) ? kCols : kRows;
  for (auto _ : state) cpu::softmax_forward(s, x.data(), y.data(), false);
  state.SetItemsProcessed(state.iterations() * 1000 * 1000);
}
BENCHMARK(BM_SoftmaxRowsAndColumns)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  register_op_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
