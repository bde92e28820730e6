#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
