#pragma once
// Elementwise iteration over several operands that share one shape but each have their own
// strides: the loop behind every elementwise op, copy, conversion and broadcast. Kernels are then
// written for one row (a count and one stride per operand); this file walks the rows.
//
// Before the walk, dimensions are merged wherever every operand steps through them as through one
// (a contiguous tensor becomes a single row of numel elements; a [N, C] plus [C] broadcast becomes
// N rows of C), so that rows are as long as the strides allow and the row kernel's unit-stride
// case, the vectorised one, is the common one. Rows are split across threads above a size
// threshold (kGrainSize elements per thread, PyTorch's figure); each row runs on one thread, so a
// result never depends on the thread count.
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace fovea::kernels::cpu {

// Elements below which a loop stays on one thread (at::internal::GRAIN_SIZE).
inline constexpr int64_t kGrainSize = 32768;

// Calls f(begin, end) on disjoint ranges covering [0, count), on OpenMP's threads when the work
// (count * cost_per_item elements) is above kGrainSize, else once on this thread.
void parallel_for(int64_t count, int64_t cost_per_item, const std::function<void(int64_t, int64_t)>& f);

template <int N>
class StridedLoop {
 public:
  // `shape` is shared by all operands; strides[k] holds operand k's stride per dimension, in
  // bytes (0 along a broadcast dimension).
  StridedLoop(const std::vector<int64_t>& shape, const std::array<std::vector<int64_t>, N>& strides) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 0) numel_ = 0;
      if (shape[d] == 1) continue;  // steps nowhere: drop it
      const bool merges = !shape_.empty() && [&] {
        for (int k = 0; k < N; ++k)
          if (strides_[k].back() != strides[k][d] * shape[d]) return false;
        return true;
      }();
      if (merges) {
        shape_.back() *= shape[d];
        for (int k = 0; k < N; ++k) strides_[k].back() = strides[k][d];
      } else {
        shape_.push_back(shape[d]);
        for (int k = 0; k < N; ++k) strides_[k].push_back(strides[k][d]);
      }
    }
    if (numel_ != 0) {
      numel_ = 1;
      for (int64_t s : shape_) numel_ *= s;
    }
    if (shape_.empty()) {  // a scalar, or all sizes 1: one row of one element
      shape_.push_back(1);
      for (int k = 0; k < N; ++k) strides_[k].push_back(0);
    }
  }

  int64_t numel() const { return numel_; }
  int64_t row_length() const { return shape_.back(); }
  int64_t rows() const { return numel_ == 0 ? 0 : numel_ / shape_.back(); }
  // Operand k's stride within a row, in bytes.
  int64_t inner_stride(int k) const { return strides_[k].back(); }

  // Calls row(ptrs, n) for every row: ptrs[k] is operand k's first element of the row; within it
  // operand k steps by inner_stride(k) bytes.
  template <typename RowFn>
  void run(const std::array<char*, N>& base, RowFn row, bool parallel = true) const {
    const int64_t n = row_length();
    auto rows_in = [&](int64_t begin, int64_t end) {
      // Position of row `begin` in the outer dimensions, then step it like an odometer.
      const int64_t outer = static_cast<int64_t>(shape_.size()) - 1;
      std::vector<int64_t> index(outer, 0);
      std::array<char*, N> ptrs = base;
      int64_t rest = begin;
      for (int64_t d = outer - 1; d >= 0; --d) {
        index[d] = rest % shape_[d];
        rest /= shape_[d];
        for (int k = 0; k < N; ++k) ptrs[k] += index[d] * strides_[k][d];
      }
      for (int64_t r = begin; r < end; ++r) {
        row(ptrs, n);
        for (int64_t d = outer - 1; d >= 0; --d) {
          for (int k = 0; k < N; ++k) ptrs[k] += strides_[k][d];
          if (++index[d] < shape_[d]) break;
          for (int k = 0; k < N; ++k) ptrs[k] -= shape_[d] * strides_[k][d];
          index[d] = 0;
        }
      }
    };
    if (rows() == 0) return;
    if (parallel)
      parallel_for(rows(), n, rows_in);
    else
      rows_in(0, rows());
  }

 private:
  std::vector<int64_t> shape_;
  std::array<std::vector<int64_t>, N> strides_;
  int64_t numel_ = 1;
};

}  // namespace fovea::kernels::cpu
