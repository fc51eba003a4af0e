// Lower.cpp: the graph as it runs: each custom call (custom_vjp, custom_jvp) replaced by its body.
//
// A custom_vjp node keeps its body and its gradient's graphs for as long as the graph may
// still be transformed; once it is final (the tracer caches it, or a transformation's
// result runs from host code) the body is inlined, so the JIT, `zy compile` and the
// reference executor see only ordinary primitives. Loops' graphs are lowered too.
#include "transforms/Grad.h"

namespace zy::transforms {

using namespace ir;

namespace {

bool hasCustomCalls(const Graph &g) {
  for (const Node &n : g.nodes)
    if (isCustomCall(n.op) || ((n.op == Op::Scan || n.op == Op::While) && hasCustomCalls(*n.attrs.body)) ||
        (n.op == Op::While && hasCustomCalls(*n.attrs.cond)))
      return true;
  return false;
}

} // namespace

Graph lowerCustomCalls(const Graph &f) {
  if (!hasCustomCalls(f)) return f;
  Graph g;
  Builder b(g);
  std::vector<int> remap(f.nodes.size(), -1);
  std::vector<std::vector<int>> results(f.nodes.size()); // a custom call's inlined outputs
  for (size_t id = 0; id < f.nodes.size(); ++id) {
    Node n = f.nodes[id];
    for (int &o : n.operands) o = remap[o];
    if (isCustomCall(n.op)) {
      results[id] = inlineInto(b, lowerCustomCalls(*n.attrs.body), n.operands);
      remap[id] = results[id][0];
      continue;
    }
    if (n.op == Op::Project && isCustomCall(f.nodes[f.nodes[id].operands[0]].op)) {
      remap[id] = results[f.nodes[id].operands[0]][n.attrs.index];
      continue;
    }
    if (n.op == Op::Scan || n.op == Op::While) n.attrs.body = std::make_shared<Graph>(lowerCustomCalls(*n.attrs.body));
    if (n.op == Op::While) n.attrs.cond = std::make_shared<Graph>(lowerCustomCalls(*n.attrs.cond));
    remap[id] = g.add(std::move(n));
    if (n.op == Op::Input) g.inputs.push_back(remap[id]);
  }
  for (int out : f.outputs) g.outputs.push_back(remap[out]);
  return g;
}

} // namespace zy::transforms
