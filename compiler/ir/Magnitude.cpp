// Magnitude.cpp: the rule of each primitive for M(y), the first-order bound on how much
// rounding its value carries (see Magnitude.h). In Ops.def order.
//
// Elementwise ops apply |∂y/∂x| per element; linear ops that move or combine elements
// (movement, sums, matmul, gather, scatter-add) are run on M itself with the op's own
// reference kernel, in f64, so their rules are the op table's.
#include "ir/Magnitude.h"

#include "ir/OpTable.h"

#include <cmath>
#include <deque>

namespace zy::ir {

namespace {

/// |x| as an f64 tensor.
Tensor absolute(const Tensor &x) {
  Tensor out(DType::F64, x.shape());
  for (int64_t i = 0; i < x.size(); ++i) out.set(i, std::fabs(x.get(i)));
  return out;
}

/// M + |x|: what a term contributes to a sum's M (the error it carries, and its
/// magnitude, which bounds the rounding of the partial sums it enters).
Tensor carriedAndOwn(const Tensor &m, const Tensor &x) {
  Tensor out(DType::F64, x.shape());
  for (int64_t i = 0; i < x.size(); ++i) out.set(i, m.get(i) + std::fabs(x.get(i)));
  return out;
}

/// `node` run by its reference kernel on f64 `operands` (with its i32 indices), which
/// the op's shape rule types as f64.
Tensor inF64(const Node &node, const std::vector<const Tensor *> &operands) {
  Node n = node;
  std::vector<OperandType> types;
  for (const Tensor *t : operands) types.push_back({t->dtype(), t->shape()});
  if (inferType(n, types)) return Tensor(); // cannot happen for a node that ran; the caller falls back
  return evaluate(n, operands);
}

} // namespace

Tensor magnitude(const Node &node, const Tensor &value, const std::vector<const Tensor *> &x,
                 const std::vector<const Tensor *> &mags) {
  if (!isFloat(value.dtype())) return Tensor(DType::F64, value.shape()); // zeros: exact
  // M of operand k; 0 where none was given (an input: exact). `owned` keeps the
  // tensors made here (a deque: pointers into it stay valid as it grows).
  std::deque<Tensor> owned;
  std::vector<const Tensor *> m(x.size());
  for (size_t k = 0; k < x.size(); ++k) m[k] = mags[k] ? mags[k] : &owned.emplace_back(DType::F64, x[k]->shape());
  Tensor out(DType::F64, value.shape());
  const int64_t n = out.size();
  // y = |y| + Σ_k d_k(i) M_k(i) for an elementwise op with |∂y/∂x_k| = d_k.
  auto elementwise = [&](auto &&terms) {
    for (int64_t i = 0; i < n; ++i) out.set(i, std::fabs(value.get(i)) + terms(i));
  };
  auto a = [&](int64_t i) { return x[0]->get(i); };
  auto b = [&](int64_t i) { return x[1]->get(i); };
  auto y = [&](int64_t i) { return value.get(i); };
  auto ma = [&](int64_t i) { return m[0]->get(i); };
  auto mb = [&](int64_t i) { return m[1]->get(i); };
  const double sqrtPi = std::sqrt(M_PI);

  switch (node.op) {
  // ---- unary
  case Op::Neg:
  case Op::Abs:
  case Op::Sin:
  case Op::Cos:
  case Op::StopGradient:
  case Op::Cast: elementwise(ma); break; // |∂y/∂x| <= 1 (a cast adds only its own rounding)
  case Op::Sign:
  case Op::Floor:
  case Op::Ceil:
  case Op::Round: elementwise([](int64_t) { return 0.0; }); break; // piecewise constant
  case Op::Exp: elementwise([&](int64_t i) { return std::fabs(y(i)) * ma(i); }); break;
  case Op::Log: elementwise([&](int64_t i) { return ma(i) / std::fabs(a(i)); }); break;
  case Op::Log1p: elementwise([&](int64_t i) { return ma(i) / std::fabs(1 + a(i)); }); break;
  case Op::Sqrt: elementwise([&](int64_t i) { return ma(i) / (2 * std::fabs(y(i))); }); break;
  case Op::Tanh: elementwise([&](int64_t i) { return (1 - y(i) * y(i)) * ma(i); }); break;
  case Op::Atan: elementwise([&](int64_t i) { return ma(i) / (1 + a(i) * a(i)); }); break;
  case Op::Erf: elementwise([&](int64_t i) { return 2 / sqrtPi * std::exp(-a(i) * a(i)) * ma(i); }); break;
  case Op::ErfInv: elementwise([&](int64_t i) { return sqrtPi / 2 * std::exp(y(i) * y(i)) * ma(i); }); break;

  // ---- binary
  case Op::Add:
  case Op::Sub: elementwise([&](int64_t i) { return ma(i) + mb(i); }); break;
  case Op::Mul: elementwise([&](int64_t i) { return ma(i) * std::fabs(b(i)) + std::fabs(a(i)) * mb(i); }); break;
  case Op::Div: elementwise([&](int64_t i) { return (ma(i) + std::fabs(y(i)) * mb(i)) / std::fabs(b(i)); }); break;
  case Op::Mod: elementwise([&](int64_t i) { return ma(i) + std::fabs(std::floor(a(i) / b(i))) * mb(i); }); break;
  case Op::Pow:
    elementwise([&](int64_t i) {
      double da = b(i) == 0 ? 0 : std::fabs(b(i) * std::pow(a(i), b(i) - 1));
      double db = a(i) == 0 ? 0 : std::fabs(std::log(std::fabs(a(i))) * y(i));
      return da * ma(i) + db * mb(i);
    });
    break;
  case Op::Max:
  case Op::Min: elementwise([&](int64_t i) { return std::fmax(ma(i), mb(i)); }); break;

  // ---- where: the chosen branch's
  case Op::Where:
    for (int64_t i = 0; i < n; ++i) out.set(i, x[0]->get(i) != 0 ? m[1]->get(i) : m[2]->get(i));
    break;

  // ---- reductions: a sum carries its terms' errors, Σ M(x), and rounds each partial
  // sum, by at most u Σ|x| each (the length factor of a sum is left to the caller's
  // safety factor); an extremum carries its winner's, at most the largest M.
  case Op::ReduceSum: {
    Tensor terms = carriedAndOwn(*m[0], *x[0]);
    out = inF64(node, {&terms}); // Σ (M(x) + |x|)
    break;
  }
  case Op::ReduceMax:
  case Op::ReduceMin: {
    Node largest = node;
    largest.op = Op::ReduceMax;
    out = inF64(largest, {m[0]});
    break;
  }

  // ---- movement, indexing: M moves as the values do (pads with 0: exact)
  case Op::Reshape:
  case Op::Transpose:
  case Op::Broadcast:
  case Op::Slice:
  case Op::Flip:
  case Op::Concat: out = inF64(node, m); break;
  case Op::Pad: {
    Node padded = node;
    padded.attrs.value = 0;
    out = inF64(padded, m);
    break;
  }
  case Op::Gather: out = inF64(node, {m[0], x[1]}); break;
  case Op::ScatterAdd: out = inF64(node, {m[0], x[1], m[2]}); break;

  // ---- matmul: M(A) |B| + |A| M(B) carried, |A| |B| for the products' and partial
  // sums' rounding (as a sum's); all three, and a second-order M(A) M(B), in one
  // product: (M(A) + |A|) (M(B) + |B|), so the check costs one more matmul, not three.
  case Op::MatMul: {
    Tensor left = carriedAndOwn(*m[0], *x[0]), right = carriedAndOwn(*m[1], *x[1]);
    out = inF64(node, {&left, &right});
    break;
  }

  // ---- sources are exact (both backends read the same bits)
  case Op::Input:
  case Op::Constant:
  case Op::Literal:
  case Op::Iota: out = Tensor(DType::F64, value.shape()); break;

  // ---- scans, their results, random draws: their own rounding only
  default: out = absolute(value); break;
  }
  if (out.dtype() != DType::F64 || out.shape() != value.shape()) return absolute(value);
  // 0 · inf and 0 / 0 (an exact zero meeting an unbounded derivative, sqrt at 0) are
  // taken as no error, so one such element does not make everything after it unchecked.
  for (int64_t i = 0; i < n; ++i)
    if (std::isnan(out.get(i))) out.set(i, 0);
  return out;
}

} // namespace zy::ir
