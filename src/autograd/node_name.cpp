// What the tensor layer may ask of the node in a tensor's grad_fn slot without including autograd.
#include "fovea/autograd.hpp"
#include "tensor/tensor_impl.hpp"

namespace fovea::detail {

std::string grad_fn_name(const Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : std::string(); }

}  // namespace fovea::detail
