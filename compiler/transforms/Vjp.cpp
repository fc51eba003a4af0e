// Vjp.cpp: the gradient rule of every primitive, in Ops.def order (a switch with no
// default: the compiler checks that every primitive has one).
//
// Given g, the gradient of a node's result y, each rule returns the contribution to the
// gradient of each operand (-1: none, e.g. for integer operands or piecewise-constant
// ops). Elementwise operands always have the result's shape (the tracer broadcasts
// explicitly), so summing a gradient back to a broadcast operand's shape happens in one
// place: the rule of Broadcast (Builder::sumTo).
#include "transforms/Grad.h"

#include "ir/Builder.h"

#include <cmath>
#include <numeric>

namespace zy::transforms {

using namespace ir;

namespace {

/// `axes` of a reduction, with the kept shape a gradient must be reshaped to.
Shape keptShape(const Shape &input, const std::vector<int64_t> &axes) {
  Shape kept = input;
  for (int64_t a : axes) kept[a] = 1;
  return kept;
}

/// The inverse of a permutation.
std::vector<int64_t> inverse(const std::vector<int64_t> &perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}

/// Swaps the last two axes (a matrix transpose, batched).
int swapLast(Builder &b, int x) {
  std::vector<int64_t> perm(b.shape(x).size());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return b.transpose(x, perm);
}

/// The gradient of a slice: g placed back where the slice came from, zeros elsewhere.
/// Contiguous axes are padded in one go; strided ones are scattered axis by axis.
int unslice(Builder &b, int g, const Node &slice, const Shape &inputShape) {
  const Attrs &a = slice.attrs;
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
  if (!strided) return out;
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
  return out;
}

/// A mask of `cond` as 0/1 in dtype `d`.
int mask(Builder &b, int cond, DType d) { return b.cast(cond, d); }

} // namespace

std::vector<int> vjp(Graph &graph, int id, int g) {
  Builder b(graph);
  const Node node = graph.nodes[id]; // a copy: adding nodes may move the vector
  const std::vector<int> &x = node.operands;
  const int y = id;
  auto float0 = [&](int k) { return isFloat(b.dtype(x[k])); };
  const double sqrtPi = std::sqrt(M_PI);

  switch (node.op) {
  // ---- unary: d/dx f(x)
  case Op::Neg: return {b.neg(g)};                                           // -g
  case Op::Abs: return {b.binary(Op::Mul, g, b.add(Op::Sign, {x[0]}))};      // g sign(x)
  case Op::Sign: return {-1};                                                // piecewise constant
  case Op::Exp: return {b.binary(Op::Mul, g, y)};                            // g e^x
  case Op::Log: return {b.binary(Op::Div, g, x[0])};                         // g / x
  case Op::Log1p: return {b.binary(Op::Div, g, b.binary(Op::Add, x[0], b.constant(b.dtype(y), b.shape(y), 1)))}; // g / (1 + x)
  case Op::Sqrt: return {b.binary(Op::Div, b.scale(g, 0.5), y)};            // g / (2 sqrt x)
  case Op::Sin: return {b.binary(Op::Mul, g, b.add(Op::Cos, {x[0]}))};       // g cos x
  case Op::Cos: return {b.neg(b.binary(Op::Mul, g, b.add(Op::Sin, {x[0]})))}; // -g sin x
  case Op::Tanh: {                                                           // g (1 - tanh²)
    int one = b.constant(b.dtype(y), b.shape(y), 1);
    return {b.binary(Op::Mul, g, b.binary(Op::Sub, one, b.binary(Op::Mul, y, y)))};
  }
  case Op::Erf: {                                                            // g 2/√π e^(-x²)
    int e = b.add(Op::Exp, {b.neg(b.binary(Op::Mul, x[0], x[0]))});
    return {b.binary(Op::Mul, g, b.scale(e, 2 / sqrtPi))};
  }
  case Op::ErfInv: {                                                         // g √π/2 e^(y²)
    int e = b.add(Op::Exp, {b.binary(Op::Mul, y, y)});
    return {b.binary(Op::Mul, g, b.scale(e, sqrtPi / 2))};
  }
  case Op::Floor:
  case Op::Ceil:
  case Op::Round:
  case Op::Not: return {-1};                                                 // piecewise constant
  case Op::Cast: return {float0(0) ? b.cast(g, b.dtype(x[0])) : -1};         // back to the operand's dtype
  case Op::StopGradient: return {-1};                                        // by definition

  // ---- binary (operands of one shape)
  case Op::Add: return {g, g};
  case Op::Sub: return {g, b.neg(g)};
  case Op::Mul: return {b.binary(Op::Mul, g, x[1]), b.binary(Op::Mul, g, x[0])};
  case Op::Div: return {b.binary(Op::Div, g, x[1]),                          // g / b
                        b.neg(b.binary(Op::Div, b.binary(Op::Mul, g, y), x[1]))}; // -g a / b²
  case Op::Mod: {                                                            // a - floor(a/b) b
    int q = b.add(Op::Floor, {b.binary(Op::Div, x[0], x[1])});
    return {g, b.neg(b.binary(Op::Mul, g, q))};
  }
  case Op::Pow: {                                                            // g b a^(b-1), g ln(a) a^b
    int one = b.constant(b.dtype(y), b.shape(y), 1);
    int zero = b.constant(b.dtype(y), b.shape(y), 0);
    // a^0 is constant: its gradient is 0, as PyTorch's and JAX's rules have it, but the
    // formula gives 0 · 0^-1 = NaN at a = 0. So the exponent of the power is b - 1 with
    // b = 0 replaced by 1: the result is then 0 · a^0 = 0 exactly, and, differentiated
    // again, its own exponent is 0 (so (a^1)'' and (a^0)'' at 0 are 0, not NaN). A where
    // around the formula instead would still put NaN in the second derivative (0 · inf
    // from the branch it did not choose).
    int exponent = b.add(Op::Where, {b.binary(Op::Eq, x[1], zero), one, x[1]});
    int da = b.binary(Op::Mul, g, b.binary(Op::Mul, x[1], b.binary(Op::Pow, x[0], b.binary(Op::Sub, exponent, one))));
    // ln(a) where a != 0 (at a = 0 the term is 0 · ln 0, which JAX also takes as 0)
    int safe = b.add(Op::Where, {b.binary(Op::Eq, x[0], zero), one, x[0]});
    int db = b.binary(Op::Mul, g, b.binary(Op::Mul, b.add(Op::Log, {safe}), y));
    return {da, db};
  }
  case Op::Max:
  case Op::Min: {                                                            // to the winner; ties split 1/2, 1/2 as in JAX
    Op wins = node.op == Op::Max ? Op::Gt : Op::Lt;
    DType d = b.dtype(y);
    int tie = b.scale(mask(b, b.binary(Op::Eq, x[0], x[1]), d), 0.5);
    int ma = b.binary(Op::Add, mask(b, b.binary(wins, x[0], x[1]), d), tie);
    int mb = b.binary(Op::Add, mask(b, b.binary(wins, x[1], x[0]), d), tie);
    return {b.binary(Op::Mul, g, ma), b.binary(Op::Mul, g, mb)};
  }
  case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
  case Op::And: case Op::Or: return {-1, -1};                               // booleans

  // ---- where(c, a, b): the gradient goes to the branch that was chosen
  case Op::Where: {
    int zero = b.zerosLike(g);
    return {-1, b.add(Op::Where, {x[0], g, zero}), b.add(Op::Where, {x[0], zero, g})};
  }

  // ---- reductions
  case Op::ReduceSum: {                                                      // every element gets g
    Shape kept = keptShape(b.shape(x[0]), node.attrs.axes);
    return {b.broadcast(b.reshape(g, kept), b.shape(x[0]))};
  }
  case Op::ReduceMax:
  case Op::ReduceMin: {                                                      // to the extrema, split among ties
    const Shape &in = b.shape(x[0]);
    Shape kept = keptShape(in, node.attrs.axes);
    int top = b.broadcast(b.reshape(y, kept), in);
    int m = mask(b, b.binary(Op::Eq, x[0], top), b.dtype(y));
    int count = b.broadcast(b.reduceSum(m, node.attrs.axes, true), in);
    int spread = b.broadcast(b.reshape(g, kept), in);
    return {b.binary(Op::Div, b.binary(Op::Mul, spread, m), count)};
  }
  case Op::ArgMax: return {-1};

  // ---- movement: the inverse movement of g
  case Op::Reshape: return {b.reshape(g, b.shape(x[0]))};
  case Op::Transpose: return {b.transpose(g, inverse(node.attrs.perm))};
  case Op::Broadcast: return {b.sumTo(g, b.shape(x[0]))};
  case Op::Slice: return {unslice(b, g, node, b.shape(x[0]))};
  case Op::Pad: {
    Attrs s;
    for (size_t axis = 0; axis < b.shape(x[0]).size(); ++axis) {
      s.starts.push_back(node.attrs.lo[axis]);
      s.stops.push_back(node.attrs.lo[axis] + b.shape(x[0])[axis]);
      s.steps.push_back(1);
    }
    return {b.add(Op::Slice, {g}, s)};
  }
  case Op::Concat: {
    std::vector<int> parts;
    int64_t offset = 0, axis = node.attrs.axis;
    for (int operand : x) {
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
  case Op::Flip: {
    Attrs f;
    f.axes = node.attrs.axes;
    return {b.add(Op::Flip, {g}, f)};
  }

  // ---- matmul: dA = g Bᵀ, dB = Aᵀ g
  case Op::MatMul: return {b.binary(Op::MatMul, g, swapLast(b, x[1])), b.binary(Op::MatMul, swapLast(b, x[0]), g)};

  // ---- indexing: a gather's gradient is a scatter-add, and back
  case Op::Gather: { // gather clamps its indices, so the gradient goes to the clamped rows
    Attrs s;
    s.axis = node.attrs.axis;
    int length = b.constant(DType::I32, b.shape(x[1]), double(b.shape(x[0])[s.axis] - 1));
    int clamped = b.binary(Op::Max, b.binary(Op::Min, x[1], length), b.constant(DType::I32, b.shape(x[1]), 0));
    return {b.add(Op::ScatterAdd, {b.zerosLike(x[0]), clamped, g}, s), -1};
  }
  case Op::ScatterAdd: { // scatter_add drops an out-of-range index's update, so its gradient is 0
    Attrs s;
    s.axis = node.attrs.axis;
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

  // ---- checks: integer labels, which have no gradient
  case Op::CheckLabels: return {-1};

  // ---- effects: debug_print's token result is not differentiable, so its operands get
  // nothing from it (their gradients flow through their other uses, unchanged).
  case Op::DebugPrint: return std::vector<int>(x.size(), -1);

  // ---- sources and random draws have no gradient; scan, custom_vjp and project are the
  // driver's (Grad.cpp scanVjp, customVjp). No default: a new primitive without a rule is a build error.
  case Op::Input: case Op::Constant: case Op::Literal: case Op::Iota:
  case Op::RandomUniform: case Op::RandomNormal: case Op::RandomSplit: case Op::RandomFoldIn:
  case Op::Scan: case Op::Project: case Op::CustomVjp: case Op::CustomJvp: return std::vector<int>(x.size(), -1);
  }
  throw std::logic_error(std::string("vjp: no rule for ") + opInfo(node.op).name);
}

} // namespace zy::transforms
