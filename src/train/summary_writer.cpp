#include "fovea/train/summary_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "fovea/error.hpp"
#include "train/tensorboard_event.pb.h"  // generated from tensorboard_event.proto in the build tree
#include "train/tfrecord.hpp"

namespace fovea::train {

namespace tb = fovea::tensorboard;

namespace {

double seconds_since_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// PyTorch's name (tensorboard's EventFileWriter): events.out.tfevents.%010d.<host>.<pid>.<uid>,
// the uid a process-wide counter from 0, so two writers opened in one second never share a file.
std::string event_file_name() {
  static std::atomic<int64_t> opened{0};
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%010lld", static_cast<long long>(std::time(nullptr)));
  return std::string("events.out.tfevents.") + seconds + "." + hostname() + "." +
         std::to_string(::getpid()) + "." + std::to_string(opened++);
}

tb::Event event_at(int64_t step) {
  tb::Event event;
  event.set_wall_time(seconds_since_epoch());
  event.set_step(step);
  return event;
}

// ---- histograms, as torch.utils.tensorboard.summary.make_histogram with bins="tensorflow" ----

// PyTorch's SummaryWriter.default_bins (after TensorBoard's generate_testdata.py): 0 and
// +-1e-12 * 1.1^k while below 1e20, 1549 edges of 1548 bins. Built by the same repeated
// multiplication as PyTorch's loop, so every edge is the same double.
const std::vector<double>& default_bucket_edges() {
  static const std::vector<double> edges = [] {
    std::vector<double> positive;
    for (double v = 1e-12; v < 1e20; v *= 1.1) positive.push_back(v);
    std::vector<double> all;
    all.reserve(2 * positive.size() + 1);
    for (auto it = positive.rbegin(); it != positive.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), positive.begin(), positive.end());
    return all;
  }();
  return edges;
}

// The histogram of finite `values` (count > 0) over the default edges, then trimmed as PyTorch
// trims it:
//  * counting is numpy.histogram's: bin i holds edges[i] <= x < edges[i+1], the last bin also
//    its right edge; a value beyond the outer edges (|x| >= 1e20) lands in no bin, yet still
//    counts in num, min, max and sum, as in PyTorch;
//  * TensorBoard keeps only each bucket's right limit, so the histogram runs from the first to the
//    last occupied bin, preceded by one empty bucket whose limit is the first occupied bin's left
//    edge: the drawing then starts where the data starts.
tb::HistogramProto make_histogram(const std::string& tag, const float* values, int64_t count) {
  const std::vector<double>& edges = default_bucket_edges();
  std::vector<double> bins(edges.size() - 1, 0.0);
  double min = values[0], max = values[0], sum = 0.0, sum_squares = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    const double x = values[i];
    min = std::min(min, x);
    max = std::max(max, x);
    sum += x;
    sum_squares += x * x;
    if (x < edges.front() || x > edges.back()) continue;
    const size_t right = size_t(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin());
    bins[std::min(right - 1, bins.size() - 1)] += 1.0;  // x == the last edge: the last bin
  }
  auto occupied = [](double n) { return n > 0.0; };
  const auto first = std::find_if(bins.begin(), bins.end(), occupied);
  if (first == bins.end())
    throw ValueError("add_histogram '" + tag + "': no value within the default buckets (|x| < 1e20)");
  const auto last = std::find_if(bins.rbegin(), bins.rend(), occupied).base() - 1;
  const size_t first_bin = size_t(first - bins.begin()), last_bin = size_t(last - bins.begin());

  tb::HistogramProto histogram;

  histogram.set_min(min);
  histogram.set_max(max);
  histogram.set_num(double(count));
  histogram.set_sum(sum);
  histogram.set_sum_squares(sum_squares);
  histogram.add_bucket_limit(edges[first_bin]);  // the empty bucket left of the data
  histogram.add_bucket(0.0);
  for (size_t b = first_bin; b <= last_bin; ++b) {
    histogram.add_bucket_limit(edges[b + 1]);
    histogram.add_bucket(bins[b]);
  }
  return histogram;
}

// PNG's 8-byte signature, then the IHDR chunk: length, "IHDR", width and height big-endian.
constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

uint32_t big_endian_u32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

void check_png(const std::string& tag, const std::vector<unsigned char>& png, int width, int height,
               int channels) {
  const std::string where = "add_image '" + tag + "': ";
  if (channels != 1 && channels != 3 && channels != 4)
    throw ValueError(where + "channels must be 1, 3 or 4, got " + std::to_string(channels));
  if (width <= 0 || height <= 0)
    throw ValueError(where + "width and height must be positive, got " + std::to_string(width) + "x" +
                     std::to_string(height));
  if (png.size() < 24 || !std::equal(std::begin(kPngSignature), std::end(kPngSignature), png.begin()) ||
      std::memcmp(png.data() + 12, "IHDR", 4) != 0)
    throw ValueError(where + "the bytes are not a PNG file (no PNG signature and IHDR header)");
  const uint32_t png_width = big_endian_u32(png.data() + 16), png_height = big_endian_u32(png.data() + 20);
  if (png_width != uint32_t(width) || png_height != uint32_t(height))
    throw ValueError(where + "the PNG is " + std::to_string(png_width) + "x" + std::to_string(png_height) +
                     " (width x height) but " + std::to_string(width) + "x" + std::to_string(height) +
                     " was given");
}

}  // namespace

void SummaryWriter::CloseFile::operator()(std::FILE* file) const { std::fclose(file); }

SummaryWriter::SummaryWriter(const std::string& log_dir) {
  if (log_dir.empty()) throw ValueError("SummaryWriter: the log directory is an empty string");
  std::error_code error;
  std::filesystem::create_directories(log_dir, error);
  if (error) throw IOError(log_dir + ": cannot create the log directory (" + error.message() + ")");
  path_ = (std::filesystem::path(log_dir) / event_file_name()).string();
  file_.reset(std::fopen(path_.c_str(), "wbe"));  // e: O_CLOEXEC, not inherited by child processes
  if (!file_) throw IOError(path_ + ": cannot create (" + std::strerror(errno) + ")");

  tb::Event event = event_at(0);
  event.set_file_version("brain.Event:2");
  write_record(event.SerializeAsString());
  flush();  // as PyTorch: the file is valid, and a full disk known, from the start
}

SummaryWriter::~SummaryWriter() {
  if (failure_.empty()) std::fflush(file_.get());  // a failure here has nobody left to tell
}

void SummaryWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  tb::Event event = event_at(step);
  tb::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  entry->set_simple_value(static_cast<float>(value));
  write_record(event.SerializeAsString());
}

void SummaryWriter::add_image(const std::string& tag, const std::vector<unsigned char>& png, int width,
                              int height, int channels, int64_t step) {
  check_png(tag, png, width, height, channels);
  tb::Event event = event_at(step);
  tb::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  tb::Summary::Image* image = entry->mutable_image();
  image->set_height(height);
  image->set_width(width);
  image->set_colorspace(channels);
  image->set_encoded_image_string(png.data(), png.size());
  write_record(event.SerializeAsString());
}

void SummaryWriter::add_histogram(const std::string& tag, const Tensor& values, int64_t step) {
  if (!values.defined()) throw ValueError("add_histogram '" + tag + "': the tensor is undefined");
  // data() is always row-major and contiguous: fovea's views share a contiguous storage, and a
  // tensor in a backend (blocked) layout is reordered by data() itself.
  add_histogram(tag, values.data(), values.numel(), step);
}

void SummaryWriter::add_histogram(const std::string& tag, const std::vector<float>& values, int64_t step) {
  add_histogram(tag, values.data(), int64_t(values.size()), step);
}

void SummaryWriter::add_histogram(const std::string& tag, const float* values, int64_t count, int64_t step) {
  if (count == 0) throw ValueError("add_histogram '" + tag + "': no values (the input has no element)");
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]))
      throw ValueError("add_histogram '" + tag + "': value " + std::to_string(values[i]) + " at index " +
                       std::to_string(i) + " is not finite");
  tb::Event event = event_at(step);
  tb::Summary::Value* entry = event.mutable_summary()->add_value();
  entry->set_tag(tag);
  *entry->mutable_histo() = make_histogram(tag, values, count);
  write_record(event.SerializeAsString());
}

void SummaryWriter::write_record(const std::string& event) {
  throw_if_failed();
  const std::string record = detail::tfrecord(event);
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size()) fail(errno, "cannot write");
}

void SummaryWriter::flush() {
  throw_if_failed();
  if (std::fflush(file_.get()) != 0) fail(errno, "cannot write");
}

void SummaryWriter::fail(int error, const char* what) {
  failure_ = path_ + ": " + what + " (" + std::strerror(error) + ")";
  throw IOError(failure_);
}

void SummaryWriter::throw_if_failed() const {
  if (!failure_.empty()) throw IOError(failure_);
}

}  // namespace fovea::train
