// The seed's program ("Implementation of convolutional neural network using pytorch - MNIST
// actual combat") written against fovea, section for section. Two fixes over the original: the
// test loader reads the test split (the post loads the training set twice), and evaluation runs
// in eval mode without gradients or optimizer steps (the post trains on its test batches).
//
//   usage: mnist_cnn [DATA_DIR] [EPOCHS]   (default ./data, downloaded there when missing; 10 epochs)
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "fovea/fovea.hpp"

using namespace fovea;
namespace transforms = fovea::data::transforms;

// Build model
class CNN_net : public nn::Module {
 public:
  CNN_net() : nn::Module("CNN_net") {
    // Convolution layer
    conv1 = register_module("conv1", std::make_shared<nn::Sequential>(
                                         nn::Conv2d(1, 16, /*kernel_size=*/{3, 3}, /*stride=*/{1, 1}, /*padding=*/1),
                                         nn::ReLU(/*inplace=*/true), nn::MaxPool2d(/*kernel_size=*/2, /*stride=*/2)));
    conv2 = register_module("conv2", std::make_shared<nn::Sequential>(
                                         nn::Conv2d(16, 32, /*kernel_size=*/{3, 3}, /*stride=*/{1, 1}, /*padding=*/1),
                                         nn::ReLU(/*inplace=*/true), nn::MaxPool2d(/*kernel_size=*/2, /*stride=*/2)));
    // Full connection layer
    dense = register_module("dense", std::make_shared<nn::Sequential>(
                                         nn::Linear(7 * 7 * 32, 128), nn::ReLU(),
                                         nn::Dropout(/*p=*/0.5f),  // alleviates over-fitting
                                         nn::Linear(128, 10)));
  }

  Tensor forward(const Tensor& input) override {
    Tensor x = (*conv1)(input);
    x = (*conv2)(x);
    x = x.view({x.size(0), -1});  // flatten for the fully connected layers
    return (*dense)(x);
  }

  std::shared_ptr<nn::Sequential> conv1, conv2, dense;
};

int parse_epochs(const std::string& text) {
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || value < 1) throw ValueError("EPOCHS must be a whole number >= 1, got '" + text + "'");
  return value;
}

int main(int argc, char** argv) try {
  const std::string root = argc > 1 ? argv[1] : "./data";
  const int epoches = argc > 2 ? parse_epochs(argv[2]) : 10;
  manual_seed(0);

  // Define batch, that is, the sample size of one training
  const int64_t train_batch_size = 128;
  const int64_t test_batch_size = 128;

  // ToTensor maps 0..255 to 0..1, Normalize([0.5], [0.5]) maps that to -1..1
  auto transform = transforms::Compose({transforms::ToTensor(), transforms::Normalize({0.5f}, {0.5f})});

  // Download MNIST if it is not in `root` yet
  auto data_train = std::make_shared<data::MNIST>(root, /*train=*/true, transform, /*download=*/true);
  auto data_test = std::make_shared<data::MNIST>(root, /*train=*/false, transform, /*download=*/true);

  data::DataLoader train_loader(data_train, {.batch_size = train_batch_size, .shuffle = true});
  data::DataLoader test_loader(data_test, {.batch_size = test_batch_size});

  CNN_net model;
  std::cout << model << std::endl;

  // Set training parameters
  const double learn_rate = 1e-3;

  // SGD for optimization (the loss function is cross_entropy, used in the loop below)
  optim::SGD opt(model.parameters(), {.lr = learn_rate, .momentum = 0.95});

  std::cout << "start training..." << std::endl;
  const auto start_time = std::chrono::steady_clock::now();

  for (int epoch = 0; epoch < epoches; ++epoch) {
    // Training set
    double train_loss = 0, train_correct = 0;
    int64_t train_seen = 0;
    model.train();
    for (data::Batch& batch : train_loader) {
      Tensor out = model(batch.images);              // class scores
      Tensor loss = cross_entropy(out, batch.targets);  // calculate loss
      opt.zero_grad();                               // reset gradients
      loss.backward();                               // back propagation
      opt.step();                                    // update parameters
      // The most probable class, compared with the truth: a bool tensor, summed.
      train_correct += sum(eq(out.argmax(1), batch.targets)).item<int64_t>();
      train_loss += loss.item() * batch.size();
      train_seen += batch.size();
    }

    // Test set: eval mode, no gradients, no optimizer steps
    double eval_loss = 0, eval_correct = 0;
    int64_t eval_seen = 0;
    model.eval();
    {
      NoGradGuard no_grad;
      for (data::Batch& batch : test_loader) {
        Tensor out = model(batch.images);
        Tensor loss = cross_entropy(out, batch.targets);
        eval_correct += sum(eq(out.argmax(1), batch.targets)).item<int64_t>();
        eval_loss += loss.item() * batch.size();
        eval_seen += batch.size();
      }
    }

    // Output effect
    std::printf("epoch:%d,Train Loss:%.4f,Train Acc:%.4f,Test Loss:%.4f,Test Acc:%.4f\n", epoch,
                train_loss / train_seen, train_correct / train_seen, eval_loss / eval_seen, eval_correct / eval_seen);
    // Output duration
    std::printf("time is:%.4fs\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count());
    std::fflush(stdout);
  }
  std::cout << "end training." << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "mnist_cnn: error: " << e.what() << std::endl;
  return 1;
}
