// NanCheck.h: `zy run --check-nans` — stop at the first op that makes a NaN or an
// infinity from finite operands, and name the op, its source line and the call chain.
//
// Eager ops are checked as they run. A traced graph (compiled by the JIT) is checked on
// its outputs; when one is not finite, the graph is run again on the reference executor
// node by node to find the first node whose value is not finite while its operands are.
// Traced nodes carry the call chain that made them (ir::Node::chain) while the check is
// on, so the error names the user's calls inside the traced function, as
// jax_debug_nans does.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Whether the check is on (set by the driver's --check-nans).
bool &checkNans();

/// After an eager op: fails if `result` is not finite where every operand is.
void checkEagerResult(Interpreter &in, const ir::Node &node, const std::vector<const Tensor *> &operands,
                      const Tensor &result, Span span);

/// After host arithmetic on numbers (`1e300 * 1e300`, `(-1.0) ** 0.5`): fails if
/// `result` is not finite where both operands are. `op` is the operator as written.
void checkHostResult(Interpreter &in, const std::string &op, double a, double b, double result, Span span);

/// After a graph ran (the outputs of jit::run): fails at the first node that made a
/// non-finite value, found on the reference executor. `what` names the graph for the
/// message when no single node is to blame (a non-finite argument).
void checkGraphOutputs(Interpreter &in, const ir::Graph &graph, const std::vector<Tensor> &inputs,
                       const std::vector<Tensor> &outputs, Span callSpan, const std::string &what);

} // namespace zy::interp
