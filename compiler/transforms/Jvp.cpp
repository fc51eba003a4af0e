// Jvp.cpp: forward mode: the Jacobian-vector product of a graph, and each primitive's rule.
//
//   1. Rebuild the graph node by node: f's inputs first, then one tangent input per float
//      input, so the argument order is (primals..., tangents...).
//   2. Walk f forwards. Each node is copied; when any operand has a tangent, the node's
//      JVP column (jvpRule below) builds the tangent of its result from its operands' tangents
//      (-1 stands for a zero tangent, so untouched parts of the graph cost nothing).
//   3. A scan (or a while) with a tangent is replaced by one that carries primal and
//      tangent together, its body the JVP of the forward body (the same driver,
//      recursively); a while's condition reads the primals alone.
//   4. Return f's outputs, then the tangent of each float output (zeros where none).
//
// The rules are the JVP column of the op table (compiler/ops/): most derive (an elementwise
// op's from its VJP, a linear op's is the op itself), matmul and reduce_max/min have their
// own; scan and while are this driver's (jvpScan, jvpWhile), as their bodies are graphs.
#include "transforms/Grad.h"

#include "ir/Builder.h"
#include "ops/Rule.h"

#include <algorithm>

namespace zy::transforms {

using namespace ir;

namespace {

/// The tangent of node `id` of `g` (its operands already in g), from its operands'
/// tangents; -1 when it is zero.
int jvpRule(Graph &g, int id, const std::vector<int> &tangents) {
  Builder b(g);
  const Node n = g.nodes[id]; // a copy: adding nodes may move the vector
  if (!isFloat(n.dtype)) return -1;
  const ops::Rule &row = ops::rule(n.op);
  return row.jvp(row, b, n, id, tangents);
}

/// Copies node `n` of another graph into `b`'s graph with its operands remapped.
int copyNode(Builder &b, Node n, const std::vector<int> &remap) {
  for (int &o : n.operands) o = remap[o];
  return b.graph().add(std::move(n));
}

struct Rebuilt {
  std::vector<int> primal;  // f's node -> its copy
  std::vector<int> tangent; // f's node -> its tangent (-1: zero)
};

Rebuilt forward(Graph &g, const Graph &f, std::vector<int> primal, std::vector<int> tangent);

/// A group of a loop's operands in the JVP's loop: operands from..from+count of `node`
/// (their copies), then a tangent for each of `withTangent` (zeros where it has none).
void withTangents(Builder &b, const Node &node, const Rebuilt &r, size_t from, size_t count,
                  const std::vector<size_t> &withTangent, std::vector<int> &operands) {
  for (size_t k = from; k < from + count; ++k) operands.push_back(r.primal[node.operands[k]]);
  for (size_t k : withTangent) {
    int t = r.tangent[node.operands[k]];
    operands.push_back(t >= 0 ? t : b.zerosLike(r.primal[node.operands[k]]));
  }
}

/// A scan with tangents becomes one scan carrying (primal, tangent) pairs: carries
/// (c, tc), sequences (x, tx), captures (k, tk), every float operand with a tangent
/// (zeros where it had none), its body the JVP of the body. Fills the primal and tangent
/// of the scan's projects (which follow it in f) through `projects`.
void jvpScan(Graph &g, const Graph &f, int id, Rebuilt &r) {
  Builder b(g);
  const Node &scan = f.nodes[id];
  const Graph &body = *scan.attrs.body;
  const size_t nc = scan.attrs.carries, nx = scan.attrs.sequences, nk = scan.operands.size() - nc - nx;
  const size_t ny = body.outputs.size() - nc;
  Graph tangentBody = jvpGraph(body);

  // Which operands get tangents: the float ones, in order within each group.
  auto floats = [&](size_t from, size_t count) {
    std::vector<size_t> out;
    for (size_t k = from; k < from + count; ++k)
      if (isFloat(f.nodes[scan.operands[k]].dtype)) out.push_back(k);
    return out;
  };
  std::vector<size_t> fc = floats(0, nc), fx = floats(nc, nx), fk = floats(nc + nx, nk);
  std::vector<int> operands;
  withTangents(b, scan, r, 0, nc, fc, operands);
  withTangents(b, scan, r, nc, nx, fx, operands);
  withTangents(b, scan, r, nc + nx, nk, fk, operands);

  // The joint body: its inputs in the scan's order, wired to the JVP body's
  // (body inputs..., tangents of the float body inputs...).
  auto joint = std::make_shared<Graph>();
  Builder jb(*joint);
  std::vector<int> primalIn, tangentIn;
  auto inputs = [&](size_t from, size_t count, const std::vector<size_t> &withTangent) {
    for (size_t k = from; k < from + count; ++k) {
      const Node &in = body.nodes[body.inputs[k]];
      primalIn.push_back(jb.input(in.dtype, in.shape));
    }
    for (size_t k : withTangent) {
      const Node &in = body.nodes[body.inputs[k]];
      tangentIn.push_back(jb.input(in.dtype, in.shape));
    }
  };
  inputs(0, nc, fc);
  inputs(nc, nx, fx);
  inputs(nc + nx, nk, fk);
  std::vector<int> remap(tangentBody.nodes.size(), -1);
  std::vector<int> wiring = primalIn; // primalIn is in body input order: carries, sequences, captures
  wiring.insert(wiring.end(), tangentIn.begin(), tangentIn.end());
  for (size_t i = 0; i < tangentBody.inputs.size(); ++i) remap[tangentBody.inputs[i]] = wiring[i];
  for (size_t n = 0; n < tangentBody.nodes.size(); ++n)
    if (remap[n] < 0) remap[n] = copyNode(jb, tangentBody.nodes[n], remap);
  // JVP body outputs: carries', ys, then tangents of the float outputs in that order.
  std::vector<int> outs;
  for (int o : tangentBody.outputs) outs.push_back(remap[o]);
  std::vector<int> tangentOuts(outs.begin() + static_cast<long>(nc + ny), outs.end());
  size_t next = 0;
  std::vector<int> carryTangents, yTangents;
  for (size_t i = 0; i < nc; ++i)
    if (isFloat(body.nodes[body.outputs[i]].dtype)) carryTangents.push_back(tangentOuts[next++]);
  for (size_t q = 0; q < ny; ++q)
    if (isFloat(body.nodes[body.outputs[nc + q]].dtype)) yTangents.push_back(tangentOuts[next++]);
  for (size_t i = 0; i < nc; ++i) joint->outputs.push_back(outs[i]);
  for (int t : carryTangents) joint->outputs.push_back(t);
  for (size_t q = 0; q < ny; ++q) joint->outputs.push_back(outs[nc + q]);
  for (int t : yTangents) joint->outputs.push_back(t);

  Attrs loop = scan.attrs;
  loop.body = joint;
  loop.carries = static_cast<int64_t>(nc + fc.size());
  loop.sequences = static_cast<int64_t>(nx + fx.size());
  int joined = b.add(Op::Scan, operands, loop, scan.span);
  r.primal[id] = joined;

  // Result k of the old scan is result index[k] of the new one; its tangent tIndex[k].
  const size_t ncNew = nc + fc.size();
  for (size_t p = id + 1; p < f.nodes.size(); ++p) {
    const Node &proj = f.nodes[p];
    if (proj.op != Op::Project || proj.operands[0] != id) continue;
    size_t k = static_cast<size_t>(proj.attrs.index);
    Attrs a = proj.attrs;
    bool isCarry = k < nc;
    a.index = static_cast<int64_t>(isCarry ? k : ncNew + (k - nc));
    r.primal[p] = b.add(Op::Project, {joined}, a, proj.span);
    if (!isFloat(proj.attrs.dtype)) continue;
    // Its position among the float carries (or float ys) gives the tangent's result.
    size_t rank = 0;
    for (size_t j = 0; j < (isCarry ? k : k - nc); ++j)
      rank += isFloat(body.nodes[body.outputs[isCarry ? j : nc + j]].dtype);
    a.index = static_cast<int64_t>(isCarry ? nc + rank : ncNew + ny + rank);
    r.tangent[p] = b.add(Op::Project, {joined}, a, proj.span);
  }
}

/// A while with tangents becomes one while carrying (primal, tangent) pairs, as JAX's:
/// carries (c, tc) and captures (k, tk), every float one with a tangent (zeros where it
/// had none); the condition reads the primals alone, the body is the JVP of the body.
void jvpWhile(Graph &g, const Graph &f, int id, Rebuilt &r) {
  Builder b(g);
  const Node &loop = f.nodes[id];
  const size_t nc = loop.attrs.carries, nk = loop.operands.size() - nc;
  std::vector<size_t> fc, fk; // the float carries and captures
  for (size_t k = 0; k < loop.operands.size(); ++k)
    if (isFloat(f.nodes[loop.operands[k]].dtype)) (k < nc ? fc : fk).push_back(k);
  std::vector<int> operands;
  withTangents(b, loop, r, 0, nc, fc, operands);
  withTangents(b, loop, r, nc, nk, fk, operands);

  // Both graphs take (carries, carry tangents, captures, capture tangents).
  auto joint = [&](const Graph &from, bool tangents) {
    auto out = std::make_shared<Graph>();
    Builder jb(*out);
    std::vector<int> in;
    for (int o : operands) in.push_back(jb.input(b.dtype(o), b.shape(o)));
    std::vector<int> primals(in.begin(), in.begin() + static_cast<long>(nc));
    primals.insert(primals.end(), in.begin() + static_cast<long>(nc + fc.size()),
                   in.begin() + static_cast<long>(nc + fc.size() + nk));
    std::vector<int> wiring = primals; // the JVP graph's: primal inputs, then their tangents
    if (tangents) {
      wiring.insert(wiring.end(), in.begin() + static_cast<long>(nc), in.begin() + static_cast<long>(nc + fc.size()));
      wiring.insert(wiring.end(), in.begin() + static_cast<long>(nc + fc.size() + nk), in.end());
    }
    out->outputs = inlineInto(jb, from, wiring);
    return out;
  };
  Attrs a = loop.attrs;
  a.cond = joint(*loop.attrs.cond, false);
  a.body = joint(jvpGraph(*loop.attrs.body), true); // carries', then the float carries' tangents
  a.carries = static_cast<int64_t>(nc + fc.size());
  int joined = b.add(Op::While, operands, a, loop.span);
  r.primal[id] = joined;
  for (size_t p = id + 1; p < f.nodes.size(); ++p) {
    const Node &proj = f.nodes[p];
    if (proj.op != Op::Project || proj.operands[0] != id) continue;
    size_t k = static_cast<size_t>(proj.attrs.index);
    r.primal[p] = b.add(Op::Project, {joined}, proj.attrs, proj.span);
    auto rank = std::find(fc.begin(), fc.end(), k);
    if (rank == fc.end()) continue; // not a float carry: no tangent
    Attrs t = proj.attrs;
    t.index = static_cast<int64_t>(nc + static_cast<size_t>(rank - fc.begin()));
    r.tangent[p] = b.add(Op::Project, {joined}, t, proj.span);
  }
}

/// A custom_jvp: the call itself for the primals (so it keeps its rule for any further
/// transformation), its rule's tangent outputs for the tangents (zeros for an operand
/// with none).
void jvpCustom(Graph &g, const Graph &f, int id, Rebuilt &r) {
  Builder b(g);
  const Node &call = f.nodes[id];
  r.primal[id] = copyNode(b, call, r.primal);
  std::vector<int> wiring;
  for (int o : call.operands) wiring.push_back(r.primal[o]);
  for (int o : call.operands) wiring.push_back(r.tangent[o] >= 0 ? r.tangent[o] : b.zerosLike(r.primal[o]));
  std::vector<int> outs = inlineInto(b, withoutEffects(*call.attrs.forward), wiring); // the call prints
  const size_t results = call.attrs.body->outputs.size();
  for (size_t p = id + 1; p < f.nodes.size(); ++p) {
    const Node &proj = f.nodes[p];
    if (proj.op != Op::Project || proj.operands[0] != id) continue;
    r.primal[p] = copyNode(b, proj, r.primal);
    if (isFloat(proj.attrs.dtype)) r.tangent[p] = outs[results + static_cast<size_t>(proj.attrs.index)];
  }
}

/// Step 2: copies f's non-input nodes into g after their operands, with tangents.
Rebuilt forward(Graph &g, const Graph &f, std::vector<int> primal, std::vector<int> tangent) {
  Rebuilt r{std::move(primal), std::move(tangent)};
  Builder b(g);
  for (size_t id = 0; id < f.nodes.size(); ++id) {
    const Node &n = f.nodes[id];
    if (r.primal[id] >= 0) continue; // an input, or a project a scan already rebuilt
    bool any = false;
    for (int o : n.operands) any = any || r.tangent[o] >= 0;
    if (n.op == Op::CustomVjp && any)
      throw NotDifferentiable("a custom_vjp function has no forward-mode rule (jvp, jacfwd and hessian need one); "
                              "differentiate it with grad, vjp or jacrev");
    if (n.op == Op::While && any) {
      jvpWhile(g, f, static_cast<int>(id), r);
      continue;
    }
    if (n.op == Op::Scan && any) {
      jvpScan(g, f, static_cast<int>(id), r);
      continue;
    }
    if (n.op == Op::CustomJvp && any) {
      jvpCustom(g, f, static_cast<int>(id), r);
      continue;
    }
    r.primal[id] = copyNode(b, n, r.primal);
    if (!any || n.op == Op::Project) continue;
    std::vector<int> tangents;
    for (int o : n.operands) tangents.push_back(r.tangent[o]);
    size_t firstNew = g.nodes.size();
    r.tangent[id] = jvpRule(g, r.primal[id], tangents);
    // The tangent's nodes are blamed on the forward node's source (errors at run time).
    for (size_t k = firstNew; k < g.nodes.size(); ++k)
      if (!g.nodes[k].span.valid()) g.nodes[k].span = n.span, g.nodes[k].chain = n.chain;
  }
  return r;
}

} // namespace

Graph jvpGraph(const Graph &f, const std::vector<bool> &wrt) {
  Graph g;
  Builder b(g);
  std::vector<int> primal(f.nodes.size(), -1), tangent(f.nodes.size(), -1);
  // 1. f's inputs, then the tangent inputs.
  for (int input : f.inputs) {
    primal[input] = g.add(f.nodes[input]);
    g.inputs.push_back(primal[input]);
  }
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    const Node &in = f.nodes[f.inputs[i]];
    if (isFloat(in.dtype) && (wrt.empty() || (i < wrt.size() && wrt[i]))) tangent[f.inputs[i]] = b.input(in.dtype, in.shape);
  }
  // 2, 3.
  Rebuilt r = forward(g, f, std::move(primal), std::move(tangent));
  // 4.
  for (int out : f.outputs) g.outputs.push_back(r.primal[out]);
  for (int out : f.outputs)
    if (isFloat(f.nodes[out].dtype)) g.outputs.push_back(r.tangent[out] >= 0 ? r.tangent[out] : b.zerosLike(r.primal[out]));
  return g;
}

} // namespace zy::transforms
