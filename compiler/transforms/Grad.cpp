// Grad.cpp: reverse-mode differentiation of a graph.
//
//   1. Copy the forward graph (node ids stay the same).
//   2. Mark the active nodes: float nodes that depend on a marked input and that the
//      differentiated output depends on. Only they get gradients.
//   3. Seed the output's gradient with 1, then walk the nodes backwards; each active
//      node hands its gradient to its operands through its primitive's VJP column (the
//      op table's row, compiler/ops/), and contributions to one operand are summed.
//      Scan and custom calls carry graphs: their rules are here (scanVjp, customVjp).
//   4. Return the forward outputs followed by the gradient of each marked input.
#include "transforms/Grad.h"

#include "ir/Builder.h"
#include "ops/Rule.h"

#include <map>

namespace zy::transforms {

using namespace ir;

std::vector<int> vjp(Graph &graph, int id, int g) {
  Builder b(graph);
  const Node node = graph.nodes[id]; // a copy: adding nodes may move the vector
  return ops::rule(node.op).vjp(b, node, id, g);
}

namespace {

std::vector<int> scanVjp(Graph &g, int scanId, const std::vector<int> &cotangents);
std::vector<int> customVjp(Graph &g, int id, const std::vector<int> &cotangents);
std::vector<int> customJvpTransposed(Graph &g, int id, const std::vector<int> &cotangents);

/// Steps 2 and 3: given the gradients flowing into some nodes of `g` (a copy of `f`,
/// seeds[id] >= 0), propagates them back; returns the gradient of every node (-1: none).
std::vector<int> backward(Graph &g, const Graph &f, std::vector<int> grad, const std::vector<bool> &wrt) {
  const int count = static_cast<int>(f.nodes.size());
  std::vector<bool> dependsOnInput(count, false), needed(count, false);
  for (size_t i = 0; i < f.inputs.size(); ++i)
    if (i < wrt.size() && wrt[i] && isFloat(f.nodes[f.inputs[i]].dtype)) dependsOnInput[f.inputs[i]] = true;
  for (int id = 0; id < count; ++id) {
    const Node &n = f.nodes[id];
    if (n.op == Op::StopGradient) continue;
    // A scan's node type is its first result's, which may be an integer counter: its
    // other results may still carry gradients, so scans are judged by their operands.
    if (!isFloat(n.dtype) && !hasSeveralResults(n.op)) continue;
    for (int operand : n.operands) dependsOnInput[id] = dependsOnInput[id] || dependsOnInput[operand];
  }
  int top = -1;
  for (int id = 0; id < count; ++id)
    if (grad[id] >= 0) needed[id] = true, top = id;
  for (int id = count - 1; id >= 0; --id)
    if (needed[id])
      for (int operand : f.nodes[id].operands) needed[operand] = true;
  auto active = [&](int id) { return dependsOnInput[id] && needed[id]; };

  Builder b(g);
  std::map<int, std::vector<int>> scanCotangents; // scan id -> gradient of each result
  auto accumulate = [&](int node, int part) {
    if (part < 0 || !active(node)) return;
    grad[node] = grad[node] < 0 ? part : b.binary(Op::Add, grad[node], part);
  };
  for (int id = top; id >= 0; --id) {
    const Node &n = f.nodes[id];
    if (!active(id) || n.op == Op::Input) continue;
    if (n.op == Op::Project) { // a scan result: collected, the scan differentiates them together
      if (grad[id] < 0) continue;
      auto &cot = scanCotangents[n.operands[0]];
      size_t k = static_cast<size_t>(n.attrs.index);
      if (cot.size() <= k) cot.resize(k + 1, -1);
      cot[k] = cot[k] < 0 ? grad[id] : b.binary(Op::Add, cot[k], grad[id]);
      continue;
    }
    std::vector<int> parts;
    size_t firstNew = g.nodes.size();
    if (hasSeveralResults(n.op)) {
      auto it = scanCotangents.find(id);
      if (it == scanCotangents.end()) continue;
      if (n.op == Op::While) throw NotDifferentiable(WhileNotDifferentiable);
      parts = n.op == Op::Scan        ? scanVjp(g, id, it->second)
              : n.op == Op::CustomVjp ? customVjp(g, id, it->second)
                                      : customJvpTransposed(g, id, it->second);
    } else {
      if (grad[id] < 0) continue;
      parts = vjp(g, id, grad[id]);
    }
    // The gradient's nodes are blamed on the forward node's source (errors at run time).
    for (size_t k = firstNew; k < g.nodes.size(); ++k)
      if (!g.nodes[k].span.valid()) g.nodes[k].span = n.span, g.nodes[k].chain = n.chain;
    for (size_t k = 0; k < n.operands.size() && k < parts.size(); ++k) accumulate(n.operands[k], parts[k]);
  }
  return grad;
}

} // namespace

std::vector<int> inlineInto(Builder &b, const Graph &from, const std::vector<int> &inputs) {
  std::vector<int> remap(from.nodes.size(), -1);
  for (size_t i = 0; i < from.inputs.size(); ++i) remap[from.inputs[i]] = inputs[i];
  for (size_t id = 0; id < from.nodes.size(); ++id) {
    if (remap[id] >= 0) continue;
    Node n = from.nodes[id];
    for (int &o : n.operands) o = remap[o];
    remap[id] = b.graph().add(std::move(n));
  }
  std::vector<int> out;
  for (int id : from.outputs) out.push_back(remap[id]);
  return out;
}

Graph withoutEffects(Graph g) {
  for (Node &n : g.nodes) {
    if (opInfo(n.op).kind == OpKind::Effect) {
      Node fill;
      fill.op = Op::Constant;
      fill.dtype = fill.attrs.dtype = n.dtype;
      fill.shape = fill.attrs.shape = n.shape;
      n = fill;
    } else if ((n.op == Op::Scan || n.op == Op::While || isCustomCall(n.op)) && hasEffects(*n.attrs.body)) {
      n.attrs.body = std::make_shared<Graph>(withoutEffects(*n.attrs.body));
    }
    if (n.op == Op::While && hasEffects(*n.attrs.cond)) n.attrs.cond = std::make_shared<Graph>(withoutEffects(*n.attrs.cond));
  }
  return g;
}

Graph vjpGraph(const Graph &f) {
  Graph g = f;
  g.outputs.clear();
  Builder b(g);
  std::vector<int> seeds(f.nodes.size(), -1);
  for (int out : f.outputs) {
    int cot = b.input(f.nodes[out].dtype, f.nodes[out].shape);
    if (!isFloat(f.nodes[out].dtype)) continue;
    seeds[out] = seeds[out] < 0 ? cot : b.binary(Op::Add, seeds[out], cot);
  }
  std::vector<bool> all(f.inputs.size(), true);
  std::vector<int> grad = backward(g, f, seeds, all);
  for (int input : f.inputs) g.outputs.push_back(grad[input] >= 0 ? grad[input] : b.zerosLike(input));
  return g;
}

namespace {

int flip0(Builder &b, int x) {
  Attrs a;
  a.axes = {0};
  return b.add(Op::Flip, {x}, a);
}

/// The gradient of a scan, as another scan running backwards over the steps.
///   1. The forward scan also stacks the carry each step started from (its body gets
///      extra outputs), so the backward pass has the saved carries.
///   2. The backward body is the vector-Jacobian product of the forward body: from the
///      step's saved carry and x, the captures, and the gradients of the carry it left
///      and of its y, it computes the gradients of the carry it got, of its x, and of
///      the captures, which the backward scan sums over the steps as a carry.
///   3. The backward scan runs over the reversed sequences; its results are the
///      gradients of the initial carries, the xs (reversed back) and the captures.
std::vector<int> scanVjp(Graph &g, int scanId, const std::vector<int> &cotangentsIn) {
  Builder b(g);
  const Node scan = g.nodes[scanId];
  const Graph &body = *scan.attrs.body;
  const size_t nc = scan.attrs.carries, nx = scan.attrs.sequences;
  const size_t ncap = scan.operands.size() - nc - nx, ny = body.outputs.size() - nc;
  const int64_t steps = b.shape(scan.operands[nc])[0];
  auto bodyType = [&](int id) { return std::make_pair(body.nodes[id].dtype, body.nodes[id].shape); };
  auto stacked = [&](Shape s) {
    s.insert(s.begin(), steps);
    return s;
  };

  // 1. Saved carries.
  auto augmented = std::make_shared<Graph>(body);
  for (size_t i = 0; i < nc; ++i) augmented->outputs.push_back(augmented->inputs[i]);
  g.nodes[scanId].attrs.body = augmented;
  std::vector<int> saved;
  for (size_t i = 0; i < nc; ++i) {
    auto [d, s] = bodyType(body.inputs[i]);
    saved.push_back(b.project(scanId, static_cast<int64_t>(nc + ny + i), d, stacked(s)));
  }

  // 2. The backward body: inputs gc, gk (carries), c_t, x_t, gy_t (sequences), k (captures).
  Graph vjpBody = withoutEffects(vjpGraph(body)); // the forward scan printed already
  auto backwardBody = std::make_shared<Graph>();
  Builder bb(*backwardBody);
  auto input = [&](std::pair<DType, Shape> type) { return bb.input(type.first, type.second); };
  std::vector<int> gc, gk, ct, xt, gy, k;
  for (size_t i = 0; i < nc; ++i) gc.push_back(input(bodyType(body.inputs[i])));
  for (size_t m = 0; m < ncap; ++m) gk.push_back(input(bodyType(body.inputs[nc + nx + m])));
  for (size_t i = 0; i < nc; ++i) ct.push_back(input(bodyType(body.inputs[i])));
  for (size_t j = 0; j < nx; ++j) xt.push_back(input(bodyType(body.inputs[nc + j])));
  for (size_t q = 0; q < ny; ++q) gy.push_back(input(bodyType(body.outputs[nc + q])));
  for (size_t m = 0; m < ncap; ++m) k.push_back(input(bodyType(body.inputs[nc + nx + m])));
  std::vector<int> wiring = ct;
  wiring.insert(wiring.end(), xt.begin(), xt.end());
  wiring.insert(wiring.end(), k.begin(), k.end());
  wiring.insert(wiring.end(), gc.begin(), gc.end());
  wiring.insert(wiring.end(), gy.begin(), gy.end());
  std::vector<int> grads = inlineInto(bb, vjpBody, wiring); // d carry, d x, d captures
  for (size_t i = 0; i < nc; ++i) backwardBody->outputs.push_back(grads[i]);
  for (size_t m = 0; m < ncap; ++m) backwardBody->outputs.push_back(bb.binary(Op::Add, gk[m], grads[nc + nx + m]));
  for (size_t j = 0; j < nx; ++j) backwardBody->outputs.push_back(grads[nc + j]);

  // 3. The backward scan over reversed sequences.
  auto cotangent = [&](size_t result, DType d, const Shape &s) {
    int given = result < cotangentsIn.size() ? cotangentsIn[result] : -1;
    return given >= 0 ? given : b.constant(d, s, 0);
  };
  std::vector<int> operands;
  for (size_t i = 0; i < nc; ++i) operands.push_back(cotangent(i, b.dtype(scan.operands[i]), b.shape(scan.operands[i])));
  for (size_t m = 0; m < ncap; ++m) operands.push_back(b.zerosLike(scan.operands[nc + nx + m]));
  for (size_t i = 0; i < nc; ++i) operands.push_back(flip0(b, saved[i]));
  for (size_t j = 0; j < nx; ++j) operands.push_back(flip0(b, scan.operands[nc + j]));
  for (size_t q = 0; q < ny; ++q) {
    auto [d, s] = bodyType(body.outputs[nc + q]);
    operands.push_back(flip0(b, cotangent(nc + q, d, stacked(s))));
  }
  for (size_t m = 0; m < ncap; ++m) operands.push_back(scan.operands[nc + nx + m]);
  Attrs loop;
  loop.body = backwardBody;
  loop.carries = static_cast<int64_t>(nc + ncap);
  loop.sequences = static_cast<int64_t>(nc + nx + ny);
  int back = b.add(Op::Scan, operands, loop);

  std::vector<int> parts;
  for (size_t i = 0; i < nc; ++i) parts.push_back(b.project(back, i, b.dtype(scan.operands[i]), b.shape(scan.operands[i])));
  for (size_t j = 0; j < nx; ++j) {
    int xs = scan.operands[nc + j];
    parts.push_back(flip0(b, b.project(back, nc + ncap + j, b.dtype(xs), b.shape(xs))));
  }
  for (size_t m = 0; m < ncap; ++m) {
    int cap = scan.operands[nc + nx + m];
    parts.push_back(b.project(back, nc + m, b.dtype(cap), b.shape(cap)));
  }
  return parts;
}

/// The gradient of a custom_vjp: its forward graph again on the same operands (CSE merges
/// the two when they compute the same), for the residuals, then its backward graph on the
/// residuals and the results' cotangents (zeros where a result has none).
std::vector<int> customVjp(Graph &g, int id, const std::vector<int> &cotangentsIn) {
  Builder b(g);
  const Node call = g.nodes[id];
  const Graph &body = *call.attrs.body;
  // fwd's effects are dropped: the node itself runs f's body (Lower.cpp), which prints.
  std::vector<int> forward = inlineInto(b, withoutEffects(*call.attrs.forward), call.operands);
  std::vector<int> wiring(forward.begin() + static_cast<long>(body.outputs.size()), forward.end()); // residuals
  for (size_t k = 0; k < body.outputs.size(); ++k) {
    int given = k < cotangentsIn.size() ? cotangentsIn[k] : -1;
    const Node &out = body.nodes[body.outputs[k]];
    wiring.push_back(given >= 0 ? given : b.constant(out.dtype, out.shape, 0));
  }
  return inlineInto(b, *call.attrs.backward, wiring);
}

/// The gradient of a custom_jvp, from its JVP rule alone. The rule's tangent outputs are
/// linear in its tangent inputs, t -> J t, so the vector-Jacobian product of that map
/// with respect to t, at any t (zeros), is J^T ct: reverse mode of the rule's graph
/// transposes it. The primal inputs only fix the point, so the result is ordinary IR
/// in them, and differentiating it again (hessian, grad of grad) just works.
std::vector<int> customJvpTransposed(Graph &g, int id, const std::vector<int> &cotangentsIn) {
  Builder b(g);
  const Node call = g.nodes[id];
  const Graph &rule = *call.attrs.forward;
  const size_t n = call.operands.size(), results = call.attrs.body->outputs.size();
  Graph tangentMap = withoutEffects(rule); // the forward pass printed already
  tangentMap.outputs.assign(rule.outputs.begin() + static_cast<long>(results), rule.outputs.end());
  Graph transposed = vjpGraph(tangentMap); // (primals, tangents, cotangents) -> (d primals, d tangents)
  std::vector<int> wiring = call.operands;
  for (int o : call.operands) wiring.push_back(b.zerosLike(o));
  for (size_t k = 0; k < results; ++k) {
    int given = k < cotangentsIn.size() ? cotangentsIn[k] : -1;
    const Node &out = rule.nodes[tangentMap.outputs[k]];
    wiring.push_back(given >= 0 ? given : b.constant(out.dtype, out.shape, 0));
  }
  std::vector<int> grads = inlineInto(b, transposed, wiring);
  return std::vector<int>(grads.begin() + static_cast<long>(n), grads.end());
}

} // namespace

Graph differentiate(const Graph &f, size_t output, const std::vector<bool> &wrt) {
  if (output >= f.outputs.size()) throw std::invalid_argument("differentiate: no such output");
  int target = f.outputs[output];
  const Node &out = f.nodes[target];
  if (!isFloat(out.dtype) || !out.shape.empty())
    throw NotDifferentiable("the differentiated function must return a float scalar, not " +
                            typeString(out.dtype, out.shape));
  Graph g = f;
  Builder b(g);
  std::vector<int> seeds(f.nodes.size(), -1);
  seeds[target] = b.constant(out.dtype, {}, 1.0);
  std::vector<int> grad = backward(g, f, seeds, wrt);
  // 4. Forward outputs, then the gradients.
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    if (i >= wrt.size() || !wrt[i]) continue;
    int input = f.inputs[i];
    g.outputs.push_back(grad[input] >= 0 ? grad[input] : b.zerosLike(input));
  }
  return g;
}

} // namespace zy::transforms
