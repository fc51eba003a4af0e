// Builder.h: appending checked nodes to a Graph, for passes that write IR (autodiff,
// simplification). Each node's type comes from the op table, so a pass cannot build an
// ill-typed graph: a mistake is an exception naming the node, never a wrong answer.
#pragma once

#include "ir/Ir.h"

#include <stdexcept>

namespace zy::ir {

class Builder {
public:
  explicit Builder(Graph &graph) : G(graph) {}

  Graph &graph() { return G; }
  const Node &node(int id) const { return G.nodes[id]; }
  DType dtype(int id) const { return G.nodes[id].dtype; }
  /// A copy: adding nodes may move the graph's storage under a reference.
  Shape shape(int id) const { return G.nodes[id].shape; }

  /// Adds op(operands) with `attrs`; throws std::logic_error if the op table rejects it.
  int add(Op op, std::vector<int> operands, Attrs attrs = {}, Span span = {});

  /// A new argument of the graph (the next index), of the given type.
  int input(DType dtype, const Shape &shape, Span span = {});
  int constant(DType dtype, const Shape &shape, double value);
  int zerosLike(int x) { return constant(dtype(x), shape(x), 0); }
  int cast(int x, DType to);
  int reshape(int x, const Shape &shape);
  int broadcast(int x, const Shape &shape);
  int transpose(int x, std::vector<int64_t> perm);
  /// x with axis `from` moved to position `to` (x itself when they are equal).
  int moveAxis(int x, int64_t from, int64_t to);
  int reduceSum(int x, std::vector<int64_t> axes, bool keepdims);
  /// Sums `x` down to `shape`: the inverse of NumPy broadcasting (leading axes, and axes
  /// of size 1 in `shape`). Every gradient that flows through a broadcast comes here.
  int sumTo(int x, Shape shape);
  int neg(int x) { return add(Op::Neg, {x}); }
  int binary(Op op, int a, int b) { return add(op, {a, b}); }
  /// a * scalar, with the scalar a constant of a's type.
  int scale(int x, double factor);
  /// Rows [begin, end) of x along its leading axis.
  int sliceLeading(int x, int64_t begin, int64_t end);
  int concat(const std::vector<int> &xs, int64_t axis);
  /// Result `index` of a node with several (a scan, a custom_vjp), of the given type.
  int project(int multi, int64_t index, DType dtype, const Shape &shape, Span span = {});

private:
  Graph &G;
};

} // namespace zy::ir
