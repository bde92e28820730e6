// Augmentation: the deterministic functions against torchvision's affine (fixtures from
// tests/parity/make_augment_fixtures.py) and by hand, the random transforms' ranges and
// reproducibility, and the DataLoader's per-sample seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "fovea/data/augment.hpp"
#include "fovea/data/dataloader.hpp"
#include "fovea/io/safetensors.hpp"
#include "fovea/ops.hpp"
#include "support/expect_tensor.hpp"

using namespace fovea;
using namespace fovea::data;
using namespace fovea::data::transforms;
using fovea::testing::error_of;
using fovea::testing::expect_values;

namespace {

const std::map<std::string, Tensor>& fixtures() {
  static const auto f = io::load_safetensors(std::string(FOVEA_FIXTURES_DIR) + "/augment.safetensors");
  return f;
}

// A 1 x 2 x 3 image 0..5.
Tensor small() { return arange(0, 6).reshape({1, 2, 3}); }

// The same image through `transform` under the same sample seed, and under another.
std::pair<Tensor, Tensor> twice(const Transform& transform, const Tensor& image, uint64_t a, uint64_t b) {
  Tensor first, second;
  {
    SampleSeed seed(a);
    first = transform(image);
  }
  {
    SampleSeed seed(b);
    second = transform(image);
  }
  return {first, second};
}

// A dataset of `n` 1 x 4 x 4 images whose pixels all equal the index, through a transform.
class Constant : public Dataset {
 public:
  Constant(int64_t n, Transform transform) : n_(n), transform_(std::move(transform)) {}
  int64_t size() const override { return n_; }
  Example get(int64_t index) const override {
    return {transform_(full({1, 4, 4}, static_cast<float>(index))), index};
  }

 private:
  int64_t n_;
  Transform transform_;
};

}  // namespace

TEST(AugmentFunctional, AffineMatchesTorchvision) {
  struct Case {
    const char* name;
    double angle;
    std::pair<double, double> translate;
    double scale;
    std::pair<double, double> shear;
  };
  const Case cases[] = {{"rotate", 17, {0, 0}, 1.0, {0, 0}},
                        {"shift", 0, {3, -2}, 1.0, {0, 0}},
                        {"scale", 0, {0, 0}, 0.83, {0, 0}},
                        {"shear", 0, {0, 0}, 1.0, {12, -7}},
                        {"all", -23, {-1, 2}, 1.13, {5, 3}}};
  for (const char* image_name : {"gray", "rgb"}) {
    const Tensor image = fixtures().at(std::string("image.") + image_name);
    const float range = std::string(image_name) == "gray" ? 255.0f : 1.0f;
    for (const Case& c : cases)
      for (const auto& [mode, interpolation] :
           {std::pair{"nearest", Interpolation::Nearest}, std::pair{"bilinear", Interpolation::Bilinear}}) {
        const std::string key = std::string(image_name) + "." + c.name + "." + mode;
        const Tensor expected = fixtures().at(key);
        const Tensor got = affine(image, c.angle, c.translate, c.scale, c.shear, interpolation);
        ASSERT_EQ(got.shape(), expected.shape()) << key;
        const std::vector<float> g = got.to_vector(), e = expected.to_vector();
        int64_t differing = 0;
        for (size_t i = 0; i < g.size(); ++i) {
          if (interpolation == Interpolation::Bilinear)
            EXPECT_NEAR(g[i], e[i], 2e-5f * range) << key << " at " << i;
          else
            differing += g[i] != e[i];
        }
        // Nearest: torch computes the grid in float, fovea in double; a coordinate within float
        // rounding of a half-pixel may round the other way. None does in these cases.
        EXPECT_EQ(differing, 0) << key;
      }
  }
}

TEST(AugmentFunctional, ResizeMatchesInterpolate) {
  for (const char* image_name : {"gray", "rgb"}) {
    const Tensor image = fixtures().at(std::string("image.") + image_name);
    const float range = std::string(image_name) == "gray" ? 255.0f : 1.0f;
    for (const auto& [h, w] : {std::pair<int64_t, int64_t>{14, 14}, {40, 31}, {9, 37}}) {
      const std::string key = std::string(image_name) + ".resize." + std::to_string(h) + "x" + std::to_string(w);
      const Tensor expected = fixtures().at(key), got = resize(image, h, w);
      ASSERT_EQ(got.shape(), expected.shape()) << key;
      const std::vector<float> g = got.to_vector(), e = expected.to_vector();
      for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], e[i], 2e-6f * range) << key << " at " << i;
    }
  }
  EXPECT_NE(error_of<ValueError>([] { Resize({0, 3}); }).find("Resize: size"), std::string::npos);
}

TEST(AugmentFunctional, AffineFillAndIdentity) {
  const Tensor image = small();
  expect_values(affine(image, 0, {0, 0}, 1.0, {0, 0}), {1, 2, 3}, {0, 1, 2, 3, 4, 5});
  // One pixel right: the first column comes from outside, filled.
  expect_values(affine(image, 0, {1, 0}, 1.0, {0, 0}, Interpolation::Nearest, -1.0f), {1, 2, 3}, {-1, 0, 1, -1, 3, 4});
  expect_values(affine(image, 0, {1, 0}, 1.0, {0, 0}, Interpolation::Bilinear, -1.0f), {1, 2, 3},
                {-1, 0, 1, -1, 3, 4});
  // Half a pixel, bilinear over the image extended by the fill: the border mixes with it.
  expect_values(affine(image, 0, {0.5, 0}, 1.0, {0, 0}, Interpolation::Bilinear, 2.0f), {1, 2, 3},
                {1, 0.5, 1.5, 2.5, 3.5, 4.5});
  EXPECT_NE(error_of<ValueError>([&] { affine(image, 0, {0, 0}, 0.0, {0, 0}); }).find("scale"), std::string::npos);
  EXPECT_NE(error_of<ShapeError>([&] { affine(zeros({4, 4}), 0, {0, 0}, 1.0, {0, 0}); }).find("C x H x W"),
            std::string::npos);
}

TEST(AugmentFunctional, FlipPadCropEraseBrightnessContrast) {
  const Tensor image = small();
  expect_values(hflip(image), {1, 2, 3}, {2, 1, 0, 5, 4, 3});
  expect_values(pad_image(image, 1, 0, 0, 1, 9.0f), {1, 3, 4}, {9, 0, 1, 2, 9, 3, 4, 5, 9, 9, 9, 9});
  expect_values(crop(image, 1, 1, 1, 2), {1, 1, 2}, {4, 5});
  expect_values(erase(image, 0, 1, 2, 1, -1.0f), {1, 2, 3}, {0, -1, 2, 3, -1, 5});
  expect_values(adjust_brightness(image, 2.0f, 7.0f), {1, 2, 3}, {0, 2, 4, 6, 7, 7});
  // Mean 2.5: 0.5 * x + 0.5 * 2.5.
  expect_values(adjust_contrast(image, 0.5f, 255.0f), {1, 2, 3}, {1.25, 1.75, 2.25, 2.75, 3.25, 3.75});
  EXPECT_NE(error_of<ValueError>([&] { crop(image, 1, 2, 2, 2); }).find("not inside"), std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] { adjust_contrast(zeros({2, 2, 2}), 1.0f, 1.0f); }).find("1 or 3 channels"),
            std::string::npos);
}

TEST(Augment, RandomTransformsFollowTheSampleSeed) {
  const Tensor image = arange(0, 28 * 28).reshape({1, 28, 28});
  const Transform transforms[] = {
      RandomHorizontalFlip(), RandomCrop({28, 28}, {.padding = 4}),
      RandomAffine({.degrees = {-15, 15}, .translate = {0.1, 0.1}, .scale = {0.9, 1.1}, .shear_x = {-5, 5}}),
      RandomErasing({.p = 1.0}), ColorJitter(0.5, 0.5, 1000.0f)};
  for (const Transform& t : transforms) {
    const auto [a, again] = twice(t, image, 7, 7);
    EXPECT_EQ(a.to_vector(), again.to_vector()) << "the same seed, the same result";
    // Across 8 seeds, some results differ (a flip has p = 0.5: 8 seeds all alike is 1 in 128).
    std::set<std::vector<float>> seen;
    for (uint64_t s = 0; s < 8; ++s) seen.insert(twice(t, image, s, s).first.to_vector());
    EXPECT_GT(seen.size(), 1u);
    EXPECT_EQ(a.shape(), image.shape());
  }
}

TEST(Augment, RandomCropAndErasingStayInRange) {
  const Tensor image = ones({1, 8, 8});
  const Transform crop4 = RandomCrop({4, 4});
  const Transform erasing = RandomErasing({.p = 1.0, .scale = {0.1, 0.2}, .value = 0.0f});
  for (uint64_t s = 0; s < 50; ++s) {
    SampleSeed seed(s);
    EXPECT_EQ(crop4(image).shape(), (Shape{1, 4, 4}));
    // 10% to 20% of 64 pixels, rounded sides: between 3 and 16 zeros (never the whole image).
    const float erased = 64.0f - sum(erasing(image)).item();
    EXPECT_GE(erased, 3.0f);
    EXPECT_LE(erased, 16.0f);
  }
  // pad_if_needed: a 4 x 4 crop of a 2 x 3 image pads it to fit.
  EXPECT_EQ(RandomCrop({4, 4}, {.pad_if_needed = true})(ones({1, 2, 3})).shape(), (Shape{1, 4, 4}));
  EXPECT_NE(error_of<ValueError>([&] { RandomCrop({9, 9})(image); }).find("larger than"), std::string::npos);
}

TEST(Augment, BadArgumentsNameTheTransform) {
  EXPECT_NE(error_of<ValueError>([] { RandomHorizontalFlip(1.5); }).find("RandomHorizontalFlip: p"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { RandomAffine({.degrees = {10, -10}}); }).find("RandomAffine: degrees"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { RandomAffine({.translate = {1.5, 0}}); }).find("translate"), std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { RandomErasing({.scale = {0.5, 0.1}}); }).find("RandomErasing: scale"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { ColorJitter(-1, 0); }).find("ColorJitter: brightness"), std::string::npos);
  EXPECT_NE(error_of<ValueError>([] { RandomCrop({0, 4}); }).find("RandomCrop: size"), std::string::npos);
}

TEST(Augment, LoaderAugmentationsDependOnTheSeedAlone) {
  // The value added to each image is drawn per sample: it must not depend on prefetching, and a
  // pass started in the middle (a resumed epoch) must see what the full pass saw.
  const Transform jitter = [](const Tensor& image) { return add(image, sample_generator().uniform()); };
  auto dataset = std::make_shared<Constant>(40, jitter);
  auto pass = [&](int64_t prefetch, int64_t start_at, int passes, int64_t workers = 1) {
    DataLoader loader(dataset,
                      {.batch_size = 8, .shuffle = true, .seed = 5, .prefetch = prefetch, .num_workers = workers});
    std::vector<float> values;
    for (int p = 0; p < passes; ++p) {
      if (p == passes - 1) loader.start_next_pass_at(start_at);
      std::vector<float> this_pass;
      for (auto& batch : loader) {
        const std::vector<float> v = batch.images.to_vector();
        for (int64_t i = 0; i < batch.size(); ++i) this_pass.push_back(v[static_cast<size_t>(i * 16)]);
      }
      values = this_pass;
    }
    return values;
  };
  const std::vector<float> direct = pass(0, 0, 2), prefetched = pass(3, 0, 2);
  EXPECT_EQ(direct, prefetched);
  EXPECT_EQ(direct, pass(4, 0, 2, 3)) << "three workers";
  const std::vector<float> resumed = pass(2, 2, 2);  // batches 2.. of the second pass
  ASSERT_EQ(resumed.size(), direct.size() - 16);
  EXPECT_TRUE(std::equal(resumed.begin(), resumed.end(), direct.begin() + 16));
  // Another pass draws other augmentations.
  EXPECT_NE(pass(0, 0, 1), direct);
  // The shuffle order is the same with and without a random transform: nothing is drawn for them.
  std::vector<float> first_pass = pass(0, 0, 1);
  for (float& v : first_pass) v = std::floor(v);
  DataLoader plain(std::make_shared<Constant>(40, [](const Tensor& t) { return t; }),
                   {.batch_size = 8, .shuffle = true, .seed = 5, .prefetch = 0});
  std::vector<float> order;
  for (auto& batch : plain)
    for (int64_t t : batch.target_list()) order.push_back(static_cast<float>(t));
  EXPECT_EQ(first_pass, order);
}
