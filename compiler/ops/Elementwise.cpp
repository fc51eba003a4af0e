// Elementwise.cpp: the rows of the elementwise primitives (Unary, Binary, Compare,
// Ternary in Ops.def). They share one shape rule and one kernel per kind and differ by
// their scalar function and their derivative: the VJP column is d/dx written with the
// graph builder, and forward mode derives from it (the Jacobian is diagonal: jvpDiagonal).
// Batching lifts every operand to the batch (batchLifted): no axis attributes to shift.
#include "ops/Common.h"

#include <cmath>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

// ================================================================ shape rules and kernels


Error inferUnary(const Rule &rule, Node &node, const Operands &ops) {
  if (auto error = checkDomain(node, rule.domain, ops[0])) return error;
  node.dtype = ops[0].dtype;
  node.shape = ops[0].shape;
  return std::nullopt;
}

Error inferCast(const Rule &rule, Node &node, const Operands &ops) {
  node.dtype = node.attrs.dtype;
  node.shape = ops[0].shape;
  return std::nullopt;
}

/// i32 x ** n modulo 2^32, as NumPy's int32 power wraps: by squaring, in uint32
/// arithmetic (which wraps without undefined behaviour). A negative exponent truncates
/// toward zero as integer division would: 1 and -1 stay ±1, 0 ** -n is 0 (as x // 0 is).
double powInt32(int64_t a, int64_t n) {
  if (n < 0) return a == 1 ? 1.0 : a == -1 ? (n % 2 ? -1.0 : 1.0) : 0.0;
  uint32_t result = 1, base = static_cast<uint32_t>(a);
  for (uint64_t e = static_cast<uint64_t>(n); e; e >>= 1, base *= base)
    if (e & 1) result *= base;
  return static_cast<double>(static_cast<int32_t>(result));
}

// Cast needs no scalar function of its own: Tensor::set rounds to the result dtype.
Tensor evalUnary(const Rule &rule, const Node &node, const Args &args) {
  const Tensor &x = *args[0];
  Tensor out(node.dtype, node.shape);
  // i32 neg and abs wrap (-(-2^31) is -2^31, as NumPy's); other results are in range.
  bool wraps = node.dtype == DType::I32 && (node.op == Op::Neg || node.op == Op::Abs);
  for (int64_t i = 0; i < out.size(); ++i) {
    double y = rule.unary(x.get(i));
    out.set(i, wraps ? wrapInt32(static_cast<uint64_t>(static_cast<int64_t>(y))) : y);
  }
  return out;
}


Error inferBinary(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &a = ops[0], &b = ops[1];
  if (auto error = checkSameType(node, a, b)) return error;
  if (!accepts(rule.domain, a.dtype))
    return std::string(nameOf(node)) + " needs " + domainWord(rule.domain) + " tensors, got " + typeOf(a) +
           " and " + typeOf(b);
  node.dtype = a.dtype;
  node.shape = a.shape;
  return std::nullopt;
}

Tensor evalBinary(const Rule &rule, const Node &node, const Args &args) {
  const Tensor &a = *args[0], &b = *args[1];
  Tensor out(node.dtype, node.shape);
  bool integer = rule.integer && node.dtype == DType::I32;
  for (int64_t i = 0; i < out.size(); ++i)
    out.set(i, integer ? wrapInt32(static_cast<uint64_t>(static_cast<int64_t>(
                             rule.integer(static_cast<int64_t>(a.get(i)), static_cast<int64_t>(b.get(i))))))
                       : rule.binary(a.get(i), b.get(i)));
  return out;
}

// Python's // and % on integers: the quotient rounds down, the remainder takes the
// divisor's sign. Division by zero gives 0 (see the file header). int64 holds every
// quotient of two int32 values, so nothing here overflows.
double floorDiv(int64_t a, int64_t b) {
  if (b == 0) return 0;
  int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return static_cast<double>(q);
}

double floorMod(int64_t a, int64_t b) {
  if (b == 0) return 0;
  int64_t r = a % b;
  if (r != 0 && (r < 0) != (b < 0)) r += b;
  return static_cast<double>(r);
}

// Python's % on floats; x % 0 is NaN (IEEE has no trap either).
double floatMod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && (r < 0) != (b < 0)) r += b;
  else if (r == 0) r = std::copysign(0.0, b);
  return r;
}


Error inferCompare(const Rule &rule, Node &node, const Operands &ops) {
  if (auto error = checkSameType(node, ops[0], ops[1])) return error;
  node.dtype = DType::Bool;
  node.shape = ops[0].shape;
  return std::nullopt;
}

Tensor evalCompare(const Rule &rule, const Node &node, const Args &args) {
  const Tensor &a = *args[0], &b = *args[1];
  Tensor out(DType::Bool, node.shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, rule.compare(a.get(i), b.get(i)) ? 1 : 0);
  return out;
}


Error inferWhere(const Rule &, Node &node, const Operands &ops) {
  const OperandType &cond = ops[0], &a = ops[1], &b = ops[2];
  if (cond.dtype != DType::Bool) return "where needs a bool condition, got " + typeOf(cond);
  if (auto error = checkSameType(node, a, b)) return error;
  if (cond.shape != a.shape)
    return "where with condition " + typeOf(cond) + " and values " + typeOf(a) + ": shapes differ";
  node.dtype = a.dtype;
  node.shape = a.shape;
  return std::nullopt;
}

Tensor evalWhere(const Rule &, const Node &node, const Args &args) {
  const Tensor &cond = *args[0], &a = *args[1], &b = *args[2];
  Tensor out(node.dtype, node.shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, cond.get(i) != 0 ? a.get(i) : b.get(i));
  return out;
}

// ================================================================ derivatives too long for a row

/// g (1 - tanh²): the result is tanh x.
Grads vjpTanh(Builder &b, const Node &, int y, int g) {
  int one = b.constant(b.dtype(y), b.shape(y), 1);
  return {b.binary(Op::Mul, g, b.binary(Op::Sub, one, b.binary(Op::Mul, y, y)))};
}

/// g 2/√π e^(-x²).
Grads vjpErf(Builder &b, const Node &n, int, int g) {
  int x = n.operands[0];
  int e = b.add(Op::Exp, {b.neg(b.binary(Op::Mul, x, x))});
  return {b.binary(Op::Mul, g, b.scale(e, 2 / std::sqrt(M_PI)))};
}

/// g √π/2 e^(y²): the inverse function's derivative.
Grads vjpErfInv(Builder &b, const Node &, int y, int g) {
  int e = b.add(Op::Exp, {b.binary(Op::Mul, y, y)});
  return {b.binary(Op::Mul, g, b.scale(e, std::sqrt(M_PI) / 2))};
}

/// a - floor(a/b) b.
Grads vjpMod(Builder &b, const Node &n, int, int g) {
  int q = b.add(Op::Floor, {b.binary(Op::Div, n.operands[0], n.operands[1])});
  return {g, b.neg(b.binary(Op::Mul, g, q))};
}

/// g b a^(b-1), g ln(a) a^b.
Grads vjpPow(Builder &b, const Node &n, int y, int g) {
  const std::vector<int> &x = n.operands;
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

/// To the winner; ties split 1/2, 1/2 as in JAX.
Grads vjpExtremum(Builder &b, const Node &n, int y, int g) {
  const std::vector<int> &x = n.operands;
  Op wins = n.op == Op::Max ? Op::Gt : Op::Lt;
  DType d = b.dtype(y);
  int tie = b.scale(mask(b, b.binary(Op::Eq, x[0], x[1]), d), 0.5);
  int ma = b.binary(Op::Add, mask(b, b.binary(wins, x[0], x[1]), d), tie);
  int mb = b.binary(Op::Add, mask(b, b.binary(wins, x[1], x[0]), d), tie);
  return {b.binary(Op::Mul, g, ma), b.binary(Op::Mul, g, mb)};
}

/// A cast's tangent is the cast tangent (none from an integer operand).
int jvpCast(const Rule &, Builder &b, const Node &n, int, const std::vector<int> &t) {
  return isFloat(b.dtype(n.operands[0])) && t[0] >= 0 ? b.cast(t[0], n.dtype) : -1;
}

// ================================================================ the rows

constexpr Rule unary(Op op, Domain domain, double (*fn)(double), VjpFn vjp) {
  return {op, inferUnary, evalUnary, vjp, jvpDiagonal, batchLifted, domain, fn};
}

constexpr Rule binary(Op op, Domain domain, double (*fn)(double, double), VjpFn vjp,
                      double (*integer)(int64_t, int64_t) = nullptr) {
  return {op, inferBinary, evalBinary, vjp, jvpDiagonal, batchLifted, domain, nullptr, fn, integer};
}

constexpr Rule compare(Op op, bool (*fn)(double, double)) {
  return {op, inferCompare, evalCompare, vjpNone, jvpNone, batchLifted, Domain::Any, nullptr, nullptr, nullptr, fn};
}

// Each row: the op, its domain, its scalar function, and its derivative as the VJP
// (g: the gradient of the result y; x: the operands).
constexpr Rule Rows[] = {
    unary(Op::Neg, Domain::Numeric, [](double x) { return -x; },
          [](Builder &b, const Node &, int, int g) -> Grads { return {b.neg(g)}; }),
    unary(Op::Abs, Domain::Numeric, [](double x) { return std::fabs(x); },
          [](Builder &b, const Node &n, int, int g) -> Grads { return {b.binary(Op::Mul, g, b.add(Op::Sign, {n.operands[0]}))}; }),
    // NaN and ±0 are their own sign. Piecewise constant: no gradient.
    unary(Op::Sign, Domain::Numeric, [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }, vjpNone),
    unary(Op::Exp, Domain::Float, [](double x) { return std::exp(x); },
          [](Builder &b, const Node &, int y, int g) -> Grads { return {b.binary(Op::Mul, g, y)}; }),
    unary(Op::Log, Domain::Float, [](double x) { return std::log(x); },
          [](Builder &b, const Node &n, int, int g) -> Grads { return {b.binary(Op::Div, g, n.operands[0])}; }),
    unary(Op::Log1p, Domain::Float, [](double x) { return std::log1p(x); },
          [](Builder &b, const Node &n, int y, int g) -> Grads {
            return {b.binary(Op::Div, g, b.binary(Op::Add, n.operands[0], b.constant(b.dtype(y), b.shape(y), 1)))};
          }),
    unary(Op::Sqrt, Domain::Float, [](double x) { return std::sqrt(x); },
          [](Builder &b, const Node &, int y, int g) -> Grads { return {b.binary(Op::Div, b.scale(g, 0.5), y)}; }),
    unary(Op::Sin, Domain::Float, [](double x) { return std::sin(x); },
          [](Builder &b, const Node &n, int, int g) -> Grads { return {b.binary(Op::Mul, g, b.add(Op::Cos, {n.operands[0]}))}; }),
    unary(Op::Cos, Domain::Float, [](double x) { return std::cos(x); },
          [](Builder &b, const Node &n, int, int g) -> Grads {
            return {b.neg(b.binary(Op::Mul, g, b.add(Op::Sin, {n.operands[0]})))};
          }),
    unary(Op::Atan, Domain::Float, [](double x) { return std::atan(x); },
          [](Builder &b, const Node &n, int y, int g) -> Grads { // 1 / (1 + x²)
            int x = n.operands[0];
            return {b.binary(Op::Div, g, b.binary(Op::Add, b.binary(Op::Mul, x, x), b.constant(b.dtype(y), b.shape(y), 1)))};
          }),
    unary(Op::Tanh, Domain::Float, [](double x) { return std::tanh(x); }, vjpTanh),
    unary(Op::Erf, Domain::Float, [](double x) { return std::erf(x); }, vjpErf),
    unary(Op::ErfInv, Domain::Float, ir::erfInv, vjpErfInv),
    unary(Op::Floor, Domain::Float, [](double x) { return std::floor(x); }, vjpNone),
    unary(Op::Ceil, Domain::Float, [](double x) { return std::ceil(x); }, vjpNone),
    // Halves go to the even neighbour, as in NumPy and JAX (the default rounding mode).
    unary(Op::Round, Domain::Float, [](double x) { return std::nearbyint(x); }, vjpNone),
    unary(Op::Not, Domain::Bool, [](double x) { return x == 0 ? 1.0 : 0.0; }, vjpNone),
    // Back to the operand's dtype; Tensor::set rounds to the result dtype, so the scalar
    // function is the identity.
    {Op::Cast, inferCast, evalUnary,
     [](Builder &b, const Node &n, int, int g) -> Grads { return {isFloat(b.dtype(n.operands[0])) ? b.cast(g, b.dtype(n.operands[0])) : -1}; },
     jvpCast, batchLifted, Domain::Any, [](double x) { return x; }},
    // No gradient, by definition.
    unary(Op::StopGradient, Domain::Any, [](double x) { return x; }, vjpNone),

    // On i32 the integer functions are exact (a product is wrapped before it becomes a
    // double, which could not hold it exactly) and evalBinary wraps their results.
    binary(Op::Add, Domain::Numeric, [](double a, double b) { return a + b; },
           [](Builder &, const Node &, int, int g) -> Grads { return {g, g}; },
           [](int64_t a, int64_t b) { return static_cast<double>(a + b); }),
    binary(Op::Sub, Domain::Numeric, [](double a, double b) { return a - b; },
           [](Builder &b, const Node &, int, int g) -> Grads { return {g, b.neg(g)}; },
           [](int64_t a, int64_t b) { return static_cast<double>(a - b); }),
    binary(Op::Mul, Domain::Numeric, [](double a, double b) { return a * b; },
           [](Builder &b, const Node &n, int, int g) -> Grads {
             return {b.binary(Op::Mul, g, n.operands[1]), b.binary(Op::Mul, g, n.operands[0])};
           },
           [](int64_t a, int64_t b) { return wrapInt32(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }),
    // g / b and -g a / b² (= -g y / b)
    binary(Op::Div, Domain::Numeric, [](double a, double b) { return a / b; },
           [](Builder &b, const Node &n, int y, int g) -> Grads {
             return {b.binary(Op::Div, g, n.operands[1]), b.neg(b.binary(Op::Div, b.binary(Op::Mul, g, y), n.operands[1]))};
           },
           floorDiv),
    binary(Op::Mod, Domain::Numeric, floatMod, vjpMod, floorMod),
    binary(Op::Pow, Domain::Numeric, [](double a, double b) { return std::pow(a, b); }, vjpPow, powInt32),
    // max and min propagate NaN, as jnp.maximum does.
    binary(Op::Max, Domain::Numeric,
           [](double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : std::max(a, b); }, vjpExtremum),
    binary(Op::Min, Domain::Numeric,
           [](double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : std::min(a, b); }, vjpExtremum),

    // IEEE comparisons: NaN is unequal to everything, itself included. Booleans: no gradient.
    compare(Op::Eq, [](double a, double b) { return a == b; }),
    compare(Op::Ne, [](double a, double b) { return a != b; }),
    compare(Op::Lt, [](double a, double b) { return a < b; }),
    compare(Op::Le, [](double a, double b) { return a <= b; }),
    compare(Op::Gt, [](double a, double b) { return a > b; }),
    compare(Op::Ge, [](double a, double b) { return a >= b; }),

    binary(Op::And, Domain::Bool, [](double a, double b) { return a != 0 && b != 0 ? 1.0 : 0.0; }, vjpNone),
    binary(Op::Or, Domain::Bool, [](double a, double b) { return a != 0 || b != 0 ? 1.0 : 0.0; }, vjpNone),

    // where(c, a, b): the gradient goes to the branch that was chosen.
    {Op::Where, inferWhere, evalWhere,
     [](Builder &b, const Node &n, int, int g) -> Grads {
       int zero = b.zerosLike(g);
       return {-1, b.add(Op::Where, {n.operands[0], g, zero}), b.add(Op::Where, {n.operands[0], zero, g})};
     },
     jvpDiagonal, batchLifted},
};

static_assert(rowsCover(Rows, {OpKind::Unary, OpKind::Binary, OpKind::Compare, OpKind::Ternary}),
              "Elementwise.cpp must have a full row for each elementwise op of Ops.def, in its order");

} // namespace

const std::span<const Rule> ElementwiseRows = Rows;

} // namespace zy::ops
