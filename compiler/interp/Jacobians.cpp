// Jacobians.cpp: jvp, vjp, jacfwd, jacrev and hessian, built from the graph
// transformations (transforms/Grad.h) through the shared staging (Staging.h).
//
// jvp and vjp trace f once and transform its graph. The Jacobians compose two graph
// transformations: jacfwd batches the JVP graph over a basis of tangents (one column per
// input element), jacrev batches the VJP graph over a basis of cotangents (one row per
// output element); both reshape the stacked result to T + S for f: S -> T. hessian is
// jacfwd(jacrev(f)), by definition.
#include "interp/Staging.h"
#include "interp/TensorOps.h"
#include "interp/Transforms.h"
#include "interp/Trees.h"
#include "ir/Builder.h"
#include "transforms/Grad.h"

namespace zy::interp {

namespace {

/// The runtime leaves of `v` (tensors; a host float as an f64 scalar), in tracing order.
std::vector<Tensor> runtimeLeaves(const Value &v) {
  std::vector<Tensor> out;
  trace::mapRuntimeLeaves(v, [&](const Value &leaf) {
    out.push_back(leaf.kind == ValueKind::Float ? Tensor::scalar(DType::F64, leaf.f) : *leaf.tensor);
    return leaf;
  });
  return out;
}

/// The items of a tuple or list argument.
const std::vector<Value> &itemsOf(Interpreter &in, const Value &v, const char *what, Span span) {
  if (v.kind != ValueKind::Tuple && v.kind != ValueKind::List)
    in.fail(span, std::string(what) + " must be a tuple, one entry per argument of the function, got " + typeName(v));
  return *v.items;
}

/// jvp(f, primals, tangents) -> (y, y_dot).
Value jvpCall(Interpreter &in, CallArgs &a) {
  if (a.positional.size() != 3 || !a.keywords.empty())
    in.fail(a.span, "jvp takes a function, a tuple of primals and a tuple of tangents: jvp(f, (x,), (t,))");
  const Value &f = a.positional[0];
  CallArgs args;
  args.span = a.span;
  args.positional = itemsOf(in, a.positional[1], "the primals of jvp", a.span);
  const std::vector<Value> &tangentArgs = itemsOf(in, a.positional[2], "the tangents of jvp", a.span);
  if (tangentArgs.size() != args.positional.size())
    in.fail(a.span, "jvp has " + std::to_string(args.positional.size()) + " primals but " +
                        std::to_string(tangentArgs.size()) + " tangents (expected one tangent per primal)");

  Staged staged = stage(in, f, args);
  addOutputs(staged, staged.result);
  // One tangent per runtime leaf, of the leaf's type; captures get none.
  std::vector<bool> wrt(staged.ctx->graph.inputs.size(), false);
  std::vector<Tensor> inputs = staged.inputs();
  size_t leaf = 0;
  for (size_t i = 0; i < tangentArgs.size(); ++i) {
    std::vector<Tensor> given = runtimeLeaves(tangentArgs[i]);
    size_t expected = 0;
    while (leaf + expected < staged.leaves.size() && staged.leafArgument[leaf + expected] == i) ++expected;
    if (given.size() != expected)
      in.fail(a.span, "the tangent of argument " + std::to_string(i) + " of jvp has " + std::to_string(given.size()) +
                          " tensors but its primal has " + std::to_string(expected) + " (expected the same structure)");
    for (size_t k = 0; k < expected; ++k, ++leaf) {
      const Tensor &primal = staged.leaves[leaf];
      if (!isFloat(primal.dtype())) continue;
      if (given[k].shape() != primal.shape())
        in.fail(a.span, "the tangent of argument " + std::to_string(i) + " of jvp is " +
                            typeString(given[k].dtype(), given[k].shape()) + " but its primal is " +
                            typeString(primal.dtype(), primal.shape()) + " (expected the same shape)");
      wrt[leaf] = true;
      inputs.push_back(cast(in, given[k], primal.dtype(), a.span));
    }
  }
  std::string title = "jvp of " + functionName(f);
  ir::Graph g = finishTransform(in, [&] { return transforms::jvpGraph(staged.ctx->graph, wrt); }, a.span, title);
  std::vector<Tensor> outputs = runStaged(in, g, inputs, a.span, title);
  size_t next = 0;
  Value y = rebuildOutputs(staged.result, outputs, next);
  // The tangent looks like y; an integer result's tangent is zeros.
  Value yDot = trace::mapRuntimeLeaves(staged.result, [&](const Value &v) {
    if (v.kind != ValueKind::Tensor) return v;
    Tensor t = isFloat(v.tensor->dtype()) ? outputs[next++] : full(in, v.tensor->shape(), 0, v.tensor->dtype(), a.span);
    return trace::withLeafInfo(Value::fromTensor(t), v);
  });
  return Value::tuple({y, yDot});
}

/// Gradients shaped like each positional argument: a leaf's gradient from `grads`
/// (indexed like the staged leaves), zeros for integer leaves, host zeros for host numbers.
Value gradientsLikeArguments(Interpreter &in, const Staged &staged, const CallArgs &args,
                             const std::vector<Tensor> &grads, Span span) {
  std::vector<Value> perArgument;
  size_t leaf = 0;
  for (const Value &argument : args.positional)
    perArgument.push_back(mapTreeLeaves(argument, [&](const std::string &, const Value &v) {
      bool runtime = v.kind == ValueKind::Tensor || v.kind == ValueKind::Float;
      if (!runtime) return v.kind == ValueKind::Int ? Value::integer(0) : v;
      const Tensor &x = staged.leaves[leaf];
      Tensor g = isFloat(x.dtype()) ? grads[leaf] : full(in, x.shape(), 0, x.dtype(), span);
      ++leaf;
      return trace::withLeafInfo(Value::fromTensor(g), v);
    }));
  return Value::tuple(perArgument);
}

/// vjp(f, args...) -> (y, pullback), pullback(ct) -> a tuple of gradients, one per argument.
Value vjpCall(Interpreter &in, CallArgs &a) {
  if (a.positional.empty()) in.fail(a.span, "vjp takes a function and its arguments: vjp(f, x, ...)");
  Value f = a.positional[0];
  auto args = std::make_shared<CallArgs>();
  args->span = a.span;
  args->positional.assign(a.positional.begin() + 1, a.positional.end());
  args->keywords = a.keywords;
  auto staged = std::make_shared<Staged>(stage(in, f, *args));
  addOutputs(*staged, staged->result);
  std::string title = "vjp of " + functionName(f);
  ir::Graph forward = finishTransform(in, [&] { return staged->ctx->graph; }, a.span, title);
  std::vector<Tensor> outputs = runStaged(in, forward, staged->inputs(), a.span, title);
  size_t next = 0;
  Value y = rebuildOutputs(staged->result, outputs, next);

  Value pullback = Value::makeBuiltin("pullback of " + functionName(f), [staged, args, title](Interpreter &in, CallArgs &c) {
    if (c.positional.size() != 1 || !c.keywords.empty())
      in.fail(c.span, "a pullback takes one cotangent, shaped like the function's result");
    std::vector<Tensor> cotangents = runtimeLeaves(c.positional[0]);
    const ir::Graph &graph = staged->ctx->graph;
    if (cotangents.size() != graph.outputs.size())
      in.fail(c.span, "the cotangent has " + std::to_string(cotangents.size()) + " tensors but the result has " +
                          std::to_string(graph.outputs.size()) + " (expected the result's structure)");
    std::vector<Tensor> inputs = staged->inputs();
    for (size_t k = 0; k < cotangents.size(); ++k) {
      const ir::Node &out = graph.nodes[graph.outputs[k]];
      if (cotangents[k].shape() != out.shape)
        in.fail(c.span, "cotangent " + std::to_string(k) + " is " +
                            typeString(cotangents[k].dtype(), cotangents[k].shape()) + " but the result is " +
                            typeString(out.dtype, out.shape) + " (expected the same shape)");
      inputs.push_back(cast(in, cotangents[k], out.dtype, c.span));
    }
    // The forward pass it recomputes printed already, when vjp ran it: no debug.print again.
    ir::Graph g = finishTransform(in, [&] { return transforms::withoutEffects(transforms::vjpGraph(graph)); }, c.span, title);
    std::vector<Tensor> grads = runStaged(in, g, inputs, c.span, title);
    return gradientsLikeArguments(in, *staged, *args, grads, c.span);
  });
  const_cast<Builtin &>(*pullback.builtin).pure = false;
  return Value::tuple({y, pullback});
}

enum class Direction { Forward, Reverse };

struct JacobianSpec {
  Value f;
  int64_t argnum = 0;
  Direction direction = Direction::Forward;
};

int64_t elementCount(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// eye(n) reshaped to [n] + shape: the basis the Jacobians batch over.
Tensor basis(const Shape &shape, DType dtype) {
  int64_t n = elementCount(shape);
  Shape s = shape;
  s.insert(s.begin(), n);
  Tensor e(dtype, s);
  for (int64_t i = 0; i < n; ++i) e.set(i * n + i, 1);
  return e;
}

/// jacfwd(f)(args...) or jacrev(f)(args...): for f from S to T, a tensor of shape T + S.
Value jacobianCall(Interpreter &in, const JacobianSpec &spec, CallArgs &args) {
  const char *name = spec.direction == Direction::Forward ? "jacfwd" : "jacrev";
  if (spec.argnum < 0 || spec.argnum >= static_cast<int64_t>(args.positional.size()))
    in.fail(args.span, std::string(name) + " differentiates argument " + std::to_string(spec.argnum) +
                           " but the call has " + std::to_string(args.positional.size()) + " positional arguments");
  Staged staged = stage(in, spec.f, args);
  const Value &y = staged.result;
  if (y.kind != ValueKind::Tensor || !isFloat(y.tensor->dtype()))
    in.fail(args.span, std::string(name) + " needs a function that returns a float tensor, but it returned " + typeName(y));
  addOutputs(staged, y);
  size_t x = 0; // the leaf differentiated: the argument itself must be one tensor
  while (x < staged.leafArgument.size() && staged.leafArgument[x] != static_cast<size_t>(spec.argnum)) ++x;
  if (x == staged.leaves.size() || (x + 1 < staged.leaves.size() && staged.leafArgument[x + 1] == staged.leafArgument[x]) ||
      !isFloat(staged.leaves[x].dtype()))
    in.fail(args.span, std::string(name) + " differentiates with respect to a float tensor, but argument " +
                           std::to_string(spec.argnum) + " is " + typeName(args.positional[spec.argnum]));
  const Shape S = staged.leaves[x].shape(), T = y.tensor->shape();
  const DType d = y.tensor->dtype();
  const ir::Graph &f = staged.ctx->graph;
  std::vector<Tensor> inputs = staged.inputs();
  std::string title = std::string(name) + " of " + functionName(spec.f);
  ir::Graph g = finishTransform(in, [&] {
    ir::Graph linear;
    std::vector<bool> batched(f.inputs.size(), false);
    if (spec.direction == Direction::Forward) { // inputs: f's, then the tangent of x
      std::vector<bool> wrt(f.inputs.size(), false);
      wrt[x] = true;
      linear = transforms::jvpGraph(f, wrt);
    } else { // inputs: f's, then the cotangent of y
      linear = transforms::vjpGraph(f);
    }
    batched.push_back(true);
    // One column per element of x (forward), one row per element of y (reverse).
    ir::Graph stacked = transforms::batchGraph(linear, batched, elementCount(spec.direction == Direction::Forward ? S : T));
    // Forward: outputs (y, dy) stacked [n] + T: dy[j] is column j; to T + S.
    // Reverse: outputs the gradient of every input stacked [m] + S: row i; to T + S.
    int out = spec.direction == Direction::Forward ? stacked.outputs[1] : stacked.outputs[x];
    ir::Builder b(stacked);
    Shape rows = b.shape(out);
    int jac = out;
    if (spec.direction == Direction::Forward) {
      std::vector<int64_t> perm;
      for (size_t k = 1; k < rows.size(); ++k) perm.push_back(static_cast<int64_t>(k));
      perm.push_back(0);
      jac = b.transpose(out, perm);
    }
    Shape full = T;
    full.insert(full.end(), S.begin(), S.end());
    stacked.outputs = {b.reshape(b.cast(jac, d), full)};
    return stacked;
  }, args.span, title);
  inputs.push_back(spec.direction == Direction::Forward ? basis(S, staged.leaves[x].dtype()) : basis(T, d));
  return Value::fromTensor(runStaged(in, g, inputs, args.span, title)[0]);
}

Value makeJacobian(Interpreter &in, CallArgs &a, Direction direction, bool hessian) {
  const char *name = hessian ? "hessian" : direction == Direction::Forward ? "jacfwd" : "jacrev";
  if (a.positional.size() != 1) in.fail(a.span, std::string(name) + " takes one function: " + name + "(f, argnum = 0)");
  JacobianSpec spec;
  spec.f = a.positional[0];
  spec.direction = direction;
  if (spec.f.kind != ValueKind::Function && spec.f.kind != ValueKind::Builtin)
    in.fail(a.span, std::string(name) + " needs a function, got " + typeName(spec.f));
  for (auto &[key, value] : a.keywords) {
    if (key == "argnum" && value.kind == ValueKind::Int) spec.argnum = value.i;
    else in.fail(a.span, std::string(name) + " takes `argnum` (an int), not `" + key + "` = " + typeName(value));
  }
  auto make = [&](const JacobianSpec &s, const std::string &label) {
    return transformedFunction(label, {s.f}, std::to_string(s.argnum),
                               [s](Interpreter &in, CallArgs &args) { return jacobianCall(in, s, args); });
  };
  std::string inner = functionName(spec.f);
  if (!hessian) return make(spec, std::string(name) + "(" + inner + ")");
  // hessian(f) = jacfwd(jacrev(f)): forward over reverse.
  JacobianSpec reverse = spec;
  reverse.direction = Direction::Reverse;
  JacobianSpec forward = spec;
  forward.f = make(reverse, "jacrev(" + inner + ")");
  forward.direction = Direction::Forward;
  return make(forward, "hessian(" + inner + ")");
}

} // namespace

void installJacobians(Env &env) {
  auto jvp = Value::makeBuiltin("jvp", jvpCall);
  const_cast<Builtin &>(*jvp.builtin).cacheKey = "jvp"; // traced and cached from host code, per function
  env.define("jvp", jvp);
  env.define("vjp", Value::makeBuiltin("vjp", vjpCall));
  env.define("jacfwd", Value::makeBuiltin("jacfwd", [](Interpreter &in, CallArgs &a) {
               return makeJacobian(in, a, Direction::Forward, false);
             }));
  env.define("jacrev", Value::makeBuiltin("jacrev", [](Interpreter &in, CallArgs &a) {
               return makeJacobian(in, a, Direction::Reverse, false);
             }));
  env.define("hessian", Value::makeBuiltin("hessian", [](Interpreter &in, CallArgs &a) {
               return makeJacobian(in, a, Direction::Forward, true);
             }));
}

} // namespace zy::interp
