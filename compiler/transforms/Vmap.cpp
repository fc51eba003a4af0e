// Vmap.cpp: batching: a graph computed for every index along a new leading axis at once.
//
//   1. Rebuild the graph node by node; a batched input gets the new leading axis of size B.
//   2. Walk f forwards. A node none of whose operands is batched is copied as it is (it
//      is the same for every index); any other is batched by its kind's rule below, with
//      the batch axis always leading: a batched node of type T[s] becomes T[B, s].
//   3. Return every output batched (one that depends on no batched input is broadcast).
//
// The rules follow the op kinds, so a new primitive of an existing kind needs none:
//   - elementwise ops and checks: unbatched operands are broadcast, the op applied;
//   - reductions and movement: their axis attributes shift by one past the batch axis;
//   - matmul: a batched left operand and an unbatched matrix are one matrix product with
//     the batch folded into the rows (one BLAS call, as a layer over a batch should be);
//     an unbatched matrix times a batched one folds the batch into the columns; the
//     rest is a batched product;
//   - gather and scatter_add with batched indices index a flattened operand (the batch
//     folded into the indexed axis, each example's indices offset into its own rows);
//   - random ops with a batched key are unrolled: one draw per key (ensembles of a few);
//   - scan batches its body (the same driver, recursively), with the batch axis of each
//     mapped sequence moved behind the step axis.
// The switch over OpKind has no default, so a new kind is a build error until it has a
// rule.
#include "transforms/Grad.h"

#include "ir/Builder.h"

#include <numeric>

namespace zy::transforms {

using namespace ir;

namespace {

std::vector<int64_t> shifted(std::vector<int64_t> axes, int64_t by = 1) {
  for (int64_t &a : axes) a += by;
  return axes;
}

int64_t product(const Shape &s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

/// The rebuilt graph: f's node -> its copy, and whether the copy has the batch axis.
struct Batched {
  Builder &b;
  int64_t size;
  std::vector<int> node;
  std::vector<bool> batched;

  /// Operand `id` of f, with the batch axis (broadcast if it had none).
  int lifted(int id) {
    int x = node[id];
    return batched[id] ? x : b.broadcast(x, withLeadingAxis(size, b.shape(x)));
  }
  std::vector<int> liftedAll(const std::vector<int> &ids) {
    std::vector<int> out;
    for (int id : ids) out.push_back(lifted(id));
    return out;
  }
};

int transposeTo(Builder &b, int x, std::vector<int64_t> perm) {
  std::vector<int64_t> identity(perm.size());
  std::iota(identity.begin(), identity.end(), 0);
  return perm == identity ? x : b.transpose(x, std::move(perm));
}

/// [B, ..., n, k] @ [..., k, m] and its mirror image, or a batched product.
int batchMatMul(Batched &r, const Node &n) {
  Builder &b = r.b;
  int a = r.node[n.operands[0]], c = r.node[n.operands[1]];
  bool ba = r.batched[n.operands[0]], bc = r.batched[n.operands[1]];
  Shape sa = b.shape(a), sc = b.shape(c);
  if (ba && !bc && sc.size() == 2) { // fold the batch (and any batch dims) into the rows
    Shape out = sa;
    out.back() = sc[1];
    int rows = b.reshape(a, {product(sa, 0, sa.size() - 1), sa.back()});
    return b.reshape(b.binary(Op::MatMul, rows, c), out);
  }
  if (!ba && bc && sa.size() == 2 && sc.size() == 3) { // [n, k] @ [B, k, m]: the batch in the columns
    int64_t B = sc[0], k = sc[1], m = sc[2];
    int columns = b.reshape(b.transpose(c, {1, 0, 2}), {k, B * m});
    int product = b.reshape(b.binary(Op::MatMul, a, columns), {sa[0], B, m});
    return b.transpose(product, {1, 0, 2});
  }
  return b.binary(Op::MatMul, r.lifted(n.operands[0]), r.lifted(n.operands[1]));
}

/// Each example's indices into its own rows of x (axis `axis` of x folded with the batch):
/// idx + b·N for example b, after `fit` (clamping or marking out of range) in [0, N).
int offsetIndices(Builder &b, int idx, int64_t rows, bool clamp) {
  Shape s = b.shape(idx);
  Attrs iota;
  iota.shape = s;
  iota.axis = 0;
  iota.dtype = DType::I32;
  int example = b.add(Op::Iota, {}, iota);
  int offset = b.binary(Op::Mul, example, b.constant(DType::I32, s, double(rows)));
  if (clamp) { // gather clamps an index to the axis, as the unbatched gather does
    int fitted = b.binary(Op::Max, b.binary(Op::Min, idx, b.constant(DType::I32, s, double(rows - 1))),
                          b.constant(DType::I32, s, 0));
    return b.binary(Op::Add, fitted, offset);
  }
  // scatter_add drops an index outside the axis: keep it outside every example's rows
  int inside = b.binary(Op::And, b.binary(Op::Ge, idx, b.constant(DType::I32, s, 0)),
                        b.binary(Op::Lt, idx, b.constant(DType::I32, s, double(rows))));
  return b.add(Op::Where, {inside, b.binary(Op::Add, idx, offset), b.constant(DType::I32, s, double(rows * s[0]))});
}

/// x with its batch axis and axis `axis + 1` folded: [B, pre, N, post] -> [B·N, pre, post].
int foldBatchInto(Builder &b, int x, int64_t axis) {
  int moved = b.moveAxis(x, axis + 1, 1);
  Shape s = b.shape(moved);
  Shape folded(s.begin() + 1, s.end());
  folded[0] *= s[0];
  return b.reshape(moved, folded);
}

int batchGather(Batched &r, const Node &n) {
  Builder &b = r.b;
  const int64_t axis = n.attrs.axis;
  int x = n.operands[0], idx = n.operands[1];
  Attrs a = n.attrs;
  if (!r.batched[idx]) { // the operand alone: gather one axis further in
    a.axis = axis + 1;
    return b.add(Op::Gather, {r.node[x], r.node[idx]}, a, n.span);
  }
  const int64_t indexRank = static_cast<int64_t>(b.shape(r.node[idx]).size()); // B and the index dims
  if (!r.batched[x]) { // x.shape[:axis] + [B, I] + x.shape[axis+1:]: the batch axis to the front
    int g = b.add(Op::Gather, {r.node[x], r.node[idx]}, a, n.span);
    return b.moveAxis(g, axis, 0);
  }
  int rows = b.shape(r.node[x])[axis + 1];
  int flat = foldBatchInto(b, r.node[x], axis);
  a.axis = 0;
  int g = b.add(Op::Gather, {flat, offsetIndices(b, r.node[idx], rows, true)}, a, n.span);
  // [B, I, pre, post] -> [B, pre, I, post]
  std::vector<int64_t> perm = {0};
  for (int64_t p = 0; p < axis; ++p) perm.push_back(indexRank + p);
  for (int64_t i = 1; i < indexRank; ++i) perm.push_back(i);
  for (int64_t p = indexRank + axis; p < static_cast<int64_t>(b.shape(g).size()); ++p) perm.push_back(p);
  return transposeTo(b, g, perm);
}

int batchScatterAdd(Batched &r, const Node &n) {
  Builder &b = r.b;
  const int64_t axis = n.attrs.axis;
  int base = r.lifted(n.operands[0]), idx = n.operands[1], updates = r.lifted(n.operands[2]);
  Attrs a = n.attrs;
  if (!r.batched[idx]) {
    a.axis = axis + 1;
    return b.add(Op::ScatterAdd, {base, r.node[idx], updates}, a, n.span);
  }
  Shape baseShape = b.shape(base);
  const int64_t rows = baseShape[axis + 1];
  const int64_t indexRank = static_cast<int64_t>(b.shape(r.node[idx]).size());
  // updates [B, pre, I, post] -> [B, I, pre, post], the layout of the folded base's
  std::vector<int64_t> perm = {0};
  for (int64_t i = 0; i < indexRank - 1; ++i) perm.push_back(1 + axis + i);
  for (int64_t p = 0; p < axis; ++p) perm.push_back(1 + p);
  for (int64_t p = axis + indexRank; p < static_cast<int64_t>(b.shape(updates).size()); ++p) perm.push_back(p);
  a.axis = 0;
  int flat = b.add(Op::ScatterAdd,
                   {foldBatchInto(b, base, axis), offsetIndices(b, r.node[idx], rows, false), transposeTo(b, updates, perm)},
                   a, n.span);
  // [B·N, pre, post] -> [B, N, pre, post] -> [B, pre, N, post]
  Shape unfolded = b.shape(flat);
  unfolded[0] = rows;
  unfolded.insert(unfolded.begin(), baseShape[0]);
  return b.moveAxis(b.reshape(flat, unfolded), 1, axis + 1);
}

/// A random op with one key per example: a draw per key, stacked (the unbatched op is
/// the kernel; batching it by the kernel itself would need a batched key stream).
int batchRandom(Batched &r, const Node &n) {
  Builder &b = r.b;
  int keys = r.node[n.operands[0]];
  std::vector<int> draws;
  for (int64_t k = 0; k < r.size; ++k) {
    int key = b.reshape(b.sliceLeading(keys, k, k + 1), {2});
    int draw = b.add(n.op, {key}, n.attrs, n.span);
    draws.push_back(b.reshape(draw, withLeadingAxis(1, b.shape(draw))));
  }
  if (draws.size() == 1) return draws[0];
  Attrs c;
  c.axis = 0;
  return b.add(Op::Concat, draws, c, n.span);
}

/// debug_print under vmap prints a line per example, in order, showing row k of each
/// batched operand (as JAX's callback, unrolled); with no batched operand, or an empty
/// batch, it prints once. Its token stays unbatched.
int batchPrint(Batched &r, const Node &n) {
  bool anyBatched = false;
  for (int o : n.operands) anyBatched = anyBatched || r.batched[o];
  const int64_t lines = anyBatched && r.size > 0 ? r.size : 1;
  int token = -1;
  for (int64_t k = 0; k < lines; ++k) {
    Node copy = n;
    for (int &o : copy.operands) {
      int x = r.node[o];
      if (anyBatched && r.size > 0 && r.batched[o]) {
        Shape row = r.b.shape(x);
        row.erase(row.begin());
        x = r.b.reshape(r.b.sliceLeading(x, k, k + 1), row);
      }
      o = x;
    }
    token = r.b.graph().add(std::move(copy));
  }
  return token;
}

/// The elementwise, reduction and movement rules: the op on lifted operands, its axes shifted.
int batchByKind(Batched &r, const Node &n) {
  Builder &b = r.b;
  Attrs a = n.attrs;
  switch (n.op) {
  case Op::ReduceSum:
  case Op::ReduceMax:
  case Op::ReduceMin:
  case Op::ArgMax:
  case Op::Flip: a.axes = shifted(a.axes); break;
  case Op::Reshape: a.shape = withLeadingAxis(r.size, a.shape); break;
  case Op::Transpose:
    a.perm = shifted(a.perm);
    a.perm.insert(a.perm.begin(), 0);
    break;
  case Op::Broadcast: { // NumPy aligns shapes at the right: put the operand's axes there
    Shape from = b.shape(r.node[n.operands[0]]); // [B, s]
    Shape aligned = {r.size};                      // [B, 1..., s], as long as [B, target]
    aligned.resize(1 + a.shape.size() - (from.size() - 1), 1);
    aligned.insert(aligned.end(), from.begin() + 1, from.end());
    a.shape = withLeadingAxis(r.size, a.shape);
    return b.add(Op::Broadcast, {b.reshape(r.node[n.operands[0]], aligned)}, a, n.span);
  }
  case Op::Slice:
    a.starts.insert(a.starts.begin(), 0);
    a.stops.insert(a.stops.begin(), r.size);
    a.steps.insert(a.steps.begin(), 1);
    break;
  case Op::Pad:
    a.lo.insert(a.lo.begin(), 0);
    a.hi.insert(a.hi.begin(), 0);
    break;
  case Op::Concat: a.axis += 1; break;
  default: break; // elementwise and checks: no axis attributes
  }
  return b.add(n.op, r.liftedAll(n.operands), a, n.span);
}

/// A scan with a batched operand: every carry batched (a carry the body mixes with a
/// batched value becomes batched, so all are, to keep the loop's types fixed), mapped
/// sequences [B, T, s] as [T, B, s], the body batched; the stacked ys come back [B, T, s].
void batchScan(Batched &r, const Graph &f, int id) {
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
void batchedResults(Batched &r, const Graph &f, int id, int batched) {
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

/// A custom call with a batched operand: its graphs batched alike. custom_vjp: f and fwd
/// where the operands are, and bwd's cotangent of an unbatched operand summed over the
/// batch (the gradient of something every example shares); custom_jvp: f, and the rule
/// with each tangent batched where its primal is.
void batchCustomCall(Batched &r, const Graph &f, int id) {
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

/// The batched form of node `n` of f (whose operands are in `r`, some batched).
int batchRule(Batched &r, const Node &n) {
  switch (opInfo(n.op).kind) {
  case OpKind::Unary:
  case OpKind::Binary:
  case OpKind::Compare:
  case OpKind::Ternary:
  case OpKind::Check:
  case OpKind::Reduce:
  case OpKind::Movement: return batchByKind(r, n);
  case OpKind::Contract: return batchMatMul(r, n);
  case OpKind::Index: return n.op == Op::Gather ? batchGather(r, n) : batchScatterAdd(r, n);
  case OpKind::Random: return batchRandom(r, n);
  case OpKind::Effect: return batchPrint(r, n);
  case OpKind::Source:
  case OpKind::Control: break; // sources have no operands; scan, custom_vjp, project: the driver's
  }
  throw std::logic_error(std::string("vmap: no rule for ") + opInfo(n.op).name);
}

} // namespace

Graph batchGraph(const Graph &f, const std::vector<bool> &batchedInputs, int64_t size, std::vector<bool> *dependsOnBatch) {
  Graph g;
  Builder b(g);
  Batched r{b, size, std::vector<int>(f.nodes.size(), -1), std::vector<bool>(f.nodes.size(), false)};
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
    else if (isCustomCall(n.op)) batchCustomCall(r, f, static_cast<int>(id));
    else r.node[id] = batchRule(r, n), r.batched[id] = opInfo(n.op).kind != OpKind::Effect;
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
