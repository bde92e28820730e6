#pragma once
// PyTorch's rules for ops that write into a tensor in place (`add_`, `masked_fill_`, ...), shared
// by every op family that has in-place variants. An in-place op computes its result out of place
// on the previous version of the tensor, then writes it back and takes over its graph: the
// gradient of `x.op_(...)` is the gradient of `op(x, ...)`.
#include "fovea/tensor.hpp"

namespace fovea::ops_detail {

// Never into a leaf that requires grad while grad mode is on, and never through a view whose base
// is in a graph (the base's graph would have to be rewritten; fovea refuses it rather than return
// a wrong gradient).
void check_inplace(const Tensor& t, const char* op);

// `self` as it is before the write, holding its current graph: the input of the out-of-place op
// whose node `self` then takes over, as PyTorch rebases the grad_fn of a tensor modified in place.
Tensor previous_version(const Tensor& self);

// Refuses (before anything is written) to make a view part of a graph by writing into it in place:
// the tensor it views would not see the gradient (PyTorch rewrites the base's graph; fovea does not).
void check_view_stays_out_of_graph(const Tensor& self, bool joins_graph);

// Writes `result` (computed out of place, of self's shape) into self and rebases self's graph on
// result's. A view that would join a graph this way is refused before anything is written: its
// base would not see the gradient (PyTorch rewrites the base's graph; fovea does not).
Tensor& assign_result(Tensor& self, const Tensor& result);

}  // namespace fovea::ops_detail
