#include "fovea/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>

#include "fovea/error.hpp"
#include "kernels/cpu/strided_loop.hpp"

namespace fovea {

void set_num_threads(int n) {
  if (n < 1) throw ValueError("number of threads must be at least 1, got " + std::to_string(n));
  omp_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

namespace kernels::cpu {

void parallel_for(int64_t count, int64_t cost_per_item, const std::function<void(int64_t, int64_t)>& f) {
  if (count <= 0) return;
  const int64_t work = count * std::max<int64_t>(cost_per_item, 1);
  const int64_t max_threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t threads = std::min({max_threads, count, std::max<int64_t>(work / kGrainSize, 1)});
  if (threads <= 1) {
    f(0, count);
    return;
  }
  // An exception must not cross the OpenMP region: the first one is kept and rethrown here.
  std::exception_ptr failure;
#pragma omp parallel num_threads(static_cast<int>(threads))
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = count * t / nt, end = count * (t + 1) / nt;
    try {
      if (begin < end) f(begin, end);
    } catch (...) {
#pragma omp critical(fovea_parallel_for_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace kernels::cpu
}  // namespace fovea
