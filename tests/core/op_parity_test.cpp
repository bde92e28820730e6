// Every op of include/fovea/ops.hpp against PyTorch 1.13's own results: values, and the gradient of
// sum(out0 * gw) for every float input. The cases (broadcast shapes, non-contiguous inputs, empty
// tensors, negative dims, NaN, ties, each loss's options) and the fixture
// tests/fixtures/ops.safetensors come from tests/parity/make_op_fixtures.py, which also writes the
// table of fovea calls included below (op_parity_cases.inc).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "fovea/io/safetensors.hpp"
#include "fovea/ops.hpp"

namespace fovea {
namespace {

using V = std::vector<Tensor>;

V outs(const Tensor& t) { return {t}; }
V outs(const std::tuple<Tensor, Tensor>& t) { return {std::get<0>(t), std::get<1>(t)}; }
V outs(const std::vector<Tensor>& t) { return t; }

struct OpCase {
  const char* name;  // "family.variant"; its tensors are NAME.in0, NAME.out0, NAME.gw, NAME.grad0, ...
  V (*call)(const V& x);
  int inputs;
  int outputs;
  bool gradients;  // PyTorch's gradients of sum(out0 * gw) are in the file
};

void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

const OpCase kCases[] = {
#include "core/op_parity_cases.inc"
};

const std::map<std::string, Tensor>& fixtures() {
  static const auto f = io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/ops.safetensors");
  return f;
}

std::optional<Tensor> find(const std::string& name) {
  auto it = fixtures().find(name);
  if (it == fixtures().end()) return std::nullopt;
  return it->second;
}

// Same shape and dtype; floats within 1e-5 (absolute and relative), NaN where PyTorch has NaN and
// infinities equal; int64 and bool exact.
void expect_same(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what << ": undefined";
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  if (want.dtype() == kInt64) {
    EXPECT_EQ(got.to_vector<int64_t>(), want.to_vector<int64_t>()) << what;
    return;
  }
  if (want.dtype() == kBool) {
    EXPECT_EQ(got.to_vector<bool>(), want.to_vector<bool>()) << what;
    return;
  }
  const std::vector<float> g = got.to_vector(), w = want.to_vector();
  for (size_t i = 0; i < w.size(); ++i) {
    if (std::isnan(w[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " element " << i << ": " << g[i] << ", expected nan";
    } else if (std::isinf(w[i])) {
      EXPECT_EQ(g[i], w[i]) << what << " element " << i;
    } else {
      EXPECT_NEAR(g[i], w[i], 1e-5 + 1e-5 * std::fabs(w[i])) << what << " element " << i;
    }
  }
}

class OpParity : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpParity, MatchesPyTorch) {
  const OpCase& c = GetParam();
  const std::string name = c.name;
  V x;
  for (int i = 0; i < c.inputs; ++i) {
    const std::optional<Tensor> in = find(name + ".in" + std::to_string(i));
    ASSERT_TRUE(in) << name << ".in" << i << " is not in ops.safetensors: rerun make_op_fixtures.py";
    Tensor t = in->detach();  // a handle of its own: requires_grad must not stick to the shared fixture
    if (c.gradients && find(name + ".grad" + std::to_string(i))) t.requires_grad_(true);
    x.push_back(t);
  }
  const V got = c.call(x);
  ASSERT_EQ(static_cast<int>(got.size()), c.outputs) << name;
  for (int i = 0; i < c.outputs; ++i)
    expect_same(got[i], *find(name + ".out" + std::to_string(i)), name + " output " + std::to_string(i));
  if (!c.gradients) return;
  ASSERT_TRUE(got[0].requires_grad()) << name << ": the output has no graph";
  got[0].backward(*find(name + ".gw"));
  for (int i = 0; i < c.inputs; ++i) {
    const std::optional<Tensor> want = find(name + ".grad" + std::to_string(i));
    if (!want) continue;
    const Tensor grad = x[i].grad().defined() ? x[i].grad() : zeros(x[i].shape());
    expect_same(grad, *want, name + " gradient of input " + std::to_string(i));
  }
}

std::string case_name(const ::testing::TestParamInfo<OpCase>& info) {
  std::string s = info.param.name;
  for (char& ch : s)
    if (ch == '.') ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpParity, ::testing::ValuesIn(kCases), case_name);

}  // namespace
}  // namespace fovea
