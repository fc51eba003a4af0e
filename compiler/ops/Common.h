// Common.h: what the rows of the op table share: type words for messages, the checks
// shape rules apply, the strided walker the movement kernels read and write through, and
// small graph-building helpers of the transformation columns.
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
#pragma once

#include "ops/Rule.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace zy::ops {

using ir::Attrs;
using ir::Builder;
using ir::OperandType;
/// The gradients a VJP rule hands the operands (-1: none).
using Grads = std::vector<int>;
using zy::elementCount;
using zy::MaxTensorElements;
using zy::isFloat;
using ir::opInfo;
using zy::typeString;
using ir::Graph;
using ir::OpInfo;
using zy::stridesOf;

inline std::string typeOf(const OperandType &t) { return typeString(t.dtype, t.shape); }
inline const char *nameOf(const Node &node) { return opInfo(node.op).name; }

/// The element count of a shape that passed elementCount() (every result and operand has).
inline int64_t countOf(const Shape &shape) { return elementCount(shape).value_or(0); }

/// The product of shape[begin, end): the size of a block of axes.
inline int64_t product(const Shape &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= shape[i];
  return n;
}

/// What makes a shape unusable ("dimension -1 is negative"), or nothing.
inline Error shapeProblem(const Shape &shape) {
  for (int64_t d : shape)
    if (d < 0) return "dimension " + std::to_string(d) + " is negative";
  if (!elementCount(shape))
    return "it would have more than " + std::to_string(MaxTensorElements) + " elements";
  return std::nullopt;
}

// ---------------------------------------------------------------- shared checks

inline bool accepts(Domain domain, DType dtype) {
  switch (domain) {
  case Domain::Any: return true;
  case Domain::Bool: return dtype == DType::Bool;
  case Domain::Numeric: return dtype != DType::Bool;
  case Domain::Float: return isFloat(dtype);
  }
  return false;
}

inline const char *domainWord(Domain domain) {
  switch (domain) {
  case Domain::Any: return "any";
  case Domain::Bool: return "bool";
  case Domain::Numeric: return "numeric";
  case Domain::Float: return "float";
  }
  return "?";
}

/// "exp needs a float tensor, got i32[3]".
inline Error checkDomain(const Node &node, Domain domain, const OperandType &x) {
  if (accepts(domain, x.dtype)) return std::nullopt;
  return std::string(nameOf(node)) + " needs a " + domainWord(domain) + " tensor, got " + typeOf(x);
}

/// The operands of an elementwise op must have one type: "add of f32[2, 3] and f32[3]: shapes differ".
inline Error checkSameType(const Node &node, const OperandType &a, const OperandType &b) {
  std::string head = std::string(nameOf(node)) + " of " + typeOf(a) + " and " + typeOf(b) + ": ";
  if (a.shape != b.shape) return head + "shapes differ";
  if (a.dtype != b.dtype) return head + "dtypes differ";
  return std::nullopt;
}

inline std::string axesWord(size_t rank) { return std::to_string(rank) + (rank == 1 ? " axis" : " axes"); }

/// Normalises a set of axes of `x` in place: negative axes count from the end; the result
/// is sorted. Rejects axes out of range and repeated axes.
inline Error normaliseAxes(const Node &node, const OperandType &x, std::vector<int64_t> &axes) {
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
inline Error normaliseAxis(const Node &node, const OperandType &x, int64_t &axis) {
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
inline void forEachOffset(const Shape &shape, const std::vector<int64_t> &strides, int64_t base, F &&visit) {
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
inline Tensor readStrided(const Tensor &x, const Shape &shape, const std::vector<int64_t> &strides, int64_t base) {
  Tensor out(x.dtype(), shape);
  forEachOffset(shape, strides, base, [&](int64_t i, int64_t offset) { out.set(i, x.get(offset)); });
  return out;
}

/// An exact integer sum modulo 2^32, as an int32: how i32 sums overflow (NumPy's and
/// JAX's int32 wrap). Sums are kept in uint64, whose wrapping arithmetic agrees with
/// int64's modulo 2^32, so no partial sum overflows undefinedly.
inline double wrapInt32(uint64_t sum) { return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(sum))); }


/// An integer held in a double, as uint64 (for sums that wrap modulo 2^32, wrapInt32).
inline uint64_t asUnsigned(double integer) { return static_cast<uint64_t>(static_cast<int64_t>(integer)); }

/// A tensor of `dtype` and `shape` from doubles, rounded on store.
inline Tensor fromDoubles(DType dtype, const Shape &shape, const std::vector<double> &values) {
  Tensor out(dtype, shape);
  for (int64_t i = 0; i < out.size(); ++i) out.set(i, values[i]);
  return out;
}

// ---------------------------------------------------------------- for the transformation columns

/// The shape a reduction's result has with its axes kept (as size 1).
inline Shape keptShape(const Shape &input, const std::vector<int64_t> &axes) {
  Shape kept = input;
  for (int64_t a : axes) kept[a] = 1;
  return kept;
}

/// A mask of `cond` as 0/1 in dtype `d`.
inline int mask(ir::Builder &b, int cond, DType d) { return b.cast(cond, d); }

/// Axis attributes moved past a new leading batch axis.
inline std::vector<int64_t> shifted(std::vector<int64_t> axes, int64_t by = 1) {
  for (int64_t &a : axes) a += by;
  return axes;
}

/// x transposed by `perm`, or x itself for the identity.
inline int transposeTo(ir::Builder &b, int x, std::vector<int64_t> perm) {
  std::vector<int64_t> identity(perm.size());
  std::iota(identity.begin(), identity.end(), 0);
  return perm == identity ? x : b.transpose(x, std::move(perm));
}

} // namespace zy::ops
