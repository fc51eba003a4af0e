// Grad.h: reverse-mode differentiation as a transformation of the tensor IR.
//
// The gradient graph is ordinary IR, built with the op table's checks, so it is simplified,
// executed, compiled and even differentiated again (grad(grad(f))) like any other graph.
#pragma once

#include "ir/Ir.h"

#include <stdexcept>
#include <vector>

namespace zy::autodiff {

/// Thrown for a graph that cannot be differentiated yet (the message says why).
struct NotDifferentiable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Differentiates output `output` of `f` (a float scalar) with respect to the inputs
/// marked in `wrt` (indexed like f.inputs). The result computes f's outputs, then one
/// gradient per marked input, in input order; an input the output does not depend on
/// gets zeros.
ir::Graph differentiate(const ir::Graph &f, size_t output, const std::vector<bool> &wrt);

/// The contributions to the gradients of node `id`'s operands, given the gradient `g`
/// of its result (Vjp.cpp: one rule per primitive). -1 marks "no gradient".
std::vector<int> vjp(ir::Graph &graph, int id, int g);

} // namespace zy::autodiff
