#pragma once
// Finite-difference gradient check, after torch.autograd.gradcheck: does an op's backward agree
// with its forward? The tool for anyone who writes a backward by hand (docs/custom_ops.md).
//
//   bool ok = fovea::autograd::gradcheck(
//       [](const std::vector<Tensor>& x) { return my_op(x[0], x[1]); },
//       {randn({3, 4}).requires_grad_(), randn({4}).requires_grad_()});
//
// WHAT IT COMPARES
//   One Jacobian-vector product per input: with R a fixed pseudo-random tensor of the output's
//   shape (seeded, so a failure repeats; random, so no symmetry of the op hides a wrong sign or a
//   transposed index), L(x) = sum(f(x) * R).
//     analytic:  dL/dx, from one backward of f's output with R as its gradient;
//     numeric:   (L(x + h e_i) - L(x - h e_i)) / (2h), for every element i of every input.
//   An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
//
// WHICH INPUTS
//   float32 inputs with requires_grad are checked; every other input (float32 without
//   requires_grad, int64 indices and targets, bool masks) is passed through unchanged and not
//   perturbed. At least one input must require grad (ValueError otherwise). An input with a stride
//   of 0 (an expanded tensor) is refused: perturbing one of its elements moves several.
//
//   f is called with copies of the inputs that keep their shapes, strides and storage offsets (so
//   an op's non-contiguous path is what is checked); the caller's tensors are never written and
//   their .grad is left as it was.
//
//   Cost: one forward and one backward, then two forwards per checked element: keep inputs small
//   (tens of elements per input is plenty to exercise every index of an op).
//
// WHAT IS REPORTED
//   A disagreement, a backward that throws (one that returns the wrong number of gradients or a
//   gradient of the wrong shape is refused by the engine), or a gradient that is not float32. An
//   input the output does not depend on must get an undefined or all-zero gradient: both count as
//   zero and are compared like any other value.
//   With options.raise (the default) the first problem is thrown as GradcheckError, naming the
//   input index, the element (flat row-major index and multi-index), the analytic and numeric
//   values and the tolerance; with raise = false gradcheck returns false instead.
//
// WHAT TOLERANCE FLOAT32 ALLOWS, AND WHY THE DEFAULTS ARE WHAT THEY ARE
//   fovea computes in float32 only, so the perturbed forwards themselves cannot be run in double as
//   torch's gradcheck does (it wants float64 inputs, eps = 1e-6, atol = 1e-5, rtol = 1e-3). What
//   can be double is done in double: the weighted sums L are accumulated in double, and the step
//   in the quotient is the difference of the two perturbed inputs as float32 actually holds them
//   (x + h rounds), not the h that was asked for.
//   What is left is the rounding of f's own float32 outputs. Each carries a relative error of at
//   least 2^-24 ~ 6e-8 (more after a chain of ops), and the central difference divides it by the
//   step 2h, so the numeric derivative carries an absolute error of roughly
//       6e-8 * k * |f(x)| * |R| / h      (k: the op's own rounding steps, ~1-10)
//   per output element the input reaches, summed like a random walk over those elements. With
//   h = 1e-3 that is ~1e-4 to 1e-3 for outputs of order one: atol below ~1e-3 flags rounding,
//   not bugs. A larger h shrinks that error but grows the truncation error h^2 * f''' / 6 of the
//   central difference, which matters for curved functions (exp, log near 0, 1/x).
//   The defaults (eps = 1e-3, atol = 1e-3, rtol = 1e-2) sit between the two for inputs and
//   outputs of order one, and still catch what matters: a wrong factor, sign, index or a
//   missing term moves a gradient by far more than 1%.
//   The step is relative, h = eps * max(1, |x_i|), so large inputs get a step their float32 value
//   can resolve. Keep inputs of order one, away from kinks (relu at 0, max ties, |x| at 0): there
//   the numeric derivative straddles two pieces and is not the gradient of either.
#include <cstdint>
#include <functional>
#include <vector>

#include "fovea/tensor.hpp"

namespace fovea::autograd {

struct GradcheckOptions {
  double eps = 1e-3;   // step relative to each element: h = eps * max(1, |x|)
  // false: the same step h = eps for every element, for inputs built with known gaps between
  // values (max pooling's windows) that a step growing with |x| could bridge.
  bool relative_step = true;
  double atol = 1e-3;  // absolute tolerance
  double rtol = 1e-2;  // relative to |numeric|
  bool raise = true;   // throw GradcheckError on the first problem; false: return false
  uint64_t seed = 0;   // of the output weighting R
};

// True when every checked input's analytic gradient agrees with the numeric one (see above).
// Throws ValueError for unusable arguments (no input requires grad, an undefined or non-float32
// output, an input with a zero stride) whatever options.raise says: those are mistakes in the
// call, not findings about the op.
bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options = {});

}  // namespace fovea::autograd
