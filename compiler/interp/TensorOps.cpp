// TensorOps.cpp: from what users write to checked primitive nodes (see TensorOps.h).
#include "interp/TensorOps.h"

#include "interp/NanCheck.h"

#include "ir/Builder.h"
#include "ir/OpTable.h"
#include "jit/Jit.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace zy::interp {

using ir::Node;
using ir::Op;

static Node makeNode(Op op) {
  Node n;
  n.op = op;
  return n;
}

/// The Literal node holding a concrete tensor in the graph being traced.
static int literalNode(trace::TraceContext &ctx, const Tensor &t) {
  const void *key = t.identity();
  if (auto it = ctx.literals.find(key); it != ctx.literals.end()) return it->second;
  Node literal;
  literal.op = Op::Literal;
  literal.dtype = t.dtype();
  literal.shape = t.shape();
  literal.attrs.literal = std::make_shared<const Tensor>(t);
  int id = ctx.graph.add(literal);
  ctx.literals[key] = id;
  return id;
}

int nodeOf(trace::TraceContext &ctx, const Tensor &t) {
  // The check's host graph never runs: a concrete tensor there is its type alone.
  if (!t.isTraced()) return ctx.checkHost ? ir::Builder(ctx.graph).input(t.dtype(), t.shape()) : literalNode(ctx, t);
  if (t.tracedOwner() == ctx.id) return t.tracedNode();
  // A tensor of an enclosing trace, used inside a loop body: capture it as an input.
  auto key = std::make_pair(t.tracedOwner(), t.tracedNode());
  if (auto it = ctx.captureInputs.find(key); it != ctx.captureInputs.end()) return it->second;
  int id = ir::Builder(ctx.graph).input(t.dtype(), t.shape());
  ctx.captures.push_back(t);
  ctx.captureInputs[key] = id;
  return id;
}

const Tensor &concrete(Interpreter &in, const Tensor &t, Span span, const char *what) {
  if (t.isTraced() && !(in.trace && in.trace->sees(t.tracedOwner())))
    in.fail(span, "this tensor was made while a function was being traced and has escaped it (a function it "
                  "returned, or a closure, kept it); pass it as an argument instead");
  if (t.isTraced() && in.trace && in.trace->checkHost)
    in.failNeedsValue(span, std::string(what) + " needs the tensor's values, which are only known when the program runs");
  if (t.isTraced())
    in.failNeedsValue(span, std::string(what) + " needs the tensor's values, which a differentiated function only has "
                                                "when it runs; compute it outside the function, or keep it a tensor");
  return t;
}

Tensor emit(Interpreter &in, Node node, const std::vector<Tensor> &operands, Span span) {
  if (in.checkDeadline != 0) in.pollCheckDeadline(); // a check's time runs out between ops too
  std::vector<ir::OperandType> types;
  bool traced = false;
  for (const Tensor &t : operands) {
    types.push_back({t.dtype(), t.shape()});
    traced |= t.isTraced();
    // A tensor of a trace that has finished: it escaped the function that made it.
    if (t.isTraced() && !(in.trace && in.trace->sees(t.tracedOwner())))
      in.fail(span, "this tensor was made while a function was being traced and has escaped it (a function it "
                    "returned, or a closure, kept it); pass it as an argument instead");
  }
  node.span = span;
  if (auto error = ir::inferType(node, types)) in.fail(span, *error);
  // Traced checks keep the call chain: their errors are found when the graph runs.
  if ((checkNans() || node.op == Op::CheckLabels) && in.trace) node.chain = in.callChain();
  if (traced && in.trace) {
    // Record the node; concrete operands are baked into the graph once each.
    for (const Tensor &t : operands) node.operands.push_back(nodeOf(*in.trace, t));
    int id = in.trace->graph.add(node);
    return Tensor::traced(node.dtype, node.shape, id, in.trace->id);
  }
  // Inside a trace, a host number broadcast to a shape becomes a fill node rather than
  // a whole tensor baked into the graph.
  if (in.trace && node.op == Op::Broadcast && !operands[0].isTraced() && operands[0].size() == 1) {
    Node fill = makeNode(Op::Constant);
    fill.dtype = fill.attrs.dtype = node.dtype;
    fill.shape = fill.attrs.shape = node.shape;
    fill.attrs.value = operands[0].get(0);
    fill.span = span;
    return Tensor::traced(fill.dtype, fill.shape, in.trace->graph.add(fill), in.trace->id);
  }
  // An index out of range is an error where the values are known; a traced gather
  // clamps, as JAX's does, because its indices are only known when it runs.
  if ((node.op == Op::Gather || node.op == Op::ScatterAdd) && !operands[1].isTraced()) {
    int64_t n = operands[0].shape()[node.attrs.axis];
    for (int64_t i = 0; i < operands[1].size(); ++i) {
      double k = operands[1].get(i);
      if (k < 0 || k >= n)
        in.fail(span, "index " + std::to_string(static_cast<int64_t>(k)) + " is out of range for axis " +
                          std::to_string(node.attrs.axis) + " of " + typeString(operands[0].dtype(), operands[0].shape()));
    }
  }
  // Constants fold: an op on concrete tensors runs at once, even inside a trace.
  std::vector<const Tensor *> ptrs;
  for (const Tensor &t : operands) ptrs.push_back(&t);
  if (node.op == Op::CheckLabels) {
    try {
      return jit::evaluateEager(node, ptrs);
    } catch (const ir::CheckFailed &e) {
      in.fail(span, e.what(), true);
    }
  }
  if (!checkNans()) return jit::evaluateEager(node, ptrs);
  Tensor result = jit::evaluateEager(node, ptrs);
  checkEagerResult(in, node, ptrs, result, span);
  return result;
}

bool &checkLabels() {
  static bool on = true;
  return on;
}

void failCheck(Interpreter &in, const ir::CheckFailed &e, Span fallback) {
  Span at = e.span.valid() ? e.span : fallback;
  if (e.chain) in.failWithChain(at, *e.chain, e.what(), true);
  in.fail(at, e.what(), true);
}

bool isTensorLike(const Value &v) { return v.kind == ValueKind::Tensor || v.isNumber(); }

Tensor asTensor(Interpreter &in, const Value &v, Span span, std::optional<DType> weak) {
  if (v.kind == ValueKind::Tensor) return *v.tensor;
  if (v.kind == ValueKind::ParamsView)
    in.fail(span, "parameter `" + v.path + "` is used before it is declared; declare it first with `" + v.path + " ~ ...`");
  if (v.kind == ValueKind::Bool) return Tensor::scalar(weak.value_or(DType::Bool), v.b);
  if (v.kind == ValueKind::Int) {
    // Host ints are 64-bit; one that does not fit an i32 tensor op is an error here, at
    // the user's line, rather than a value saturated at the int32 range (as JAX's
    // OverflowError). Met with a float tensor it becomes that float type and is fine.
    DType d = weak.value_or(DType::I32);
    if (d == DType::I32 && (v.i > std::numeric_limits<int32_t>::max() || v.i < std::numeric_limits<int32_t>::min()))
      in.fail(span, "the int " + std::to_string(v.i) + " does not fit in i32, the dtype it takes here; use a float "
                    "(" + std::to_string(v.i) + ".0) or an f64 tensor");
    return Tensor::scalar(d, double(v.i));
  }
  if (v.kind == ValueKind::Float) {
    DType d = weak && isFloat(*weak) ? *weak : DType::F32;
    return Tensor::scalar(d, v.f);
  }
  in.fail(span, "expected a tensor or a number, got " + typeName(v));
}

Tensor cast(Interpreter &in, const Tensor &t, DType to, Span span) {
  if (t.dtype() == to) return t;
  Node n = makeNode(Op::Cast);
  n.attrs.dtype = to;
  return emit(in, n, {t}, span);
}

Tensor broadcastTo(Interpreter &in, const Tensor &t, const Shape &shape, Span span) {
  if (t.shape() == shape) return t;
  Node n = makeNode(Op::Broadcast);
  n.attrs.shape = shape;
  return emit(in, n, {t}, span);
}

Shape toShape(Interpreter &in, const Value &v, Span span) {
  if (v.kind == ValueKind::Int) return {v.i};
  if (!v.isSequence()) in.fail(span, "expected a shape (a list of ints), got " + typeName(v));
  Shape shape;
  for (const Value &d : *v.items) {
    if (d.kind != ValueKind::Int) in.fail(span, "a shape is a list of ints, but it holds " + typeName(d));
    shape.push_back(d.i);
  }
  return shape;
}

Tensor full(Interpreter &in, const Shape &shape, double value, DType dtype, Span span) {
  for (int64_t d : shape)
    if (d < 0) in.fail(span, "a shape cannot have a negative dimension: " + shapeString(shape));
  if (!elementCount(shape))
    in.fail(span, "a tensor of shape " + shapeString(shape) + " is too large (at most " +
                      std::to_string(MaxTensorElements) + " elements)");
  Node n = makeNode(Op::Constant);
  n.attrs.shape = shape;
  n.attrs.value = value;
  n.attrs.dtype = dtype;
  return emit(in, n, {}, span);
}

Tensor reshape(Interpreter &in, const Tensor &t, std::vector<int64_t> shape, Span span) {
  // Resolve a single -1 from the element count.
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) in.fail(span, "a reshape can have only one -1, got " + shapeString(shape));
      unknown = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      in.fail(span, "cannot reshape to " + shapeString(shape) + ": negative dimension");
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || t.size() % known != 0)
      in.fail(span, "cannot reshape " + typeString(t.dtype(), t.shape()) + " (" + std::to_string(t.size()) +
                        " elements) to " + shapeString(shape));
    shape[unknown] = t.size() / known;
  }
  Node n = makeNode(Op::Reshape);
  n.attrs.shape = shape;
  return emit(in, n, {t}, span);
}

Tensor transpose(Interpreter &in, const Tensor &t, std::vector<int64_t> perm, Span span) {
  Node n = makeNode(Op::Transpose);
  for (int64_t &p : perm) {
    if (p < -t.rank() || p >= t.rank())
      in.fail(span, "axis " + std::to_string(p) + " is out of range for " + typeString(t.dtype(), t.shape()));
    if (p < 0) p += t.rank();
  }
  n.attrs.perm = perm;
  return emit(in, n, {t}, span);
}

/// Promotes both operands to a common dtype (host numbers are weak: they take the
/// tensor's dtype) and broadcasts them to a common shape.
static std::pair<Tensor, Tensor> align(Interpreter &in, const Value &a, const Value &b, Span span) {
  // A host number, or a traced scalar standing for one (weak), takes the other
  // operand's dtype; floats meeting integer tensors make f32.
  auto isWeak = [](const Value &v) { return v.kind != ValueKind::Tensor || v.weak; };
  auto weakType = [](const Value &v, const Value &other) -> std::optional<DType> {
    if (other.kind != ValueKind::Tensor || other.weak) return std::nullopt;
    DType d = other.tensor->dtype();
    bool isFloatValue = v.kind == ValueKind::Float || v.weak;
    if (isFloatValue && !isFloat(d)) return DType::F32;
    if (v.kind == ValueKind::Int && d == DType::Bool) return DType::I32;
    return d;
  };
  std::optional<DType> weakA = isWeak(a) ? weakType(a, b) : std::nullopt;
  std::optional<DType> weakB = isWeak(b) ? weakType(b, a) : std::nullopt;
  Tensor x = asTensor(in, a, span, weakA), y = asTensor(in, b, span, weakB);
  if (weakA) x = cast(in, x, *weakA, span);
  if (weakB) y = cast(in, y, *weakB, span);
  DType common = promote(x.dtype(), y.dtype());
  x = cast(in, x, common, span);
  y = cast(in, y, common, span);
  std::string error;
  auto shape = ir::broadcastShapes(x.shape(), y.shape(), error);
  if (!shape)
    in.fail(span, "cannot broadcast " + typeString(x.dtype(), x.shape()) + " with " + typeString(y.dtype(), y.shape()) +
                      ": " + error.substr(error.find(": ") + 2));
  return {broadcastTo(in, x, *shape, span), broadcastTo(in, y, *shape, span)};
}

Tensor binary(Interpreter &in, Op op, const Value &a, const Value &b, Span span) {
  auto [x, y] = align(in, a, b, span);
  // True division of integers gives floats, as in Python.
  if (op == Op::Div && !isFloat(x.dtype())) {
    x = cast(in, x, DType::F32, span);
    y = cast(in, y, DType::F32, span);
  }
  return emit(in, makeNode(op), {x, y}, span);
}

Tensor unary(Interpreter &in, Op op, const Tensor &t, Span span) { return emit(in, makeNode(op), {t}, span); }

Tensor where(Interpreter &in, const Value &c, const Value &a, const Value &b, Span span) {
  Tensor cond = asTensor(in, c, span);
  if (cond.dtype() != DType::Bool)
    in.fail(span, "where needs a bool condition, got " + typeString(cond.dtype(), cond.shape()));
  auto [x, y] = align(in, a, b, span);
  std::string error;
  auto shape = ir::broadcastShapes(cond.shape(), x.shape(), error);
  if (!shape) in.fail(span, "cannot broadcast the condition of where: " + error);
  return emit(in, makeNode(Op::Where),
              {broadcastTo(in, cond, *shape, span), broadcastTo(in, x, *shape, span), broadcastTo(in, y, *shape, span)},
              span);
}

Tensor reduce(Interpreter &in, Op op, const Tensor &t, std::optional<std::vector<int64_t>> axes, bool keepdims,
              Span span) {
  Node n = makeNode(op);
  if (axes) {
    for (int64_t a : *axes) {
      if (a < -t.rank() || a >= t.rank())
        in.fail(span, "axis " + std::to_string(a) + " is out of range for " + typeString(t.dtype(), t.shape()));
      n.attrs.axes.push_back(a < 0 ? a + t.rank() : a);
    }
    std::sort(n.attrs.axes.begin(), n.attrs.axes.end());
  } else {
    n.attrs.axes.resize(t.rank());
    std::iota(n.attrs.axes.begin(), n.attrs.axes.end(), 0);
  }
  n.attrs.keepdims = keepdims;
  return emit(in, n, {t}, span);
}

Tensor matmul(Interpreter &in, const Tensor &a0, const Tensor &b0, Span span) {
  if (a0.rank() == 0 || b0.rank() == 0)
    in.fail(span, "matmul needs tensors of rank 1 or more, got " + typeString(a0.dtype(), a0.shape()) + " and " +
                      typeString(b0.dtype(), b0.shape()));
  DType common = promote(a0.dtype(), b0.dtype());
  Tensor a = cast(in, a0, common, span), b = cast(in, b0, common, span);
  // Vectors become matrices for the product and lose that axis again after, as in NumPy.
  bool vecA = a.rank() == 1, vecB = b.rank() == 1;
  if (vecA) a = reshape(in, a, {1, a.shape()[0]}, span);
  if (vecB) b = reshape(in, b, {b.shape()[0], 1}, span);
  // A stack of matrices times one matrix is one product of the stacked rows: a single
  // GEMM rather than one per matrix of the stack with the right side copied to each.
  if (a.rank() > 2 && b.rank() == 2 && a.shape().back() == b.shape()[0]) {
    Shape rows = a.shape();
    int64_t k = rows.back(), count = 1;
    for (size_t i = 0; i + 1 < rows.size(); ++i) count *= rows[i];
    Tensor flat = emit(in, makeNode(Op::MatMul), {reshape(in, a, {count, k}, span), b}, span);
    rows.back() = b.shape()[1];
    Tensor out = reshape(in, flat, rows, span);
    return vecB ? reshape(in, out, Shape(rows.begin(), rows.end() - 1), span) : out;
  }
  // Batch dims broadcast; the two matrix dims stay.
  Shape batchA(a.shape().begin(), a.shape().end() - 2), batchB(b.shape().begin(), b.shape().end() - 2);
  std::string error;
  auto batch = ir::broadcastShapes(batchA, batchB, error);
  if (!batch)
    in.fail(span, "matmul of " + typeString(a0.dtype(), a0.shape()) + " and " + typeString(b0.dtype(), b0.shape()) +
                      ": batch dimensions " + error);
  Shape shapeA = *batch, shapeB = *batch;
  shapeA.insert(shapeA.end(), a.shape().end() - 2, a.shape().end());
  shapeB.insert(shapeB.end(), b.shape().end() - 2, b.shape().end());
  if (a.shape()[a.rank() - 1] != b.shape()[b.rank() - 2])
    in.fail(span, "matmul of " + typeString(a0.dtype(), a0.shape()) + " and " + typeString(b0.dtype(), b0.shape()) +
                      ": inner dimensions " + std::to_string(a.shape()[a.rank() - 1]) + " and " +
                      std::to_string(b.shape()[b.rank() - 2]) + " differ");
  Tensor out = emit(in, makeNode(Op::MatMul), {broadcastTo(in, a, shapeA, span), broadcastTo(in, b, shapeB, span)}, span);
  if (vecA || vecB) {
    Shape s = out.shape();
    if (vecB) s.erase(s.end() - 1);
    if (vecA) s.erase(s.end() - (vecB ? 1 : 2));
    out = reshape(in, out, s, span);
  }
  return out;
}

Tensor concat(Interpreter &in, const std::vector<Tensor> &parts, int64_t axis, Span span) {
  if (parts.empty()) in.fail(span, "concat needs at least one tensor");
  int64_t rank = parts[0].rank();
  if (axis < -rank || axis >= rank)
    in.fail(span, "axis " + std::to_string(axis) + " is out of range for " + typeString(parts[0].dtype(), parts[0].shape()));
  Node n = makeNode(Op::Concat);
  n.attrs.axis = axis < 0 ? axis + rank : axis;
  DType common = parts[0].dtype();
  for (const Tensor &p : parts) common = promote(common, p.dtype());
  std::vector<Tensor> cast_;
  for (const Tensor &p : parts) cast_.push_back(cast(in, p, common, span));
  return emit(in, n, cast_, span);
}

SliceRange sliceRange(int64_t n, std::optional<int64_t> lo, std::optional<int64_t> hi, int64_t step) {
  SliceRange r;
  auto bound = [&](std::optional<int64_t> b, int64_t fallback, int64_t min, int64_t max) {
    if (!b) return fallback;
    int64_t v = *b < 0 ? *b + n : *b; // *b >= INT64_MIN and n >= 0: no overflow
    return std::clamp<int64_t>(v, min, max);
  };
  if (step > 0) { // [start, stop) forwards, bounds clamped to [0, n]
    int64_t start = bound(lo, 0, 0, n), stop = bound(hi, n, 0, n);
    r.first = start;
    r.count = stop > start ? 1 + (stop - start - 1) / step : 0; // no overflow for huge steps
  } else {        // (stop, start] backwards, bounds clamped to [-1, n - 1] (-1: before 0)
    int64_t start = bound(lo, n - 1, -1, n - 1), stop = bound(hi, -1, -1, n - 1);
    int64_t back = step == INT64_MIN ? INT64_MAX : -step; // the same elements: at most one
    r.first = start;
    r.count = start > stop ? 1 + (start - stop - 1) / back : 0;
  }
  // A step longer than the range picks the same elements as the range's length.
  int64_t span = std::max<int64_t>(r.count > 0 ? n : 1, 1);
  r.step = step > 0 ? std::min(step, span) : std::max(step, -span);
  return r;
}

namespace {

/// A boolean mask over r consecutive axes of t selects the elements where it is true:
/// those axes merge into one, gathered at the positions of the trues. Rewrites `t` and the
/// mask's item accordingly (the mask's values must be known: the result's size is theirs).
void applyMask(Interpreter &in, Tensor &t, std::vector<IndexSpec> &items, Span span) {
  int64_t axis = 0;
  for (IndexSpec &s : items) {
    Span at = s.span.valid() ? s.span : span;
    if (s.kind == IndexSpec::Ellipsis && std::any_of(items.begin(), items.end(), [](const IndexSpec &x) {
          return x.kind == IndexSpec::Mask;
        }))
      in.fail(at, "an index with a boolean mask cannot have `...` too (index the mask's axes explicitly)");
    if (s.kind != IndexSpec::Mask) {
      axis += s.kind == IndexSpec::NewAxis ? 0 : 1;
      continue;
    }
    const Tensor &mask = s.indices;
    if (mask.isTraced())
      in.failNeedsValue(at, "a boolean mask selects as many elements as it has trues, which a traced function only "
                            "knows when it runs; use where(mask, x, 0) there, or index with the mask in host code");
    int64_t r = mask.rank();
    Shape covered(t.shape().begin() + std::min<int64_t>(axis, t.rank()),
                  t.shape().begin() + std::min<int64_t>(axis + r, t.rank()));
    if (axis + r > t.rank() || covered != mask.shape())
      in.fail(at, "a boolean mask of shape " + shapeString(mask.shape()) + " indexes " + std::to_string(r) +
                      " axes from axis " + std::to_string(axis) + " of " + typeString(t.dtype(), t.shape()) +
                      ", which are " + shapeString(covered) + " (expected the same shape)");
    std::vector<double> trues;
    for (int64_t i = 0; i < mask.size(); ++i)
      if (mask.get(i) != 0) trues.push_back(static_cast<double>(i));
    Shape merged(t.shape().begin(), t.shape().begin() + axis);
    merged.push_back(mask.size());
    merged.insert(merged.end(), t.shape().begin() + axis + r, t.shape().end());
    t = reshape(in, t, merged, span);
    Tensor positions(DType::I32, {static_cast<int64_t>(trues.size())});
    for (size_t i = 0; i < trues.size(); ++i) positions.set(static_cast<int64_t>(i), trues[i]);
    s.kind = IndexSpec::Gather;
    s.indices = positions;
    axis += 1;
  }
}

} // namespace

Tensor index(Interpreter &in, const Tensor &base, const std::vector<IndexSpec> &given, Span span) {
  Tensor t = base;
  std::vector<IndexSpec> items = given;
  applyMask(in, t, items, span);
  // Expand `...` to full slices, then slice every axis, then drop the axes indexed by an
  // int and add those `none` makes, then gather along axes indexed by a tensor.
  size_t explicitAxes = 0;
  for (const IndexSpec &s : items) explicitAxes += s.kind != IndexSpec::Ellipsis && s.kind != IndexSpec::NewAxis;
  if (explicitAxes > static_cast<size_t>(t.rank()))
    in.fail(span, "too many indices (" + std::to_string(explicitAxes) + ") for " + typeString(t.dtype(), t.shape()));
  std::vector<IndexSpec> full_;
  IndexSpec whole; // `:`, the whole axis
  whole.kind = IndexSpec::Slice;
  bool expanded = false;
  for (const IndexSpec &s : items) {
    if (s.kind == IndexSpec::Ellipsis && expanded) in.fail(s.span.valid() ? s.span : span, "an index can have only one `...`");
    if (s.kind == IndexSpec::Ellipsis) {
      for (size_t k = 0; k < t.rank() - explicitAxes; ++k) full_.push_back(whole);
      expanded = true;
    } else {
      full_.push_back(s);
    }
  }
  for (size_t k = explicitAxes; !expanded && k < static_cast<size_t>(t.rank()); ++k) full_.push_back(whole);

  Node slice = makeNode(Op::Slice);
  Node flip = makeNode(Op::Flip); // the axes sliced with a negative step
  Shape kept;
  std::vector<std::pair<int64_t, Tensor>> gathers;
  int64_t axis = 0; // the axis of t the next item indexes
  for (const IndexSpec &s : full_) {
    if (s.kind == IndexSpec::NewAxis) { // a new axis of size 1 in the result, none of t's
      kept.push_back(1);
      continue;
    }
    int64_t n = t.shape()[axis];
    int64_t start = 0, stop = n, step = 1;
    if (s.kind == IndexSpec::Single) {
      int64_t i = s.index < 0 ? s.index + n : s.index;
      if (i < 0 || i >= n)
        in.fail(s.span.valid() ? s.span : span, "index " + std::to_string(s.index) + " is out of range for axis " +
                                                    std::to_string(axis) + " of " + typeString(t.dtype(), t.shape()));
      start = i;
      stop = i + 1;
    } else if (s.kind == IndexSpec::Slice) {
      if (s.step == 0) in.fail(s.span.valid() ? s.span : span, "a slice step cannot be 0");
      SliceRange r = sliceRange(n, s.lo, s.hi, s.step);
      kept.push_back(r.count);
      if (r.count == 0) {
        start = stop = 0;
      } else if (r.step > 0) {
        start = r.first;
        stop = r.first + (r.count - 1) * r.step + 1;
        step = r.step;
      } else {
        // A backward slice is the forward slice of the same elements, flipped: slice and
        // flip are primitives with their own rules, so the gradient (a flip, then the
        // slice's scatter back) and the JIT need nothing new.
        step = -r.step;
        start = r.first - (r.count - 1) * step;
        stop = r.first + 1;
        flip.attrs.axes.push_back(axis);
      }
    } else {
      gathers.emplace_back(static_cast<int64_t>(kept.size()), s.indices);
      kept.push_back(n);
    }
    slice.attrs.starts.push_back(start);
    slice.attrs.stops.push_back(stop);
    slice.attrs.steps.push_back(step);
    ++axis;
  }
  Tensor out = emit(in, slice, {t}, span);
  if (!flip.attrs.axes.empty()) out = emit(in, flip, {out}, span);
  out = reshape(in, out, kept, span);
  // Gathers: later axes first, so earlier axis numbers stay valid.
  for (auto it = gathers.rbegin(); it != gathers.rend(); ++it) {
    Node g = makeNode(Op::Gather);
    g.attrs.axis = it->first;
    out = emit(in, g, {out, it->second}, span);
  }
  return out;
}

} // namespace zy::interp
