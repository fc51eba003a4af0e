// Simplify.h: cleaning a graph up after autodiff (and before running or compiling it).
#pragma once

#include "ir/Ir.h"

namespace zy::transforms {

/// Returns an equivalent graph, smaller:
///   1. constants fold through movement and casts (a broadcast of a constant is a
///      constant of the new shape), and the identities x + 0, x - 0, x * 1, x / 1,
///      neg(neg(x)) and reshapes or broadcasts to a node's own shape disappear, and so
///      does a check_labels of labels checked against the same class count already;
///   2. common subexpressions merge: two nodes with the same op, operands, attributes
///      and type become one (not random draws nor effects: two equal prints print twice);
///   3. dead nodes go: only what an output or an effect (ir::hasEffect) needs is kept
///      (inputs always stay).
///   4. reductions of outer products are factored (factorOuterProducts), and 1-3 run again.
ir::Graph simplify(const ir::Graph &graph);

/// Factor.cpp: the squared norms and batch sums of batched outer products (per-example
/// gradients of dense layers) computed from the factors, so the product is never built.
/// `changed` says whether anything was rewritten (the result then has dead nodes).
ir::Graph factorOuterProducts(const ir::Graph &graph, bool &changed);

} // namespace zy::transforms
