#pragma once
// Exporting a model to ONNX, for inference in another runtime (onnxruntime, OpenCV's dnn, ...):
//
//   fovea::models::CNNNet model;  // trained, or loaded with inference::load_cnn_net
//   fovea::io::export_onnx(model, "model.onnx");
//
// The graph has one input "input" (float, N x C x H x W, the batch dimension symbolic "N") and one
// output "logits" (N x classes). Weights are initializers under the model's state_dict keys
// ("conv1.0.weight", ...), so a reader can match them with a safetensors file of the same model.
//
// HOW THE GRAPH IS BUILT: by walking the module tree, not by tracing forward(). The leaves are
// taken in registration order (depth first, children in the order they were registered) and each
// becomes one node: Conv2d -> Conv, ReLU -> Relu, MaxPool2d -> MaxPool, AvgPool2d -> AveragePool
// (count_include_pad=1, PyTorch's default), Linear -> Gemm(transB=1), Flatten(1, -1) -> Flatten,
// LeakyReLU -> LeakyRelu, Sigmoid, Tanh, Softmax(dim) -> Softmax(axis=dim), BatchNorm1d/2d ->
// BatchNormalization over the running statistics (affine and track_running_stats only),
// AdaptiveAvgPool2d / AdaptiveMaxPool2d -> GlobalAveragePool / GlobalMaxPool for output 1, or one
// AveragePool / MaxPool window when the output size divides the input (other sizes are refused);
// Dropout, Dropout2d and Identity are left out (the graph is for inference, where dropout is the
// identity). GELU, SiLU and StochasticPool2d are refused. A Linear that
// follows a 4-d activation gets a Flatten(axis=1) before it: that is the view(N, -1) that
// models::CNNNet's forward does between conv2 and dense.
//
// This ASSUMES that forward() runs the leaves one after the other, in the order they were
// registered, each feeding the next, with at most such a flatten in between: true of Sequential,
// of the seed's CNN_net and of every model built as a chain of these layers. A model whose forward
// does something else (skips or reuses a layer, adds a residual, concatenates, reorders) is NOT
// described by this walk, and the export cannot tell: such a model needs tracing, which fovea
// does not do yet. Check the result against fovea's own output (tests/parity/check_onnx.py does).
//
// What the walk cannot express is refused with one ValueError naming the module's path and type:
// a module type it does not know, a container with parameters of its own, a Flatten other than
// (1, -1), a layer whose input has the wrong rank or size for the given input_shape.
#include <cstdint>
#include <string>

#include "fovea/nn/module.hpp"
#include "fovea/tensor.hpp"

namespace fovea::io {

struct OnnxExportOptions {
  // The default operator set; 13 to 17 (what Debian 12's onnx 1.12 knows) are accepted.
  int64_t opset = 13;
  // One input's shape, N x C x H x W. N is exported as the symbolic "N"; C, H and W are fixed
  // and checked against the layers (a Linear's in_features must match the flattened size).
  Shape input_shape = {1, 1, 28, 28};
};

// The lowest and highest opset export_onnx writes.
inline constexpr int64_t kOnnxMinOpset = 13;
inline constexpr int64_t kOnnxMaxOpset = 17;

// Writes `model` as an ONNX file at `path`, atomically: a failed export (a refused module, an
// unwritable folder, a full disk) leaves nothing at `path` (or its previous content).
// Throws ValueError (opset, input_shape or a module the walk cannot export) or IOError.
void export_onnx(const nn::Module& model, const std::string& path, const OnnxExportOptions& options = {});

}  // namespace fovea::io
