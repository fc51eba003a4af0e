// Control.cpp: the rows of checks (check_labels), effects (debug_print) and control ops
// (scan, while, project, custom_vjp, custom_jvp). Checks and effects have no gradient or tangent
// of their own: their operands' derivatives flow through their other uses. Control ops
// carry graphs (attrs.body, ...), and each transformation recurses into them: the drivers
// own those rules (Grad.cpp scanVjp and customVjp, Jvp.cpp jvpScan, Vmap.cpp batchScan and
// batchCustomCall), so these rows point there.
#include "ops/Common.h"

#include <cmath>

namespace zy::ops {

namespace {

using namespace ir; // the IR's types and the kernel helpers of ir/OpTable.h

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


std::string typeOfInput(const Graph &g, size_t i) {
  const Node &n = g.nodes[g.inputs[i]];
  return typeString(n.dtype, n.shape);
}

/// A loop's body returns its carries first, each with the type it entered with.
Error checkCarriesOut(const char *loop, const Graph &body, const Operands &ops, int64_t carries) {
  for (int64_t i = 0; i < carries; ++i) {
    const Node &out = body.nodes[body.outputs[i]];
    if (out.dtype != ops[i].dtype || out.shape != ops[i].shape)
      return std::string(loop) + "'s carry " + std::to_string(i) + " enters as " + typeOf(ops[i]) + " but leaves as " +
             typeString(out.dtype, out.shape);
  }
  return std::nullopt;
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
  if (auto error = checkCarriesOut("scan", *body, ops, nc)) return error;
  const Node &first = body->nodes[body->outputs[0]];
  node.dtype = first.dtype;
  node.shape = first.shape;
  if (nc == 0) node.shape.insert(node.shape.begin(), steps);
  return std::nullopt;
}

// while(carries..., captures...): both graphs take the operands as they are; the
// condition returns one bool, the body the carries, with their types.
Error inferWhile(const Rule &, Node &node, const Operands &ops) {
  const Graph *cond = node.attrs.cond.get(), *body = node.attrs.body.get();
  if (!cond || !body) return std::string("while needs a condition and a body graph");
  int64_t nc = node.attrs.carries;
  if (nc < 1 || nc > static_cast<int64_t>(ops.size()))
    return "while needs at least one carry among its " + std::to_string(ops.size()) + " operands";
  for (const auto &[graph, name] : {std::pair{cond, "condition"}, std::pair{body, "body"}}) {
    if (graph->inputs.size() != ops.size())
      return std::string("while's ") + name + " takes " + std::to_string(graph->inputs.size()) + " inputs but the loop has " +
             std::to_string(ops.size()) + " operands";
    for (size_t i = 0; i < ops.size(); ++i) {
      const Node &input = graph->nodes[graph->inputs[i]];
      if (input.dtype != ops[i].dtype || input.shape != ops[i].shape)
        return std::string("while's ") + name + " input " + std::to_string(i) + " is " + typeOfInput(*graph, i) +
               " but gets " + typeOf(ops[i]);
    }
  }
  if (cond->outputs.size() != 1) return std::string("while's condition must return one bool");
  const Node &pred = cond->nodes[cond->outputs[0]];
  if (pred.dtype != DType::Bool || !pred.shape.empty())
    return "while's condition must return a bool[], not " + typeString(pred.dtype, pred.shape);
  if (static_cast<int64_t>(body->outputs.size()) != nc)
    return "while's body must return its " + std::to_string(nc) + " carries";
  if (auto error = checkCarriesOut("while", *body, ops, nc)) return error;
  node.dtype = ops[0].dtype;
  node.shape = ops[0].shape;
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

// ================================================================ batching

/// debug_print under vmap prints a line per example, in order, showing row k of each
/// batched operand (as JAX's callback, unrolled); with no batched operand, or an empty
/// batch, it prints once. Its token stays unbatched.
int batchPrint(Batching &r, const Node &n) {
  bool anyBatched = false;
  for (int o : n.operands) anyBatched = anyBatched || r.batched[o];
  const int64_t lines = anyBatched && r.size > 0 ? r.size : 1;
  int token = -1;
  for (int64_t k = 0; k < lines; ++k) {
    Node copy = n;
    for (int &o : copy.operands) {
      int x = r.node[o];
      if (anyBatched && r.size > 0 && r.batched[o]) {
        Shape row = r.b.shape(x);
        row.erase(row.begin());
        x = r.b.reshape(r.b.sliceLeading(x, k, k + 1), row);
      }
      o = x;
    }
    token = r.b.graph().add(std::move(copy));
  }
  return token;
}

constexpr Rule Rows[] = {
    // integer labels, which have no gradient; checked per example under vmap
    {Op::CheckLabels, inferCheckLabels, evalCheckLabels, vjpNone, jvpNone, batchLifted},
    // the token result is not differentiable; the driver copies the print with the
    // primals, which it prints
    {Op::DebugPrint, inferDebugPrint, evalDebugPrint, vjpNone, jvpNone, batchPrint},
    {Op::Scan, inferScan, evalByExecutor, vjpByDriver, jvpByDriver, batchByDriver},
    {Op::While, inferWhile, evalByExecutor, vjpByDriver, jvpByDriver, batchByDriver},
    {Op::Project, inferProject, evalByExecutor, vjpByDriver, jvpByDriver, batchByDriver},
    {Op::CustomVjp, inferCustomCall, evalByExecutor, vjpByDriver, jvpByDriver, batchByDriver},
    {Op::CustomJvp, inferCustomCall, evalByExecutor, vjpByDriver, jvpByDriver, batchByDriver},
};

static_assert(rowsCover(Rows, {OpKind::Check, OpKind::Effect, OpKind::Control}),
              "Control.cpp must have a full row for each check, effect and control op of Ops.def, in its order");

} // namespace

const std::span<const Rule> ControlRows = Rows;

} // namespace zy::ops
