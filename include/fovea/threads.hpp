#pragma once
// Threads used by the CPU kernels. oneDNN (built on OpenMP in Debian) and fovea's own loops share
// one OpenMP pool: two pools fighting over two cores made convolutions several times slower.
namespace fovea {
void set_num_threads(int n);
int get_num_threads();
}  // namespace fovea
