// Grad.h: the transformations of the tensor IR: reverse mode (Grad.cpp), forward mode
// (Jvp.cpp) and batching (Vmap.cpp), each a driver reading its column of the op table
// (compiler/ops/: one row per primitive).
//
// Each takes a graph and returns a graph. The result is ordinary IR, built with the op table's checks, so it is simplified,
// executed, compiled and even differentiated again (grad(grad(f))) like any other graph.
#pragma once

#include "ir/Builder.h"
#include "ir/Ir.h"

#include <stdexcept>
#include <vector>

namespace zy::transforms {

/// Thrown for a graph that cannot be differentiated yet (the message says why).
struct NotDifferentiable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Why a while loop has no reverse-mode derivative (forward mode has one: Jvp.cpp).
inline constexpr const char *WhileNotDifferentiable =
    "it runs a `while_loop`, whose number of steps is known only when it runs, so reverse mode "
    "(grad, vjp, jacrev) cannot run its steps backwards; forward mode (jvp, jacfwd) can, and a loop "
    "with a fixed number of steps (`fori_loop` with int bounds, or `scan`) has both";

/// Differentiates output `output` of `f` (a float scalar) with respect to the inputs
/// marked in `wrt` (indexed like f.inputs). The result computes f's outputs, then one
/// gradient per marked input, in input order; an input the output does not depend on
/// gets zeros.
ir::Graph differentiate(const ir::Graph &f, size_t output, const std::vector<bool> &wrt);

/// The vector-Jacobian product of a whole graph: a graph with f's inputs, then one
/// cotangent input per output, returning the gradient of each input (zeros for those
/// that are not floats or on which no output depends).
ir::Graph vjpGraph(const ir::Graph &f);

/// Forward mode: a graph with f's inputs, then one tangent input per float input of f
/// marked in `wrt` (all when it is empty), in input order, returning f's outputs, then
/// the tangent of each float output (zeros where it depends on no marked input).
ir::Graph jvpGraph(const ir::Graph &f, const std::vector<bool> &wrt = {});

/// Batching (vmap): a graph whose inputs marked in `batched` have a new leading axis of
/// `size`, computing f for each index along it; every output has the leading axis
/// (an output that does not depend on a batched input is broadcast; `dependsOnBatch`,
/// when given, is filled with which outputs do depend on one).
ir::Graph batchGraph(const ir::Graph &f, const std::vector<bool> &batched, int64_t size,
                     std::vector<bool> *dependsOnBatch = nullptr);

/// `g` with its effects taken out: each debug_print becomes a fill of its token type (no
/// operands, so dead code), in scan and custom_vjp bodies too. For graphs that recompute
/// a forward pass that already ran and printed: the backward scan's body, a custom_vjp's
/// `fwd` inlined for its residuals, a pullback's graph.
ir::Graph withoutEffects(ir::Graph g);

/// The graph as it runs: each custom call (custom_vjp, custom_jvp) replaced by its body (Lower.cpp).
ir::Graph lowerCustomCalls(const ir::Graph &f);

/// Copies `from` into the graph `b` builds, its inputs wired to `inputs` (ids there);
/// returns the ids of its outputs there.
std::vector<int> inlineInto(ir::Builder &b, const ir::Graph &from, const std::vector<int> &inputs);

/// The contributions to the gradients of node `id`'s operands, given the gradient `g`
/// of its result (the op's VJP column, compiler/ops/). -1 marks "no gradient".
std::vector<int> vjp(ir::Graph &graph, int id, int g);

} // namespace zy::transforms
