// The fovea command. It parses flags and calls the library; the training job itself lives in
// fovea::train, the model in fovea::models, the data in fovea::data.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "fovea/fovea.hpp"
#include "fovea/models/cnn_net.hpp"
#include "fovea/train/trainer.hpp"
#include "fovea/version.hpp"

namespace {

struct TrainFlags {
  int64_t epochs = 10;
  int64_t batch_size = 128;
  int64_t test_batch_size = 128;
  double lr = 1e-3;
  double momentum = 0.95;
  std::string optimizer = "sgd";
  uint64_t seed = 0;
  int threads = 0;  // 0: OpenMP's default (one per core)
  std::string dataset = "mnist";
  std::string data_dir;  // default depends on the dataset
  bool download = true;
  bool timing = false;
  std::string save;  // weights at the end, as safetensors with PyTorch's keys
};

void add_train_flags(CLI::App& cmd, TrainFlags& f) {
  cmd.add_option("--epochs", f.epochs, "passes over the training set")->check(CLI::Range(int64_t{1}, int64_t{100000}))->capture_default_str();
  cmd.add_option("--batch-size", f.batch_size, "training batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--test-batch-size", f.test_batch_size, "evaluation batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--lr", f.lr, "learning rate")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_option("--momentum", f.momentum, "SGD momentum")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd.add_option("--optimizer", f.optimizer, "sgd or adam")->check(CLI::IsMember({"sgd", "adam"}))->capture_default_str();
  cmd.add_option("--seed", f.seed, "seed for initialisation, shuffling and dropout")->capture_default_str();
  cmd.add_option("--threads", f.threads, "CPU threads (default: one per core)")->check(CLI::Range(1, 1024));
  cmd.add_option("--dataset", f.dataset, "mnist or fashion-mnist")->check(CLI::IsMember({"mnist", "fashion-mnist"}))->capture_default_str();
  cmd.add_option("--data", f.data_dir, "folder with the IDX files (default: ./data for MNIST, "
                                       "/usr/share/datasets/fashion-mnist for Fashion-MNIST)");
  cmd.add_flag("!--no-download", f.download, "never download; fail if the files are missing");
  cmd.add_flag("--timing", f.timing, "report on stderr when the first training step has finished");
  cmd.add_option("--save", f.save, "write the trained weights to this safetensors file (PyTorch's state_dict keys)");
}

// Flags that do not apply are refused, not ignored; a --save that cannot be written fails now,
// not after the training it would have kept.
void check_train_flags(const CLI::App& cmd, const TrainFlags& f) {
  if (f.optimizer != "sgd" && cmd.count("--momentum") > 0)
    throw fovea::ValueError("--momentum applies to --optimizer sgd only, not " + f.optimizer);
  if (!f.save.empty()) {
    const std::filesystem::path folder = std::filesystem::absolute(f.save).parent_path();
    if (!std::filesystem::is_directory(folder))
      throw fovea::IOError("--save " + f.save + ": the folder " + folder.string() + " does not exist");
    if (::access(folder.c_str(), W_OK) != 0)
      throw fovea::IOError("--save " + f.save + ": the folder " + folder.string() + " is not writable");
    if (std::filesystem::is_directory(f.save)) throw fovea::IOError("--save " + f.save + ": is a folder, expected a file name");
  }
}

int run_train(const CLI::App& cmd, const TrainFlags& f, std::chrono::steady_clock::time_point started) {
  using namespace fovea;
  check_train_flags(cmd, f);
  cpu_isa();  // a bad FOVEA_CPU_ISA fails here, before anything is printed
  if (f.threads > 0) set_num_threads(f.threads);
  manual_seed(f.seed);

  // The seed's transform: ToTensor, then Normalize([0.5], [0.5]) to [-1, 1].
  auto transform = data::transforms::Compose({data::transforms::ToTensor(), data::transforms::Normalize({0.5f}, {0.5f})});
  std::shared_ptr<data::Dataset> train_set, test_set;
  if (f.dataset == "mnist") {
    std::string root = f.data_dir.empty() ? "./data" : f.data_dir;
    train_set = std::make_shared<data::MNIST>(root, true, transform, f.download);
    test_set = std::make_shared<data::MNIST>(root, false, transform, false);
  } else {
    std::string root = f.data_dir.empty() ? "/usr/share/datasets/fashion-mnist" : f.data_dir;
    train_set = std::make_shared<data::FashionMNIST>(root, true, transform);
    test_set = std::make_shared<data::FashionMNIST>(root, false, transform);
  }
  data::DataLoader train_loader(train_set, {.batch_size = f.batch_size, .shuffle = true, .seed = f.seed});
  data::DataLoader test_loader(test_set, {.batch_size = f.test_batch_size});

  models::CNNNet model;
  std::cout << model << std::endl;
  std::unique_ptr<optim::Optimizer> optimizer;
  if (f.optimizer == "sgd")
    optimizer = std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions{.lr = f.lr, .momentum = f.momentum});
  else
    optimizer = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = f.lr});

  std::cout << "start training..." << std::endl;
  bool first_step_reported = !f.timing;
  auto on_step = [&](int64_t) {
    if (first_step_reported) return;
    first_step_reported = true;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "fovea: first training step finished %.3f s after start\n", s);
  };
  train::fit(
      model, *optimizer, train_loader, test_loader, f.epochs,
      [](const train::EpochReport& r) {
        std::printf("epoch:%lld,Train Loss:%.4f,Train Acc:%.4f,Test Loss:%.4f,Test Acc:%.4f\n",
                    static_cast<long long>(r.epoch), r.train.loss, r.train.accuracy, r.test.loss, r.test.accuracy);
        std::printf("time is:%.4fs\n", r.elapsed_seconds);
        std::fflush(stdout);
      },
      on_step);
  std::cout << "end training." << std::endl;
  if (!f.save.empty()) {
    io::save_safetensors(f.save, model.state_dict());
    std::cout << "saved the weights to " << f.save << std::endl;
  }
  return 0;
}

// What a bug report needs: which fovea, built how, and which kernels it runs on this CPU.
std::string version_text() {
  std::string text = std::string("fovea ") + fovea::version() + "\n";
  text += std::string("git revision: ") + fovea::git_revision() + "\n";
  text += std::string("build type: ") + fovea::build_type() + "\n";
  const fovea::BackendInfo backend = fovea::backend_info();
  text += "oneDNN: " + backend.onednn_version + "\n";
  text += "instruction set on this CPU: fovea kernels " + backend.cpu_isa + ", oneDNN " + backend.onednn_isa;
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  CLI::App app{"fovea: train convolutional networks in C++"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text, "print the version, the build and the instruction sets in use, and exit");
  TrainFlags flags;
  CLI::App* train = app.add_subcommand("train", "train the seed's CNN and evaluate it on the test split after each epoch");
  add_train_flags(*train, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line a user can act on; CLI11's own exit() would add a second.
    std::cerr << "fovea: error: " << e.what() << " (see 'fovea train --help')" << std::endl;
    return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
  } catch (const std::exception& e) {  // from --version: a bad FOVEA_CPU_ISA
    std::cerr << "fovea: error: " << e.what() << std::endl;
    return 1;
  }
  try {
    if (*train) return run_train(*train, flags, started);
  } catch (const std::exception& e) {
    std::cerr << "fovea: error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
