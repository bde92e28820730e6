// train::SummaryWriter: every file written is read back record by record (event_file.hpp: both
// CRCs checked, each Event parsed with the generated classes). The histogram's buckets are those
// PyTorch's make_histogram gives for the same values. WritesTheSampleTheTensorBoardCheckReads
// also leaves a sample for scripts/check-tensorboard.sh, TensorBoard's own reader.
// Refusals and disk errors: summary_writer_errors_test.cpp.
#include "fovea/train/summary_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "fovea/tensor.hpp"
#include "support/temp_dir.hpp"
#include "train/event_file.hpp"

namespace {

namespace tb = fovea::tensorboard;
using fovea::testing::only_value;
using fovea::testing::png_2x3;
using fovea::testing::read_events;
using fovea::train::SummaryWriter;

// What PyTorch's make_histogram gives for these values with bins="tensorflow" (its code from
// torch/utils/tensorboard/summary.py and writer.py's default_bins, run with numpy 2.4): the right
// limit of each bucket, from the empty one left of the data to the last occupied one.
const std::vector<float> kHistogramValues = {0.5f, 1.0f, 1.0f, 1.25f, 2.0f, 2.5f, 3.0f, 3.75f};
const std::vector<double> kPyTorchBucketLimits = {
    0.47069243095356195, 0.5177616740489182, 0.56953784145381,   0.6264916255991911, 0.6891407881591103,
    0.7580548669750213,  0.8338603536725235, 0.917246389039776,  1.0089710279437536, 1.109868130738129,
    1.220854943811942,   1.3429404381931362, 1.47723448201245,   1.624957930213695,  1.7874537232350647,
    1.9661990955585713,  2.1628190051144287, 2.379100905625872,  2.6170109961884593, 2.8787120958073054,
    3.1665833053880363,  3.48324163592684,   3.8315657995195243};
const std::vector<double> kPyTorchBucketCounts = {0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1,
                                                  0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1};

// The histogram that a writer records for `values`, read back from its file.
tb::HistogramProto histogram_written(const std::vector<float>& values) {
  fovea::testing::TempDir dir;
  std::string path;
  {
    SummaryWriter writer(dir.path().string());
    path = writer.path();
    writer.add_histogram("h", values, 0);
  }
  const std::vector<tb::Event> events = read_events(path);
  if (events.size() != 2 || !only_value(events[1]).has_histo()) throw std::runtime_error("no histogram");
  return only_value(events[1]).histo();
}

std::vector<double> limits_of(const tb::HistogramProto& h) { return {h.bucket_limit().begin(), h.bucket_limit().end()}; }
std::vector<double> counts_of(const tb::HistogramProto& h) { return {h.bucket().begin(), h.bucket().end()}; }

}  // namespace

TEST(SummaryWriter, FirstRecordIsTheFileVersionAndTheNameIsPyTorchs) {
  fovea::testing::TempDir dir;
  const std::string log_dir = dir / "runs/nested/exp";  // parents made too
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string path;
  {
    SummaryWriter writer(log_dir);
    path = writer.path();
  }
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  const std::string name = std::filesystem::path(path).filename().string();
  const std::string prefix = "events.out.tfevents.";
  ASSERT_EQ(name.rfind(prefix, 0), 0u) << name;
  const std::string tail = "." + std::string(host) + "." + std::to_string(getpid()) + ".";
  EXPECT_NE(name.find(tail, prefix.size()), std::string::npos) << name;
  EXPECT_EQ(name.find(tail, prefix.size()) - prefix.size(), 10u) << "seconds in 10 digits: " << name;
  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(log_dir));

  const std::vector<tb::Event> events = read_events(path);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].what_case(), tb::Event::kFileVersion);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_GE(events[0].wall_time(), before - 1.0);
  EXPECT_LE(events[0].wall_time(), before + 60.0);
}

TEST(SummaryWriter, TwoWritersInOneDirectoryGetTwoFiles) {
  fovea::testing::TempDir dir;
  SummaryWriter first(dir.path().string()), second(dir.path().string());
  EXPECT_NE(first.path(), second.path());
}

TEST(SummaryWriter, ReadsBackScalarsImagesAndHistograms) {
  fovea::testing::TempDir dir;
  const std::vector<unsigned char> png = png_2x3();
  std::string path;
  {
    SummaryWriter writer(dir.path().string());
    path = writer.path();
    writer.add_scalar("loss/train", 2.5, 0);
    writer.add_scalar("loss/train", 0.0, 1);  // a oneof member: written although 0
    writer.add_scalar("loss/train", -0.1, 1234567890123);
    writer.add_image("sample", png, 2, 3, 3, 7);
    writer.add_histogram("weights", fovea::from_vector(kHistogramValues, {2, 4}), 9);
  }  // the destructor flushes
  const std::vector<tb::Event> events = read_events(path);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");

  const std::vector<std::pair<int64_t, float>> scalars = {{0, 2.5f}, {1, 0.0f}, {1234567890123, -0.1f}};
  for (size_t i = 0; i < scalars.size(); ++i) {
    const tb::Event& event = events[1 + i];
    EXPECT_EQ(event.step(), scalars[i].first);
    const tb::Summary::Value& value = only_value(event);
    EXPECT_EQ(value.tag(), "loss/train");
    ASSERT_EQ(value.value_case(), tb::Summary::Value::kSimpleValue) << "scalar " << i;
    EXPECT_EQ(value.simple_value(), scalars[i].second);
    EXPECT_GE(event.wall_time(), events[0].wall_time());
  }

  const tb::Summary::Value& image = only_value(events[4]);
  EXPECT_EQ(events[4].step(), 7);
  EXPECT_EQ(image.tag(), "sample");
  ASSERT_TRUE(image.has_image());
  EXPECT_EQ(image.image().width(), 2);
  EXPECT_EQ(image.image().height(), 3);
  EXPECT_EQ(image.image().colorspace(), 3);
  EXPECT_EQ(image.image().encoded_image_string(), std::string(png.begin(), png.end()));

  const tb::Summary::Value& value = only_value(events[5]);
  EXPECT_EQ(events[5].step(), 9);
  EXPECT_EQ(value.tag(), "weights");
  ASSERT_TRUE(value.has_histo());
  const tb::HistogramProto& h = value.histo();
  EXPECT_EQ(h.min(), 0.5);
  EXPECT_EQ(h.max(), 3.75);
  EXPECT_EQ(h.num(), 8.0);
  EXPECT_EQ(h.sum(), 15.0);
  EXPECT_EQ(h.sum_squares(), 37.125);
  double counted = 0;
  for (double n : h.bucket()) counted += n;
  EXPECT_EQ(counted, h.num());
  ASSERT_EQ(h.bucket_limit_size(), h.bucket_size());
  EXPECT_EQ(limits_of(h), kPyTorchBucketLimits);
  EXPECT_EQ(counts_of(h), kPyTorchBucketCounts);
}

TEST(SummaryWriter, HistogramBucketsFollowPyTorchAtTheEdges) {
  // Negative values: PyTorch's limits mirror the positive ones.
  const tb::HistogramProto negative = histogram_written({-2.0f, -1.0f, -1.0f});
  EXPECT_EQ(limits_of(negative), (std::vector<double>{-2.1628190051144287, -1.9661990955585713, -1.7874537232350647,
                                                      -1.624957930213695, -1.47723448201245, -1.3429404381931362,
                                                      -1.220854943811942, -1.109868130738129, -1.0089710279437536,
                                                      -0.917246389039776}));
  EXPECT_EQ(counts_of(negative), (std::vector<double>{0, 1, 0, 0, 0, 0, 0, 0, 0, 2}));
  // 0 sits on an edge: bin [0, 1e-12).
  const tb::HistogramProto zero = histogram_written({0.0f});
  EXPECT_EQ(limits_of(zero), (std::vector<double>{0.0, 1e-12}));
  EXPECT_EQ(counts_of(zero), (std::vector<double>{0, 1}));
  EXPECT_EQ(zero.min(), 0.0);
  EXPECT_EQ(zero.max(), 0.0);
  // A value beyond the outer edges (1e20) lands in no bucket but counts in num and max, as in PyTorch.
  const tb::HistogramProto huge = histogram_written({1e25f, 1.0f});
  EXPECT_EQ(limits_of(huge), (std::vector<double>{0.917246389039776, 1.0089710279437536}));
  EXPECT_EQ(counts_of(huge), (std::vector<double>{0, 1}));
  EXPECT_EQ(huge.num(), 2.0);
  EXPECT_EQ(huge.max(), double(1e25f));
}

// Writes a fixed sample log and the values TensorBoard must read from it (expected.json) into
// $FOVEA_TENSORBOARD_SAMPLE_DIR when set (else a temporary directory), for
//   scripts/check-tensorboard.sh "$FOVEA_TENSORBOARD_SAMPLE_DIR" "$FOVEA_TENSORBOARD_SAMPLE_DIR/expected.json"
TEST(SummaryWriter, WritesTheSampleTheTensorBoardCheckReads) {
  std::optional<fovea::testing::TempDir> temporary;
  std::filesystem::path dir;
  if (const char* named = std::getenv("FOVEA_TENSORBOARD_SAMPLE_DIR"); named && *named) {
    dir = named;
    std::filesystem::create_directories(dir);
    for (const auto& entry : std::filesystem::directory_iterator(dir))  // an earlier run's events would add up
      if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) std::filesystem::remove(entry);
  } else {
    dir = temporary.emplace().path();
  }
  const std::vector<std::pair<int64_t, double>> losses = {{0, 2.5}, {1, 1.25}, {2, 0.1}};
  std::string path;
  {
    SummaryWriter writer(dir.string());
    path = writer.path();
    for (const auto& [step, loss] : losses) writer.add_scalar("loss", loss, step);
    writer.add_image("sample", png_2x3(), 2, 3, 3, 0);
    writer.add_histogram("weights", fovea::from_vector(kHistogramValues, {2, 4}), 2);
  }
  std::ofstream expected(dir / "expected.json");
  expected.precision(17);
  expected << "{\"scalars\": {\"loss\": [";
  for (size_t i = 0; i < losses.size(); ++i)
    expected << (i ? ", " : "") << "[" << losses[i].first << ", " << losses[i].second << "]";
  expected << "]},\n \"images\": {\"sample\": [[0, 2, 3]]},\n"
           << " \"histograms\": {\"weights\": [[2, 0.5, 3.75, 8, 15]]}}\n";
  ASSERT_TRUE(expected.flush()) << "cannot write " << (dir / "expected.json");

  const std::vector<tb::Event> events = read_events(path);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(only_value(events[3]).simple_value(), 0.1f);
  EXPECT_EQ(only_value(events[4]).image().encoded_image_string().size(), png_2x3().size());
  EXPECT_EQ(only_value(events[5]).histo().sum(), 15.0);
}
