// Linked into the test suite's ThreadSanitizer build only (CMakeLists.txt, FOVEA_SANITIZE=thread).
//
// GCC compiles every `#pragma omp parallel` into a call to libgomp's GOMP_parallel(fn, data, ...),
// which runs fn(data) on each thread of the team and returns when all are done. libgomp is not
// instrumented, so TSan sees neither edge: the master's writes before the region do not happen
// before a worker's reads in it, and a worker's accesses in it do not happen before the master's
// after it. The shared variables an OpenMP region reads live on the master's stack, so the next
// function the master calls, writing over that stack, is reported as racing with a worker. Such a
// report often has no worker stack to match a suppression against (TSan cannot restore a stack
// that began inside libgomp), and a suppression of every race with libgomp on the stack would hide
// the real races inside OpenMP regions as well.
//
// This definition of GOMP_parallel takes the place of libgomp's for every caller (fovea's kernels
// and oneDNN: the executable's symbols come first in the dynamic linker's search), tells TSan of the
// fork (release before, acquire as each thread starts) and the join (release as each thread ends,
// acquire after), and calls libgomp's own. Races between the threads of a team are still reported
// (a probe with two threads adding to one variable was; the same probe writing separate slots was
// not, and without this file it was). What TSan still cannot see, the barriers inside a region,
// fovea's kernels do not rely on: each is one `parallel for` whose iterations touch disjoint data.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

namespace {

using GompParallel = void (*)(void (*)(void*), void*, unsigned, unsigned);

// Two tokens, so that a thread's end never happens before another's start: a thread of the team
// that starts late acquires only the master's fork, and races between the team's threads are
// still reported.
struct Region {
  void (*fn)(void*);
  void* data;
  char fork, join;
};

void run_on_each_thread(void* region_ptr) {
  auto* region = static_cast<Region*>(region_ptr);
  __tsan_acquire(&region->fork);  // the master's past happens before this thread's part
  region->fn(region->data);
  __tsan_release(&region->join);  // this thread's part happens before the master's future
}

GompParallel libgomp_parallel() {
  static const auto real = reinterpret_cast<GompParallel>(dlsym(RTLD_NEXT, "GOMP_parallel"));
  if (!real) {
    std::fprintf(stderr, "tsan_openmp_fork_join: libgomp's GOMP_parallel not found\n");
    std::abort();
  }
  return real;
}

}  // namespace

extern "C" void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags) {
  Region region{fn, data, 0, 0};  // addresses unique to this region while it runs
  __tsan_release(&region.fork);
  libgomp_parallel()(run_on_each_thread, &region, num_threads, flags);
  __tsan_acquire(&region.join);
}
