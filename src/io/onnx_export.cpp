// ONNX export (see fovea/io/onnx.hpp for what the walk assumes). The graph is built with the
// classes protoc generated from onnx.proto (Debian's libonnx-dev), so the bytes are protobuf's own
// encoding, not ours; we only decide which nodes to write.
//
// The walk keeps the shape of the activation after each node, per sample (C x H x W, or F after a
// flatten). That is what lets it insert the Flatten a Linear needs, and refuse, naming the layer,
// an input_shape the layers do not fit rather than write a graph no runtime could run.
#include <bit>
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "fovea/error.hpp"
#include "fovea/io/onnx.hpp"
#include "fovea/nn/layers.hpp"
#include "fovea/version.hpp"
#include "support/atomic_file.hpp"

namespace fovea::io {

namespace {

static_assert(std::endian::native == std::endian::little, "TensorProto.raw_data is little-endian");

// "conv1.0 (Conv2d)"; the exported model itself, which has no path within itself, by its type.
std::string where(const std::string& path, const nn::Module& m) {
  return path.empty() ? m.type_name() : path + " (" + m.type_name() + ")";
}

std::string shape_text(const Shape& per_sample) {
  std::string s = "[N";
  for (int64_t d : per_sample) s += ", " + std::to_string(d);
  return s + "]";
}

void add_ints(onnx::NodeProto& node, const char* name, std::vector<int64_t> values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void add_int(onnx::NodeProto& node, const char* name, int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void add_float(onnx::NodeProto& node, const char* name, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_float_type(onnx::ValueInfoProto& value, const std::string& name, const Shape& per_sample) {
  value.set_name(name);
  onnx::TypeProto_Tensor* tensor = value.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int64_t d : per_sample) shape->add_dim()->set_dim_value(d);
}

// Output size of a convolution or pooling window along one axis (PyTorch's floor, ceil_mode=False).
int64_t window_out(int64_t in, int64_t kernel, int64_t stride, int64_t padding) {
  return (in + 2 * padding - kernel) / stride + 1;
}

class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& graph, std::string input, Shape per_sample)
      : graph_(graph), shape_(std::move(per_sample)), current_(std::move(input)) {}

  // Depth first, children in registration order: the walk onnx.hpp documents.
  void walk(const nn::Module& m, const std::string& path) {
    if (m.named_children().empty()) return add_leaf(m, path);
    // A container's own parameters would be used by its forward, which the walk does not see.
    for (const auto& [name, tensor] : m.named_parameters())
      if (name.find('.') == std::string::npos) refuse(m, path, "it is a container with a parameter of its own (" + name + ")");
    for (const auto& [name, tensor] : m.named_buffers())
      if (name.find('.') == std::string::npos) refuse(m, path, "it is a container with a buffer of its own (" + name + ")");
    for (const auto& [name, child] : m.named_children()) walk(*child, path.empty() ? name : path + "." + name);
  }

  // Names the last node's output "logits" (an Identity when no node was written, e.g. only Dropout).
  const Shape& finish(const std::string& output_name) {
    if (graph_.node_size() == 0) add_node("Identity", "identity", {current_});
    graph_.mutable_node(graph_.node_size() - 1)->set_output(0, output_name);
    return shape_;
  }

 private:
  [[noreturn]] void refuse(const nn::Module& m, const std::string& path, const std::string& why) const {
    throw ValueError("ONNX export: cannot export " + where(path, m) + ": " + why);
  }

  void require_rank(const nn::Module& m, const std::string& path, size_t rank, const char* what) const {
    if (shape_.size() != rank)
      refuse(m, path, std::string("it expects ") + what + ", but the activation reaching it is " + shape_text(shape_));
  }

  onnx::NodeProto& add_node(const char* op, const std::string& name, std::vector<std::string> inputs) {
    onnx::NodeProto* node = graph_.add_node();
    node->set_op_type(op);
    node->set_name(name);
    for (const std::string& in : inputs) node->add_input(in);
    current_ = name + "_output";
    node->add_output(current_);
    return *node;
  }

  // The tensor as an initializer under its state_dict key.
  std::string add_initializer(const std::string& key, const Tensor& t) {
    onnx::TensorProto* init = graph_.add_initializer();
    init->set_name(key);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : t.shape()) init->add_dims(d);
    init->set_raw_data(t.data(), static_cast<size_t>(t.numel()) * sizeof(float));
    return key;
  }

  static std::string key(const std::string& path, const char* name) { return path.empty() ? name : path + "." + name; }

  void add_leaf(const nn::Module& m, const std::string& path) {
    const std::string node_name = path.empty() ? m.type_name() : path;
    if (auto* conv = dynamic_cast<const nn::Conv2d*>(&m)) {
      require_rank(m, path, 3, "an N x C x H x W input");
      if (shape_[0] != conv->in_channels())
        refuse(m, path, "it expects " + std::to_string(conv->in_channels()) + " input channels, but the activation reaching it is " +
                            shape_text(shape_));
      const nn::Pair k = conv->kernel_size(), s = conv->stride(), p = conv->padding();
      std::vector<std::string> inputs = {current_, add_initializer(key(path, "weight"), conv->weight)};
      if (conv->bias.defined()) inputs.push_back(add_initializer(key(path, "bias"), conv->bias));
      onnx::NodeProto& node = add_node("Conv", node_name, inputs);
      add_ints(node, "kernel_shape", {k.h, k.w});
      add_ints(node, "strides", {s.h, s.w});
      add_ints(node, "pads", {p.h, p.w, p.h, p.w});
      const nn::Pair d = conv->dilation();
      add_ints(node, "dilations", {d.h, d.w});
      add_int(node, "group", conv->groups());
      // A dilated kernel covers d * (k - 1) + 1 inputs: the window that sizes the output.
      set_window_output(m, path, conv->out_channels(), nn::Pair(d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1), s, p);
    } else if (dynamic_cast<const nn::ReLU*>(&m)) {
      add_node("Relu", node_name, {current_});
    } else if (auto* pool = dynamic_cast<const nn::MaxPool2d*>(&m)) {
      add_pool("MaxPool", m, path, node_name, pool->kernel_size(), pool->stride(), pool->padding());
    } else if (auto* pool = dynamic_cast<const nn::AvgPool2d*>(&m)) {
      onnx::NodeProto& node = add_pool("AveragePool", m, path, node_name, pool->kernel_size(), pool->stride(), pool->padding());
      add_int(node, "count_include_pad", 1);  // PyTorch's default, and fovea's avg_pool2d
    } else if (dynamic_cast<const nn::Dropout*>(&m) || dynamic_cast<const nn::Dropout2d*>(&m) ||
               dynamic_cast<const nn::Identity*>(&m)) {
      // The identity at inference: no node.
    } else if (dynamic_cast<const nn::Sigmoid*>(&m)) {
      add_node("Sigmoid", node_name, {current_});
    } else if (dynamic_cast<const nn::Tanh*>(&m)) {
      add_node("Tanh", node_name, {current_});
    } else if (auto* leaky = dynamic_cast<const nn::LeakyReLU*>(&m)) {
      add_float(add_node("LeakyRelu", node_name, {current_}), "alpha", leaky->negative_slope());
    } else if (auto* softmax = dynamic_cast<const nn::Softmax*>(&m)) {
      // Opset 13 on: Softmax normalises along the one axis, as PyTorch's (the batch counted in).
      const int64_t rank = int64_t(shape_.size()) + 1;
      if (softmax->dim() < -rank || softmax->dim() >= rank)
        refuse(m, path, "its dim is out of range for the activation reaching it, N x " + shape_text(shape_));
      add_int(add_node("Softmax", node_name, {current_}), "axis", softmax->dim());
    } else if (auto* bn = dynamic_cast<const nn::BatchNorm*>(&m)) {
      add_batch_norm(*bn, path, node_name);
    } else if (auto* pool = dynamic_cast<const nn::AdaptiveAvgPool2d*>(&m)) {
      add_adaptive_pool(m, path, node_name, pool->output_size(), "GlobalAveragePool", "AveragePool");
    } else if (auto* pool = dynamic_cast<const nn::AdaptiveMaxPool2d*>(&m)) {
      add_adaptive_pool(m, path, node_name, pool->output_size(), "GlobalMaxPool", "MaxPool");
    } else if (auto* flatten = dynamic_cast<const nn::Flatten*>(&m)) {
      const int64_t end = flatten->end_dim();
      if (flatten->start_dim() != 1 || (end != -1 && end != int64_t(shape_.size())))
        refuse(m, path, "ONNX's Flatten keeps the batch dimension and joins all others; only Flatten(1, -1) is that");
      add_flatten(node_name);
    } else if (auto* linear = dynamic_cast<const nn::Linear*>(&m)) {
      // The view(N, -1) a model's forward does before its first Linear (models::CNNNet's).
      if (shape_.size() > 1) add_flatten(node_name + ".flatten");
      if (shape_[0] != linear->in_features())
        refuse(m, path, "it expects " + std::to_string(linear->in_features()) + " input features, but the activation reaching it " +
                            "has " + std::to_string(shape_[0]) + " per sample");
      std::vector<std::string> inputs = {current_, add_initializer(key(path, "weight"), linear->weight)};
      if (linear->bias.defined()) inputs.push_back(add_initializer(key(path, "bias"), linear->bias));
      onnx::NodeProto& node = add_node("Gemm", node_name, inputs);
      add_int(node, "transB", 1);  // weight is out x in, as PyTorch's: y = x W^T + b
      shape_ = {linear->out_features()};
    } else {
      refuse(m, path, "the export knows Sequential and other containers of Conv2d, Linear, ReLU, LeakyReLU, Sigmoid, "
                      "Tanh, Softmax, BatchNorm1d/2d (with running statistics), MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and "
                      "AdaptiveMaxPool2d (output sizes dividing the input), Dropout, Dropout2d, Identity and Flatten(1, -1), "
                      "and nothing else; a model like this one needs tracing, which fovea does not do");
    }
  }

  // Inference-mode BatchNormalization over the running statistics, under their state_dict keys.
  void add_batch_norm(const nn::BatchNorm& bn, const std::string& path, const std::string& node_name) {
    if (!bn.track_running_stats())
      refuse(bn, path, "without running statistics it normalises with each batch's, which an inference graph cannot");
    if (!bn.affine()) refuse(bn, path, "it has no weight and bias (affine=False), which BatchNormalization needs as inputs");
    if (shape_.empty() || shape_[0] != bn.num_features())
      refuse(bn, path, "it expects " + std::to_string(bn.num_features()) + " channels, but the activation reaching it is " +
                           shape_text(shape_));
    onnx::NodeProto& node = add_node("BatchNormalization", node_name,
                                     {current_, add_initializer(key(path, "weight"), bn.weight),
                                      add_initializer(key(path, "bias"), bn.bias),
                                      add_initializer(key(path, "running_mean"), bn.running_mean),
                                      add_initializer(key(path, "running_var"), bn.running_var)});
    add_float(node, "epsilon", bn.eps());
  }

  // Global pooling for output size 1; a plain pooling window when the output divides the input
  // (PyTorch's adaptive windows are then exactly kernel = stride = in / out); refused otherwise.
  void add_adaptive_pool(const nn::Module& m, const std::string& path, const std::string& node_name, nn::Pair out,
                         const char* global_op, const char* window_op) {
    require_rank(m, path, 3, "an N x C x H x W input");
    if (out.h == 1 && out.w == 1) {
      add_node(global_op, node_name, {current_});
      shape_ = {shape_[0], 1, 1};
      return;
    }
    if (shape_[1] % out.h != 0 || shape_[2] % out.w != 0)
      refuse(m, path, "its windows overlap or differ in size for the activation reaching it, " + shape_text(shape_) +
                          " (only output sizes that divide the input export, as one pooling window)");
    const nn::Pair k(shape_[1] / out.h, shape_[2] / out.w);
    onnx::NodeProto& node = add_node(window_op, node_name, {current_});
    add_ints(node, "kernel_shape", {k.h, k.w});
    add_ints(node, "strides", {k.h, k.w});
    set_window_output(m, path, shape_[0], k, k, nn::Pair(0));
  }

  onnx::NodeProto& add_pool(const char* op, const nn::Module& m, const std::string& path, const std::string& node_name, nn::Pair k,
                            nn::Pair s, nn::Pair p) {
    require_rank(m, path, 3, "an N x C x H x W input");
    onnx::NodeProto& node = add_node(op, node_name, {current_});
    add_ints(node, "kernel_shape", {k.h, k.w});
    add_ints(node, "strides", {s.h, s.w});
    add_ints(node, "pads", {p.h, p.w, p.h, p.w});
    set_window_output(m, path, shape_[0], k, s, p);
    return node;
  }

  void set_window_output(const nn::Module& m, const std::string& path, int64_t channels, nn::Pair k, nn::Pair s, nn::Pair p) {
    const int64_t h = window_out(shape_[1], k.h, s.h, p.h), w = window_out(shape_[2], k.w, s.w, p.w);
    if (h < 1 || w < 1)
      refuse(m, path, "its window does not fit the activation reaching it, " + shape_text(shape_));
    shape_ = {channels, h, w};
  }

  void add_flatten(const std::string& node_name) {
    onnx::NodeProto& node = add_node("Flatten", node_name, {current_});
    add_int(node, "axis", 1);
    int64_t features = 1;
    for (int64_t d : shape_) features *= d;
    shape_ = {features};
  }

  onnx::GraphProto& graph_;
  Shape shape_;          // the activation after the last node, per sample
  std::string current_;  // its name in the graph
};

// The oldest IR version that knows the opset (onnx/docs/Versioning.md), so older runtimes load it.
int64_t ir_version_for(int64_t opset) { return opset <= 14 ? 7 : 8; }

}  // namespace

void export_onnx(const nn::Module& model, const std::string& path, const OnnxExportOptions& options) {
  if (options.opset < kOnnxMinOpset || options.opset > kOnnxMaxOpset)
    throw ValueError("ONNX export: opset " + std::to_string(options.opset) + " is not supported; expected " +
                     std::to_string(kOnnxMinOpset) + " to " + std::to_string(kOnnxMaxOpset));
  const Shape& in = options.input_shape;
  bool positive = in.size() >= 2;
  for (int64_t d : in) positive = positive && d > 0;
  if (!positive)
    throw ValueError("ONNX export: input_shape " + to_string(in) + " must have a batch dimension and at least one more, "
                     "all positive (N x C x H x W for a convolutional model)");

  onnx::ModelProto proto;
  proto.set_ir_version(ir_version_for(options.opset));
  proto.set_producer_name("fovea");
  proto.set_producer_version(version());
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);

  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name(model.type_name());
  graph->set_doc_string("exported by fovea from " + model.type_name() +
                        " by walking its modules in registration order (see fovea/io/onnx.hpp)");
  const Shape per_sample(in.begin() + 1, in.end());
  set_float_type(*graph->add_input(), "input", per_sample);
  GraphBuilder builder(*graph, "input", per_sample);
  builder.walk(model, "");
  const Shape& out = builder.finish("logits");
  set_float_type(*graph->add_output(), "logits", out);

  if (proto.ByteSizeLong() > size_t{INT_MAX})
    throw ValueError("ONNX export: " + model.type_name() + " needs " + std::to_string(proto.ByteSizeLong()) +
                     " bytes, over protobuf's 2 GiB limit for one message");
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw IOError(path + ": protobuf could not serialize the ONNX model");
  support::write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace fovea::io
