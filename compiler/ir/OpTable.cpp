// OpTable.cpp: every primitive's shape rule (inferType) and reference kernel (evaluate).
//
// The file has one section per op kind of Ops.def (Unary, Binary, Compare, Ternary,
// Reduce, Movement, Contract, Index, Check, Effect, Source, Random, Control). Each section ends
// with a table of Rules, one per op of that kind in Ops.def order, so a primitive's dtype domain, shape
// rule and kernel sit together; static_asserts at the end check that the tables list
// exactly the ops of Ops.def. Elementwise ops share one shape rule and one kernel per
// kind and differ only by the scalar function in their Rule.
//
// Conventions of the kernels, chosen to never fail at run time (the Check ops excepted,
// whose one job is to fail: they throw CheckFailed on bad values):
//   1. Kernels compute in double and round once, on store, with Tensor::set (a cast to
//      i32 saturates). i32 arithmetic wraps modulo 2^32 as NumPy's and JAX's int32 does,
//      never a silent clamp: elementwise `+ - * // % **`, neg and abs compute exactly in
//      64 bits and wrap on store; sums (sum, matmul, scatter_add) are exact in 64 bits
//      and wrap once (wrapInt32).
//   2. i32 division and modulo by zero give 0 (there is no trap to raise at run time);
//      i32 pow with a negative exponent truncates toward zero (2 ** -1 == 0).
//   3. gather clamps out-of-range indices into [0, n) (as JAX does); scatter_add drops
//      updates whose index is out of range.
#include "ir/OpTable.h"

#include "runtime/Math.h"
#include "runtime/Print.h"
#include "runtime/Random.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <limits>
#include <span>
#include <stdexcept>

namespace zy::ir {

namespace {

using Error = std::optional<std::string>;
using Operands = std::vector<OperandType>;
using Args = std::vector<const Tensor *>;

std::string typeOf(const OperandType &t) { return typeString(t.dtype, t.shape); }
const char *nameOf(const Node &node) { return opInfo(node.op).name; }

/// The element count of a shape that passed elementCount() (every result and operand has).
int64_t countOf(const Shape &shape) { return elementCount(shape).value_or(0); }

/// The product of shape[begin, end): the size of a block of axes.
int64_t product(const Shape &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= shape[i];
  return n;
}

/// What makes a shape unusable ("dimension -1 is negative"), or nothing.
Error shapeProblem(const Shape &shape) {
  for (int64_t d : shape)
    if (d < 0) return "dimension " + std::to_string(d) + " is negative";
  if (!elementCount(shape))
    return "it would have more than " + std::to_string(MaxTensorElements) + " elements";
  return std::nullopt;
}

// ---------------------------------------------------------------- shared checks

/// The dtypes an op accepts.
enum class Domain { Any, Bool, Numeric, Float };

bool accepts(Domain domain, DType dtype) {
  switch (domain) {
  case Domain::Any: return true;
  case Domain::Bool: return dtype == DType::Bool;
  case Domain::Numeric: return dtype != DType::Bool;
  case Domain::Float: return isFloat(dtype);
  }
  return false;
}

const char *domainWord(Domain domain) {
  switch (domain) {
  case Domain::Any: return "any";
  case Domain::Bool: return "bool";
  case Domain::Numeric: return "numeric";
  case Domain::Float: return "float";
  }
  return "?";
}

/// "exp needs a float tensor, got i32[3]".
Error checkDomain(const Node &node, Domain domain, const OperandType &x) {
  if (accepts(domain, x.dtype)) return std::nullopt;
  return std::string(nameOf(node)) + " needs a " + domainWord(domain) + " tensor, got " + typeOf(x);
}

/// The operands of an elementwise op must have one type: "add of f32[2, 3] and f32[3]: shapes differ".
Error checkSameType(const Node &node, const OperandType &a, const OperandType &b) {
  std::string head = std::string(nameOf(node)) + " of " + typeOf(a) + " and " + typeOf(b) + ": ";
  if (a.shape != b.shape) return head + "shapes differ";
  if (a.dtype != b.dtype) return head + "dtypes differ";
  return std::nullopt;
}

std::string axesWord(size_t rank) { return std::to_string(rank) + (rank == 1 ? " axis" : " axes"); }

/// Normalises a set of axes of `x` in place: negative axes count from the end; the result
/// is sorted. Rejects axes out of range and repeated axes.
Error normaliseAxes(const Node &node, const OperandType &x, std::vector<int64_t> &axes) {
  int64_t rank = static_cast<int64_t>(x.shape.size());
  for (int64_t &axis : axes) {
    if (axis < -rank || axis >= rank)
      return std::string(nameOf(node)) + " over axis " + std::to_string(axis) + " of " + typeOf(x) +
             ", which has " + axesWord(rank);
    if (axis < 0) axis += rank;
  }
  std::sort(axes.begin(), axes.end());
  auto repeated = std::adjacent_find(axes.begin(), axes.end());
  if (repeated != axes.end())
    return std::string(nameOf(node)) + " of " + typeOf(x) + ": axis " + std::to_string(*repeated) +
           " is repeated";
  return std::nullopt;
}

/// Normalises the single axis `axis` of `x` in place, as normaliseAxes does.
Error normaliseAxis(const Node &node, const OperandType &x, int64_t &axis) {
  std::vector<int64_t> axes{axis};
  if (auto error = normaliseAxes(node, x, axes)) return error;
  axis = axes[0];
  return std::nullopt;
}

// ---------------------------------------------------------------- the strided walker

/// Calls visit(i, offset) for every element i (row-major) of `shape`, where offset is
/// base + sum(index[k] * strides[k]). Transpose, broadcast, slice and flip read their
/// operand through such strides; pad, concat and reductions write their result through them.
template <typename F>
void forEachOffset(const Shape &shape, const std::vector<int64_t> &strides, int64_t base, F &&visit) {
  int64_t count = countOf(shape);
  size_t rank = shape.size();
  std::vector<int64_t> index(rank, 0);
  int64_t offset = base;
  for (int64_t i = 0; i < count; ++i) {
    visit(i, offset);
    for (size_t k = rank; k-- > 0;) { // advance the odometer
      offset += strides[k];
      if (++index[k] < shape[k]) break;
      offset -= strides[k] * shape[k];
      index[k] = 0;
    }
  }
}

/// The tensor of `shape` whose element i is x's element at the strided offset of i.
Tensor readStrided(const Tensor &x, const Shape &shape, const std::vector<int64_t> &strides, int64_t base) {
  Tensor out(x.dtype(), shape);
  forEachOffset(shape, strides, base, [&](int64_t i, int64_t offset) { out.set(i, x.get(offset)); });
  return out;
}

// ---------------------------------------------------------------- the rule table's entry

struct Rule;
using InferFn = Error (*)(const Rule &, Node &, const Operands &);
using EvalFn = Tensor (*)(const Rule &, const Node &, const Args &);

/// One primitive: its shape rule and kernel, and for elementwise ops the scalar function
/// the shared rule and kernel of its kind apply.
struct Rule {
  Op op;
  InferFn infer;
  EvalFn eval;
  Domain domain = Domain::Any;
  double (*unary)(double) = nullptr;
  double (*binary)(double, double) = nullptr;
  double (*integer)(int64_t, int64_t) = nullptr; // i32 semantics, where they differ from float
  bool (*compare)(double, double) = nullptr;
};

// ================================================================ Unary

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

/// An exact integer sum modulo 2^32, as an int32: how i32 sums overflow (NumPy's and
/// JAX's int32 wrap). Sums are kept in uint64, whose wrapping arithmetic agrees with
/// int64's modulo 2^32, so no partial sum overflows undefinedly.
double wrapInt32(uint64_t sum) { return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(sum))); }

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

constexpr Rule unary(Op op, Domain domain, double (*fn)(double)) {
  return {op, inferUnary, evalUnary, domain, fn};
}

constexpr Rule UnaryRules[] = {
    unary(Op::Neg, Domain::Numeric, [](double x) { return -x; }),
    unary(Op::Abs, Domain::Numeric, [](double x) { return std::fabs(x); }),
    // NaN and ±0 are their own sign.
    unary(Op::Sign, Domain::Numeric, [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }),
    unary(Op::Exp, Domain::Float, [](double x) { return std::exp(x); }),
    unary(Op::Log, Domain::Float, [](double x) { return std::log(x); }),
    unary(Op::Log1p, Domain::Float, [](double x) { return std::log1p(x); }),
    unary(Op::Sqrt, Domain::Float, [](double x) { return std::sqrt(x); }),
    unary(Op::Sin, Domain::Float, [](double x) { return std::sin(x); }),
    unary(Op::Cos, Domain::Float, [](double x) { return std::cos(x); }),
    unary(Op::Tanh, Domain::Float, [](double x) { return std::tanh(x); }),
    unary(Op::Erf, Domain::Float, [](double x) { return std::erf(x); }),
    unary(Op::ErfInv, Domain::Float, erfInv),
    unary(Op::Floor, Domain::Float, [](double x) { return std::floor(x); }),
    unary(Op::Ceil, Domain::Float, [](double x) { return std::ceil(x); }),
    // Halves go to the even neighbour, as in NumPy and JAX (the default rounding mode).
    unary(Op::Round, Domain::Float, [](double x) { return std::nearbyint(x); }),
    unary(Op::Not, Domain::Bool, [](double x) { return x == 0 ? 1.0 : 0.0; }),
    {Op::Cast, inferCast, evalUnary, Domain::Any, [](double x) { return x; }},
    unary(Op::StopGradient, Domain::Any, [](double x) { return x; }),
};

// ================================================================ Binary

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

constexpr Rule binary(Op op, Domain domain, double (*fn)(double, double),
                      double (*integer)(int64_t, int64_t) = nullptr) {
  return {op, inferBinary, evalBinary, domain, nullptr, fn, integer};
}

constexpr Rule BinaryRules[] = {
    // On i32 the integer functions are exact (a product is wrapped before it becomes a
    // double, which could not hold it exactly) and evalBinary wraps their results.
    binary(Op::Add, Domain::Numeric, [](double a, double b) { return a + b; },
           [](int64_t a, int64_t b) { return static_cast<double>(a + b); }),
    binary(Op::Sub, Domain::Numeric, [](double a, double b) { return a - b; },
           [](int64_t a, int64_t b) { return static_cast<double>(a - b); }),
    binary(Op::Mul, Domain::Numeric, [](double a, double b) { return a * b; },
           [](int64_t a, int64_t b) { return wrapInt32(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }),
    binary(Op::Div, Domain::Numeric, [](double a, double b) { return a / b; }, floorDiv),
    binary(Op::Mod, Domain::Numeric, floatMod, floorMod),
    binary(Op::Pow, Domain::Numeric, [](double a, double b) { return std::pow(a, b); }, powInt32),
    // max and min propagate NaN, as jnp.maximum does.
    binary(Op::Max, Domain::Numeric,
           [](double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : std::max(a, b); }),
    binary(Op::Min, Domain::Numeric,
           [](double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : std::min(a, b); }),
    binary(Op::And, Domain::Bool, [](double a, double b) { return a != 0 && b != 0 ? 1.0 : 0.0; }),
    binary(Op::Or, Domain::Bool, [](double a, double b) { return a != 0 || b != 0 ? 1.0 : 0.0; }),
};

// ================================================================ Compare

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

constexpr Rule compare(Op op, bool (*fn)(double, double)) {
  return {op, inferCompare, evalCompare, Domain::Any, nullptr, nullptr, nullptr, fn};
}

// IEEE comparisons: NaN is unequal to everything, itself included.
constexpr Rule CompareRules[] = {
    compare(Op::Eq, [](double a, double b) { return a == b; }),
    compare(Op::Ne, [](double a, double b) { return a != b; }),
    compare(Op::Lt, [](double a, double b) { return a < b; }),
    compare(Op::Le, [](double a, double b) { return a <= b; }),
    compare(Op::Gt, [](double a, double b) { return a > b; }),
    compare(Op::Ge, [](double a, double b) { return a >= b; }),
};

// ================================================================ Ternary

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

constexpr Rule TernaryRules[] = {
    {Op::Where, inferWhere, evalWhere},
};

// ================================================================ Reduce

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

uint64_t asUnsigned(double integer) { return static_cast<uint64_t>(static_cast<int64_t>(integer)); }

Tensor fromDoubles(DType dtype, const Shape &shape, const std::vector<double> &values) {
  Tensor out(dtype, shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, values[i]);
  return out;
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

constexpr Rule ReduceRules[] = {
    {Op::ReduceSum, inferReduceSum, evalReduceSum, Domain::Numeric},
    {Op::ReduceMax, inferReduceMax, evalReduceMax, Domain::Any},
    {Op::ReduceMin, inferReduceMax, evalReduceMin, Domain::Any},
    {Op::ArgMax, inferArgMax, evalArgMax, Domain::Any},
};

// ================================================================ Movement

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

constexpr Rule MovementRules[] = {
    {Op::Reshape, inferReshape, evalReshape},       {Op::Transpose, inferTranspose, evalTranspose},
    {Op::Broadcast, inferBroadcast, evalBroadcast}, {Op::Slice, inferSlice, evalSlice},
    {Op::Pad, inferPad, evalPad},                   {Op::Concat, inferConcat, evalConcat},
    {Op::Flip, inferFlip, evalFlip},
};

// ================================================================ Contract

// [..., n, k] @ [..., k, m] -> [..., n, m]; the tracer has already broadcast the batch dims.
Error inferMatMul(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &a = ops[0], &b = ops[1];
  std::string head = "matmul of " + typeOf(a) + " and " + typeOf(b) + ": ";
  size_t rank = a.shape.size();
  if (rank < 2 || b.shape.size() < 2) return head + "each needs at least 2 axes";
  if (a.dtype != b.dtype) return head + "dtypes differ";
  if (!accepts(rule.domain, a.dtype)) return head + "needs float or i32 tensors";
  if (b.shape.size() != rank) return head + "ranks differ";
  if (!std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin()))
    return head + "batch dimensions differ";
  int64_t k = a.shape[rank - 1], k2 = b.shape[rank - 2];
  if (k != k2)
    return head + "inner dimensions " + std::to_string(k) + " and " + std::to_string(k2) + " differ";
  node.dtype = a.dtype;
  node.shape = a.shape;
  node.shape[rank - 1] = b.shape[rank - 1];
  return std::nullopt;
}

// The operands are read into doubles once and each output row is accumulated over p in
// order (i, p, j loops): the same sums, in the same order, as the textbook triple loop,
// but sequential in memory, so the oracle is not needlessly slow.
Tensor evalMatMul(const Rule &, const Node &node, const Args &args) {
  const Tensor &a = *args[0], &b = *args[1];
  size_t rank = node.shape.size();
  int64_t batches = product(node.shape, 0, rank - 2);
  int64_t n = a.shape()[rank - 2], k = a.shape()[rank - 1], m = b.shape()[rank - 1];
  Tensor out(node.dtype, node.shape);
  std::vector<double> av(static_cast<size_t>(n * k)), bv(static_cast<size_t>(k * m)), row(static_cast<size_t>(m));
  if (node.dtype == DType::I32) { // exact products in 64 bits, sums wrapped once (wrapInt32)
    for (int64_t batch = 0; batch < batches; ++batch)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) {
          uint64_t sum = 0;
          for (int64_t p = 0; p < k; ++p)
            sum += asUnsigned(a.get(batch * n * k + i * k + p)) * asUnsigned(b.get(batch * k * m + p * m + j));
          out.set(batch * n * m + i * m + j, wrapInt32(sum));
        }
    return out;
  }
  for (int64_t batch = 0; batch < batches; ++batch) {
    int64_t aBase = batch * n * k, bBase = batch * k * m, outBase = batch * n * m;
    for (int64_t i = 0; i < n * k; ++i) av[i] = a.get(aBase + i);
    for (int64_t i = 0; i < k * m; ++i) bv[i] = b.get(bBase + i);
    for (int64_t i = 0; i < n; ++i) {
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t p = 0; p < k; ++p) {
        double x = av[i * k + p];
        const double *bRow = bv.data() + p * m;
        for (int64_t j = 0; j < m; ++j) row[j] += x * bRow[j];
      }
      for (int64_t j = 0; j < m; ++j) out.set(outBase + i * m + j, row[j]);
    }
  }
  return out;
}

constexpr Rule ContractRules[] = {
    {Op::MatMul, inferMatMul, evalMatMul, Domain::Numeric},
};

// ================================================================ Index

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

constexpr Rule IndexRules[] = {
    {Op::Gather, inferGather, evalGather},
    {Op::ScatterAdd, inferScatterAdd, evalScatterAdd, Domain::Numeric},
};

// ================================================================ Check

// check_labels(labels) -> labels: integer labels only, so a float label is a type error
// when the graph is traced, not a value compared at run time.
Error inferCheckLabels(const Rule &, Node &node, const Operands &ops) {
  const OperandType &labels = ops[0];
  const std::string &name = node.attrs.name.empty() ? std::string("check_labels") : node.attrs.name;
  if (labels.dtype != DType::I32)
    return name + " expects integer labels, found " + typeOf(labels) + " (convert them with astype(labels, i32))";
  double classes = node.attrs.value; // a whole number of classes an i32 label can reach
  if (!(classes >= 0 && classes <= 2147483648.0) || classes != std::floor(classes))
    return name + " needs a whole number of classes from 0 to 2^31";
  node.dtype = labels.dtype;
  node.shape = labels.shape;
  return std::nullopt;
}

Tensor evalCheckLabels(const Rule &, const Node &node, const Args &args) {
  const Tensor &labels = *args[0];
  if (auto bad = badLabel(labels.size() ? labels.data<int32_t>() : nullptr, labels.shape(),
                          static_cast<int64_t>(node.attrs.value), node.attrs.name))
    throw CheckFailed(*bad, node);
  return labels; // tensors are immutable: the result shares the operand's buffer
}

constexpr Rule CheckRules[] = {
    {Op::CheckLabels, inferCheckLabels, evalCheckLabels},
};

// ================================================================ Effect

// debug_print(values...) -> bool[0]: any operands, as many as the format has `{}`.
Error inferDebugPrint(const Rule &, Node &node, const Operands &ops) {
  auto placeholders = formatPlaceholders(node.attrs.name);
  if (auto *error = std::get_if<std::string>(&placeholders)) return "debug.print: " + *error;
  size_t expected = std::get<size_t>(placeholders);
  if (expected != ops.size())
    return "debug.print: the format has " + std::to_string(expected) + " `{}` but " + std::to_string(ops.size()) +
           (ops.size() == 1 ? " value follows it" : " values follow it") + " (expected " + std::to_string(expected) +
           ", found " + std::to_string(ops.size()) + ")";
  node.dtype = DType::Bool;
  node.shape = {0};
  return std::nullopt;
}

Tensor evalDebugPrint(const Rule &, const Node &node, const Args &args) {
  debugPrint(formatDebugPrint(node.attrs.name, args));
  return Tensor(DType::Bool, {0});
}

constexpr Rule EffectRules[] = {
    {Op::DebugPrint, inferDebugPrint, evalDebugPrint},
};

// ================================================================ Source

// Input and Constant are typed by attrs.dtype and attrs.shape; the final shape check in
// inferType rejects a bad attrs.shape.
Error inferInput(const Rule &, Node &node, const Operands &) {
  if (node.attrs.index < 0) return "input with the negative index " + std::to_string(node.attrs.index);
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

Tensor evalInput(const Rule &, const Node &node, const Args &) {
  throw std::invalid_argument("an input node has no kernel: the executor binds it to an argument");
}

Error inferConstant(const Rule &, Node &node, const Operands &) {
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

Tensor evalConstant(const Rule &, const Node &node, const Args &) {
  Tensor out(node.dtype, node.shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, node.attrs.value);
  return out;
}

Error inferLiteral(const Rule &, Node &node, const Operands &) {
  if (!node.attrs.literal) return std::string("literal without a tensor");
  node.dtype = node.attrs.literal->dtype();
  node.shape = node.attrs.literal->shape();
  return std::nullopt;
}

// Tensors are immutable, so the result shares the literal's buffer.
Tensor evalLiteral(const Rule &, const Node &node, const Args &) { return *node.attrs.literal; }

Error inferIota(const Rule &rule, Node &node, const Operands &) {
  OperandType result{node.attrs.dtype, node.attrs.shape};
  if (!accepts(rule.domain, result.dtype))
    return std::string("iota needs a numeric dtype, got ") + dtypeName(result.dtype);
  if (auto error = normaliseAxis(node, result, node.attrs.axis)) return error;
  node.dtype = result.dtype;
  node.shape = result.shape;
  return std::nullopt;
}

Tensor evalIota(const Rule &, const Node &node, const Args &) {
  Tensor out(node.dtype, node.shape);
  int64_t stride = stridesOf(node.shape)[node.attrs.axis], length = node.shape[node.attrs.axis];
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, static_cast<double>((i / stride) % length));
  return out;
}

constexpr Rule SourceRules[] = {
    {Op::Input, inferInput, evalInput},
    {Op::Constant, inferConstant, evalConstant},
    {Op::Literal, inferLiteral, evalLiteral},
    {Op::Iota, inferIota, evalIota, Domain::Numeric},
};

// ================================================================ Random

// random_uniform / random_normal (key: i32[2]) -> attrs.dtype (f32 or f64) of attrs.shape:
// in [0, 1), or standard normal.
Error inferRandomDraws(const Rule &rule, Node &node, const Operands &ops) {
  const OperandType &key = ops[0];
  const char *name = opInfo(node.op).name;
  if (key.dtype != DType::I32 || key.shape != Shape{2})
    return std::string(name) + " needs a key of type i32[2], got " + typeOf(key);
  if (!accepts(rule.domain, node.attrs.dtype))
    return std::string(name) + " makes f32 or f64 numbers, not " + dtypeName(node.attrs.dtype);
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

// random_split(key: i32[2]) -> i32[n, 2] (attrs.shape); random_fold_in(key) -> i32[2]:
// keys derived from a key the graph gets at run time, word for word as the host derives
// them (random.split, random.fold_in).
Error inferRandomKeys(const Rule &, Node &node, const Operands &ops) {
  const OperandType &key = ops[0];
  const char *name = opInfo(node.op).name;
  if (key.dtype != DType::I32 || key.shape != Shape{2})
    return std::string(name) + " needs a key of type i32[2], got " + typeOf(key);
  if (node.op == Op::RandomSplit && (node.attrs.shape.size() != 2 || node.attrs.shape[1] != 2 || node.attrs.shape[0] < 1))
    return "random_split makes [n, 2] keys, not " + shapeString(node.attrs.shape);
  node.dtype = DType::I32;
  node.shape = node.op == Op::RandomSplit ? node.attrs.shape : Shape{2};
  return std::nullopt;
}

// The key's two int32 words are the runtime's two uint32 key words, bit for bit.
Tensor evalRandom(const Rule &, const Node &node, const Args &args) {
  const int32_t *words = args[0]->data<int32_t>();
  const uint32_t key[2] = {static_cast<uint32_t>(words[0]), static_cast<uint32_t>(words[1])};
  Tensor out(node.dtype, node.shape);
  drawRandom(node, key, out.mutableData<void>());
  return out;
}

constexpr Rule RandomRules[] = {
    {Op::RandomUniform, inferRandomDraws, evalRandom, Domain::Float},
    {Op::RandomNormal, inferRandomDraws, evalRandom, Domain::Float},
    {Op::RandomSplit, inferRandomKeys, evalRandom},
    {Op::RandomFoldIn, inferRandomKeys, evalRandom},
};

// ================================================================ Control

std::string typeOfInput(const Graph &g, size_t i) {
  const Node &n = g.nodes[g.inputs[i]];
  return typeString(n.dtype, n.shape);
}

// scan(carries..., sequences..., captures...): the body's inputs must be the carries,
// one step of each sequence, then the captures; its outputs the new carries (same
// types), then the ys. The node's type is that of its first result.
Error inferScan(const Rule &, Node &node, const Operands &ops) {
  const Graph *body = node.attrs.body.get();
  if (!body) return std::string("scan needs a body graph");
  int64_t nc = node.attrs.carries, nx = node.attrs.sequences;
  if (nc < 0 || nx < 1 || nc + nx > static_cast<int64_t>(ops.size()))
    return "scan needs at least one sequence, and carries and sequences among its " + std::to_string(ops.size()) + " operands";
  if (body->inputs.size() != ops.size())
    return "scan's body takes " + std::to_string(body->inputs.size()) + " inputs but the scan has " +
           std::to_string(ops.size()) + " operands";
  int64_t steps = -1;
  for (size_t i = 0; i < ops.size(); ++i) {
    OperandType expected = ops[i];
    bool sequence = static_cast<int64_t>(i) >= nc && static_cast<int64_t>(i) < nc + nx;
    if (sequence) {
      if (expected.shape.empty()) return "scan over " + typeOf(expected) + ": a sequence needs a leading axis";
      if (steps >= 0 && expected.shape[0] != steps)
        return "scan over sequences of different lengths " + std::to_string(steps) + " and " + std::to_string(expected.shape[0]);
      steps = expected.shape[0];
      expected.shape.erase(expected.shape.begin());
    }
    const Node &input = body->nodes[body->inputs[i]];
    if (input.dtype != expected.dtype || input.shape != expected.shape)
      return "scan's body input " + std::to_string(i) + " is " + typeOfInput(*body, i) + " but gets " + typeOf(expected);
  }
  if (static_cast<int64_t>(body->outputs.size()) < nc || body->outputs.empty())
    return "scan's body must return its " + std::to_string(nc) + " carries and at least one result";
  for (int64_t i = 0; i < nc; ++i) {
    const Node &out = body->nodes[body->outputs[i]];
    if (out.dtype != ops[i].dtype || out.shape != ops[i].shape)
      return "scan's carry " + std::to_string(i) + " enters as " + typeOf(ops[i]) + " but leaves as " +
             typeString(out.dtype, out.shape);
  }
  const Node &first = body->nodes[body->outputs[0]];
  node.dtype = first.dtype;
  node.shape = first.shape;
  if (nc == 0) node.shape.insert(node.shape.begin(), steps);
  return std::nullopt;
}

// project(scan): one result of a scan, typed by its attributes (the executor checks it).
Error inferProject(const Rule &, Node &node, const Operands &) {
  node.dtype = node.attrs.dtype;
  node.shape = node.attrs.shape;
  return std::nullopt;
}

// custom_vjp(args...), custom_jvp(args...): the body takes the args, as they are; the
// node's type is that of the body's first result. The rules' graphs are checked where
// they are used.
Error inferCustomCall(const Rule &, Node &node, const Operands &ops) {
  const Graph *body = node.attrs.body.get();
  const std::string name = opInfo(node.op).name;
  if (!body || !node.attrs.forward || (node.op == Op::CustomVjp && !node.attrs.backward))
    return name + " needs a body and its rule's graphs";
  if (body->inputs.size() != ops.size())
    return name + "'s body takes " + std::to_string(body->inputs.size()) + " inputs but it has " +
           std::to_string(ops.size()) + " operands";
  for (size_t i = 0; i < ops.size(); ++i) {
    const Node &input = body->nodes[body->inputs[i]];
    if (input.dtype != ops[i].dtype || input.shape != ops[i].shape)
      return name + "'s body input " + std::to_string(i) + " is " + typeOfInput(*body, i) + " but gets " + typeOf(ops[i]);
  }
  if (body->outputs.empty()) return name + "'s body must return a result";
  const Node &first = body->nodes[body->outputs[0]];
  node.dtype = first.dtype;
  node.shape = first.shape;
  return std::nullopt;
}

// Loops need the executor (they run graphs); these kernels are never called directly.
Tensor evalByExecutor(const Rule &, const Node &node, const Args &) {
  throw std::invalid_argument(std::string(opInfo(node.op).name) + " is run by the executor, not as a kernel");
}

constexpr Rule ControlRules[] = {
    {Op::Scan, inferScan, evalByExecutor},
    {Op::Project, inferProject, evalByExecutor},
    {Op::CustomVjp, inferCustomCall, evalByExecutor},
    {Op::CustomJvp, inferCustomCall, evalByExecutor},
};

// ================================================================ the index of rules

constexpr OpKind KindOf[] = {
#define ZY_OP(Enum, Name, Arity, Kind) OpKind::Kind,
#include "ir/Ops.def"
#undef ZY_OP
};

struct Section {
  OpKind kind;
  std::span<const Rule> rules;
};

constexpr Section Sections[] = {
    {OpKind::Unary, UnaryRules},       {OpKind::Binary, BinaryRules},     {OpKind::Compare, CompareRules},
    {OpKind::Ternary, TernaryRules},   {OpKind::Reduce, ReduceRules},     {OpKind::Movement, MovementRules},
    {OpKind::Contract, ContractRules}, {OpKind::Index, IndexRules},       {OpKind::Check, CheckRules},
    {OpKind::Effect, EffectRules},
    {OpKind::Source, SourceRules},     {OpKind::Random, RandomRules},     {OpKind::Control, ControlRules},
};

/// True when every section lists exactly the ops of its kind, in Ops.def order (and so,
/// as every op has a kind, every op has exactly one rule).
constexpr bool sectionsMatchOpsDef() {
  for (const Section &section : Sections) {
    size_t next = 0;
    for (int op = 0; op < OpCount; ++op) {
      if (KindOf[op] != section.kind) continue;
      if (next == section.rules.size() || section.rules[next].op != static_cast<Op>(op)) return false;
      ++next;
    }
    if (next != section.rules.size()) return false;
  }
  return true;
}

// Adding a primitive to Ops.def without its rule here fails to compile.
static_assert(sectionsMatchOpsDef(), "each rule table must list the ops of its kind, in Ops.def order");

const Rule *ruleFor(Op op) {
  static const std::array<const Rule *, OpCount> index = [] {
    std::array<const Rule *, OpCount> rules{};
    for (const Section &section : Sections)
      for (const Rule &rule : section.rules) rules[static_cast<size_t>(rule.op)] = &rule;
    return rules;
  }();
  size_t i = static_cast<size_t>(op);
  return i < index.size() ? index[i] : nullptr;
}

} // namespace

double erfInv(double y) { return zy_rt_erf_inv(y); }

void drawRandom(const Node &node, const uint32_t key[2], void *out) {
  const int64_t n = countOf(node.shape);
  const bool f32 = node.dtype == DType::F32;
  switch (node.op) {
  case Op::RandomUniform:
    return f32 ? zy_rt_random_uniform_f32(key, n, static_cast<float *>(out)) : zy_rt_random_uniform_f64(key, n, static_cast<double *>(out));
  case Op::RandomNormal:
    return f32 ? zy_rt_random_normal_f32(key, n, static_cast<float *>(out)) : zy_rt_random_normal_f64(key, n, static_cast<double *>(out));
  case Op::RandomSplit: return zy_rt_random_split(key, node.shape[0], static_cast<uint32_t *>(out));
  case Op::RandomFoldIn:
    return zy_rt_random_fold_in(key, static_cast<uint32_t>(static_cast<int64_t>(node.attrs.value)), static_cast<uint32_t *>(out));
  default: throw std::logic_error(std::string("drawRandom: ") + opInfo(node.op).name + " is not a random op");
  }
}

std::optional<std::string> badLabel(const int32_t *labels, const Shape &shape, int64_t classes, const std::string &name) {
  int64_t count = countOf(shape);
  int64_t at = 0;
  while (at < count && labels[at] >= 0 && labels[at] < classes) ++at; // the hot loop: one compare per label
  if (at == count) return std::nullopt;
  // The bad label's index, one coordinate per axis: [3], or [1, 4].
  std::string index;
  int64_t rest = at;
  for (size_t k = shape.size(); k-- > 0;) {
    index = std::to_string(rest % shape[k]) + (index.empty() ? "" : ", ") + index;
    rest /= shape[k];
  }
  std::string n = std::to_string(classes);
  return (name.empty() ? std::string("check_labels") : name) + ": label " + std::to_string(labels[at]) +
         (shape.empty() ? "" : " at index [" + index + "]") + " is out of range for " + n +
         (classes == 1 ? " class" : " classes") + " (expected 0 <= label < " + n + ")";
}

std::variant<size_t, std::string> formatPlaceholders(const std::string &format) {
  size_t count = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i], next = i + 1 < format.size() ? format[i + 1] : '\0';
    if (c == '{' && next == '}') ++count, ++i;
    else if ((c == '{' && next == '{') || (c == '}' && next == '}')) ++i;
    else if (c == '{' || c == '}')
      return std::string("the format has a lone `") + c + "` at offset " + std::to_string(i) +
             " (a value is `{}`; a brace is written twice: `{{` or `}}`)";
  }
  return count;
}

std::string formatDebugPrint(const std::string &format, const std::vector<const Tensor *> &values) {
  std::vector<ZyRtTensor> views;
  for (const Tensor *t : values)
    views.push_back({static_cast<int>(t->dtype()), static_cast<int>(t->rank()), t->shape().data(),
                     t->size() ? t->data<uint8_t>() : nullptr});
  return formatDebugPrint(format, views);
}

std::string formatDebugPrint(const std::string &format, const std::vector<ZyRtTensor> &views) {
  std::string out;
  zy_rt_format_message(format.c_str(), static_cast<int64_t>(views.size()), views.data(),
                       [](void *context, const char *text, size_t length) { static_cast<std::string *>(context)->append(text, length); },
                       &out);
  return out;
}

namespace {
thread_local std::function<void(const std::string &)> printSink;
thread_local int printsMuted = 0;
} // namespace

void debugPrint(const std::string &line) {
  if (printsMuted) return;
  if (printSink) printSink(line + "\n");
  else std::cout << line << std::endl;
}

PrintTo::PrintTo(std::function<void(const std::string &)> sink) : previous(std::move(printSink)) { printSink = std::move(sink); }
PrintTo::~PrintTo() { printSink = std::move(previous); }
MutePrints::MutePrints() { ++printsMuted; }
MutePrints::~MutePrints() { --printsMuted; }

// ================================================================ the interface

std::optional<std::string> inferType(Node &node, const std::vector<OperandType> &operands) {
  const Rule *rule = ruleFor(node.op);
  if (!rule) return "unknown op " + std::to_string(static_cast<int>(node.op));
  const OpInfo &info = opInfo(node.op);
  if (info.arity < 0 && operands.empty() && node.op != Op::DebugPrint) return std::string(info.name) + " takes at least one operand";
  if (info.arity >= 0 && operands.size() != static_cast<size_t>(info.arity))
    return std::string(info.name) + " takes " + std::to_string(info.arity) +
           (info.arity == 1 ? " operand" : " operands") + ", got " + std::to_string(operands.size());
  for (size_t i = 0; i < operands.size(); ++i)
    if (auto problem = shapeProblem(operands[i].shape))
      return "operand " + std::to_string(i) + " of " + info.name + " has the invalid type " +
             typeOf(operands[i]) + ": " + *problem;
  if (auto error = rule->infer(*rule, node, operands)) return error;
  // One check for every op: the result must be a tensor that can exist.
  if (auto problem = shapeProblem(node.shape))
    return std::string(info.name) + " gives " + typeString(node.dtype, node.shape) + ": " + *problem;
  return std::nullopt;
}

Tensor evaluate(const Node &node, const std::vector<const Tensor *> &operands) {
  const Rule *rule = ruleFor(node.op);
  if (!rule) throw std::invalid_argument("unknown op " + std::to_string(static_cast<int>(node.op)));
  return rule->eval(*rule, node, operands);
}

std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b, std::string &error) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) { // i counts from the last axis
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      error = "cannot broadcast " + shapeString(a) + " with " + shapeString(b) + ": dimensions " +
              std::to_string(da) + " and " + std::to_string(db) + " differ";
      return std::nullopt;
    }
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

} // namespace zy::ir
