// Rule.h: the row type of the op table. One row per primitive of Ops.def holds everything
// the primitive means, a column per job:
//
//   infer   the shape rule: checks operands and attributes, computes the result type, or
//           says what is wrong in a user's words
//   eval    the reference kernel: plain loops in double precision, the JIT's oracle
//   vjp     reverse mode: the cotangents of the operands from the result's (Grad.cpp)
//   jvp     forward mode: the tangent of the result from the operands' (Jvp.cpp)
//   batch   vmap: the op on operands with a leading batch axis (Vmap.cpp)
//
// The rows live in one file per kind (Elementwise.cpp, Reduce.cpp, Movement.cpp,
// Contract.cpp, Index.cpp, Source.cpp, Control.cpp); each file checks at compile time that
// its rows are exactly the ops of its kinds, in Ops.def order, and each column is
// `Required` (no default, no nullptr), so every row fills it. So
// a primitive added to Ops.def without its row, or a row without a rule for some
// transformation, does not build. Rules derive where they can: the shared columns below
// (an elementwise op's JVP from its VJP, a linear op's JVP is itself, most ops batch by
// lifting their operands), and a column that genuinely has nothing to do says so with
// `vjpNone` / `jvpNone`. Control ops (scan, project, custom calls) carry graphs: their
// transformations recurse into them, which the drivers do (`byDriver`).
//
// Lowering (jit/Plan.cpp, jit/Codegen.cpp) and simplification (transforms/Simplify.cpp)
// still switch over ops in their own files; docs/architecture.md says why and what moves next.
#pragma once

#include "ir/Builder.h"
#include "ir/Ir.h"
#include "ir/OpTable.h"

#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace zy::ops {

using zy::DType;
using ir::Node;
using ir::Op;
using ir::OpKind;
using zy::Shape;
using zy::Tensor;

using Error = std::optional<std::string>;
using Operands = std::vector<ir::OperandType>;
using Args = std::vector<const Tensor *>;

/// The dtypes an op accepts.
enum class Domain { Any, Bool, Numeric, Float };

/// The batched graph under construction (transforms/Vmap.cpp): for each node of the graph
/// being batched, its copy, and whether the copy has the leading batch axis.
struct Batching {
  ir::Builder &b;
  int64_t size;
  std::vector<int> node;
  std::vector<bool> batched;

  /// Operand `id`, with the batch axis (broadcast if it had none).
  int lifted(int id) {
    int x = node[id];
    return batched[id] ? x : b.broadcast(x, ir::withLeadingAxis(size, b.shape(x)));
  }
  std::vector<int> liftedAll(const std::vector<int> &ids) {
    std::vector<int> out;
    for (int id : ids) out.push_back(lifted(id));
    return out;
  }
};

struct Rule;
using InferFn = Error (*)(const Rule &, Node &, const Operands &);
using EvalFn = Tensor (*)(const Rule &, const Node &, const Args &);
/// The contributions to the gradients of the operands of `node` (whose result is `y`),
/// given the gradient `g` of its result; -1 marks "no gradient".
using VjpFn = std::vector<int> (*)(ir::Builder &, const Node &node, int y, int g);
/// The tangent of `node`'s float result `y` from its operands' tangents (-1: zero); -1 when zero.
using JvpFn = int (*)(const Rule &, ir::Builder &, const Node &node, int y, const std::vector<int> &tangents);
/// `node` (of the graph being batched, some operands batched) on the batched operands.
using BatchFn = int (*)(Batching &, const Node &node);

/// A column every row must fill: it has no default and takes no nullptr, so a row that
/// leaves it out does not compile.
template <typename Fn> struct Required {
  Fn fn;
  template <typename F>
    requires(!std::is_same_v<F, std::nullptr_t>)
  constexpr Required(F f) : fn(f) {}
  template <typename... A> decltype(auto) operator()(A &&...args) const { return fn(std::forward<A>(args)...); }
};

/// One primitive. Elementwise rows also carry the scalar function their kind's shared
/// shape rule and kernel apply.
struct Rule {
  Op op;
  Required<InferFn> infer;
  Required<EvalFn> eval;
  Required<VjpFn> vjp;
  Required<JvpFn> jvp;
  Required<BatchFn> batch;
  Domain domain = Domain::Any;
  double (*unary)(double) = nullptr;
  double (*binary)(double, double) = nullptr;
  double (*integer)(int64_t, int64_t) = nullptr; // i32 semantics, where they differ from float
  bool (*compare)(double, double) = nullptr;
};

/// The row of `op`.
const Rule &rule(Op op);

// ---------------------------------------------------------------- shared columns

/// No operand gets a gradient (integer or piecewise-constant results, sources, random draws).
std::vector<int> vjpNone(ir::Builder &, const Node &node, int y, int g);
/// The tangent is zero (no float result depends smoothly on the operands).
int jvpNone(const Rule &, ir::Builder &, const Node &, int, const std::vector<int> &);
/// Elementwise: the Jacobian is diagonal, so the tangent through operand k is what the
/// VJP hands operand k for g = its tangent; summed over the operands.
int jvpDiagonal(const Rule &, ir::Builder &, const Node &, int y, const std::vector<int> &tangents);
/// Linear in every float operand: the op itself on the tangents (zeros where an operand
/// has none); integer operands (indices) as they are.
int jvpLinear(const Rule &, ir::Builder &, const Node &, int y, const std::vector<int> &tangents);
/// Elementwise and checks: the op on the lifted operands (no axis attributes to shift).
int batchLifted(Batching &, const Node &);
/// Scan, project and custom calls: transformed by the drivers, which recurse into their
/// graphs; reaching these is a bug in a driver.
std::vector<int> vjpByDriver(ir::Builder &, const Node &node, int, int);
int jvpByDriver(const Rule &, ir::Builder &, const Node &node, int, const std::vector<int> &);
int batchByDriver(Batching &, const Node &node);

// ---------------------------------------------------------------- the compile-time check

namespace detail {
constexpr OpKind KindOf[] = {
#define ZY_OP(Enum, Name, Arity, Kind) OpKind::Kind,
#include "ir/Ops.def"
#undef ZY_OP
};
} // namespace detail

/// True when `rows` are exactly the ops of `kinds`, in Ops.def order (every row has every
/// column: Required).
constexpr bool rowsCover(std::span<const Rule> rows, std::initializer_list<OpKind> kinds) {
  size_t next = 0;
  for (int op = 0; op < ir::OpCount; ++op) {
    bool mine = false;
    for (OpKind k : kinds) mine = mine || detail::KindOf[op] == k;
    if (!mine) continue;
    if (next == rows.size()) return false;
    if (rows[next++].op != static_cast<Op>(op)) return false;
  }
  return next == rows.size();
}

/// The rows of each file, gathered by Table.cpp.
extern const std::span<const Rule> ElementwiseRows, ReduceRows, MovementRows, ContractRows, IndexRows, SourceRows,
    ControlRows;

} // namespace zy::ops
