// The seed's CNN crosses between PyTorch and fovea as a safetensors file, both ways.
//
// PyTorch -> fovea: tests/fixtures/pytorch_cnn_net.safetensors is CNN_net trained in PyTorch (300 SGD
// steps), saved by safetensors.torch.save_file under PyTorch's keys; pytorch_cnn_net_logits.safetensors
// holds PyTorch's logits in eval mode on the first 1,000 MNIST test images. Both are written by
// tests/parity/make_interchange_fixtures.py (Debian's python3-torch), as CI has no torch.
//
// fovea -> PyTorch: fovea writes the bytes save_file wrote for the same weights, and a file of fovea's
// own state_dict meets every check of safetensors' loader. tests/parity/check_interchange.py does the
// live round trip with torch (`fovea train --save`, then torch's load_state_dict) where torch exists.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "fovea/autograd.hpp"
#include "fovea/data/mnist.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/random.hpp"
#include "support/idx_files.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;

namespace {

const std::string kWeights = std::string(FOVEA_FIXTURES_DIR) + "/pytorch_cnn_net.safetensors";
const std::string kTorchLogits = std::string(FOVEA_FIXTURES_DIR) + "/pytorch_cnn_net_logits.safetensors";
constexpr int64_t kImages = 1000;

// The comparison of one logit a (fovea) with PyTorch's b:  |a - b| <= kRel * max(|b|, kFloor).
// kRel is the 1e-5. Without a floor a logit near zero would need an absolute accuracy far
// below the rounding noise of the 1,568- and 128-term sums that make it (terms up to ~10, float32
// spacing ~1e-6 there), so the test would depend on both libraries' summation orders. The floor is
// one logit unit: below |b| = 1 the bound is 1e-5 absolute, which keeps every softmax probability
// within 0.5e-5 (the sum over k of |dp_j/dz_k| is 2 p_j (1 - p_j) <= 1/2) and every log-probability
// within 2e-5. Above |b| = 1 (most of these logits: they span about -13 to 17) it is plain relative.
constexpr double kRel = 1e-5;
constexpr double kFloor = 1.0;

// The first n MNIST test images as the seed prepares them (ToTensor, Normalize(0.5, 0.5)), and labels.
std::pair<Tensor, std::vector<int64_t>> first_test_images(int64_t n) {
  namespace T = data::transforms;
  data::MNIST test(FOVEA_MNIST_DIR, /*train=*/false, T::Compose({T::ToTensor(), T::Normalize({0.5f}, {0.5f})}));
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    data::Example e = test.get(i);
    pixels.insert(pixels.end(), e.image.data(), e.image.data() + e.image.numel());
    labels.push_back(e.target);
  }
  return {from_vector(pixels, {n, 1, 28, 28}), labels};
}

std::unique_ptr<models::CNNNet> load_pytorch_model() {
  auto model = std::make_unique<models::CNNNet>();
  nn::LoadStateDictResult r = model->load_state_dict(io::load_safetensors(kWeights), /*strict=*/true);
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  model->eval();  // dropout off, as PyTorch's model.eval()
  return model;
}

std::string file_bytes(const std::string& path) {
  std::vector<uint8_t> b = fovea::testing::read_bytes(path);
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST(Interchange, PyTorchTrainedWeightsGiveTorchsLogitsOnTheFirst1000TestImages) {
  auto model = load_pytorch_model();
  auto [images, labels] = first_test_images(kImages);
  std::map<std::string, Tensor> torch_out = io::load_safetensors(kTorchLogits);
  const Tensor& expected = torch_out.at("logits");
  ASSERT_EQ(expected.shape(), (Shape{kImages, 10}));
  // The same images in the same order: PyTorch's targets are MNIST's first 1,000 labels.
  std::vector<float> torch_targets = torch_out.at("targets").to_vector();
  ASSERT_EQ(torch_targets, std::vector<float>(labels.begin(), labels.end()));

  NoGradGuard no_grad;
  Tensor logits = (*model)(images);
  ASSERT_EQ(logits.shape(), expected.shape());
  const float* a = logits.data();
  const float* b = expected.data();
  double max_abs = 0, max_rel = 0, max_bound_ratio = 0;
  int64_t correct = 0, failures = 0;
  for (int64_t i = 0; i < kImages * 10; ++i) {
    const double diff = std::fabs(double(a[i]) - double(b[i]));
    const double bound = kRel * std::max(std::fabs(double(b[i])), kFloor);
    max_abs = std::max(max_abs, diff);
    max_rel = std::max(max_rel, diff / std::max(std::fabs(double(b[i])), kFloor));
    max_bound_ratio = std::max(max_bound_ratio, diff / bound);
    if (diff > bound && ++failures <= 5)
      ADD_FAILURE() << "logit [" << i / 10 << ", " << i % 10 << "]: fovea " << a[i] << ", PyTorch " << b[i]
                    << ", |diff| " << diff << " > " << bound;
  }
  for (int64_t n = 0; n < kImages; ++n)
    correct += std::max_element(a + n * 10, a + n * 10 + 10) - (a + n * 10) == labels[n];
  EXPECT_EQ(failures, 0) << "logits outside |a - b| <= 1e-5 * max(|b|, 1)";
  // A trained model, so that the logits are far from zero and the comparison means something.
  EXPECT_GE(correct, 900) << "the fixture's model should classify most of the images";
  std::cout << "[ measured ] " << kImages * 10 << " logits: max |a - b| " << max_abs << ", max |a - b| / max(|b|, 1) "
            << max_rel << " (bound 1e-5), accuracy " << correct << "/" << kImages << "\n";
}

// What save_file wrote for PyTorch's weights, fovea writes for the same weights held in its model:
// the format's header (compact JSON, "__metadata__" first, dtype/shape/data_offsets, space padding to
// 8 bytes) and data, bit for bit. Written in the order save_file chose (by name); fovea's own order
// is the state_dict's, which the next test checks against the loader's rules.
TEST(Interchange, FoveaWritesTheBytesSafetensorsWroteForTheSameWeights) {
  io::SafetensorsFile torch_file = io::read_safetensors(kWeights);
  auto model = load_pytorch_model();
  std::map<std::string, Tensor> held;
  for (auto& [name, t] : model->state_dict()) held.emplace(name, t);
  NamedTensors in_file_order;
  for (auto& [name, t] : torch_file.tensors) in_file_order.emplace_back(name, held.at(name));

  fovea::testing::TempDir dir;
  io::save_safetensors(dir / "fovea.safetensors", in_file_order, torch_file.metadata);
  const std::string ours = file_bytes(dir / "fovea.safetensors"), theirs = file_bytes(kWeights);
  ASSERT_EQ(ours.size(), theirs.size());
  uint64_t header_len = 0;
  std::memcpy(&header_len, theirs.data(), 8);
  EXPECT_EQ(ours.substr(0, 8 + header_len), theirs.substr(0, 8 + header_len)) << "the headers differ";
  EXPECT_TRUE(ours == theirs) << "the data differs";
}

// A file of fovea's state_dict, in fovea's order, passes what safetensors.torch.load_file checks
// (safetensors' Metadata::validate and read_metadata): a header length within the file, a JSON object
// beginning with '{', string metadata, known dtypes, offsets that tile the data from 0 to its end
// without gap or overlap, each span the size of its shape; the keys are exactly PyTorch's CNN_net
// keys, so torch's load_state_dict(strict=True) finds "All keys matched".
TEST(Interchange, FoveasStateDictFilePassesSafetensorsLoaderChecksUnderPyTorchsKeys) {
  manual_seed(7);
  models::CNNNet model;
  fovea::testing::TempDir dir;
  io::save_safetensors(dir / "m.safetensors", model.state_dict(), {{"written_by", "fovea"}});
  const std::string bytes = file_bytes(dir / "m.safetensors");

  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  ASSERT_LE(n, bytes.size() - 8);
  ASSERT_LE(n, 100'000'000u);  // safetensors' MAX_HEADER_SIZE
  EXPECT_EQ(n % 8, 0u) << "the data starts 8-byte aligned";
  const std::string text = bytes.substr(8, n);
  ASSERT_EQ(text.front(), '{');
  nlohmann::json header = nlohmann::json::parse(text);
  ASSERT_TRUE(header.is_object());
  const uint64_t data_size = bytes.size() - 8 - n;

  std::vector<std::tuple<uint64_t, uint64_t, std::string>> spans;
  std::set<std::string> keys;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      for (auto& v : it.value()) EXPECT_TRUE(v.is_string());
      continue;
    }
    keys.insert(it.key());
    EXPECT_EQ(it.value().at("dtype"), "F32") << it.key();
    auto shape = it.value().at("shape").get<std::vector<uint64_t>>();
    auto off = it.value().at("data_offsets").get<std::vector<uint64_t>>();
    ASSERT_EQ(off.size(), 2u) << it.key();
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    EXPECT_EQ(off[1] - off[0], count * 4) << it.key();
    spans.emplace_back(off[0], off[1], it.key());
  }
  std::sort(spans.begin(), spans.end());
  uint64_t end = 0;
  for (auto& [begin, stop, name] : spans) {
    EXPECT_EQ(begin, end) << name << ": a gap or an overlap before it";
    end = stop;
  }
  EXPECT_EQ(end, data_size) << "the offsets must cover the data exactly";

  std::set<std::string> torch_keys;
  for (auto& [name, t] : io::read_safetensors(kWeights).tensors) torch_keys.insert(name);
  EXPECT_EQ(keys, torch_keys);

  // The data is each tensor's float32 values, little-endian, row-major.
  for (auto& [name, t] : model.state_dict()) {
    auto off = header.at(name).at("data_offsets").get<std::vector<uint64_t>>();
    EXPECT_EQ(0, std::memcmp(bytes.data() + 8 + n + off[0], t.data(), t.numel() * sizeof(float))) << name;
  }
}
