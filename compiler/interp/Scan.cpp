// Scan.cpp: scan(f, carry, xs): a loop over the leading axis of xs as a real loop.
//
// f(carry, x_t) -> (carry, y_t); scan returns (carry, ys) with the ys stacked. carry, xs
// and the ys may be trees. In host code the loop runs step by step. Inside a traced
// function it becomes one Scan node whose body is f traced once on one step (so a loop
// of a thousand steps is not unrolled into a thousand copies), plus a Project node per
// result; tensors of the function that f uses become captures of the body.
#include "interp/Scan.h"

#include "interp/Args.h"

#include "interp/TensorOps.h"
#include "interp/Trees.h"
#include "ir/Builder.h"
#include "ir/OpTable.h"
#include "support/Scoped.h"
#include "transforms/Remat.h"

namespace zy::interp {

using ir::Node;
using ir::Op;

namespace {

std::vector<Tensor> tensorLeaves(Interpreter &in, const Value &tree, Span span, const char *what) {
  std::vector<Tensor> out;
  forEachLeaf(tree, [&](const std::string &path, const Value &leaf) {
    if (leaf.kind != ValueKind::Tensor && !leaf.isNumber())
      in.fail(span, std::string("scan's ") + what + " must hold tensors, but " + (path.empty() ? "it" : "`" + path + "`") +
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
  std::vector<Tensor> xLeaves = tensorLeaves(in, xs, span, "sequences");
  Value carry = carry0;
  std::string carryTypes = typesOf(tensorLeaves(in, carry0, span, "carry"));
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
    std::string nextTypes = typesOf(tensorLeaves(in, next, span, "carry"));
    if (nextTypes != carryTypes)
      in.fail(span, "scan's carry enters as " + carryTypes + " but leaves step " + std::to_string(t) + " as " + nextTypes);
    carry = next;
    std::vector<Tensor> yLeaves = tensorLeaves(in, y, span, "results");
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
  std::vector<Tensor> carryLeaves = tensorLeaves(in, carry0, span, "carry");
  std::vector<Tensor> xLeaves = tensorLeaves(in, xs, span, "sequences");

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
    carryOut = tensorLeaves(in, next, span, "carry");
    yOut = tensorLeaves(in, y, span, "results");
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
  std::vector<ir::OperandType> types;
  for (const Tensor &t : operands) {
    types.push_back({t.dtype(), t.shape()});
    scan.operands.push_back(nodeOf(outer, t));
  }
  scan.attrs.body = std::make_shared<const ir::Graph>(std::move(body.graph));
  if (auto error = ir::inferType(scan, types)) in.fail(span, *error);

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

} // namespace

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
