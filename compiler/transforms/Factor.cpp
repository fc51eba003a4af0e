// Factor.cpp: reductions of outer products, computed without building the product.
//
// Per-example gradients (vmap of grad) give each dense layer's weight gradient as a
// batched outer product M = P @ Q with P [B, n, 1] and Q [B, 1, m]: B times the size of
// the weight. What a program does with them next rarely needs M itself:
//   A. its squared norm per example (clipping): sum_ij (P_i Q_j)^2 = (sum_i P_i^2)(sum_j Q_j^2);
//   B. its weighted sum over the batch (averaging clipped gradients):
//      sum_b w_b P_b Q_b^T = (w * P)^T Q, one GEMM, the batch gradient's own.
// Rewriting both leaves M dead, so DP-SGD costs about a batch step, not B weight-sized
// tensors written and read twice. These are identities of real arithmetic; the sums are
// taken in another order (as any reassociation), and a cast on the way (the norm in f64)
// is applied to P and Q instead of to their product.
#include "transforms/Simplify.h"

#include "ir/Builder.h"

#include <algorithm>

namespace zy::transforms {

using namespace ir;

namespace {

/// P and Q when node `id` is an outer product P @ Q (a matmul whose contraction has size 1).
std::optional<std::pair<int, int>> outerProduct(const Graph &g, int id) {
  const Node &m = g.nodes[id];
  if (m.op != Op::MatMul || !isFloat(m.dtype) || m.shape.size() < 2) return std::nullopt;
  const Shape &p = g.nodes[m.operands[0]].shape, &q = g.nodes[m.operands[1]].shape;
  if (p.size() != m.shape.size() || q.size() != m.shape.size() || p.back() != 1) return std::nullopt;
  return std::make_pair(m.operands[0], m.operands[1]);
}

/// x when node `id` is x * x or x ** 2.
std::optional<int> squareOf(const Graph &g, int id) {
  const Node &n = g.nodes[id];
  if (n.op == Op::Mul && n.operands[0] == n.operands[1]) return n.operands[0];
  if (n.op == Op::Pow) {
    const Node &e = g.nodes[n.operands[1]];
    if (e.op == Op::Constant && e.attrs.value == 2) return n.operands[0];
  }
  return std::nullopt;
}

/// Pattern A: reduce_sum((cast? M)^2) over both of M's matrix axes.
std::optional<int> sumOfSquares(Builder &b, const Node &reduce) {
  const Graph &g = b.graph();
  auto base = squareOf(g, reduce.operands[0]);
  if (!base) return std::nullopt;
  int m = *base;
  std::optional<DType> widen;
  if (g.nodes[m].op == Op::Cast && isFloat(g.nodes[m].dtype)) widen = g.nodes[m].dtype, m = g.nodes[m].operands[0];
  auto pq = outerProduct(g, m);
  const int64_t r = static_cast<int64_t>(g.nodes[m].shape.size());
  const auto &axes = reduce.attrs.axes;
  auto has = [&](int64_t a) { return std::find(axes.begin(), axes.end(), a) != axes.end(); };
  if (!pq || !has(r - 2) || !has(r - 1)) return std::nullopt;
  auto squaredNorm = [&](int x) { // [..., 1, 1]: the sum of squares over the matrix axes
    if (widen) x = b.cast(x, *widen);
    return b.reduceSum(b.binary(Op::Mul, x, x), {r - 2, r - 1}, true);
  };
  int product = b.binary(Op::Mul, squaredNorm(pq->first), squaredNorm(pq->second));
  return b.reduceSum(product, axes, reduce.attrs.keepdims); // the size-1 axes, and any batch axes
}

/// The [B] (or scalar) weight w when node `id` is w broadcast along the last two axes of a
/// rank-3 shape, [B, 1, 1] -> [B, n, m]; as a [B, 1, 1] node.
std::optional<int> perBatchWeight(Builder &b, int id, int64_t batch) {
  const Node n = b.graph().nodes[id]; // a copy: adding nodes may move the graph's storage
  if (n.op == Op::Constant) return b.constant(n.dtype, {batch, 1, 1}, n.attrs.value);
  if (n.op != Op::Broadcast) return std::nullopt;
  int x = n.operands[0];
  Shape s = b.shape(x);
  while (s.size() < 3) s.insert(s.begin(), 1); // NumPy aligns shapes on the right
  if (s.size() != 3 || s[1] != 1 || s[2] != 1) return std::nullopt;
  return b.broadcast(b.reshape(x, s), {batch, 1, 1});
}

/// Pattern B: reduce_sum(M) or reduce_sum(M * w) over the batch axis of a [B, n, m] outer product.
std::optional<int> weightedSum(Builder &b, const Node &reduce) {
  const Graph &g = b.graph();
  if (reduce.attrs.axes != std::vector<int64_t>{0}) return std::nullopt;
  int t = reduce.operands[0], m = t;
  std::optional<int> weight;
  const Node tn = g.nodes[t]; // a copy: perBatchWeight adds nodes
  if (tn.op == Op::Mul) {
    for (int k = 0; k < 2 && !weight; ++k)
      if (outerProduct(g, tn.operands[k]) && g.nodes[tn.operands[k]].shape.size() == 3) {
        m = tn.operands[k];
        weight = perBatchWeight(b, tn.operands[1 - k], g.nodes[m].shape[0]);
      }
    if (!weight) return std::nullopt;
  }
  auto pq = outerProduct(g, m);
  if (!pq || g.nodes[m].shape.size() != 3) return std::nullopt;
  const Shape shape = g.nodes[m].shape; // [B, n, m]
  int p = pq->first, q = pq->second;
  if (weight) p = b.binary(Op::Mul, p, b.broadcast(*weight, b.shape(p)));
  int pt = b.transpose(b.reshape(p, {shape[0], shape[1]}), {1, 0}); // [n, B]
  int sum = b.binary(Op::MatMul, pt, b.reshape(q, {shape[0], shape[2]}));
  return reduce.attrs.keepdims ? b.reshape(sum, {1, shape[1], shape[2]}) : sum;
}

} // namespace

Graph factorOuterProducts(const Graph &graph, bool &changed) {
  changed = false;
  Graph out;
  Builder b(out);
  std::vector<int> remap(graph.nodes.size(), -1);
  for (size_t id = 0; id < graph.nodes.size(); ++id) {
    Node n = graph.nodes[id];
    for (int &o : n.operands) o = remap[o];
    if (n.op == Op::ReduceSum && isFloat(n.dtype)) {
      size_t firstNew = out.nodes.size();
      std::optional<int> rewritten = sumOfSquares(b, n);
      if (!rewritten) rewritten = weightedSum(b, n);
      if (rewritten) {
        for (size_t k = firstNew; k < out.nodes.size(); ++k)
          if (!out.nodes[k].span.valid()) out.nodes[k].span = n.span;
        remap[id] = *rewritten;
        changed = true;
        continue;
      }
    }
    remap[id] = out.add(std::move(n));
  }
  for (int input : graph.inputs) out.inputs.push_back(remap[input]);
  for (int output : graph.outputs) out.outputs.push_back(remap[output]);
  return out;
}

} // namespace zy::transforms
