#include "fovea/data/image_folder.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "fovea/data/augment.hpp"
#include "fovea/error.hpp"
#include "fovea/ops.hpp"

namespace fovea::data {

namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm" || ext == ".ppm";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, ImageFolderOptions options)
    : root_(root), options_(std::move(options)) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw IOError(root + ": not a folder; expected one sub-folder of images per class");
  FOVEA_CHECK(options_.size.first >= 0 && options_.size.second >= 0 &&
                  (options_.size.first > 0) == (options_.size.second > 0),
              ValueError, "ImageFolder: size must be two positive numbers, or {0, 0} to keep each image's size; got (",
              options_.size.first, ", ", options_.size.second, ")");
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec))
    if (entry.is_directory()) classes_.push_back(entry.path().filename().string());
  if (ec) throw IOError(root + ": cannot list it (" + ec.message() + ")");
  std::sort(classes_.begin(), classes_.end());
  if (classes_.empty()) throw IOError(root + ": no class folders in it; expected one sub-folder of images per class");
  std::vector<std::string> empty;
  for (size_t c = 0; c < classes_.size(); ++c) {
    std::vector<std::string> files;
    const fs::path folder = fs::path(root) / classes_[c];
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::follow_directory_symlink, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && has_image_extension(it->path())) files.push_back(it->path().string());
    if (ec) throw IOError(folder.string() + ": cannot list it (" + ec.message() + ")");
    // torchvision's order: sorted(os.walk(...)) visits folders by path, then sorted file names.
    std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
      const fs::path pa(a), pb(b);
      return std::pair(pa.parent_path().string(), pa.filename().string()) <
             std::pair(pb.parent_path().string(), pb.filename().string());
    });
    if (files.empty()) empty.push_back(classes_[c]);
    for (std::string& f : files) samples_.emplace_back(std::move(f), static_cast<int64_t>(c));
  }
  if (!empty.empty())
    throw IOError(root + ": no image in the class folder(s) " + joined(empty) +
                  "; expected .png, .jpg, .jpeg, .bmp, .pgm or .ppm files in each");
}

Example ImageFolder::get(int64_t index) const {
  FOVEA_CHECK(index >= 0 && index < size(), ValueError, "ImageFolder: index ", index, " out of range for ", size(),
              " images");
  const auto& [path, target] = samples_[static_cast<size_t>(index)];
  Tensor image = io::read_image(path, options_.color, options_.limits);  // IOError naming the file
  if (image.dim() == 2) image = image.unsqueeze(0);
  if (options_.size.first > 0) image = transforms::resize(image, options_.size.first, options_.size.second);
  image = mul(image, 255.0f);  // raw 0..255, as the other datasets: ToTensor brings it back
  return {options_.transform ? options_.transform(image) : image, target};
}

void check_same_classes(const Dataset& train, const std::string& train_name, const Dataset& test,
                        const std::string& test_name) {
  const std::vector<std::string> a = train.classes(), b = test.classes();
  if (a == b) return;
  const std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::vector<std::string> only_a, only_b;
  std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(only_a));
  std::set_difference(sb.begin(), sb.end(), sa.begin(), sa.end(), std::back_inserter(only_b));
  throw ValueError("the class folders of " + train_name + " and " + test_name + " differ: only in " + train_name +
                   ": " + (only_a.empty() ? "(none)" : joined(only_a)) + "; only in " + test_name + ": " +
                   (only_b.empty() ? "(none)" : joined(only_b)) + " (targets would mean different classes)");
}

}  // namespace fovea::data
