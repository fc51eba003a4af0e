// CustomRules.cpp: custom_vjp(f, fwd, bwd) and custom_jvp(f, rule): functions that
// compute f but are differentiated with the user's rule.
//
// A call traces f, fwd and bwd into graphs of their own (Staging.h) and leaves one
// custom_vjp node in the enclosing trace, carrying the three graphs (Ops.def). Reverse
// mode differentiates it with fwd and bwd (transforms/Grad.cpp), vmap batches all three,
// and the node is lowered to f's graph once the trace is final. custom_jvp is the same
// with one rule, rule(primals, tangents) -> (y, y_dot): forward mode applies it, reverse
// mode transposes it. From host code, where no derivative can be taken, each is simply f.
#include "interp/Staging.h"
#include "interp/TensorOps.h"
#include "interp/Transforms.h"
#include "ir/Builder.h"

namespace zy::interp {

namespace {

struct CustomVjpSpec {
  Value f, fwd, bwd;
};

/// The tensor leaves of `v` in order (what a graph's outputs are made of).
std::vector<Tensor> tensorsOf(const Value &v) {
  std::vector<Tensor> out;
  trace::mapRuntimeLeaves(v, [&](const Value &leaf) {
    if (leaf.kind == ValueKind::Tensor) out.push_back(*leaf.tensor);
    return leaf;
  });
  return out;
}

/// How many runtime leaves (tensors and host floats) `v` has: the inputs a trace on it makes.
size_t runtimeLeafCount(const Value &v) {
  size_t count = 0;
  trace::mapRuntimeLeaves(v, [&](const Value &leaf) {
    ++count;
    return leaf;
  });
  return count;
}

/// A tree like `like` whose tensor leaves are new symbolic values of the same types (the
/// arguments bwd is traced on).
Value symbolicLike(const Value &like) {
  return trace::mapRuntimeLeaves(like, [&](const Value &leaf) {
    if (leaf.kind != ValueKind::Tensor) return leaf;
    return trace::withLeafInfo(Value::fromTensor(Tensor::traced(leaf.tensor->dtype(), leaf.tensor->shape(), -1, 0)), leaf);
  });
}

void refuseCaptures(Interpreter &in, const Staged &s, const char *which, Span span, const char *what = "custom_vjp") {
  if (!s.ctx->captures.empty())
    in.fail(span, std::string(what) + ": `" + which + "` uses " + std::to_string(s.ctx->captures.size()) +
                      " tensor(s) of the function around it that are not its arguments; pass them as arguments, "
                      "so that the rule can give their gradients");
}

Value addCustomCall(Interpreter &in, ir::Op op, const Staged &body, size_t results, ir::Attrs attrs, Span span);

Value customCall(Interpreter &in, const CustomVjpSpec &spec, CallArgs &args) {
  if (in.atHost()) return in.call(spec.f, args); // host code: no gradient can be taken here

  Staged body = stage(in, spec.f, args);
  refuseCaptures(in, body, "f", args.span);
  size_t results = addOutputs(body, body.result);
  if (runtimeLeafCount(body.result) != results)
    in.fail(args.span, "custom_vjp: f must return tensors (a host number in its result has no cotangent for bwd)");

  Staged forward = stage(in, spec.fwd, args);
  refuseCaptures(in, forward, "fwd", args.span);
  const Value &pair = forward.result;
  if (pair.kind != ValueKind::Tuple || pair.items->size() != 2)
    in.fail(args.span, "custom_vjp: fwd must return a pair (y, residuals), got " + typeName(pair));
  std::vector<Tensor> y = tensorsOf((*pair.items)[0]), fy = tensorsOf(body.result);
  bool same = y.size() == fy.size();
  for (size_t k = 0; same && k < y.size(); ++k) same = y[k].dtype() == fy[k].dtype() && y[k].shape() == fy[k].shape();
  if (!same)
    in.fail(args.span, "custom_vjp: fwd's y is " + typeName((*pair.items)[0]) + " but f returns " + typeName(body.result) +
                           " (expected the same types)");
  addOutputs(forward, pair);
  const Value &residuals = (*pair.items)[1];
  // The residuals reach bwd through the forward graph's outputs, so they must be tensors.
  if (runtimeLeafCount(residuals) != tensorsOf(residuals).size())
    in.fail(args.span, "custom_vjp: fwd's residuals must be tensors (a host number among them: make it a tensor, or "
                           "a value bwd computes)");

  // bwd(residuals, ct) on symbolic values of the residuals' and the results' types.
  CallArgs bwdArgs;
  bwdArgs.span = args.span;
  bwdArgs.positional = {symbolicLike(residuals), symbolicLike(body.result)};
  // stage() makes each runtime leaf an input in order: the residuals, then the cotangents.
  Staged backward = stage(in, spec.bwd, bwdArgs);
  refuseCaptures(in, backward, "bwd", args.span);
  const Value &grads = backward.result;
  if ((grads.kind != ValueKind::Tuple && grads.kind != ValueKind::List) || grads.items->size() != args.positional.size())
    in.fail(args.span, "custom_vjp: bwd must return a tuple with one cotangent per argument of f (" +
                           std::to_string(args.positional.size()) + "), got " + typeName(grads));
  // One cotangent per runtime leaf of the arguments, of its type (host numbers: zeros).
  ir::Graph &bg = backward.ctx->graph;
  ir::Builder b(bg);
  for (size_t i = 0; i < args.positional.size(); ++i) {
    std::vector<Tensor> given = tensorsOf((*grads.items)[i]);
    size_t at = 0;
    for (size_t k = 0; k < body.leaves.size(); ++k) {
      if (body.leafArgument[k] != i) continue;
      const Tensor &x = body.leaves[k];
      if (at < given.size() && given[at].shape() == x.shape()) {
        bg.outputs.push_back(b.cast(nodeOf(*backward.ctx, given[at++]), x.dtype()));
      } else if (given.empty() && (*grads.items)[i].kind != ValueKind::Tensor) {
        bg.outputs.push_back(b.constant(x.dtype(), x.shape(), 0)); // none, or a number: no gradient
      } else {
        in.fail(args.span, "custom_vjp: bwd's cotangent for argument " + std::to_string(i) + " is " +
                               typeName((*grads.items)[i]) + " but the argument is " + typeName(args.positional[i]) +
                               " (expected the same structure and shapes)");
      }
    }
  }
  for (size_t k = 0; k < body.leaves.size(); ++k) // keyword arguments get no gradient
    if (body.leafArgument[k] == SIZE_MAX) bg.outputs.push_back(b.constant(body.leaves[k].dtype(), body.leaves[k].shape(), 0));

  ir::Attrs attrs;
  attrs.body = std::make_shared<ir::Graph>(body.ctx->graph);
  attrs.forward = std::make_shared<ir::Graph>(forward.ctx->graph);
  attrs.backward = std::make_shared<ir::Graph>(bg);
  return addCustomCall(in, ir::Op::CustomVjp, body, results, attrs, args.span);
}

/// The node of a custom call in the enclosing trace, its operands `body`'s argument
/// leaves, and a project per result; returns the results in the shape f returned them.
Value addCustomCall(Interpreter &in, ir::Op op, const Staged &body, size_t results, ir::Attrs attrs, Span span) {
  trace::TraceContext &outer = *in.trace;
  std::vector<int> operands;
  for (const Tensor &leaf : body.leaves) operands.push_back(nodeOf(outer, leaf));
  ir::Builder ob(outer.graph);
  int call;
  try {
    call = ob.add(op, operands, attrs, span);
  } catch (const std::exception &e) {
    in.fail(span, std::string("internal error in ") + ir::opInfo(op).name + " (please report it): " + e.what());
  }
  std::vector<Tensor> outputs;
  for (size_t k = 0; k < results; ++k) {
    const ir::Node &out = attrs.body->nodes[attrs.body->outputs[k]];
    int id = ob.project(call, static_cast<int64_t>(k), out.dtype, out.shape, span);
    outputs.push_back(Tensor::traced(out.dtype, out.shape, id, outer.id));
  }
  size_t next = 0;
  return rebuildOutputs(body.result, outputs, next);
}

struct CustomJvpSpec {
  Value f, rule;
};

/// True when `a` and `b` hold tensors of the same types, in order.
bool sameTypes(const std::vector<Tensor> &a, const std::vector<Tensor> &b) {
  bool same = a.size() == b.size();
  for (size_t k = 0; same && k < a.size(); ++k) same = a[k].dtype() == b[k].dtype() && a[k].shape() == b[k].shape();
  return same;
}

/// custom_jvp: f's graph, and the rule traced on (primals, tangents) with a symbolic
/// tangent of each argument leaf's type, whose outputs are y's leaves then y_dot's.
Value customJvpCall(Interpreter &in, const CustomJvpSpec &spec, CallArgs &args) {
  if (in.atHost()) return in.call(spec.f, args); // host code: no derivative is taken here
  if (!args.keywords.empty())
    in.fail(args.span, "a custom_jvp function takes positional arguments only (its rule gets them as one tuple)");
  Staged body = stage(in, spec.f, args);
  refuseCaptures(in, body, "f", args.span, "custom_jvp");
  size_t results = addOutputs(body, body.result);
  if (runtimeLeafCount(body.result) != results)
    in.fail(args.span, "custom_jvp: f must return tensors (a host number in its result has no tangent)");

  CallArgs ruleArgs;
  ruleArgs.span = args.span;
  std::vector<Value> tangents;
  for (const Value &arg : args.positional) tangents.push_back(symbolicLike(arg));
  ruleArgs.positional = {Value::tuple(args.positional), Value::tuple(tangents)};
  // stage() makes each runtime leaf an input in order: the primals, then the tangents.
  Staged rule = stage(in, spec.rule, ruleArgs);
  refuseCaptures(in, rule, "rule", args.span, "custom_jvp");
  const Value &pair = rule.result;
  if (pair.kind != ValueKind::Tuple || pair.items->size() != 2)
    in.fail(args.span, "custom_jvp: the rule must return a pair (y, y_dot), got " + typeName(pair));
  std::vector<Tensor> fy = tensorsOf(body.result);
  for (size_t k = 0; k < 2; ++k)
    if (!sameTypes(tensorsOf((*pair.items)[k]), fy))
      in.fail(args.span, std::string("custom_jvp: the rule's ") + (k == 0 ? "y" : "y_dot") + " is " +
                             typeName((*pair.items)[k]) + " but f returns " + typeName(body.result) +
                             " (expected the same types)");
  addOutputs(rule, (*pair.items)[0]);
  addOutputs(rule, (*pair.items)[1]);

  ir::Attrs attrs;
  attrs.body = std::make_shared<ir::Graph>(body.ctx->graph);
  attrs.forward = std::make_shared<ir::Graph>(rule.ctx->graph);
  return addCustomCall(in, ir::Op::CustomJvp, body, results, attrs, args.span);
}

Value makeCustomJvp(Interpreter &in, CallArgs &a) {
  if (a.positional.size() != 2 || !a.keywords.empty())
    in.fail(a.span, "custom_jvp takes two functions: custom_jvp(f, rule), with rule(primals, tangents) -> (y, y_dot)");
  CustomJvpSpec spec{a.positional[0], a.positional[1]};
  for (const Value *g : {&spec.f, &spec.rule})
    if (g->kind != ValueKind::Function && g->kind != ValueKind::Builtin)
      in.fail(a.span, "custom_jvp needs two functions, got " + typeName(*g));
  return transformedFunction("custom_jvp(" + functionName(spec.f) + ")", {spec.f, spec.rule}, "",
                             [spec](Interpreter &in, CallArgs &args) { return customJvpCall(in, spec, args); });
}

Value makeCustomVjp(Interpreter &in, CallArgs &a) {
  if (a.positional.size() != 3 || !a.keywords.empty())
    in.fail(a.span, "custom_vjp takes three functions: custom_vjp(f, fwd, bwd)");
  CustomVjpSpec spec{a.positional[0], a.positional[1], a.positional[2]};
  for (const Value *g : {&spec.f, &spec.fwd, &spec.bwd})
    if (g->kind != ValueKind::Function && g->kind != ValueKind::Builtin)
      in.fail(a.span, "custom_vjp needs three functions, got " + typeName(*g));
  return transformedFunction("custom_vjp(" + functionName(spec.f) + ")", {spec.f, spec.fwd, spec.bwd}, "",
                             [spec](Interpreter &in, CallArgs &args) { return customCall(in, spec, args); });
}

} // namespace

void installCustomRules(Env &env) {
  env.define("custom_vjp", Value::makeBuiltin("custom_vjp", makeCustomVjp));
  env.define("custom_jvp", Value::makeBuiltin("custom_jvp", makeCustomJvp));
}

} // namespace zy::interp
