// Movement.cpp: the rows of the ops that move elements without computing (reshape,
// transpose, broadcast, slice, pad, concat, flip). All are linear, so their JVP is the op
// on the tangents and their VJP the inverse movement of the gradient; batching moves
// their axis attributes past the batch axis.
#include "ops/Common.h"

#include <cmath>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

// ---- reshape: attrs.shape, with the same element count (the tracer resolves -1)

Error inferReshape(const Rule &, Node &node, const Operands &ops) {
  const OperandType &x = ops[0];
  const Shape &target = node.attrs.shape;
  if (auto problem = shapeProblem(target))
    return "reshape of " + typeOf(x) + " to " + shapeString(target) + ": " + *problem;
  int64_t from = countOf(x.shape), to = countOf(target);
  if (from != to)
    return "reshape of " + typeOf(x) + " (" + std::to_string(from) + " elements) to " + shapeString(target) +
           " (" + std::to_string(to) + " elements)";
  node.dtype = x.dtype;
  node.shape = target;
  return std::nullopt;
}

// Row-major order is unchanged, so the elements are copied as they are.
Tensor evalReshape(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  Tensor out(node.dtype, node.shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, x.get(i));
  return out;
}

// ---- transpose: attrs.perm, result axis i is operand axis perm[i]

Error inferTranspose(const Rule &, Node &node, const Operands &ops) {
  const OperandType &x = ops[0];
  const std::vector<int64_t> &perm = node.attrs.perm;
  std::vector<bool> seen(x.shape.size(), false);
  bool valid = perm.size() == x.shape.size();
  for (size_t i = 0; valid && i < perm.size(); ++i) {
    valid = perm[i] >= 0 && perm[i] < static_cast<int64_t>(perm.size()) && !seen[perm[i]];
    if (valid) seen[perm[i]] = true;
  }
  if (!valid)
    return "transpose of " + typeOf(x) + " by " + shapeString(perm) + ": not a permutation of its " +
           axesWord(x.shape.size());
  node.dtype = x.dtype;
  node.shape.clear();
  for (int64_t p : perm) node.shape.push_back(x.shape[p]);
  return std::nullopt;
}

Tensor evalTranspose(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  std::vector<int64_t> xStrides = stridesOf(x.shape()), strides;
  for (int64_t p : node.attrs.perm) strides.push_back(xStrides[p]);
  return readStrided(x, node.shape, strides, 0);
}

// ---- broadcast: NumPy rules from the operand's shape to attrs.shape

Error inferBroadcast(const Rule &, Node &node, const Operands &ops) {
  const OperandType &x = ops[0];
  const Shape &target = node.attrs.shape;
  std::string head = "broadcast of " + typeOf(x) + " to " + shapeString(target) + ": ";
  if (auto problem = shapeProblem(target)) return head + *problem;
  if (x.shape.size() > target.size()) return head + "the target has fewer axes";
  size_t lead = target.size() - x.shape.size();
  for (size_t i = 0; i < x.shape.size(); ++i)
    if (x.shape[i] != 1 && x.shape[i] != target[lead + i])
      return head + "dimension " + std::to_string(x.shape[i]) + " is neither 1 nor " +
             std::to_string(target[lead + i]);
  node.dtype = x.dtype;
  node.shape = target;
  return std::nullopt;
}

// A stretched (size 1) or missing axis has stride 0: every index reads the same element.
Tensor evalBroadcast(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  std::vector<int64_t> xStrides = stridesOf(x.shape()), strides(node.shape.size(), 0);
  size_t lead = node.shape.size() - x.shape().size();
  for (size_t i = 0; i < x.shape().size(); ++i)
    if (x.shape()[i] == node.shape[lead + i]) strides[lead + i] = xStrides[i];
  return readStrided(x, node.shape, strides, 0);
}

// ---- slice: attrs.starts, attrs.stops, attrs.steps per axis, clamped by the tracer

Error inferSlice(const Rule &, Node &node, const Operands &ops) {
  const OperandType &x = ops[0];
  const Attrs &a = node.attrs;
  std::string head = "slice of " + typeOf(x) + ": ";
  size_t rank = x.shape.size();
  if (a.starts.size() != rank || a.stops.size() != rank || a.steps.size() != rank)
    return head + std::to_string(a.starts.size()) + " starts, " + std::to_string(a.stops.size()) +
           " stops and " + std::to_string(a.steps.size()) + " steps for " + axesWord(rank);
  Shape shape;
  for (size_t i = 0; i < rank; ++i) {
    std::string where = " on axis " + std::to_string(i);
    std::string range = " is outside [0, " + std::to_string(x.shape[i]) + "]";
    if (a.steps[i] <= 0) return head + "step " + std::to_string(a.steps[i]) + where + " is not positive";
    if (a.starts[i] < 0 || a.starts[i] > x.shape[i])
      return head + "start " + std::to_string(a.starts[i]) + where + range;
    if (a.stops[i] < 0 || a.stops[i] > x.shape[i])
      return head + "stop " + std::to_string(a.stops[i]) + where + range;
    int64_t span = a.stops[i] - a.starts[i];
    shape.push_back(span <= 0 ? 0 : 1 + (span - 1) / a.steps[i]); // no overflow for huge steps
  }
  node.dtype = x.dtype;
  node.shape = shape;
  return std::nullopt;
}

Tensor evalSlice(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  std::vector<int64_t> strides = stridesOf(x.shape());
  int64_t base = 0;
  for (size_t i = 0; i < strides.size(); ++i) {
    base += node.attrs.starts[i] * strides[i];
    strides[i] *= node.attrs.steps[i];
  }
  return readStrided(x, node.shape, strides, base);
}

// ---- pad: attrs.lo, attrs.hi per axis (>= 0), filled with attrs.value

Error inferPad(const Rule &, Node &node, const Operands &ops) {
  const OperandType &x = ops[0];
  const Attrs &a = node.attrs;
  std::string head = "pad of " + typeOf(x) + ": ";
  size_t rank = x.shape.size();
  if (a.lo.size() != rank || a.hi.size() != rank)
    return head + std::to_string(a.lo.size()) + " lo and " + std::to_string(a.hi.size()) + " hi widths for " +
           axesWord(rank);
  Shape shape;
  for (size_t i = 0; i < rank; ++i) {
    for (auto [word, width] : {std::pair{"lo", a.lo[i]}, std::pair{"hi", a.hi[i]}}) {
      std::string what = std::string(word) + " " + std::to_string(width) + " on axis " + std::to_string(i);
      if (width < 0) return head + what + " is negative";
      if (width > MaxTensorElements) return head + what + " is too large";
    }
    shape.push_back(a.lo[i] + x.shape[i] + a.hi[i]);
  }
  node.dtype = x.dtype;
  node.shape = shape;
  return std::nullopt;
}

Tensor evalPad(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  Tensor out(node.dtype, node.shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, node.attrs.value);
  std::vector<int64_t> strides = stridesOf(node.shape);
  int64_t base = 0;
  for (size_t i = 0; i < strides.size(); ++i) base += node.attrs.lo[i] * strides[i];
  forEachOffset(x.shape(), strides, base, [&](int64_t i, int64_t offset) { out.set(offset, x.get(i)); });
  return out;
}

// ---- concat: attrs.axis; every other dimension and the dtype agree

Error inferConcat(const Rule &, Node &node, const Operands &ops) {
  const OperandType &first = ops[0];
  if (auto error = normaliseAxis(node, first, node.attrs.axis)) return error;
  int64_t axis = node.attrs.axis;
  Shape shape = first.shape;
  shape[axis] = 0;
  for (const OperandType &x : ops) {
    std::string head = "concat of " + typeOf(first) + " and " + typeOf(x) + ": ";
    if (x.dtype != first.dtype) return head + "dtypes differ";
    if (x.shape.size() != first.shape.size()) return head + "ranks differ";
    for (size_t i = 0; i < x.shape.size(); ++i)
      if (static_cast<int64_t>(i) != axis && x.shape[i] != first.shape[i])
        return head + "dimension " + std::to_string(i) + " differs and only axis " + std::to_string(axis) +
               " may";
    shape[axis] += x.shape[axis];
  }
  node.dtype = first.dtype;
  node.shape = shape;
  return std::nullopt;
}

// Each operand is written into its block of the result, through the result's strides.
Tensor evalConcat(const Rule &, const Node &node, const Args &args) {
  Tensor out(node.dtype, node.shape);
  std::vector<int64_t> strides = stridesOf(node.shape);
  int64_t at = 0; // where the next operand starts along the axis
  for (const Tensor *x : args) {
    forEachOffset(x->shape(), strides, at * strides[node.attrs.axis],
                  [&](int64_t i, int64_t offset) { out.set(offset, x->get(i)); });
    at += x->shape()[node.attrs.axis];
  }
  return out;
}

// ---- flip: attrs.axes reversed

Error inferFlip(const Rule &, Node &node, const Operands &ops) {
  if (auto error = normaliseAxes(node, ops[0], node.attrs.axes)) return error;
  node.dtype = ops[0].dtype;
  node.shape = ops[0].shape;
  return std::nullopt;
}

// A flipped axis is read backwards: from its last element, with a negative stride.
Tensor evalFlip(const Rule &, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  std::vector<int64_t> strides = stridesOf(x.shape());
  int64_t base = 0;
  for (int64_t axis : node.attrs.axes) {
    base += (x.shape()[axis] - 1) * strides[axis];
    strides[axis] = -strides[axis];
  }
  return readStrided(x, node.shape, strides, base);
}

// ================================================================ transformations

/// The inverse of a permutation.
std::vector<int64_t> inverse(const std::vector<int64_t> &perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}

/// The gradient of a slice: g placed back where the slice came from, zeros elsewhere.
/// Contiguous axes are padded in one go; strided ones are scattered axis by axis.
Grads vjpSlice(Builder &b, const Node &slice, int, int g) {
  const Attrs &a = slice.attrs;
  const Shape inputShape = b.shape(slice.operands[0]);
  Attrs pad;
  pad.value = 0;
  bool strided = false;
  for (size_t axis = 0; axis < inputShape.size(); ++axis) {
    bool unit = a.steps[axis] == 1;
    strided |= !unit;
    int64_t len = b.shape(g)[axis];
    pad.lo.push_back(unit ? a.starts[axis] : 0);
    pad.hi.push_back(unit ? inputShape[axis] - a.starts[axis] - len : 0);
  }
  int out = b.add(Op::Pad, {g}, pad);
  if (!strided) return {out};
  for (size_t axis = 0; axis < inputShape.size(); ++axis) {
    if (a.steps[axis] == 1) continue;
    int64_t len = b.shape(out)[axis];
    Attrs iota;
    iota.shape = {len};
    iota.axis = 0;
    iota.dtype = DType::I32;
    int positions = b.add(Op::Iota, {}, iota);
    int index = b.binary(Op::Add, b.binary(Op::Mul, positions, b.constant(DType::I32, {len}, double(a.steps[axis]))),
                         b.constant(DType::I32, {len}, double(a.starts[axis])));
    Shape full = b.shape(out);
    full[axis] = inputShape[axis];
    Attrs scatter;
    scatter.axis = static_cast<int64_t>(axis);
    out = b.add(Op::ScatterAdd, {b.constant(b.dtype(out), full, 0), index, out}, scatter);
  }
  return {out};
}

/// The padded region's gradient is dropped: g sliced back to the operand.
Grads vjpPad(Builder &b, const Node &n, int, int g) {
  Attrs s;
  const Shape in = b.shape(n.operands[0]);
  for (size_t axis = 0; axis < in.size(); ++axis) {
    s.starts.push_back(n.attrs.lo[axis]);
    s.stops.push_back(n.attrs.lo[axis] + in[axis]);
    s.steps.push_back(1);
  }
  return {b.add(Op::Slice, {g}, s)};
}

/// Each operand gets its own stretch of g along the axis.
Grads vjpConcat(Builder &b, const Node &n, int, int g) {
  std::vector<int> parts;
  int64_t offset = 0, axis = n.attrs.axis;
  for (int operand : n.operands) {
    Attrs s;
    for (size_t k = 0; k < b.shape(g).size(); ++k) {
      bool here = static_cast<int64_t>(k) == axis;
      s.starts.push_back(here ? offset : 0);
      s.stops.push_back(here ? offset + b.shape(operand)[k] : b.shape(g)[k]);
      s.steps.push_back(1);
    }
    offset += b.shape(operand)[axis];
    parts.push_back(b.add(Op::Slice, {g}, s));
  }
  return parts;
}

/// The op on the lifted operands, with attributes `a` (shifted by the caller).
int moved(Batching &r, const Node &n, const Attrs &a) { return r.b.add(n.op, r.liftedAll(n.operands), a, n.span); }

int batchReshape(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.shape = ir::withLeadingAxis(r.size, a.shape);
  return moved(r, n, a);
}

int batchTranspose(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.perm = shifted(a.perm);
  a.perm.insert(a.perm.begin(), 0);
  return moved(r, n, a);
}

/// NumPy aligns shapes at the right: the operand's axes are put there, behind the batch.
int batchBroadcast(Batching &r, const Node &n) {
  Builder &b = r.b;
  Attrs a = n.attrs;
  Shape from = b.shape(r.node[n.operands[0]]); // [B, s]
  Shape aligned = {r.size};                      // [B, 1..., s], as long as [B, target]
  aligned.resize(1 + a.shape.size() - (from.size() - 1), 1);
  aligned.insert(aligned.end(), from.begin() + 1, from.end());
  a.shape = ir::withLeadingAxis(r.size, a.shape);
  return b.add(Op::Broadcast, {b.reshape(r.node[n.operands[0]], aligned)}, a, n.span);
}

int batchSlice(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.starts.insert(a.starts.begin(), 0);
  a.stops.insert(a.stops.begin(), r.size);
  a.steps.insert(a.steps.begin(), 1);
  return moved(r, n, a);
}

int batchPad(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.lo.insert(a.lo.begin(), 0);
  a.hi.insert(a.hi.begin(), 0);
  return moved(r, n, a);
}

int batchConcat(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.axis += 1;
  return moved(r, n, a);
}

int batchFlip(Batching &r, const Node &n) {
  Attrs a = n.attrs;
  a.axes = shifted(a.axes);
  return moved(r, n, a);
}

constexpr Rule Rows[] = {
    {Op::Reshape, inferReshape, evalReshape,
     [](Builder &b, const Node &n, int, int g) -> Grads { return {b.reshape(g, b.shape(n.operands[0]))}; }, jvpLinear,
     batchReshape},
    {Op::Transpose, inferTranspose, evalTranspose,
     [](Builder &b, const Node &n, int, int g) -> Grads { return {b.transpose(g, inverse(n.attrs.perm))}; }, jvpLinear,
     batchTranspose},
    // Summing a gradient back to a broadcast operand's shape happens here only: elementwise
    // operands always have the result's shape (the tracer broadcasts explicitly).
    {Op::Broadcast, inferBroadcast, evalBroadcast,
     [](Builder &b, const Node &n, int, int g) -> Grads { return {b.sumTo(g, b.shape(n.operands[0]))}; }, jvpLinear,
     batchBroadcast},
    {Op::Slice, inferSlice, evalSlice, vjpSlice, jvpLinear, batchSlice},
    {Op::Pad, inferPad, evalPad, vjpPad, jvpLinear, batchPad},
    {Op::Concat, inferConcat, evalConcat, vjpConcat, jvpLinear, batchConcat},
    {Op::Flip, inferFlip, evalFlip,
     [](Builder &b, const Node &n, int, int g) -> Grads {
       Attrs f;
       f.axes = n.attrs.axes;
       return {b.add(Op::Flip, {g}, f)};
     },
     jvpLinear, batchFlip},
};

static_assert(rowsCover(Rows, {OpKind::Movement}), "Movement.cpp must have a full row for each movement op of Ops.def, in its order");

} // namespace

const std::span<const Rule> MovementRows = Rows;

} // namespace zy::ops
