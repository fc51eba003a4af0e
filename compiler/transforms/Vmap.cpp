// Vmap.cpp: batching: a graph computed for every index along a new leading axis at once.
//
//   1. Rebuild the graph node by node; a batched input gets the new leading axis of size B.
//   2. Walk f forwards. A node none of whose operands is batched is copied as it is (it
//      is the same for every index); any other is batched by its op's batching rule, with
//      the batch axis always leading: a batched node of type T[s] becomes T[B, s].
//   3. Return every output batched (one that depends on no batched input is broadcast).
//
// The rules are the batching column of the op table (compiler/ops/): elementwise ops lift
// their operands, reductions and movement shift their axes, matmul folds the batch into
// one matrix product, gather and scatter_add offset batched indices, random ops unroll
// over batched keys, debug_print prints per example. Scan, while and custom calls carry
// graphs and are batched here (batchScan, batchWhile, batchCustomCall), by this driver
// recursively.
#include "transforms/Grad.h"

#include "ir/Builder.h"
#include "ops/Rule.h"

namespace zy::transforms {

using namespace ir;

namespace {

using ops::Batching;

/// A scan with a batched operand: every carry batched (a carry the body mixes with a
/// batched value becomes batched, so all are, to keep the loop's types fixed), mapped
/// sequences [B, T, s] as [T, B, s], the body batched; the stacked ys come back [B, T, s].
void batchScan(Batching &r, const Graph &f, int id) {
  Builder &b = r.b;
  const Node &scan = f.nodes[id];
  const Graph &body = *scan.attrs.body;
  const size_t nc = scan.attrs.carries, nx = scan.attrs.sequences;
  std::vector<int> operands;
  std::vector<bool> bodyBatched;
  for (size_t k = 0; k < scan.operands.size(); ++k) {
    int o = scan.operands[k];
    if (k < nc) {
      operands.push_back(r.lifted(o));
      bodyBatched.push_back(true);
    } else if (k < nc + nx && r.batched[o]) {
      operands.push_back(b.moveAxis(r.node[o], 0, 1));
      bodyBatched.push_back(true);
    } else {
      operands.push_back(r.node[o]);
      bodyBatched.push_back(r.batched[o]);
    }
  }
  Attrs loop = scan.attrs;
  loop.body = std::make_shared<Graph>(batchGraph(body, bodyBatched, r.size));
  int batched = b.add(Op::Scan, operands, loop, scan.span);
  r.node[id] = batched;
  r.batched[id] = true;
  for (size_t p = id + 1; p < f.nodes.size(); ++p) {
    const Node &proj = f.nodes[p];
    if (proj.op != Op::Project || proj.operands[0] != id) continue;
    Attrs a = proj.attrs;
    bool carry = static_cast<size_t>(a.index) < nc;
    if (carry) a.shape = withLeadingAxis(r.size, a.shape);
    else a.shape.insert(a.shape.begin() + 1, r.size); // [T, B, s]
    int result = b.add(Op::Project, {batched}, a, proj.span);
    r.node[p] = carry ? result : b.moveAxis(result, 1, 0);
    r.batched[p] = true;
  }
}

/// Node `id` of f (a custom call) is `batched` now: each of its projects reads a result
/// with the batch axis.
void batchedResults(Batching &r, const Graph &f, int id, int batched) {
  r.node[id] = batched;
  r.batched[id] = true;
  for (size_t p = id + 1; p < f.nodes.size(); ++p) {
    const Node &proj = f.nodes[p];
    if (proj.op != Op::Project || proj.operands[0] != id) continue;
    Attrs pa = proj.attrs;
    pa.shape = withLeadingAxis(r.size, pa.shape);
    r.node[p] = r.b.add(Op::Project, {batched}, pa, proj.span);
    r.batched[p] = true;
  }
}

/// A while with a batched operand: every carry batched, the loop runs while the condition
/// holds for some example, and each step keeps the carries of the examples whose
/// condition no longer holds (the select form, as JAX's: their body runs but is not used).
void batchWhile(Batching &r, const Graph &f, int id) {
  const Node &loop = f.nodes[id];
  const size_t nc = loop.attrs.carries;
  std::vector<int> operands;
  std::vector<bool> batched;
  for (size_t k = 0; k < loop.operands.size(); ++k) {
    int o = loop.operands[k];
    operands.push_back(k < nc ? r.lifted(o) : r.node[o]);
    batched.push_back(k < nc || r.batched[o]);
  }
  Graph cond = batchGraph(*loop.attrs.cond, batched, r.size), body = batchGraph(*loop.attrs.body, batched, r.size);
  // Each new graph takes the batched operands' types and computes from them.
  auto graphOn = [&](auto &&compute) {
    Graph g;
    Builder gb(g);
    std::vector<int> inputs;
    for (int o : operands) inputs.push_back(gb.input(r.b.dtype(o), r.b.shape(o), loop.span));
    g.outputs = compute(gb, inputs);
    return std::make_shared<const Graph>(std::move(g));
  };
  auto holds = [&](Builder &gb, const std::vector<int> &inputs) { return inlineInto(gb, cond, inputs)[0]; }; // bool[B]
  Attrs a = loop.attrs;
  a.cond = graphOn([&](Builder &gb, const std::vector<int> &inputs) {
    int count = gb.reduceSum(gb.cast(holds(gb, inputs), DType::I32), {0}, false);
    return std::vector<int>{gb.binary(Op::Gt, count, gb.constant(DType::I32, {}, 0))};
  });
  a.body = graphOn([&](Builder &gb, const std::vector<int> &inputs) {
    int running = holds(gb, inputs);
    std::vector<int> next = inlineInto(gb, body, inputs), out;
    for (size_t k = 0; k < nc; ++k) {
      Shape s = gb.shape(inputs[k]), aligned(s.size(), 1);
      aligned[0] = s[0];
      out.push_back(gb.add(Op::Where, {gb.broadcast(gb.reshape(running, aligned), s), next[k], inputs[k]}));
    }
    return out;
  });
  batchedResults(r, f, id, r.b.add(Op::While, operands, a, loop.span));
}

/// A custom call with a batched operand: its graphs batched alike. custom_vjp: f and fwd
/// where the operands are, and bwd's cotangent of an unbatched operand summed over the
/// batch (the gradient of something every example shares); custom_jvp: f, and the rule
/// with each tangent batched where its primal is.
void batchCustomCall(Batching &r, const Graph &f, int id) {
  Builder &b = r.b;
  const Node &call = f.nodes[id];
  std::vector<bool> flags;
  std::vector<int> operands;
  for (int o : call.operands) {
    flags.push_back(r.batched[o]);
    operands.push_back(r.node[o]);
  }
  Attrs a = call.attrs;
  a.body = std::make_shared<Graph>(batchGraph(*call.attrs.body, flags, r.size));
  if (call.op == Op::CustomJvp) {
    std::vector<bool> ruleFlags = flags;
    ruleFlags.insert(ruleFlags.end(), flags.begin(), flags.end());
    a.forward = std::make_shared<Graph>(batchGraph(*call.attrs.forward, ruleFlags, r.size));
  } else {
    a.forward = std::make_shared<Graph>(batchGraph(*call.attrs.forward, flags, r.size));
    Graph backward = batchGraph(*call.attrs.backward, std::vector<bool>(call.attrs.backward->inputs.size(), true), r.size);
    auto summed = std::make_shared<Graph>();
    Builder sb(*summed);
    std::vector<int> inputs;
    for (int input : backward.inputs) inputs.push_back(sb.input(backward.nodes[input].dtype, backward.nodes[input].shape));
    std::vector<int> grads = inlineInto(sb, backward, inputs);
    for (size_t k = 0; k < grads.size(); ++k) summed->outputs.push_back(flags[k] ? grads[k] : sb.reduceSum(grads[k], {0}, false));
    a.backward = summed;
  }
  int batched = b.add(call.op, operands, a, call.span);
  batchedResults(r, f, id, batched);
}

} // namespace

Graph batchGraph(const Graph &f, const std::vector<bool> &batchedInputs, int64_t size, std::vector<bool> *dependsOnBatch) {
  Graph g;
  Builder b(g);
  Batching r{b, size, std::vector<int>(f.nodes.size(), -1), std::vector<bool>(f.nodes.size(), false)};
  // 1. The inputs, in order, the batched ones with the new axis.
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    const Node &in = f.nodes[f.inputs[i]];
    bool batched = i < batchedInputs.size() && batchedInputs[i];
    r.node[f.inputs[i]] = b.input(in.dtype, batched ? withLeadingAxis(size, in.shape) : in.shape, in.span);
    r.batched[f.inputs[i]] = batched;
  }
  // 2. Forwards.
  for (size_t id = 0; id < f.nodes.size(); ++id) {
    if (r.node[id] >= 0) continue; // an input, or a project its scan rebuilt
    Node n = f.nodes[id];
    bool any = false;
    for (int o : n.operands) any = any || r.batched[o];
    if (!any) {
      for (int &o : n.operands) o = r.node[o];
      r.node[id] = g.add(std::move(n));
      continue;
    }
    size_t firstNew = g.nodes.size();
    if (n.op == Op::Scan) batchScan(r, f, static_cast<int>(id));
    else if (n.op == Op::While) batchWhile(r, f, static_cast<int>(id));
    else if (isCustomCall(n.op)) batchCustomCall(r, f, static_cast<int>(id));
    else r.node[id] = ops::rule(n.op).batch(r, n), r.batched[id] = opInfo(n.op).kind != OpKind::Effect;
    for (size_t k = firstNew; k < g.nodes.size(); ++k)
      if (!g.nodes[k].span.valid()) g.nodes[k].span = n.span, g.nodes[k].chain = n.chain;
  }
  // 3. Every output with the batch axis.
  for (int out : f.outputs) g.outputs.push_back(r.lifted(out));
  if (dependsOnBatch)
    for (int out : f.outputs) dependsOnBatch->push_back(r.batched[out]);
  return g;
}

} // namespace zy::transforms
