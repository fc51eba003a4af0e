// Builder.cpp: checked node construction for passes.
#include "ir/Builder.h"

#include "ir/OpTable.h"

#include <numeric>

namespace zy::ir {

int Builder::add(Op op, std::vector<int> operands, Attrs attrs, Span span) {
  Node node;
  node.op = op;
  node.operands = std::move(operands);
  node.attrs = std::move(attrs);
  node.span = span;
  std::vector<OperandType> types;
  for (int id : node.operands) types.push_back({G.nodes[id].dtype, G.nodes[id].shape});
  if (auto error = inferType(node, types))
    throw std::logic_error(std::string("building ") + opInfo(op).name + ": " + *error);
  return G.add(std::move(node));
}

int Builder::input(DType dtype, const Shape &shape, Span span) {
  Attrs a;
  a.dtype = dtype;
  a.shape = shape;
  a.index = static_cast<int64_t>(G.inputs.size());
  int id = add(Op::Input, {}, a, span);
  G.inputs.push_back(id);
  return id;
}

int Builder::constant(DType dtype, const Shape &shape, double value) {
  Attrs a;
  a.dtype = dtype;
  a.shape = shape;
  a.value = value;
  return add(Op::Constant, {}, a);
}

int Builder::cast(int x, DType to) {
  if (dtype(x) == to) return x;
  Attrs a;
  a.dtype = to;
  return add(Op::Cast, {x}, a);
}

int Builder::reshape(int x, const Shape &s) {
  if (shape(x) == s) return x;
  Attrs a;
  a.shape = s;
  return add(Op::Reshape, {x}, a);
}

int Builder::broadcast(int x, const Shape &s) {
  if (shape(x) == s) return x;
  Attrs a;
  a.shape = s;
  return add(Op::Broadcast, {x}, a);
}

int Builder::transpose(int x, std::vector<int64_t> perm) {
  Attrs a;
  a.perm = std::move(perm);
  return add(Op::Transpose, {x}, a);
}

int Builder::moveAxis(int x, int64_t from, int64_t to) {
  if (from == to) return x;
  std::vector<int64_t> perm(shape(x).size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
  perm.erase(perm.begin() + from);
  perm.insert(perm.begin() + to, from);
  return transpose(x, std::move(perm));
}

int Builder::reduceSum(int x, std::vector<int64_t> axes, bool keepdims) {
  if (axes.empty()) return x;
  Attrs a;
  a.axes = std::move(axes);
  a.keepdims = keepdims;
  return add(Op::ReduceSum, {x}, a);
}

int Builder::sumTo(int x, Shape target) {
  Shape from = shape(x);
  if (from == target) return x;
  size_t lead = from.size() - target.size();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (target[i - lead] == 1 && from[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  return reshape(reduceSum(x, axes, false), target);
}

int Builder::scale(int x, double factor) { return binary(Op::Mul, x, constant(dtype(x), shape(x), factor)); }

int Builder::sliceLeading(int x, int64_t begin, int64_t end) {
  Shape s = shape(x);
  Attrs a;
  a.starts.assign(s.size(), 0);
  a.stops = s;
  a.steps.assign(s.size(), 1);
  a.starts[0] = begin;
  a.stops[0] = end;
  return add(Op::Slice, {x}, a);
}

int Builder::concat(const std::vector<int> &xs, int64_t axis) {
  Attrs a;
  a.axis = axis;
  return add(Op::Concat, xs, a);
}

int Builder::project(int multi, int64_t index, DType dtype, const Shape &shape, Span span) {
  Attrs a;
  a.index = index;
  a.dtype = dtype;
  a.shape = shape;
  return add(Op::Project, {multi}, a, span);
}

} // namespace zy::ir
