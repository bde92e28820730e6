// fovea predict, run as a user would: on MNIST's own test images written out as PNG files it
// agrees with fovea eval on every image; a folder is walked in sorted order; a file that is not an
// image, an image too small or too large, an empty or unreadable folder each get one error line
// naming them while the other files are still classified, and the exit status says so at the end.
#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fovea/data/mnist.hpp"
#include "fovea/io/safetensors.hpp"
#include "support/idx_files.hpp"
#include "support/png_bytes.hpp"
#include "support/run_cli.hpp"
#include "support/temp_dir.hpp"

using namespace fovea;
using fovea::testing::CliResult;
using fovea::testing::run_cli;

namespace {

// A CNN_net trained in PyTorch (tests/parity/make_interchange_fixtures.py): a real model, so
// that agreeing on every image means something.
const std::string kModel = std::string(FOVEA_FIXTURES_DIR) + "/pytorch_cnn_net.safetensors";
constexpr int kImages = 300;

// The first `count` MNIST test images as 28 x 28 grayscale PNG files 00000.png, 00001.png, ...
void write_test_pngs(const std::string& dir, int count) {
  data::MNIST test(FOVEA_MNIST_DIR, false);
  const std::vector<uint8_t> pixels = test.pixels();
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%05d.png", i);
    ASSERT_TRUE(stbi_write_png((dir + name).c_str(), 28, 28, 1, pixels.data() + i * 28 * 28, 28));
  }
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

TEST(Predict, AgreesWithEvalOnEveryMnistTestImageWrittenAsPng) {
  fovea::testing::TempDir dir;
  const std::string images = dir / "images";
  std::filesystem::create_directory(images);
  write_test_pngs(images, kImages);
  const std::string logits_file = dir / "logits.safetensors";
  CliResult eval = run_cli("eval --model " + kModel + " --data " + FOVEA_MNIST_DIR + " --limit " +
                           std::to_string(kImages) + " --logits " + logits_file);
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  CliResult predict = run_cli("predict --json --model " + kModel + " " + images);
  ASSERT_EQ(predict.exit_code, 0) << predict.err;
  EXPECT_EQ(predict.err, "");
  const std::vector<nlohmann::json> lines = json_lines(predict.out);
  ASSERT_EQ(lines.size(), size_t(kImages));
  const Tensor logits = io::load_safetensors(logits_file).at("logits");
  const std::vector<int64_t> eval_labels = logits.argmax(1).to_vector<int64_t>();
  for (int i = 0; i < kImages; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%05d.png", i);
    EXPECT_EQ(lines[i]["file"], images + name) << "not in sorted order";
    EXPECT_EQ(lines[i]["label"].get<int64_t>(), eval_labels[i]) << images + name;
    EXPECT_EQ(lines[i]["top"].size(), 3u);
    EXPECT_EQ(lines[i]["top"][0]["label"], lines[i]["label"]);
  }
  // The text form: "path: label (p=...)" and the top 3.
  CliResult text = run_cli("predict --model " + kModel + " " + images + "/00000.png");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind(images + "/00000.png: 7 (p=", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("top 3: 7 "), std::string::npos) << text.out;
}

TEST(Predict, EachBadFileIsOneLineAndTheOthersAreStillClassified) {
  fovea::testing::TempDir dir;
  write_test_pngs(dir / "", 2);
  fovea::testing::write_bytes(dir / "notes.png", {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e', '\n'});
  const unsigned char white[3] = {255, 255, 255};
  ASSERT_TRUE(stbi_write_png((dir / "dot.png").c_str(), 1, 1, 3, white, 3));
  // 20000 x 20000 in a few hundred bytes: refused from its header, without allocating 400 MP.
  const std::vector<unsigned char> rows(1 + 20000 / 8, 0);
  const auto huge = fovea::testing::make_png(20000, 20000, 1, rows);
  fovea::testing::write_bytes(dir / "huge.png", std::vector<uint8_t>(huge.begin(), huge.end()));

  CliResult r = run_cli("predict --model " + kModel + " " + dir / "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("00000.png: 7 (p="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("00001.png: 2 (p="), std::string::npos) << r.out;
  std::istringstream err(r.err);
  std::vector<std::string> errors;
  for (std::string line; std::getline(err, line);) errors.push_back(line);
  ASSERT_EQ(errors.size(), 3u) << r.err;
  // Sorted order: dot.png, huge.png, notes.png.
  EXPECT_NE(errors[0].find("dot.png"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("too small"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("huge.png"), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("limit"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("notes.png"), std::string::npos) << errors[2];
  EXPECT_NE(errors[2].find("not an image"), std::string::npos) << errors[2];
  for (const std::string& e : errors) EXPECT_EQ(e.rfind("fovea: error: ", 0), 0u) << e;
}

TEST(Predict, EmptyMissingAndUnreadableFoldersAreOneLineEach) {
  fovea::testing::TempDir dir;
  std::filesystem::create_directory(dir / "empty");
  fovea::testing::expect_one_line_error(run_cli("predict --model " + kModel + " " + dir / "empty"),
                                        "no PNG, JPEG, BMP or PGM/PPM files");
  fovea::testing::expect_one_line_error(run_cli("predict --model " + kModel + " " + dir / "missing.png"), "missing.png");
  // Unreadable: a folder its reader may not list. Root may list anything, so as root the command
  // runs as the unprivileged user nobody (setpriv, from util-linux, which every Debian has).
  const std::string locked = dir / "locked";
  std::filesystem::create_directory(locked);
  write_test_pngs(locked, 1);
  ASSERT_EQ(::chmod(locked.c_str(), 0), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string as_user = ::geteuid() == 0 ? "--reuid=65534 --regid=65534 --clear-groups " : "";
  const std::string cmd = ::geteuid() == 0 ? "setpriv " + as_user + FOVEA_CLI_PATH : FOVEA_CLI_PATH;
  const std::string out = dir / "out.txt", err = dir / "err.txt";
  const int status = std::system((cmd + " predict --model " + kModel + " " + locked + " >" + out + " 2>" + err).c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const auto bytes = fovea::testing::read_bytes(err);
  const std::string message(bytes.begin(), bytes.end());
  EXPECT_EQ(message.rfind("fovea: error: " + locked + ": cannot read the folder", 0), 0u) << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1) << message;
  ::chmod(locked.c_str(), 0755);
}
