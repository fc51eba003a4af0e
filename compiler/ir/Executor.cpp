// Executor.cpp: the reference executor: runs a Graph node by node with OpTable's kernels.
//
//   1. Check the arguments: one per entry of graph.inputs, each of its Input node's type.
//   2. Find the live nodes (those an output or an effect depends on) and each one's last use.
//   3. Run the live nodes in order. Each node's type is inferred again from the tensors
//      it actually gets, so a malformed graph is an exception, never a crash in a kernel.
//   4. Free each intermediate tensor right after its last use, so peak memory follows the
//      live values rather than the whole graph.
// Every failure throws std::invalid_argument with a message that names the node.
#include "ir/Executor.h"

#include "ir/OpTable.h"

#include <algorithm>
#include <stdexcept>

namespace zy::ir {

namespace {

// Built by appending: GCC 12 warns falsely (-Wrestrict) about "%" + std::string.
std::string valueName(int id) {
  std::string name = "%";
  name += std::to_string(id);
  return name;
}

std::string nodeName(int id, const Node &node) { return valueName(id) + " (" + opInfo(node.op).name + ")"; }

[[noreturn]] void fail(const std::string &message) { throw std::invalid_argument(message); }

/// The argument an Input node reads, checked against the node's type.
const Tensor &argumentOf(int id, const Node &node, const std::vector<Tensor> &inputs) {
  int64_t index = node.attrs.index;
  if (index < 0 || index >= static_cast<int64_t>(inputs.size()))
    fail("input node " + valueName(id) + " reads argument " + std::to_string(index) + ", but " +
         std::to_string(inputs.size()) + " were given");
  const Tensor &arg = inputs[index];
  if (arg.dtype() != node.dtype || arg.shape() != node.shape)
    fail("input " + std::to_string(index) + " should be " + typeString(node.dtype, node.shape) + ", got " +
         typeString(arg.dtype(), arg.shape()));
  return arg;
}

/// Runs a scan: the body once per step, carrying the carries, stacking the ys.
std::vector<Tensor> runScan(const Node &node, const std::vector<const Tensor *> &args) {
  const Graph &body = *node.attrs.body;
  size_t nc = node.attrs.carries, nx = node.attrs.sequences;
  int64_t steps = args[nc]->shape()[0];
  std::vector<Tensor> carries;
  for (size_t i = 0; i < nc; ++i) carries.push_back(*args[i]);
  std::vector<Tensor> ys;
  for (size_t k = nc; k < body.outputs.size(); ++k) {
    const Node &out = body.nodes[body.outputs[k]];
    Shape stacked = out.shape;
    stacked.insert(stacked.begin(), steps);
    ys.emplace_back(out.dtype, stacked);
  }
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<Tensor> inputs = carries;
    for (size_t j = 0; j < nx; ++j) { // step t of each sequence: a contiguous block
      const Tensor &xs = *args[nc + j];
      Shape stepShape(xs.shape().begin() + 1, xs.shape().end());
      Tensor x(xs.dtype(), stepShape);
      for (int64_t i = 0; i < x.size(); ++i) x.set(i, xs.get(t * x.size() + i));
      inputs.push_back(std::move(x));
    }
    for (size_t i = nc + nx; i < args.size(); ++i) inputs.push_back(*args[i]);
    std::vector<Tensor> outputs = execute(body, inputs);
    for (size_t i = 0; i < nc; ++i) carries[i] = outputs[i];
    for (size_t k = 0; k < ys.size(); ++k) {
      const Tensor &y = outputs[nc + k];
      for (int64_t i = 0; i < y.size(); ++i) ys[k].set(t * y.size() + i, y.get(i));
    }
  }
  carries.insert(carries.end(), ys.begin(), ys.end());
  return carries;
}

/// Runs a while: the body for as long as the condition holds on the carries.
std::vector<Tensor> runWhile(const Node &node, const std::vector<const Tensor *> &args) {
  size_t nc = static_cast<size_t>(node.attrs.carries);
  std::vector<Tensor> inputs;
  for (const Tensor *arg : args) inputs.push_back(*arg);
  while (execute(*node.attrs.cond, inputs)[0].get(0) != 0) {
    std::vector<Tensor> next = execute(*node.attrs.body, inputs);
    for (size_t i = 0; i < nc; ++i) inputs[i] = std::move(next[i]);
  }
  inputs.resize(nc);
  return inputs;
}

} // namespace

std::vector<Tensor> execute(const Graph &graph, const std::vector<Tensor> &inputs) {
  return execute(graph, inputs, NodeObserver());
}

std::vector<Tensor> execute(const Graph &graph, const std::vector<Tensor> &inputs, const NodeObserver &observe) {
  const std::vector<Node> &nodes = graph.nodes;
  const int count = static_cast<int>(nodes.size());

  // 1. The arguments.
  if (inputs.size() != graph.inputs.size())
    fail("the graph takes " + std::to_string(graph.inputs.size()) + " inputs, got " +
         std::to_string(inputs.size()));
  for (int id = 0; id < count; ++id)
    if (nodes[id].op == Op::Input) argumentOf(id, nodes[id], inputs);

  // 2. Liveness, walking back from the outputs. Outputs are never freed (last use = count).
  std::vector<int> lastUse(count, -1);
  for (int out : graph.outputs) {
    if (out < 0 || out >= count) fail("the graph returns " + valueName(out) + ", which does not exist");
    lastUse[out] = count;
  }
  for (int id = 0; id < count; ++id) // effects (debug_print) are roots: nothing reads them
    if (hasEffect(nodes[id]) && lastUse[id] < 0) lastUse[id] = id;
  for (int id = count - 1; id >= 0; --id) {
    if (lastUse[id] < 0) continue; // dead: nothing needs it
    for (int operand : nodes[id].operands) {
      if (operand < 0 || operand >= id)
        fail("node " + nodeName(id, nodes[id]) + " uses " + valueName(operand) +
             ", which is not an earlier node");
      lastUse[operand] = std::max(lastUse[operand], id);
    }
  }

  // 3. and 4. Run, freeing as we go.
  std::vector<Tensor> values(count);
  std::vector<std::vector<Tensor>> results(count); // all results of each scan
  for (int id = 0; id < count; ++id) {
    const Node &node = nodes[id];
    if (lastUse[id] < 0) continue;
    if (node.op == Op::Input) {
      values[id] = argumentOf(id, node, inputs);
      continue;
    }
    std::vector<OperandType> types;
    std::vector<const Tensor *> args;
    for (int operand : node.operands) {
      types.push_back({values[operand].dtype(), values[operand].shape()});
      args.push_back(&values[operand]);
    }
    Node checked = node; // with its attributes normalised by inferType
    if (auto error = inferType(checked, types)) fail("node " + nodeName(id, node) + ": " + *error);
    if (checked.dtype != node.dtype || checked.shape != node.shape)
      fail("node " + nodeName(id, node) + " is typed " + typeString(node.dtype, node.shape) +
           " but its operands make it " + typeString(checked.dtype, checked.shape));
    if (node.op == Op::Scan) {
      results[id] = runScan(checked, args);
      values[id] = results[id][0];
    } else if (node.op == Op::While) {
      results[id] = runWhile(checked, args);
      values[id] = results[id][0];
    } else if (isCustomCall(node.op)) { // the body computes it; the derivative is the transformations' business
      std::vector<Tensor> inputs;
      for (const Tensor *arg : args) inputs.push_back(*arg);
      results[id] = execute(*checked.attrs.body, inputs);
      values[id] = results[id][0];
    } else if (node.op == Op::Project) {
      const auto &all = results[node.operands[0]];
      Op from = nodes[node.operands[0]].op;
      if (!hasSeveralResults(from) || node.attrs.index < 0 ||
          node.attrs.index >= static_cast<int64_t>(all.size()))
        fail("node " + nodeName(id, node) + " projects a result its operand does not have");
      values[id] = all[node.attrs.index];
      if (values[id].dtype() != node.dtype || values[id].shape() != node.shape)
        fail("node " + nodeName(id, node) + " is typed " + typeString(node.dtype, node.shape) + " but the scan gives " +
             typeString(values[id].dtype(), values[id].shape()));
    } else {
      values[id] = evaluate(checked, args);
    }
    if (observe) observe(id, node, values[id], args);
    for (int operand : node.operands)
      if (lastUse[operand] == id) {
        values[operand] = Tensor();
        results[operand].clear();
      }
  }

  std::vector<Tensor> outputs;
  for (int out : graph.outputs) outputs.push_back(values[out]);
  return outputs;
}

} // namespace zy::ir
