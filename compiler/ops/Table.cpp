// Table.cpp: the op table: the rows of every kind's file gathered and indexed by op, the
// shared columns the rows point to, and the interface the rest of the compiler calls
// (ir::inferType, ir::evaluate in ir/OpTable.h; transformations read ops::rule(op)).
#include "ops/Common.h"

#include "ir/OpTable.h"

#include <array>
#include <stdexcept>

namespace zy::ops {

namespace {

constexpr std::span<const Rule> const *Files[] = {&ElementwiseRows, &ReduceRows, &MovementRows, &ContractRows,
                                                  &IndexRows,       &SourceRows, &ControlRows};

const Rule *ruleFor(Op op) {
  // Each file checked at compile time that it has a full row for each op of its kinds, and
  // every kind has a file, so every op has exactly one row.
  static const std::array<const Rule *, ir::OpCount> index = [] {
    std::array<const Rule *, ir::OpCount> rows{};
    for (const std::span<const Rule> *file : Files)
      for (const Rule &row : *file) rows[static_cast<size_t>(row.op)] = &row;
    return rows;
  }();
  size_t i = static_cast<size_t>(op);
  return i < index.size() ? index[i] : nullptr;
}

} // namespace

const Rule &rule(Op op) {
  const Rule *row = ruleFor(op);
  if (!row) throw std::logic_error("no row in the op table for op " + std::to_string(static_cast<int>(op)));
  return *row;
}

// ---------------------------------------------------------------- shared columns

std::vector<int> vjpNone(ir::Builder &, const Node &node, int, int) { return std::vector<int>(node.operands.size(), -1); }

int jvpNone(const Rule &, ir::Builder &, const Node &, int, const std::vector<int> &) { return -1; }

int jvpDiagonal(const Rule &row, ir::Builder &b, const Node &node, int y, const std::vector<int> &tangents) {
  int sum = -1;
  for (size_t k = 0; k < tangents.size(); ++k) {
    if (tangents[k] < 0) continue;
    std::vector<int> parts = row.vjp(b, node, y, tangents[k]);
    if (k >= parts.size() || parts[k] < 0) continue;
    sum = sum < 0 ? parts[k] : b.binary(Op::Add, sum, parts[k]);
  }
  return sum;
}

int jvpLinear(const Rule &, ir::Builder &b, const Node &n, int, const std::vector<int> &tangents) {
  std::vector<int> operands;
  for (size_t k = 0; k < n.operands.size(); ++k) {
    int x = n.operands[k];
    operands.push_back(!isFloat(b.dtype(x)) ? x : tangents[k] >= 0 ? tangents[k] : b.zerosLike(x));
  }
  ir::Attrs attrs = n.attrs;
  if (n.op == Op::Pad) attrs.value = 0; // the padding is a constant: its tangent is 0
  return b.add(n.op, operands, attrs, n.span);
}

int batchLifted(Batching &r, const Node &n) { return r.b.add(n.op, r.liftedAll(n.operands), n.attrs, n.span); }

std::vector<int> vjpByDriver(ir::Builder &, const Node &node, int, int) {
  throw std::logic_error(std::string("vjp: ") + opInfo(node.op).name + " is the driver's (Grad.cpp)");
}

int jvpByDriver(const Rule &, ir::Builder &, const Node &node, int, const std::vector<int> &) {
  throw std::logic_error(std::string("jvp: ") + opInfo(node.op).name + " is the driver's (Jvp.cpp)");
}

int batchByDriver(Batching &, const Node &node) {
  throw std::logic_error(std::string("vmap: ") + opInfo(node.op).name + " is the driver's (Vmap.cpp)");
}

} // namespace zy::ops

namespace zy::ir {

// ---------------------------------------------------------------- the interface of ir/OpTable.h

std::optional<std::string> inferType(Node &node, const std::vector<OperandType> &operands) {
  const ops::Rule *rule = ops::ruleFor(node.op);
  if (!rule) return "unknown op " + std::to_string(static_cast<int>(node.op));
  const OpInfo &info = opInfo(node.op);
  if (info.arity < 0 && operands.empty() && node.op != Op::DebugPrint) return std::string(info.name) + " takes at least one operand";
  if (info.arity >= 0 && operands.size() != static_cast<size_t>(info.arity))
    return std::string(info.name) + " takes " + std::to_string(info.arity) +
           (info.arity == 1 ? " operand" : " operands") + ", got " + std::to_string(operands.size());
  for (size_t i = 0; i < operands.size(); ++i)
    if (auto problem = ops::shapeProblem(operands[i].shape))
      return "operand " + std::to_string(i) + " of " + info.name + " has the invalid type " +
             ops::typeOf(operands[i]) + ": " + *problem;
  if (auto error = rule->infer(*rule, node, operands)) return error;
  // One check for every op: the result must be a tensor that can exist.
  if (auto problem = ops::shapeProblem(node.shape))
    return std::string(info.name) + " gives " + typeString(node.dtype, node.shape) + ": " + *problem;
  return std::nullopt;
}

Tensor evaluate(const Node &node, const std::vector<const Tensor *> &operands) {
  const ops::Rule *rule = ops::ruleFor(node.op);
  if (!rule) throw std::invalid_argument("unknown op " + std::to_string(static_cast<int>(node.op)));
  return rule->eval(*rule, node, operands);
}

} // namespace zy::ir
