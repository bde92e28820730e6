// io::export_onnx: the file read back with ONNX's own protobuf classes (opset, nodes in order,
// their attributes, the weights under the state_dict keys, the symbolic batch), accepted by ONNX's
// C++ checker and strict shape inference; what the walk cannot express refused by name, leaving
// nothing behind. That the graph computes fovea's logits is tests/parity/check_onnx.py's job
// (onnxruntime and OpenCV run it there).
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/onnx.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/nn/layers.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace fovea;

onnx::ModelProto read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(bytes)) << path;
  return model;
}

std::vector<std::string> op_types(const onnx::ModelProto& m) {
  std::vector<std::string> ops;
  for (const auto& node : m.graph().node()) ops.push_back(node.op_type());
  return ops;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::vector<int64_t> ints(const onnx::NodeProto& node, const std::string& name) {
  const onnx::AttributeProto* a = attribute(node, name);
  if (!a) return {};
  return {a->ints().begin(), a->ints().end()};
}

int64_t int_attr(const onnx::NodeProto& node, const std::string& name) {
  const onnx::AttributeProto* a = attribute(node, name);
  return a ? a->i() : -999;
}

// "N,1,28,28": dim_param or dim_value per dimension.
std::string dims(const onnx::ValueInfoProto& v) {
  std::string s;
  for (const auto& d : v.type().tensor_type().shape().dim())
    s += (s.empty() ? "" : ",") + (d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
  return s;
}

// ONNX's C++ checker, then shape inference in strict mode (errors thrown, types checked), as
// onnx.checker.check_model(full_check=True) does in Python.
void check_with_onnx(onnx::ModelProto model) {
  EXPECT_NO_THROW(onnx::checker::check_model(model));
  EXPECT_NO_THROW(onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                                     onnx::ShapeInferenceOptions(/*check_type=*/true, /*error_mode=*/1)));
}

// Not a layer the export knows.
class Doubler : public nn::Module {
 public:
  Doubler() : Module("Doubler") {}
  Tensor forward(const Tensor& x) override { return x; }
};

// A container whose forward uses a parameter of its own, which the walk would lose.
class Scaled : public nn::Module {
 public:
  Scaled() : Module("Scaled") {
    register_parameter("scale", ones({1}));
    inner = register_module("inner", std::make_shared<nn::Linear>(4, 2));
  }
  Tensor forward(const Tensor& x) override { return (*inner)(x); }
  std::shared_ptr<nn::Linear> inner;
};

TEST(OnnxExport, SeedCnnReadsBackWithItsLayersAndWeights) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "cnn.onnx";
  models::CNNNet net;
  io::export_onnx(net, path);
  const onnx::ModelProto m = read_model(path);

  EXPECT_EQ(m.ir_version(), 7);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(m.producer_name(), "fovea");

  // dense's Dropout is gone; the view between conv2 and dense is a Flatten.
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm",
                                                   "Relu", "Gemm"}));
  const auto& nodes = m.graph().node();
  EXPECT_EQ(nodes[0].name(), "conv1.0");
  EXPECT_EQ(ints(nodes[0], "kernel_shape"), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(ints(nodes[0], "strides"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(ints(nodes[0], "pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(std::vector<std::string>(nodes[0].input().begin(), nodes[0].input().end()),
            (std::vector<std::string>{"input", "conv1.0.weight", "conv1.0.bias"}));
  EXPECT_EQ(ints(nodes[2], "kernel_shape"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(ints(nodes[2], "strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(ints(nodes[2], "pads"), (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(int_attr(nodes[6], "axis"), 1);
  EXPECT_EQ(int_attr(nodes[7], "transB"), 1);
  EXPECT_EQ(int_attr(nodes[9], "transB"), 1);
  // Each node feeds the next, and the last one is the output.
  for (int i = 1; i < nodes.size(); ++i) EXPECT_EQ(nodes[i].input(0), nodes[i - 1].output(0)) << nodes[i].name();
  EXPECT_EQ(nodes[nodes.size() - 1].output(0), "logits");

  ASSERT_EQ(m.graph().input_size(), 1);
  EXPECT_EQ(m.graph().input(0).name(), "input");
  EXPECT_EQ(dims(m.graph().input(0)), "N,1,28,28");
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().output(0).name(), "logits");
  EXPECT_EQ(dims(m.graph().output(0)), "N,10");

  // The weights: the state_dict's keys in its order, its shapes, its values bit for bit.
  const nn::StateDict state = net.state_dict();
  ASSERT_EQ(m.graph().initializer_size(), int(state.size()));
  for (size_t i = 0; i < state.size(); ++i) {
    const onnx::TensorProto& init = m.graph().initializer(int(i));
    const auto& [key, tensor] = state[i];
    EXPECT_EQ(init.name(), key);
    EXPECT_EQ(init.data_type(), onnx::TensorProto::FLOAT) << key;
    EXPECT_EQ(Shape(init.dims().begin(), init.dims().end()), tensor.shape()) << key;
    ASSERT_EQ(init.raw_data().size(), tensor.numel() * sizeof(float)) << key;
    EXPECT_EQ(std::memcmp(init.raw_data().data(), tensor.data(), init.raw_data().size()), 0) << key;
  }
  check_with_onnx(m);
}

TEST(OnnxExport, StrictShapeInferenceGivesTheLogitsShape) {
  fovea::testing::TempDir dir;
  models::CNNNet net;
  io::export_onnx(net, dir / "cnn.onnx");
  onnx::ModelProto m = read_model(dir / "cnn.onnx");
  onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1));
  std::map<std::string, std::string> inferred;
  for (const auto& v : m.graph().value_info()) inferred[v.name()] = dims(v);
  EXPECT_EQ(inferred["conv1.2_output"], "N,16,14,14");
  EXPECT_EQ(inferred["conv2.2_output"], "N,32,7,7");
  EXPECT_EQ(inferred["dense.0.flatten_output"], "N,1568");
}

TEST(OnnxExport, HighestOpsetUsesIrVersion8) {
  fovea::testing::TempDir dir;
  models::CNNNet net;
  io::export_onnx(net, dir / "cnn17.onnx", {.opset = 17});
  const onnx::ModelProto m = read_model(dir / "cnn17.onnx");
  EXPECT_EQ(m.opset_import(0).version(), 17);
  EXPECT_EQ(m.ir_version(), 8);
  check_with_onnx(m);
}

TEST(OnnxExport, AvgPoolFlattenAndBiasFreeLayers) {
  fovea::testing::TempDir dir;
  nn::Sequential net(nn::Conv2d(3, 4, {3, 5}, {2, 1}, {0, 2}, /*dilation=*/1, /*groups=*/1, /*bias=*/false),
                     nn::AvgPool2d(2, 1, 1), nn::Flatten(),
                     nn::Dropout(0.2f), nn::Linear(4 * 5 * 9, 6, /*bias=*/false));
  io::export_onnx(net, dir / "small.onnx", {.input_shape = {2, 3, 9, 8}});
  const onnx::ModelProto m = read_model(dir / "small.onnx");
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Conv", "AveragePool", "Flatten", "Gemm"}));
  const auto& nodes = m.graph().node();
  EXPECT_EQ(nodes[0].input_size(), 2) << "no bias input";
  EXPECT_EQ(ints(nodes[0], "kernel_shape"), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(ints(nodes[0], "strides"), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(ints(nodes[0], "pads"), (std::vector<int64_t>{0, 2, 0, 2}));
  EXPECT_EQ(ints(nodes[1], "strides"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(ints(nodes[1], "pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(int_attr(nodes[1], "count_include_pad"), 1) << "PyTorch's default";
  EXPECT_EQ(nodes[3].input_size(), 2);
  EXPECT_EQ(m.graph().initializer(0).name(), "0.weight");
  EXPECT_EQ(m.graph().initializer(1).name(), "4.weight");
  EXPECT_EQ(dims(m.graph().input(0)), "N,3,9,8");
  EXPECT_EQ(dims(m.graph().output(0)), "N,6");
  check_with_onnx(m);
}

// Groups and dilation become Conv's group and dilations; ONNX's shape inference, which reads
// them, must agree with the output size the export computed (the dilated kernel spans 5 x 3).
TEST(OnnxExport, GroupedDilatedConvolution) {
  fovea::testing::TempDir dir;
  nn::Sequential net(nn::Conv2d(4, 6, {3, 2}, 1, {1, 0}, {2, 2}, /*groups=*/2), nn::Flatten(),
                     nn::Linear(6 * 7 * 6, 3));
  io::export_onnx(net, dir / "grouped.onnx", {.input_shape = {1, 4, 9, 8}});
  onnx::ModelProto m = read_model(dir / "grouped.onnx");
  const auto& conv = m.graph().node(0);
  EXPECT_EQ(ints(conv, "dilations"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(int_attr(conv, "group"), 2);
  check_with_onnx(m);
  onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1));
  std::map<std::string, std::string> inferred;
  for (const auto& v : m.graph().value_info()) inferred[v.name()] = dims(v);
  EXPECT_EQ(inferred["0_output"], "N,6,7,6");
}

// The issue-11 layers that map to one ONNX node each (or none), checked by ONNX's strict shape
// inference, which must agree with the shapes the export tracked.
TEST(OnnxExport, NormalisationActivationsAndAdaptivePooling) {
  fovea::testing::TempDir dir;
  nn::Sequential net(nn::Conv2d(3, 8, 3, 1, 1), nn::BatchNorm2d(8), nn::LeakyReLU(0.2f), nn::Dropout2d(),
                     nn::AdaptiveMaxPool2d(nn::Pair(4, 3)), nn::Tanh(), nn::AdaptiveAvgPool2d(1), nn::Identity(),
                     nn::Flatten(), nn::Linear(8, 5), nn::BatchNorm1d(5), nn::Sigmoid(), nn::Softmax(1));
  io::export_onnx(net, dir / "layers.onnx", {.input_shape = {2, 3, 8, 9}});
  onnx::ModelProto m = read_model(dir / "layers.onnx");
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Conv", "BatchNormalization", "LeakyRelu", "MaxPool", "Tanh",
                                                   "GlobalAveragePool", "Flatten", "Gemm", "BatchNormalization",
                                                   "Sigmoid", "Softmax"}));
  const auto& nodes = m.graph().node();
  EXPECT_EQ(nodes[1].input(3), "1.running_mean");
  EXPECT_EQ(nodes[1].input(4), "1.running_var");
  EXPECT_EQ(ints(nodes[3], "kernel_shape"), (std::vector<int64_t>{2, 3}));  // 8 x 9 -> 4 x 3
  EXPECT_EQ(int_attr(nodes[10], "axis"), 1);
  check_with_onnx(m);
  onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1));
  std::map<std::string, std::string> inferred;
  for (const auto& v : m.graph().value_info()) inferred[v.name()] = dims(v);
  EXPECT_EQ(inferred["4_output"], "N,8,4,3");
  EXPECT_EQ(inferred["6_output"], "N,8,1,1");
  EXPECT_EQ(dims(m.graph().output(0)), "N,5");
}

TEST(OnnxExport, LayersWithoutAOneNodeFormAreRefused) {
  fovea::testing::TempDir dir;
  auto refusal = [&](nn::ModulePtr layer) {
    nn::Sequential net;
    net.push_back(std::make_shared<nn::Conv2d>(1, 4, 3));
    net.push_back(std::move(layer));
    try {
      io::export_onnx(net, dir / "refused.onnx", {.input_shape = {1, 1, 9, 9}});
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(refusal(std::make_shared<nn::GELU>()).find("cannot export 1 (GELU)"), std::string::npos);
  EXPECT_NE(refusal(std::make_shared<nn::AdaptiveAvgPool2d>(2)).find("windows overlap"), std::string::npos);
  EXPECT_NE(refusal(std::make_shared<nn::BatchNorm2d>(4, 1e-5f, 0.1f, true, false)).find("running statistics"),
            std::string::npos);
  EXPECT_NE(refusal(std::make_shared<nn::BatchNorm2d>(3)).find("expects 3 channels"), std::string::npos);
}

TEST(OnnxExport, ModelWithNoNodeIsAnIdentity) {
  fovea::testing::TempDir dir;
  nn::Sequential net(nn::Dropout(0.5f));
  io::export_onnx(net, dir / "id.onnx", {.input_shape = {1, 7}});
  const onnx::ModelProto m = read_model(dir / "id.onnx");
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Identity"}));
  EXPECT_EQ(m.graph().node(0).input(0), "input");
  EXPECT_EQ(m.graph().node(0).output(0), "logits");
  EXPECT_EQ(dims(m.graph().output(0)), "N,7");
  check_with_onnx(m);
}

TEST(OnnxExport, UnknownModuleIsRefusedByPathAndTypeAndNothingIsWritten) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "bad.onnx";
  nn::Sequential net(nn::Linear(784, 10), std::make_shared<Doubler>());
  try {
    io::export_onnx(net, path, {.input_shape = {1, 784}});
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("1 (Doubler)"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "no temporary left behind";
}

TEST(OnnxExport, ContainerWithItsOwnParameterIsRefused) {
  fovea::testing::TempDir dir;
  Scaled net;
  try {
    io::export_onnx(net, dir / "bad.onnx", {.input_shape = {1, 4}});
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Scaled"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scale"), std::string::npos) << e.what();
  }
}

TEST(OnnxExport, InputShapeTheLayersDoNotFitIsRefusedNamingTheLayer) {
  fovea::testing::TempDir dir;
  models::CNNNet net;
  try {
    io::export_onnx(net, dir / "bad.onnx", {.input_shape = {1, 1, 32, 32}});
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("dense.0 (Linear)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1568"), std::string::npos) << e.what();
  }
  EXPECT_THROW(io::export_onnx(net, dir / "bad.onnx", {.input_shape = {1, 3, 28, 28}}), ValueError);  // conv1: 1 channel
  EXPECT_THROW(io::export_onnx(net, dir / "bad.onnx", {.input_shape = {1, 784}}), ValueError);        // conv1: 4-d input
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.onnx"));
}

TEST(OnnxExport, OpsetOutsideWhatOnnx112KnowsIsRefused) {
  fovea::testing::TempDir dir;
  models::CNNNet net;
  EXPECT_THROW(io::export_onnx(net, dir / "m.onnx", {.opset = 12}), ValueError);
  EXPECT_THROW(io::export_onnx(net, dir / "m.onnx", {.opset = 18}), ValueError);
  EXPECT_THROW(io::export_onnx(net, dir / "m.onnx", {.input_shape = {1, 0, 28, 28}}), ValueError);
  EXPECT_FALSE(std::filesystem::exists(dir / "m.onnx"));
}

TEST(OnnxExport, UnwritablePathIsRefusedAndLeavesNothing) {
  fovea::testing::TempDir dir;
  models::CNNNet net;
  const std::string path = (dir.path() / "missing_folder" / "m.onnx").string();
  EXPECT_THROW(io::export_onnx(net, path), IOError);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing_folder"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(OnnxExport, FailedExportKeepsThePreviousFile) {
  fovea::testing::TempDir dir;
  const std::string path = dir / "m.onnx";
  std::ofstream(path) << "previous";
  nn::Sequential bad(std::make_shared<Doubler>());
  EXPECT_THROW(io::export_onnx(bad, path), ValueError);
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "previous");
}

}  // namespace
