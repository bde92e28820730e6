#include "fovea/models/registry.hpp"

#include "fovea/error.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/models/fast_cnn.hpp"
#include "fovea/models/lenet5.hpp"

namespace fovea::models {

std::vector<std::string> model_names() { return {"cnn", "lenet5", "lenet5-relu", "fast"}; }

nn::ModulePtr create_model(const std::string& name, int64_t num_classes) {
  if (num_classes < 2 || num_classes > (int64_t{1} << 20))
    throw ValueError("a model for " + std::to_string(num_classes) + " classes; expected 2 to 2^20");
  if (name == "cnn") return std::make_shared<CNNNet>(num_classes);
  if (name == "lenet5") return std::make_shared<LeNet5>(LeNetStyle::Classic, num_classes);
  if (name == "lenet5-relu") return std::make_shared<LeNet5>(LeNetStyle::Modern, num_classes);
  if (name == "fast") return fast_cnn(num_classes);
  std::string names;
  for (const std::string& n : model_names()) names += (names.empty() ? "" : ", ") + n;
  throw ValueError("unknown model '" + name + "'; expected one of: " + names);
}

Shape model_input_shape() { return {1, 28, 28}; }

}  // namespace fovea::models
