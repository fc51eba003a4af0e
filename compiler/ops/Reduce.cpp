// Reduce.cpp: the rows of the reductions (reduce_sum, reduce_max, reduce_min, argmax).
// One shape rule for all (normalised axes, keepdims); sum is linear (its JVP is itself,
// its VJP a broadcast back); max and min send the gradient to the extrema, split among
// ties; argmax is an integer. Batching shifts the axes past the batch axis.
#include "ops/Common.h"

#include <cmath>
#include <limits>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

/// The shared shape rule of reductions: normalises attrs.axes and drops (or, with
/// keepdims, keeps as 1) the reduced axes. An empty axes list reduces nothing.
/// `needsElements`: the op has no identity, so a reduced axis must not be empty.
Error inferReduction(const Rule &rule, Node &node, const OperandType &x, bool needsElements) {
  if (auto error = checkDomain(node, rule.domain, x)) return error;
  std::vector<int64_t> &axes = node.attrs.axes;
  if (auto error = normaliseAxes(node, x, axes)) return error;
  Shape shape;
  for (size_t i = 0; i < x.shape.size(); ++i) {
    bool reduced = std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(i));
    if (reduced && needsElements && x.shape[i] == 0)
      return std::string(nameOf(node)) + " over axis " + std::to_string(i) + " of " + typeOf(x) +
             ", which is empty";
    if (!reduced) shape.push_back(x.shape[i]);
    else if (node.attrs.keepdims) shape.push_back(1);
  }
  node.dtype = x.dtype;
  node.shape = shape;
  return std::nullopt;
}

/// Calls visit(o, i, value) for every element i of x, where o is the element of the
/// reduction's result it folds into. Elements reach each o in row-major order, so along
/// the reduced axes in increasing order.
template <typename F> void forEachReduced(const Tensor &x, const std::vector<int64_t> &axes, F &&visit) {
  Shape kept = x.shape();
  for (int64_t axis : axes) kept[axis] = 1;
  std::vector<int64_t> strides = stridesOf(kept);
  for (int64_t axis : axes) strides[axis] = 0;
  forEachOffset(x.shape(), strides, 0, [&](int64_t i, int64_t o) { visit(o, i, x.get(i)); });
}

Error inferReduceSum(const Rule &rule, Node &node, const Operands &ops) {
  return inferReduction(rule, node, ops[0], false);
}

Tensor evalReduceSum(const Rule &, const Node &node, const Args &args) {
  if (node.dtype == DType::I32) {
    std::vector<uint64_t> sums(countOf(node.shape), 0);
    forEachReduced(*args[0], node.attrs.axes, [&](int64_t o, int64_t, double v) { sums[o] += asUnsigned(v); });
    Tensor out(node.dtype, node.shape);
    for (int64_t i = 0; i < out.size(); ++i) out.set(i, wrapInt32(sums[i]));
    return out;
  }
  std::vector<double> sums(countOf(node.shape), 0.0);
  forEachReduced(*args[0], node.attrs.axes, [&](int64_t o, int64_t, double v) { sums[o] += v; });
  return fromDoubles(node.dtype, node.shape, sums);
}

Error inferReduceMax(const Rule &rule, Node &node, const Operands &ops) {
  return inferReduction(rule, node, ops[0], true);
}

// NaN is the maximum of anything it appears in, as in jnp.max.
Tensor evalReduceMax(const Rule &, const Node &node, const Args &args) {
  std::vector<double> maxima(countOf(node.shape), -std::numeric_limits<double>::infinity());
  forEachReduced(*args[0], node.attrs.axes, [&](int64_t o, int64_t, double v) {
    if (std::isnan(v) || v > maxima[o]) maxima[o] = v;
  });
  return fromDoubles(node.dtype, node.shape, maxima);
}

// NaN is the minimum of anything it appears in, as in jnp.min.
Tensor evalReduceMin(const Rule &, const Node &node, const Args &args) {
  std::vector<double> minima(countOf(node.shape), std::numeric_limits<double>::infinity());
  forEachReduced(*args[0], node.attrs.axes, [&](int64_t o, int64_t, double v) {
    if (std::isnan(v) || v < minima[o]) minima[o] = v;
  });
  return fromDoubles(node.dtype, node.shape, minima);
}

Error inferArgMax(const Rule &rule, Node &node, const Operands &ops) {
  if (node.attrs.axes.size() != 1)
    return "argmax needs exactly one axis, got " + std::to_string(node.attrs.axes.size());
  if (auto error = inferReduction(rule, node, ops[0], true)) return error;
  node.dtype = DType::I32;
  return std::nullopt;
}

// The first maximum wins; a NaN counts as the maximum (the first NaN wins), as in NumPy.
Tensor evalArgMax(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  int64_t axis = node.attrs.axes[0];
  int64_t stride = stridesOf(x.shape())[axis], length = x.shape()[axis];
  int64_t count = countOf(node.shape);
  std::vector<double> best(count, 0.0), where(count, -1.0);
  forEachReduced(x, node.attrs.axes, [&](int64_t o, int64_t i, double v) {
    bool better = where[o] < 0 || (!std::isnan(best[o]) && (std::isnan(v) || v > best[o]));
    if (!better) return;
    best[o] = v;
    where[o] = static_cast<double>((i / stride) % length);
  });
  return fromDoubles(DType::I32, node.shape, where);
}

// ================================================================ transformations

/// Every element gets g.
Grads vjpReduceSum(Builder &b, const Node &n, int, int g) {
  const Shape &in = b.shape(n.operands[0]);
  return {b.broadcast(b.reshape(g, keptShape(in, n.attrs.axes)), in)};
}

/// To the extrema, split among ties.
Grads vjpReduceExtremum(Builder &b, const Node &n, int y, int g) {
  const Shape &in = b.shape(n.operands[0]);
  Shape kept = keptShape(in, n.attrs.axes);
  int top = b.broadcast(b.reshape(y, kept), in);
  int m = mask(b, b.binary(Op::Eq, n.operands[0], top), b.dtype(y));
  int count = b.broadcast(b.reduceSum(m, n.attrs.axes, true), in);
  int spread = b.broadcast(b.reshape(g, kept), in);
  return {b.binary(Op::Div, b.binary(Op::Mul, spread, m), count)};
}

/// The tangent of the extremum, averaged over ties (as the VJP splits it).
int jvpReduceExtremum(const Rule &, Builder &b, const Node &n, int y, const std::vector<int> &t) {
  if (t[0] < 0) return -1;
  const Shape in = b.shape(n.operands[0]);
  int top = b.broadcast(b.reshape(y, keptShape(in, n.attrs.axes)), in);
  int m = b.cast(b.binary(Op::Eq, n.operands[0], top), b.dtype(y));
  int count = b.reduceSum(m, n.attrs.axes, n.attrs.keepdims);
  return b.binary(Op::Div, b.reduceSum(b.binary(Op::Mul, t[0], m), n.attrs.axes, n.attrs.keepdims), count);
}

/// The reduction one axis further in.
int batchReduction(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.axes = shifted(a.axes);
  return r.b.add(n.op, {r.lifted(n.operands[0])}, a, n.span);
}

constexpr Rule Rows[] = {
    {Op::ReduceSum, inferReduceSum, evalReduceSum, vjpReduceSum, jvpLinear, batchReduction, Domain::Numeric},
    {Op::ReduceMax, inferReduceMax, evalReduceMax, vjpReduceExtremum, jvpReduceExtremum, batchReduction, Domain::Any},
    {Op::ReduceMin, inferReduceMax, evalReduceMin, vjpReduceExtremum, jvpReduceExtremum, batchReduction, Domain::Any},
    {Op::ArgMax, inferArgMax, evalArgMax, vjpNone, jvpNone, batchReduction, Domain::Any},
};

static_assert(rowsCover(Rows, {OpKind::Reduce}), "Reduce.cpp must have a full row for each reduction of Ops.def, in its order");

} // namespace

const std::span<const Rule> ReduceRows = Rows;

} // namespace zy::ops
