// Index.cpp: the rows of gather, scatter_add and argsort. Gather and scatter-add are each
// other's transpose: a gather's gradient is a scatter-add to the clamped rows, a
// scatter-add's a gather of the kept updates; both are linear in their float operands.
// Batching with batched indices folds the batch into the indexed axis and offsets each
// example's indices into its own rows. Argsort gives indices (no gradient; sort's comes
// from the gather that reads them, stdlib/prelude.zy) and works along the last axis, so a
// leading batch axis changes nothing.
#include "ops/Common.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

/// x.shape[:axis] + idx.shape + x.shape[axis+1:]: the shape of gather(x, idx, axis),
/// which is also the shape scatter_add's updates must have.
Shape gatherShape(const Shape &x, const Shape &idx, int64_t axis) {
  Shape shape(x.begin(), x.begin() + axis);
  shape.insert(shape.end(), idx.begin(), idx.end());
  shape.insert(shape.end(), x.begin() + axis + 1, x.end());
  return shape;
}

/// The loop bounds of gather and scatter_add: x is [outer, length, inner] around the axis,
/// and the gathered block is [outer, count, inner] with count = the number of indices.
struct IndexLoops {
  int64_t outer, length, inner, count;
  IndexLoops(const Shape &x, const Tensor &idx, int64_t axis)
      : outer(product(x, 0, axis)), length(x[axis]), inner(product(x, axis + 1, x.size())),
        count(idx.size()) {}
};

Error inferGather(const Rule &, Node &node, const Operands &ops) {
  const OperandType &x = ops[0], &idx = ops[1];
  if (idx.dtype != DType::I32) return "gather needs i32 indices, got " + typeOf(idx);
  if (auto error = normaliseAxis(node, x, node.attrs.axis)) return error;
  int64_t axis = node.attrs.axis;
  node.dtype = x.dtype;
  node.shape = gatherShape(x.shape, idx.shape, axis);
  // Clamping needs an element to clamp to.
  if (x.shape[axis] == 0 && elementCount(node.shape).value_or(1) > 0)
    return "gather over axis " + std::to_string(axis) + " of " + typeOf(x) + ", which is empty";
  return std::nullopt;
}

Tensor evalGather(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0], &idx = *args[1];
  IndexLoops loop(x.shape(), idx, node.attrs.axis);
  Tensor out(node.dtype, node.shape);
  if (out.size() == 0) return out; // then the axis may be empty, with nothing to clamp to
  for (int64_t o = 0; o < loop.outer; ++o)
    for (int64_t j = 0; j < loop.count; ++j) {
      int64_t at = std::clamp(static_cast<int64_t>(idx.get(j)), int64_t(0), loop.length - 1);
      for (int64_t i = 0; i < loop.inner; ++i)
        out.set((o * loop.count + j) * loop.inner + i, x.get((o * loop.length + at) * loop.inner + i));
    }
  return out;
}

Error inferScatterAdd(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &base = ops[0], &idx = ops[1], &updates = ops[2];
  if (auto error = checkDomain(node, rule.domain, base)) return error;
  if (idx.dtype != DType::I32) return "scatter_add needs i32 indices, got " + typeOf(idx);
  if (auto error = normaliseAxis(node, base, node.attrs.axis)) return error;
  OperandType expected{base.dtype, gatherShape(base.shape, idx.shape, node.attrs.axis)};
  if (updates.dtype != expected.dtype || updates.shape != expected.shape)
    return "scatter_add into " + typeOf(base) + " at " + typeOf(idx) + " over axis " +
           std::to_string(node.attrs.axis) + ": the updates are " + typeOf(updates) + ", not " +
           typeOf(expected);
  node.dtype = base.dtype;
  node.shape = base.shape;
  return std::nullopt;
}

// Sums in double, so i32 sums are exact until the final store.
Tensor evalScatterAdd(const Rule &, const Node &node, const Args &args) {
  const Tensor &base = *args[0], &idx = *args[1], &updates = *args[2];
  IndexLoops loop(base.shape(), idx, node.attrs.axis);
  if (node.dtype == DType::I32) { // exact in 64 bits, wrapped once (wrapInt32)
    std::vector<uint64_t> sums(base.size());
    for (int64_t i = 0; i < base.size(); ++i) sums[i] = asUnsigned(base.get(i));
    for (int64_t o = 0; o < loop.outer; ++o)
      for (int64_t j = 0; j < loop.count; ++j) {
        int64_t at = static_cast<int64_t>(idx.get(j));
        if (at < 0 || at >= loop.length) continue; // dropped, see the file header
        for (int64_t i = 0; i < loop.inner; ++i)
          sums[(o * loop.length + at) * loop.inner + i] += asUnsigned(updates.get((o * loop.count + j) * loop.inner + i));
      }
    Tensor out(node.dtype, node.shape);
    for (int64_t i = 0; i < out.size(); ++i) out.set(i, wrapInt32(sums[i]));
    return out;
  }
  std::vector<double> sums(base.size());
  for (int64_t i = 0; i < base.size(); ++i) sums[i] = base.get(i);
  for (int64_t o = 0; o < loop.outer; ++o)
    for (int64_t j = 0; j < loop.count; ++j) {
      int64_t at = static_cast<int64_t>(idx.get(j));
      if (at < 0 || at >= loop.length) continue; // dropped, see the file header
      for (int64_t i = 0; i < loop.inner; ++i)
        sums[(o * loop.length + at) * loop.inner + i] += updates.get((o * loop.count + j) * loop.inner + i);
    }
  return fromDoubles(node.dtype, node.shape, sums);
}

Error inferArgsort(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &x = ops[0];
  if (auto error = checkDomain(node, rule.domain, x)) return error;
  if (x.shape.empty()) return "argsort needs a tensor with an axis to sort along, got " + typeOf(x);
  if (x.shape.back() > std::numeric_limits<int32_t>::max())
    return "argsort of " + typeOf(x) + ": the last axis is too long for i32 indices";
  node.dtype = DType::I32;
  node.shape = x.shape;
  return std::nullopt;
}

// std::stable_sort on the values in double: the runtime's merge sort (runtime/Sort.cpp)
// is checked against it.
Tensor evalArgsort(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  Tensor out(DType::I32, node.shape);
  const int64_t length = node.shape.back(), rows = length == 0 ? 0 : x.size() / length;
  const bool descending = node.attrs.value != 0;
  std::vector<int64_t> order(static_cast<size_t>(length));
  for (int64_t r = 0; r < rows; ++r) {
    std::iota(order.begin(), order.end(), int64_t(0));
    auto key = [&](int64_t i) { return x.get(r * length + i); };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      double u = key(a), v = key(b);
      if (std::isnan(u) || std::isnan(v)) return !std::isnan(u) && std::isnan(v); // NaN last
      return descending ? u > v : u < v;
    });
    for (int64_t i = 0; i < length; ++i) out.set(r * length + i, static_cast<double>(order[static_cast<size_t>(i)]));
  }
  return out;
}

// ================================================================ transformations

/// gather clamps its indices, so the gradient goes to the clamped rows.
Grads vjpGather(Builder &b, const Node &n, int, int g) {
  const std::vector<int> &x = n.operands;
  Attrs s;
  s.axis = n.attrs.axis;
  int length = b.constant(DType::I32, b.shape(x[1]), double(b.shape(x[0])[s.axis] - 1));
  int clamped = b.binary(Op::Max, b.binary(Op::Min, x[1], length), b.constant(DType::I32, b.shape(x[1]), 0));
  return {b.add(Op::ScatterAdd, {b.zerosLike(x[0]), clamped, g}, s), -1};
}

/// scatter_add drops an out-of-range index's update, so that update's gradient is 0.
Grads vjpScatterAdd(Builder &b, const Node &n, int, int g) {
  const std::vector<int> &x = n.operands;
  Attrs s;
  s.axis = n.attrs.axis;
  int64_t axis = s.axis, length = b.shape(x[0])[axis];
  Shape idx = b.shape(x[1]), updates = b.shape(x[2]);
  int inRange = b.binary(Op::And, b.binary(Op::Ge, x[1], b.constant(DType::I32, idx, 0)),
                         b.binary(Op::Lt, x[1], b.constant(DType::I32, idx, double(length))));
  Shape aligned(updates.size(), 1); // the index axes of the updates: base.shape[:axis] + idx.shape + ...
  for (size_t k = 0; k < idx.size(); ++k) aligned[static_cast<size_t>(axis) + k] = idx[k];
  int keep = b.broadcast(b.reshape(inRange, aligned), updates);
  int picked = b.add(Op::Gather, {g, x[1]}, s);
  return {g, -1, b.add(Op::Where, {keep, picked, b.zerosLike(picked)})};
}

/// Each example's indices into its own rows of x (axis `axis` of x folded with the batch):
/// idx + b·N for example b, after clamping (gather) or marking out of range (scatter_add).
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

int batchGather(Batching &r, const Node &n) {
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

int batchScatterAdd(Batching &r, const Node &n) {
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

constexpr Rule Rows[] = {
    {Op::Gather, inferGather, evalGather, vjpGather, jvpLinear, batchGather},
    {Op::ScatterAdd, inferScatterAdd, evalScatterAdd, vjpScatterAdd, jvpLinear, batchScatterAdd, Domain::Numeric},
    {Op::Argsort, inferArgsort, evalArgsort, vjpNone, jvpNone, batchLifted, Domain::Numeric},
};

static_assert(rowsCover(Rows, {OpKind::Index}), "Index.cpp must have a full row for gather, scatter_add and argsort");

} // namespace

const std::span<const Rule> IndexRows = Rows;

} // namespace zy::ops
