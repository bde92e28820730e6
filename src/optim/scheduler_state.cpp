#include "optim/scheduler_state.hpp"

#include <charconv>
#include <cmath>

#include "fovea/error.hpp"

namespace fovea::optim::detail {

std::string number_text(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  FOVEA_INTERNAL_ASSERT(ec == std::errc());
  return std::string(buffer, end);
}

double StateReader::number(const std::string& key) {
  read_[key] = true;
  auto it = state_.find(key);
  if (it == state_.end()) {
    problems_.push_back("missing '" + key + "'");
    return 0.0;
  }
  double value = 0.0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    problems_.push_back("'" + key + "' is '" + text.substr(0, 40) + "', expected a number");
    return 0.0;
  }
  return value;
}

int64_t StateReader::count(const std::string& key, int64_t minimum) {
  const size_t before = problems_.size();
  const double value = number(key);
  if (problems_.size() != before) return minimum;
  if (!(value >= static_cast<double>(minimum) && value < 9.0e15 && value == std::floor(value))) {
    problems_.push_back("'" + key + "' is " + number_text(value) + ", expected a whole number >= " +
                        std::to_string(minimum));
    return minimum;
  }
  return static_cast<int64_t>(value);
}

std::string StateReader::word(const std::string& key) {
  read_[key] = true;
  auto it = state_.find(key);
  if (it == state_.end()) {
    problems_.push_back("missing '" + key + "'");
    return "";
  }
  return it->second;
}

std::vector<double> StateReader::per_group(const std::string& prefix, size_t groups) {
  std::vector<double> out;
  for (size_t g = 0; g < groups; ++g) out.push_back(number(prefix + std::to_string(g)));
  return out;
}

void StateReader::expect_argument(const std::string& key, double expected) {
  const size_t before = problems_.size();
  const double given = number(key);
  // Bit for bit: a schedule made with other arguments is another schedule (nan equals nan here).
  if (problems_.size() == before && !(given == expected || (std::isnan(given) && std::isnan(expected))))
    problems_.push_back("'" + key + "' is " + number_text(given) + " in the state, " + number_text(expected) +
                        " here");
}

void StateReader::finish() {
  for (auto& [key, value] : state_)
    if (!read_.count(key)) problems_.push_back("unexpected key '" + key + "'");
  if (problems_.empty()) return;
  std::string message = who_ + ".load_state_dict: ";
  for (size_t i = 0; i < problems_.size(); ++i) message += (i ? "; " : "") + problems_[i];
  throw ValueError(message);
}

}  // namespace fovea::optim::detail
