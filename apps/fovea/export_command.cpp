// fovea export: a saved model as an ONNX file, for onnxruntime, OpenCV's dnn and the like. The
// graph is the library's (io::export_onnx); tests/parity/check_onnx.py checks its logits against
// fovea eval's with independent runtimes.
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "command.hpp"
#include "fovea/inference/classifier.hpp"
#include "fovea/io/onnx.hpp"

namespace fovea::app {

namespace {

struct ExportFlags {
  std::string model;
  std::string onnx;
  int64_t opset = io::OnnxExportOptions{}.opset;
};

int run(const ExportFlags& f) {
  check_output_path("--onnx", f.onnx);
  nn::ModulePtr model = inference::load_model(f.model).model;
  io::OnnxExportOptions options;
  options.opset = f.opset;
  io::export_onnx(*model, f.onnx, options);
  const auto bytes = static_cast<uintmax_t>(std::filesystem::file_size(f.onnx));
  std::printf("wrote %s: ONNX opset %" PRId64 ", %ju bytes (%s from %s, input \"input\" N x 1 x 28 x 28, output \"logits\")\n",
              f.onnx.c_str(), f.opset, bytes, model->type_name().c_str(), f.model.c_str());
  return 0;
}

}  // namespace

Command add_export_command(CLI::App& app) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand("export", "write a saved model as an ONNX file (the inference graph: no dropout)");
  cmd->add_option("--model", flags->model, "weights (fovea train --save), a checkpoint, or PyTorch's state_dict in safetensors")
      ->required();
  cmd->add_option("--onnx", flags->onnx, "the ONNX file to write (replaced atomically: a failed export leaves nothing)")
      ->required();
  cmd->add_option("--opset", flags->opset, "ONNX operator set version")
      ->check(CLI::Range(io::kOnnxMinOpset, io::kOnnxMaxOpset))
      ->capture_default_str();
  return {cmd, [flags] { return run(*flags); }};
}

}  // namespace fovea::app
