// Scan.cpp: scan(f, carry, xs) and while_loop(cond_fn, body_fn, init): loops as real loops.
//
// f(carry, x_t) -> (carry, y_t); scan returns (carry, ys) with the ys stacked. carry, xs
// and the ys may be trees. In host code the loop runs step by step. Inside a traced
// function it becomes one Scan node whose body is f traced once on one step (so a loop
// of a thousand steps is not unrolled into a thousand copies), plus a Project node per
// result; tensors of the function that f uses become captures of the body.
//
// while_loop runs body_fn on the carry for as long as cond_fn(carry) holds, and returns
// the last carry (a tree of tensors, whose types the body keeps). Traced, cond_fn and
// body_fn are each traced once into the graphs of one While node, so its number of steps
// is decided as the graph runs (so reverse mode cannot run it backwards; forward mode can).
#include "interp/Scan.h"

#include "interp/Args.h"

#include "interp/TensorOps.h"
#include "interp/Trees.h"
#include "ir/Builder.h"
#include "ir/OpTable.h"
#include "support/Scoped.h"
#include "transforms/Remat.h"

#include <optional>

namespace zy::interp {

using ir::Node;
using ir::Op;

namespace {

std::vector<Tensor> tensorLeaves(Interpreter &in, const Value &tree, Span span, const char *what) {
  std::vector<Tensor> out;
  forEachLeaf(tree, [&](const std::string &path, const Value &leaf) {
    if (leaf.kind != ValueKind::Tensor && !leaf.isNumber())
      in.fail(span, std::string(what) + " must hold tensors, but " + (path.empty() ? "it" : "`" + path + "`") +
                        " is a " + typeName(leaf));
    out.push_back(asTensor(in, leaf, span));
  });
  return out;
}

/// Replaces the leaves of `tree`, in order, by `leaves`.
Value withLeaves(const Value &tree, const std::vector<Tensor> &leaves) {
  size_t next = 0;
  return mapTreeLeaves(tree, [&](const std::string &, const Value &old) {
    Value v = Value::fromTensor(leaves[next++]);
    v.path = old.path;
    v.state = old.state;
    return v;
  });
}

std::string typesOf(const std::vector<Tensor> &ts) {
  std::string out;
  for (const Tensor &t : ts) out += (out.empty() ? "" : ", ") + typeString(t.dtype(), t.shape());
  return "(" + out + ")";
}

/// `loop`'s operands, taken from the trace around it, and typed: the node is checked by
/// the op table's rule (ir::inferType), an error located at the call.
void setOperands(Interpreter &in, trace::TraceContext &outer, Node &loop, const std::vector<Tensor> &operands, Span span) {
  std::vector<ir::OperandType> types;
  for (const Tensor &t : operands) {
    types.push_back({t.dtype(), t.shape()});
    loop.operands.push_back(nodeOf(outer, t));
  }
  if (auto error = ir::inferType(loop, types)) in.fail(span, *error);
}

std::pair<Value, Value> splitResult(Interpreter &in, const Value &result, Span span) {
  if (result.kind != ValueKind::Tuple || result.items->size() != 2)
    in.fail(span, "scan's function must return a pair (carry, y), got " + typeName(result));
  return {(*result.items)[0], (*result.items)[1]};
}

Value call2(Interpreter &in, const Value &f, const Value &a, const Value &b, Span span) {
  CallArgs args;
  args.span = span;
  args.positional = {a, b};
  return in.call(f, args);
}

/// In host code: step by step.
Value scanEager(Interpreter &in, const Value &f, const Value &carry0, const Value &xs, int64_t steps, Span span) {
  if (steps == 0) in.fail(span, "scan over an empty sequence: it needs at least one step");
  std::vector<Tensor> xLeaves = tensorLeaves(in, xs, span, "scan's sequences");
  Value carry = carry0;
  std::string carryTypes = typesOf(tensorLeaves(in, carry0, span, "scan's carry"));
  std::vector<std::vector<Tensor>> ys;
  Value yTemplate;
  std::string yTypes;
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<Tensor> step;
    for (const Tensor &x : xLeaves) {
      IndexSpec at;
      at.index = t;
      step.push_back(index(in, x, {at}, span));
    }
    auto [next, y] = splitResult(in, call2(in, f, carry, withLeaves(xs, step), span), span);
    std::string nextTypes = typesOf(tensorLeaves(in, next, span, "scan's carry"));
    if (nextTypes != carryTypes)
      in.fail(span, "scan's carry enters as " + carryTypes + " but leaves step " + std::to_string(t) + " as " + nextTypes);
    carry = next;
    std::vector<Tensor> yLeaves = tensorLeaves(in, y, span, "scan's results");
    if (t == 0) {
      yTemplate = y;
      yTypes = typesOf(yLeaves);
      ys.resize(yLeaves.size());
    } else if (typesOf(yLeaves) != yTypes) {
      in.fail(span, "scan's function returned " + yTypes + " at step 0 but " + typesOf(yLeaves) + " at step " +
                        std::to_string(t) + "; every step must return the same types");
    }
    for (size_t k = 0; k < yLeaves.size(); ++k) ys[k].push_back(yLeaves[k]);
  }
  std::vector<Tensor> stacked;
  for (auto &parts : ys) {
    std::vector<Tensor> rows;
    for (const Tensor &p : parts) {
      Shape s = p.shape();
      s.insert(s.begin(), 1);
      rows.push_back(reshape(in, p, s, span));
    }
    stacked.push_back(concat(in, rows, 0, span));
  }
  return Value::tuple({carry, withLeaves(yTemplate, stacked)});
}

/// Inside a trace: one Scan node with f traced once as its body.
Value scanTraced(Interpreter &in, const Value &f, const Value &carry0, const Value &xs, int64_t steps, bool checkpoint,
                 Span span) {
  trace::TraceContext &outer = *in.trace;
  trace::TraceContext body;
  body.parent = &outer;
  std::vector<Tensor> carryLeaves = tensorLeaves(in, carry0, span, "scan's carry");
  std::vector<Tensor> xLeaves = tensorLeaves(in, xs, span, "scan's sequences");

  ir::Builder builder(body.graph);
  auto input = [&](DType dtype, const Shape &shape) {
    return Tensor::traced(dtype, shape, builder.input(dtype, shape, span), body.id);
  };
  std::vector<Tensor> carryIn, xIn;
  for (const Tensor &c : carryLeaves) carryIn.push_back(input(c.dtype(), c.shape()));
  for (const Tensor &x : xLeaves) xIn.push_back(input(x.dtype(), Shape(x.shape().begin() + 1, x.shape().end())));

  std::vector<Tensor> carryOut, yOut;
  Value y;
  {
    Scoped<trace::TraceContext *> tracing(in.trace, &body); // the body's trace while f runs
    Value result = call2(in, f, withLeaves(carry0, carryIn), withLeaves(xs, xIn), span);
    auto [next, ys] = splitResult(in, result, span);
    y = ys;
    carryOut = tensorLeaves(in, next, span, "scan's carry");
    yOut = tensorLeaves(in, y, span, "scan's results");
    if (typesOf(carryOut) != typesOf(carryLeaves))
      in.fail(span, "scan's carry enters as " + typesOf(carryLeaves) + " but leaves a step as " + typesOf(carryOut));
    for (const Tensor &t : carryOut) body.graph.outputs.push_back(nodeOf(body, t));
    for (const Tensor &t : yOut) body.graph.outputs.push_back(nodeOf(body, t));
  }

  Node scan;
  scan.op = Op::Scan;
  scan.span = span;
  scan.attrs.carries = static_cast<int64_t>(carryLeaves.size());
  scan.attrs.sequences = static_cast<int64_t>(xLeaves.size());
  std::vector<Tensor> operands = carryLeaves;
  operands.insert(operands.end(), xLeaves.begin(), xLeaves.end());
  operands.insert(operands.end(), body.captures.begin(), body.captures.end());
  scan.attrs.body = std::make_shared<const ir::Graph>(std::move(body.graph));
  setOperands(in, outer, scan, operands, span);

  // The results: a project per result of the node, or the nested scans of a checkpointed one.
  ir::Builder ob(outer.graph);
  size_t firstNew = outer.graph.nodes.size();
  std::vector<int> ids;
  if (checkpoint) {
    ids = transforms::checkpointedScan(ob, scan);
  } else {
    int scanId = outer.graph.add(scan);
    for (size_t k = 0; k < carryOut.size(); ++k)
      ids.push_back(ob.project(scanId, static_cast<int64_t>(k), carryOut[k].dtype(), carryOut[k].shape(), span));
    for (size_t k = 0; k < yOut.size(); ++k) {
      Shape stacked = yOut[k].shape();
      stacked.insert(stacked.begin(), steps);
      ids.push_back(ob.project(scanId, static_cast<int64_t>(carryOut.size() + k), yOut[k].dtype(), stacked, span));
    }
  }
  for (size_t k = firstNew; k < outer.graph.nodes.size(); ++k)
    if (!outer.graph.nodes[k].span.valid()) outer.graph.nodes[k].span = span;
  auto traced = [&](int id) { return Tensor::traced(ob.dtype(id), ob.shape(id), id, outer.id); };
  std::vector<Tensor> carryResults, yResults;
  for (size_t k = 0; k < carryOut.size(); ++k) carryResults.push_back(traced(ids[k]));
  for (size_t k = 0; k < yOut.size(); ++k) yResults.push_back(traced(ids[carryOut.size() + k]));
  return Value::tuple({withLeaves(carry0, carryResults), withLeaves(y, yResults)});
}

Value call1(Interpreter &in, const Value &f, const Value &a, Span span) {
  CallArgs args;
  args.span = span;
  args.positional = {a};
  return in.call(f, args);
}

/// The carry's structure and types, as errors show it: `(f32[3], i32[])`.
std::string carryType(Interpreter &in, const Value &carry, Span span) {
  return describeType(withLeaves(carry, tensorLeaves(in, carry, span, "while_loop's carry")));
}

void checkCarry(Interpreter &in, const std::string &enters, const Value &next, Span span) {
  std::string leaves = carryType(in, next, span);
  if (leaves != enters)
    in.fail(span, "while_loop's carry enters as " + enters + " but body_fn returns " + leaves +
                      " (the body must keep the carry's structure, shapes and dtypes)");
}

bool isOneBool(const Value &v) {
  return v.kind == ValueKind::Bool || (v.kind == ValueKind::Tensor && v.tensor->dtype() == DType::Bool && v.tensor->size() == 1);
}

/// What cond_fn returned, when its value is known now (a bool, or a concrete one-element
/// bool tensor); nothing for a traced one. Anything else is an error.
std::optional<bool> conditionValue(Interpreter &in, const Value &v, Span span) {
  if (!isOneBool(v))
    in.fail(span, "while_loop's cond_fn must return a bool or a one-element bool tensor, got " + describeType(v));
  if (v.kind == ValueKind::Bool) return v.b;
  if (v.tensor->isTraced()) return std::nullopt;
  return v.tensor->get(0) != 0;
}

/// In host code: a loop.
Value whileEager(Interpreter &in, const Value &cond, const Value &body, const Value &init, Span span) {
  const std::string enters = carryType(in, init, span);
  Value carry = withLeaves(init, tensorLeaves(in, init, span, "while_loop's carry"));
  while (conditionValue(in, call1(in, cond, carry, span), span).value_or(false)) { // host code: never traced
    Value next = call1(in, body, carry, span);
    checkCarry(in, enters, next, span);
    carry = withLeaves(next, tensorLeaves(in, next, span, "while_loop's carry"));
  }
  return carry;
}

/// Inside a trace: one While node, cond_fn and body_fn traced once each. Both graphs take
/// every capture: the body's trace sees the condition's captures first, in their order,
/// and the condition gets inputs for the body's others.
Value whileTraced(Interpreter &in, const Value &cond, const Value &body, const Value &init, Span span) {
  trace::TraceContext &outer = *in.trace;
  const std::string enters = carryType(in, init, span);
  std::vector<Tensor> carryLeaves = tensorLeaves(in, init, span, "while_loop's carry");
  auto carryInputs = [&](trace::TraceContext &ctx) {
    ir::Builder b(ctx.graph);
    std::vector<Tensor> leaves;
    for (const Tensor &c : carryLeaves)
      leaves.push_back(Tensor::traced(c.dtype(), c.shape(), b.input(c.dtype(), c.shape(), span), ctx.id));
    return withLeaves(init, leaves);
  };

  trace::TraceContext condTrace, bodyTrace;
  condTrace.parent = bodyTrace.parent = &outer;
  {
    Scoped<trace::TraceContext *> tracing(in.trace, &condTrace);
    Value v = call1(in, cond, carryInputs(condTrace), span);
    if (std::optional<bool> known = conditionValue(in, v, span)) { // it does not depend on the carry
      if (*known) in.fail(span, "while_loop's cond_fn is true whatever the carry is, so the loop would never end");
      return withLeaves(init, carryLeaves);
    }
    Tensor pred = v.tensor->rank() == 0 ? *v.tensor : reshape(in, *v.tensor, {}, span);
    condTrace.graph.outputs.push_back(nodeOf(condTrace, pred));
  }
  {
    Scoped<trace::TraceContext *> tracing(in.trace, &bodyTrace);
    Value start = carryInputs(bodyTrace);
    for (const Tensor &c : condTrace.captures) nodeOf(bodyTrace, c);
    Value next = call1(in, body, start, span);
    checkCarry(in, enters, next, span);
    for (const Tensor &t : tensorLeaves(in, next, span, "while_loop's carry")) bodyTrace.graph.outputs.push_back(nodeOf(bodyTrace, t));
  }
  ir::Builder cb(condTrace.graph);
  for (size_t k = condTrace.captures.size(); k < bodyTrace.captures.size(); ++k)
    cb.input(bodyTrace.captures[k].dtype(), bodyTrace.captures[k].shape(), span);

  Node loop;
  loop.op = Op::While;
  loop.span = span;
  loop.attrs.carries = static_cast<int64_t>(carryLeaves.size());
  std::vector<Tensor> operands = carryLeaves;
  operands.insert(operands.end(), bodyTrace.captures.begin(), bodyTrace.captures.end());
  loop.attrs.cond = std::make_shared<const ir::Graph>(std::move(condTrace.graph));
  loop.attrs.body = std::make_shared<const ir::Graph>(std::move(bodyTrace.graph));
  setOperands(in, outer, loop, operands, span);
  ir::Builder ob(outer.graph);
  int id = outer.graph.add(loop);
  std::vector<Tensor> results;
  for (size_t k = 0; k < carryLeaves.size(); ++k) {
    const Tensor &c = carryLeaves[k];
    results.push_back(Tensor::traced(c.dtype(), c.shape(), ob.project(id, static_cast<int64_t>(k), c.dtype(), c.shape(), span), outer.id));
  }
  return withLeaves(init, results);
}

} // namespace

Value whileLoopBuiltin(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"cond_fn", "body_fn", "init"});
  const Value &cond = args.get("cond_fn"), &body = args.get("body_fn"), &init = args.get("init");
  for (const auto &[f, name] : {std::pair{&cond, "cond_fn"}, std::pair{&body, "body_fn"}})
    if (f->kind != ValueKind::Function && f->kind != ValueKind::Builtin && f->kind != ValueKind::BoundMethod)
      in.fail(a.span, std::string("while_loop's ") + name + " must be a function, got " + typeName(*f));
  if (tensorLeaves(in, init, a.span, "while_loop's carry").empty())
    in.fail(a.span, "while_loop needs a carry with at least one tensor or number in it");
  return in.trace ? whileTraced(in, cond, body, init, a.span) : whileEager(in, cond, body, init, a.span);
}

Value scanBuiltin(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"f", "carry", "xs", "checkpoint"});
  const Value &f = args.get("f"), &carry = args.get("carry"), &xs = args.get("xs");
  bool checkpoint = args.flag("checkpoint", false);
  int64_t steps = -1;
  forEachLeaf(xs, [&](const std::string &, const Value &leaf) {
    if (leaf.kind != ValueKind::Tensor || leaf.tensor->rank() == 0)
      in.fail(a.span, "scan runs over the leading axis of tensors, but xs holds a " + typeName(leaf));
    if (steps >= 0 && leaf.tensor->shape()[0] != steps)
      in.fail(a.span, "scan's sequences have different lengths: " + std::to_string(steps) + " and " +
                          std::to_string(leaf.tensor->shape()[0]));
    steps = leaf.tensor->shape()[0];
  });
  if (steps < 0) in.fail(a.span, "scan needs at least one sequence in xs");
  // In host code no gradient is taken, so there is nothing to rematerialise.
  return in.trace ? scanTraced(in, f, carry, xs, steps, checkpoint, a.span) : scanEager(in, f, carry, xs, steps, a.span);
}

} // namespace zy::interp
