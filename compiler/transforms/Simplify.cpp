// Simplify.cpp: algebraic identities, constant folding of fills, CSE and DCE in one
// forward pass plus one backward sweep (see Simplify.h).
#include "transforms/Simplify.h"

#include "ir/OpTable.h"

#include <map>
#include <optional>
#include <sstream>

namespace zy::transforms {

using namespace ir;

namespace {

/// Everything that makes two nodes compute the same thing, as a string key.
std::string keyOf(const Node &n) {
  std::ostringstream k;
  k << static_cast<int>(n.op) << '|' << static_cast<int>(n.dtype) << '|';
  for (int64_t d : n.shape) k << d << ',';
  k << '|';
  for (int o : n.operands) k << o << ',';
  const Attrs &a = n.attrs;
  auto list = [&](const std::vector<int64_t> &v) {
    for (int64_t x : v) k << x << ',';
    k << ';';
  };
  k << '|' << static_cast<int>(a.dtype) << a.keepdims << ';' << a.axis << ';' << a.index << ';' << a.carries << ';'
    << a.sequences << ';';
  k.precision(17);
  k << a.value << ';' << a.literal.get() << ';' << a.body.get() << ';' << a.cond.get() << ';' << a.forward.get() << ';' << a.backward.get() << ';' << a.name << ';';
  for (auto *v : {&a.axes, &a.shape, &a.perm, &a.starts, &a.stops, &a.steps, &a.lo, &a.hi}) list(*v);
  return k.str();
}

bool isFill(const Node &n, double value) { return n.op == Op::Constant && n.attrs.value == value; }

/// An elementwise op of fills is a fill: its value is the reference kernel's on one
/// element of each (so 2 - 1 is the constant 1, and pow(x, 2 - 1) can be simplified).
std::optional<Node> foldFills(const Node &n, const Graph &g) {
  OpKind kind = opInfo(n.op).kind;
  if (kind != OpKind::Unary && kind != OpKind::Binary && kind != OpKind::Compare && kind != OpKind::Ternary)
    return std::nullopt;
  if (n.op == Op::StopGradient) return std::nullopt; // kept: autodiff reads it
  std::vector<Tensor> scalars;
  for (int o : n.operands) {
    const Node &x = g.nodes[o];
    if (x.op != Op::Constant) return std::nullopt;
    scalars.push_back(Tensor::scalar(x.dtype, x.attrs.value));
  }
  std::vector<const Tensor *> args;
  for (const Tensor &t : scalars) args.push_back(&t);
  Node one = n;
  one.shape = {};
  Node fill;
  fill.op = Op::Constant;
  fill.dtype = fill.attrs.dtype = n.dtype;
  fill.shape = fill.attrs.shape = n.shape;
  fill.attrs.value = evaluate(one, args).get(0);
  fill.span = n.span;
  return fill;
}

} // namespace

namespace {

/// Steps 1 to 3 of simplify.
Graph simplifyOnce(const Graph &graph) {
  const auto &nodes = graph.nodes;
  // 1 and 2: a forward pass that maps each node to its replacement in the new graph.
  Graph out;
  std::vector<int> remap(nodes.size(), -1);
  std::map<std::string, int> seen;
  auto emit = [&](Node n) {
    // Inputs are distinct by position; random ops are kept as they are traced, and
    // effects too (two equal debug.prints print twice).
    if (n.op != Op::Input && ir::opInfo(n.op).kind != ir::OpKind::Random && !ir::hasEffect(n)) {
      std::string key = keyOf(n);
      if (auto it = seen.find(key); it != seen.end()) return it->second;
      int id = out.add(std::move(n));
      seen.emplace(std::move(key), id);
      return id;
    }
    return out.add(std::move(n));
  };
  for (size_t id = 0; id < nodes.size(); ++id) {
    Node n = nodes[id];
    for (int &o : n.operands) o = remap[o];
    auto operand = [&](size_t k) -> const Node & { return out.nodes[n.operands[k]]; };
    int replacement = -1;
    if (auto folded = foldFills(n, out)) {
      remap[id] = emit(std::move(*folded));
      continue;
    }
    switch (n.op) {
    case Op::Add:
      if (isFill(operand(1), 0)) replacement = n.operands[0];
      else if (isFill(operand(0), 0)) replacement = n.operands[1];
      break;
    case Op::Sub:
      if (isFill(operand(1), 0)) replacement = n.operands[0];
      break;
    case Op::Mul:
      if (isFill(operand(1), 1)) replacement = n.operands[0];
      else if (isFill(operand(0), 1)) replacement = n.operands[1];
      break;
    case Op::Div:
    case Op::Pow:
      if (isFill(operand(1), 1)) replacement = n.operands[0];
      break;
    case Op::Neg:
      if (operand(0).op == Op::Neg) replacement = operand(0).operands[0];
      break;
    case Op::CheckLabels: // labels checked against the same class count already (one_hot in cross_entropy)
      if (operand(0).op == Op::CheckLabels && operand(0).attrs.value == n.attrs.value) replacement = n.operands[0];
      break;
    case Op::Reshape:
    case Op::Broadcast:
    case Op::Cast: // a cast of a fill was folded above, with the reference's rounding
      if (operand(0).shape == n.shape && operand(0).dtype == n.dtype) replacement = n.operands[0];
      else if (operand(0).op == Op::Constant) { // a fill reshaped or broadcast stays a fill
        Node fill = operand(0);
        fill.shape = fill.attrs.shape = n.shape;
        replacement = emit(std::move(fill));
      }
      break;
    default: break;
    }
    remap[id] = replacement >= 0 ? replacement : emit(std::move(n));
  }
  for (int input : graph.inputs) out.inputs.push_back(remap[input]);
  for (int output : graph.outputs) out.outputs.push_back(remap[output]);

  // 3. Dead code: keep what the outputs and the effects need, and the inputs; renumber.
  std::vector<bool> live(out.nodes.size(), false);
  for (int o : out.outputs) live[o] = true;
  for (int i : out.inputs) live[i] = true;
  for (size_t id = 0; id < out.nodes.size(); ++id)
    if (hasEffect(out.nodes[id])) live[id] = true;
  for (int id = static_cast<int>(out.nodes.size()) - 1; id >= 0; --id)
    if (live[id])
      for (int o : out.nodes[id].operands) live[o] = true;
  Graph result;
  std::vector<int> renumber(out.nodes.size(), -1);
  for (size_t id = 0; id < out.nodes.size(); ++id) {
    if (!live[id]) continue;
    Node n = out.nodes[id];
    for (int &o : n.operands) o = renumber[o];
    renumber[id] = result.add(std::move(n));
  }
  for (int i : out.inputs) result.inputs.push_back(renumber[i]);
  for (int o : out.outputs) result.outputs.push_back(renumber[o]);
  return result;
}

} // namespace

Graph simplify(const Graph &graph) {
  Graph once = simplifyOnce(graph);
  bool changed = false;
  Graph factored = factorOuterProducts(once, changed);
  return changed ? simplifyOnce(factored) : once;
}

} // namespace zy::transforms
