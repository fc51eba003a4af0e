// Executor.h: the reference executor: runs a Graph node by node with OpTable's kernels.
// Slow and simple on purpose; every faster path is checked against it.
#pragma once

#include "ir/Ir.h"

namespace zy::ir {

/// Runs `graph` on `inputs` (one per Input node, in order) and returns its outputs.
std::vector<Tensor> execute(const Graph &graph, const std::vector<Tensor> &inputs);

} // namespace zy::ir
