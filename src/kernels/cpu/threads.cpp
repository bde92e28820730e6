#include "fovea/threads.hpp"

#include <omp.h>

#include "fovea/error.hpp"

namespace fovea {

void set_num_threads(int n) {
  if (n < 1) throw ValueError("number of threads must be at least 1, got " + std::to_string(n));
  omp_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace fovea
