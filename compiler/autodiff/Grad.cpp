// Grad.cpp: reverse-mode differentiation of a graph.
//
//   1. Copy the forward graph (node ids stay the same).
//   2. Mark the active nodes: float nodes that depend on a marked input and that the
//      differentiated output depends on. Only they get gradients.
//   3. Seed the output's gradient with 1, then walk the nodes backwards; each active
//      node hands its gradient to its operands through its primitive's rule (Vjp.cpp),
//      and contributions to one operand are summed.
//   4. Return the forward outputs followed by the gradient of each marked input.
#include "autodiff/Grad.h"

#include "ir/Builder.h"

namespace zy::autodiff {

using namespace ir;

Graph differentiate(const Graph &f, size_t output, const std::vector<bool> &wrt) {
  Graph g = f;
  const int count = static_cast<int>(f.nodes.size());
  if (output >= f.outputs.size()) throw std::invalid_argument("differentiate: no such output");
  int target = f.outputs[output];
  const Node &out = f.nodes[target];
  if (!isFloat(out.dtype) || !out.shape.empty())
    throw NotDifferentiable("the differentiated function must return a float scalar, not " +
                            typeString(out.dtype, out.shape));

  // 2. Active nodes.
  std::vector<bool> dependsOnInput(count, false), neededByOutput(count, false);
  for (size_t i = 0; i < f.inputs.size(); ++i)
    if (i < wrt.size() && wrt[i] && isFloat(f.nodes[f.inputs[i]].dtype)) dependsOnInput[f.inputs[i]] = true;
  for (int id = 0; id < count; ++id) {
    const Node &n = f.nodes[id];
    if (!isFloat(n.dtype) || n.op == Op::StopGradient) continue;
    for (int operand : n.operands) dependsOnInput[id] = dependsOnInput[id] || dependsOnInput[operand];
  }
  neededByOutput[target] = true;
  for (int id = count - 1; id >= 0; --id)
    if (neededByOutput[id])
      for (int operand : f.nodes[id].operands) neededByOutput[operand] = true;
  auto active = [&](int id) { return dependsOnInput[id] && neededByOutput[id]; };

  // 3. Backwards.
  Builder b(g);
  std::vector<int> grad(count, -1);
  if (active(target)) grad[target] = b.constant(out.dtype, {}, 1.0);
  for (int id = target; id >= 0; --id) {
    if (grad[id] < 0 || !active(id) || f.nodes[id].op == Op::Input) continue;
    if (f.nodes[id].op == Op::Scan || f.nodes[id].op == Op::Project)
      throw NotDifferentiable("the gradient of scan is not built yet");
    std::vector<int> parts = vjp(g, id, grad[id]);
    const std::vector<int> &operands = f.nodes[id].operands;
    for (size_t k = 0; k < operands.size() && k < parts.size(); ++k) {
      int operand = operands[k];
      if (parts[k] < 0 || !active(operand)) continue;
      grad[operand] = grad[operand] < 0 ? parts[k] : b.binary(Op::Add, grad[operand], parts[k]);
    }
  }

  // 4. Forward outputs, then the gradients.
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    if (i >= wrt.size() || !wrt[i]) continue;
    int input = f.inputs[i];
    g.outputs.push_back(grad[input] >= 0 ? grad[input] : b.zerosLike(input));
  }
  return g;
}

} // namespace zy::autodiff
