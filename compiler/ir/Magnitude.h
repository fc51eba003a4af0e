// Magnitude.h: how much rounding a node's value can carry, for --check-jit's tolerance.
//
// Two correct float implementations of a graph (the JIT in f32 with reassociated sums and
// FMA, the reference in f64 rounded per node) differ by their rounding errors, and those
// are not proportional to the result: in a - b with a ≈ b ≈ 1e4 and a - b ≈ 1, an error
// of one ulp in a is 1e-3 of the result. What bounds them (to first order) is the sum of
// the absolute values of the terms that made the result, propagated through the graph:
// for each node, M(y) = |y| + Σ |∂y/∂x| M(x) over its float operands (|y| for its own
// rounding; sums and matmuls: Σ M(terms) + Σ |terms|; movement ops: M moved the same
// way; inputs and constants: 0). Each implementation's error
// in y is then about u · M(y) · (a small factor for the length of the sums), u the unit
// roundoff of y's dtype. For a well-conditioned value M(y) is a few |y|; it grows
// exactly where cancellation makes the value sensitive to rounding.
#pragma once

#include "ir/Ir.h"

#include <vector>

namespace zy::ir {

/// M(y) for `node` (an f64 tensor of its shape; zeros for bool and i32 values, which
/// carry no rounding), given its value, its operands' values and their M (in operand
/// order; a null M stands for 0: an Input, exact). Sources are exact (0); ops without a
/// rule of their own (scan and its results, random draws) get |y|: only their own
/// rounding is counted.
Tensor magnitude(const Node &node, const Tensor &value, const std::vector<const Tensor *> &operands,
                 const std::vector<const Tensor *> &magnitudes);

} // namespace zy::ir
