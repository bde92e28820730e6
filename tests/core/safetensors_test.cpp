#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "fovea/error.hpp"
#include "fovea/io/safetensors.hpp"

using namespace fovea;

TEST(Safetensors, RoundTripAndBadFiles) {
  auto dir = std::filesystem::temp_directory_path() / "fovea_safetensors_test";
  std::filesystem::create_directories(dir);
  std::string path = (dir / "a.safetensors").string();
  io::save_safetensors(path, {{"w", from_vector({1, 2, 3, 4, 5, 6}, {2, 3})}, {"b", full({}, 7)}}, {{"k", "v"}});
  auto loaded = io::load_safetensors(path);
  EXPECT_EQ(loaded.at("w").shape(), (Shape{2, 3}));
  EXPECT_EQ(loaded.at("w").to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(loaded.at("b").item(), 7);
  for (const auto& entry : std::filesystem::directory_iterator(dir))  // no temporary left beside it
    EXPECT_EQ(entry.path().filename(), "a.safetensors");

  EXPECT_THROW(io::load_safetensors((dir / "missing").string()), IOError);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  try {
    io::load_safetensors(path);
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "garbage";
  EXPECT_THROW(io::load_safetensors(path), IOError);
  std::filesystem::remove_all(dir);
}

// int64 indices and bool masks round-trip with their dtypes; a non-contiguous view writes its own
// elements in row-major order.
TEST(Safetensors, Int64BoolAndViewsRoundTrip) {
  auto dir = std::filesystem::temp_directory_path() / "fovea_safetensors_dtypes_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "d.safetensors").string();
  const std::vector<int64_t> big{-1, 0, int64_t(1) << 40, 7};
  io::save_safetensors(path, {{"i", from_vector(big, {2, 2})},
                              {"m", from_vector(std::vector<bool>{true, false, true}, {3})},
                              {"t", from_vector({1, 2, 3, 4, 5, 6}, {2, 3}).t()},
                              {"e", zeros({0, 2}, kInt64)}});
  auto loaded = io::load_safetensors(path);
  EXPECT_EQ(loaded.at("i").dtype(), kInt64);
  EXPECT_EQ(loaded.at("i").shape(), (Shape{2, 2}));
  EXPECT_EQ(loaded.at("i").to_vector<int64_t>(), big);
  EXPECT_EQ(loaded.at("m").dtype(), kBool);
  EXPECT_EQ(loaded.at("m").to_vector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(loaded.at("t").shape(), (Shape{3, 2}));
  EXPECT_EQ(loaded.at("t").to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(loaded.at("e").dtype(), kInt64);
  EXPECT_EQ(loaded.at("e").shape(), (Shape{0, 2}));
  std::filesystem::remove_all(dir);
}

// The op fixture written by tests/parity/make_op_fixtures.py (PyTorch's own bytes) reads back with
// its int64 indices and bool masks.
TEST(Safetensors, ReadsPyTorchsInt64AndBool) {
  auto f = io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/ops.safetensors");
  const Tensor index = f.at("index_select.negative.in1");
  EXPECT_EQ(index.dtype(), kInt64);
  EXPECT_EQ(index.to_vector<int64_t>(), (std::vector<int64_t>{3, 0, 3}));
  const Tensor ignore = f.at("nll_loss.ignore_index.in1");
  EXPECT_EQ(ignore.to_vector<int64_t>(), (std::vector<int64_t>{1, -100, 4, 1}));
  const Tensor mask = f.at("eq.broadcast.out0");
  EXPECT_EQ(mask.dtype(), kBool);
  EXPECT_EQ(mask.shape(), (Shape{2, 2}));
  EXPECT_EQ(mask.to_vector<bool>(), (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(f.at("index_select.empty_index.in1").shape(), (Shape{0}));
}
