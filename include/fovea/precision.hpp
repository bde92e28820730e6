#pragma once
// Mixed precision on the CPU, as PyTorch's CPU autocast with dtype=torch.bfloat16: in bf16 mode
// convolutions and matrix products (conv2d, conv2d_relu, linear) read their inputs and weights
// rounded to bfloat16 and accumulate and write float32. Everything else is unchanged: tensors stay
// float32 (activations between layers, gradients, the parameters the optimizer updates: fp32
// master weights), and every other op runs in fp32.
//
//   fovea::set_default_precision(fovea::Precision::bf16);  // the whole program (fovea train --precision)
//   { fovea::autocast guard(fovea::Precision::bf16); loss = model(x); }  // or one region, this thread
//   loss.backward();  // a product's backward runs in the precision its forward ran in
//
// The default is fp32, so the parity and gradient-check tests see exact fp32 arithmetic.
//
// bf16 needs a CPU with AVX512_BF16 or AMX (as oneDNN detects it, so ONEDNN_MAX_CPU_ISA=AVX512_CORE
// emulates a CPU without). Elsewhere bf16 is accepted and runs fp32: effective_precision() says
// which one the ops actually use, and fovea train prints a line when it falls back.
//
// Deterministic as fp32 is: the same seed and thread count give the same bits in either mode.
#include <string>
#include <string_view>

namespace fovea {

enum class Precision { fp32, bf16 };

// "fp32" or "bf16"; parse_precision reads those back and throws ValueError on anything else.
const char* precision_name(Precision p);
Precision parse_precision(std::string_view text);

// Whether this CPU runs bf16 products natively (oneDNN's ISA is avx512_core_bf16 or wider).
bool bf16_supported();

// The process-wide precision, fp32 until set. Thread-safe.
void set_default_precision(Precision p);
Precision default_precision();

// The precision asked for on this thread: the innermost live autocast, else the default.
Precision requested_precision();
// What the ops run: requested_precision(), except fp32 when it is bf16 and !bf16_supported().
Precision effective_precision();

// A scope in which this thread's ops use `p` (as `with torch.autocast("cpu", dtype=...)`; fp32
// inside a bf16 region is `enabled=False`). Nests; restores the enclosing precision when it ends.
class autocast {
 public:
  explicit autocast(Precision p = Precision::bf16);
  ~autocast();
  autocast(const autocast&) = delete;
  autocast& operator=(const autocast&) = delete;

 private:
  int previous_;  // the enclosing scope's precision, or -1 for none (the default applies)
};

namespace detail {
// Tests only: pretend the CPU lacks (false) or has (true) bf16, or ask the CPU again (-1).
void set_bf16_supported_for_testing(int supported);
}  // namespace detail

}  // namespace fovea
