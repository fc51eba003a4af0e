// Executor.h: the reference executor: runs a Graph node by node with OpTable's kernels.
// Slow and simple on purpose; every faster path is checked against it.
#pragma once

#include "ir/Ir.h"

#include <functional>

namespace zy::ir {

/// Runs `graph` on `inputs` (one per Input node, in order) and returns its outputs.
std::vector<Tensor> execute(const Graph &graph, const std::vector<Tensor> &inputs);

/// Called after each node of the top-level graph runs, with its value and its operands'
/// (`zy run --check-nans` looks for the first node that makes a NaN or an infinity).
using NodeObserver = std::function<void(int id, const Node &node, const Tensor &value,
                                        const std::vector<const Tensor *> &operands)>;
std::vector<Tensor> execute(const Graph &graph, const std::vector<Tensor> &inputs, const NodeObserver &observe);

} // namespace zy::ir
