// Transforms.cpp: grad and value_and_grad: functions that return functions.
//
// grad(f)(args...) traces f on symbolic arguments into a graph of its own, differentiates
// it (transforms/Grad.h), simplifies the result, and then either inlines the gradient
// graph into the trace around the call (so grad(grad(f)) and a jitted training step
// work) or, in host code, runs it. From host code the call itself is traced and cached
// per signature like any function, so a training loop differentiates f once.
#include "interp/Transforms.h"

#include "interp/Staging.h"

#include "transforms/Grad.h"
#include "interp/TensorOps.h"
#include "interp/Trees.h"
#include "trace/Tracer.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

namespace zy::interp {

using ir::Node;
using ir::Op;

namespace {

enum class Mode { Grad, ValueAndGrad };

struct GradSpec {
  Value f;
  int64_t argnum = 0;
  bool hasAux = false;
  Mode mode = Mode::Grad;
};

Value differentiateCall(Interpreter &in, const GradSpec &spec, CallArgs &args) {
  if (spec.argnum < 0 || spec.argnum >= static_cast<int64_t>(args.positional.size()))
    in.fail(args.span, "grad differentiates argument " + std::to_string(spec.argnum) + " but the call has " +
                           std::to_string(args.positional.size()) + " positional arguments");

  // 1. Trace f on symbolic arguments, in a graph of its own.
  Staged staged = stage(in, spec.f, args);
  Value loss = staged.result, aux;
  if (spec.hasAux) {
    if (loss.kind != ValueKind::Tuple || loss.items->size() != 2)
      in.fail(args.span, "with has_aux = true the function must return a pair (loss, aux), got " + typeName(loss));
    aux = (*staged.result.items)[1];
    loss = (*staged.result.items)[0];
  }
  if (loss.kind != ValueKind::Tensor || loss.tensor->rank() != 0 || !isFloat(loss.tensor->dtype()))
    in.fail(args.span, "grad needs a function that returns a float scalar" +
                           std::string(spec.hasAux ? " (and aux)" : "") + ", but it returned " + typeName(loss));
  addOutputs(staged, loss);
  addOutputs(staged, aux);
  // Float leaves of the differentiated argument; integer leaves are constants, state
  // leaves get no gradient, captures of an enclosing trace are constants here.
  std::vector<bool> wrt(staged.ctx->graph.inputs.size(), false);
  for (size_t k = 0; k < staged.leaves.size(); ++k)
    wrt[k] = staged.leafArgument[k] == static_cast<size_t>(spec.argnum) && isFloat(staged.leaves[k].dtype()) &&
             !staged.leafState[k];

  // 2. Differentiate and simplify; 3. inline into the trace around us, or run now.
  std::string title = "gradient of " + functionName(spec.f);
  ir::Graph g = finishTransform(in, [&] { return transforms::differentiate(staged.ctx->graph, 0, wrt); }, args.span, title);
  std::vector<Tensor> outputs = runStaged(in, g, staged.inputs(), args.span, title);

  // 4. Results shaped like what the user passed: the gradient looks like the argument.
  size_t next = 0;
  Value value = Value::fromTensor(outputs[next++]);
  Value auxValue = rebuildOutputs(aux, outputs, next);
  size_t gradNext = next, leafIndex = 0, firstLeaf = 0;
  while (firstLeaf < staged.leafArgument.size() && staged.leafArgument[firstLeaf] != static_cast<size_t>(spec.argnum))
    ++firstLeaf;
  // Runtime leaves (tensors; the argument itself if it is a float) get their gradient,
  // zeros where they are constants; host numbers inside the tree get a host zero.
  const Value &argument = args.positional[spec.argnum];
  Value grads = mapTreeLeaves(argument, [&](const std::string &, const Value &leaf) {
    bool runtime = leaf.kind == ValueKind::Tensor || (leaf.kind == ValueKind::Float && argument.kind == ValueKind::Float);
    if (!runtime) return leaf.kind == ValueKind::Int ? Value::integer(0) : leaf.kind == ValueKind::Float ? Value::real(0) : leaf;
    size_t k = firstLeaf + leafIndex++;
    const Tensor &x = staged.leaves[k];
    Tensor gradient = wrt[k] ? outputs[gradNext++] : full(in, x.shape(), 0, x.dtype(), args.span);
    return trace::withLeafInfo(Value::fromTensor(gradient), leaf);
  });
  Value primary = spec.hasAux ? Value::tuple({value, auxValue}) : value;
  if (spec.mode == Mode::ValueAndGrad) return Value::tuple({primary, grads});
  return spec.hasAux ? Value::tuple({grads, auxValue}) : grads;
}

Value makeTransform(Interpreter &in, CallArgs &a, Mode mode) {
  const char *name = mode == Mode::Grad ? "grad" : "value_and_grad";
  if (a.positional.size() != 1)
    in.fail(a.span, std::string(name) + " takes one function: " + name + "(f, argnum = 0, has_aux = false)");
  GradSpec spec;
  spec.f = a.positional[0];
  spec.mode = mode;
  if (spec.f.kind != ValueKind::Function && spec.f.kind != ValueKind::Builtin)
    in.fail(a.span, std::string(name) + " needs a function, got " + typeName(spec.f));
  for (auto &[key, value] : a.keywords) {
    if (key == "argnum" && value.kind == ValueKind::Int) spec.argnum = value.i;
    else if (key == "has_aux" && value.kind == ValueKind::Bool) spec.hasAux = value.b;
    else in.fail(a.span, std::string(name) + " takes `argnum` (an int) and `has_aux` (a bool), not `" + key + "` = " + typeName(value));
  }
  // The cache key names the computation, so `grad(loss)` made anew each step reuses
  // the same compiled gradient.
  return transformedFunction(std::string(name) + "(" + functionName(spec.f) + ")", {spec.f},
                             std::to_string(spec.argnum) + (spec.hasAux ? "/aux" : ""),
                             [spec](Interpreter &in, CallArgs &args) { return differentiateCall(in, spec, args); });
}

/// check_grad(f, args..., eps, rtol, atol): grad of the first argument against central
/// differences, in f64. Fails naming the worst leaf and element; returns the largest
/// relative error when all agree. Besides atol, each element allows the rounding noise of
/// its difference quotient, 8 ulps of |f| over 2·eps: a value computed in a different
/// order (vectorised sums, fused multiply-adds) moves by that much, and no more.
Value checkGrad(Interpreter &in, CallArgs &a) {
  if (a.positional.size() < 2) in.fail(a.span, "check_grad(f, x, more args...) needs a function and an argument");
  double eps = 1e-6, rtol = 1e-6, atol = 1e-9;
  for (auto &[key, value] : a.keywords) {
    if (!value.isNumber()) in.fail(a.span, "`" + key + "` of check_grad must be a number");
    if (key == "eps") eps = value.number();
    else if (key == "rtol") rtol = value.number();
    else if (key == "atol") atol = value.number();
    else in.fail(a.span, "check_grad takes eps, rtol and atol, not `" + key + "`");
  }
  GradSpec spec;
  spec.f = a.positional[0];
  CallArgs args;
  args.span = a.span;
  args.positional.assign(a.positional.begin() + 1, a.positional.end());
  // Everything in f64, so the differences measure the calculus, not rounding.
  args.positional[0] = trace::mapRuntimeLeaves(args.positional[0], [&](const Value &leaf) {
    Tensor t = leaf.kind == ValueKind::Float ? Tensor::scalar(DType::F64, leaf.f) : *leaf.tensor;
    return trace::withLeafInfo(Value::fromTensor(isFloat(t.dtype()) ? cast(in, t, DType::F64, a.span) : t), leaf);
  });
  Value analytic = differentiateCall(in, spec, args);

  std::vector<std::pair<std::string, Tensor>> leaves, grads;
  // Tensor leaves only (host numbers are constants), in the same order in both trees.
  std::vector<bool> stateLeaf;
  forEachLeaf(args.positional[0], [&](const std::string &path, const Value &leaf) {
    if (leaf.kind != ValueKind::Tensor) return;
    leaves.emplace_back(path, *leaf.tensor);
    stateLeaf.push_back(leaf.state);
  });
  forEachLeaf(analytic, [&](const std::string &path, const Value &leaf) {
    if (leaf.kind == ValueKind::Tensor) grads.emplace_back(path, *leaf.tensor);
  });
  auto evaluateAt = [&](size_t which, int64_t element, double delta) {
    size_t k = 0;
    CallArgs call = args;
    call.positional[0] = trace::mapRuntimeLeaves(args.positional[0], [&](const Value &leaf) {
      if (leaf.kind != ValueKind::Tensor || k++ != which) return leaf;
      Tensor moved(leaf.tensor->dtype(), leaf.tensor->shape());
      for (int64_t i = 0; i < moved.size(); ++i) moved.set(i, leaf.tensor->get(i) + (i == element ? delta : 0));
      return trace::withLeafInfo(Value::fromTensor(moved), leaf);
    });
    Value out = in.call(spec.f, call);
    if (out.kind != ValueKind::Tensor || out.tensor->size() != 1) in.fail(a.span, "check_grad needs f to return a scalar");
    return concrete(in, *out.tensor, a.span, "check_grad").get(0);
  };
  double worst = 0, worstExcess = 0;
  std::string worstAt;
  for (size_t which = 0; which < leaves.size(); ++which) {
    const Tensor &x = leaves[which].second;
    if (!isFloat(x.dtype()) || x.isTraced() || stateLeaf[which]) continue; // state: no gradient by definition
    for (int64_t i = 0; i < x.size(); ++i) {
      double above = evaluateAt(which, i, eps), below = evaluateAt(which, i, -eps);
      double numeric = (above - below) / (2 * eps);
      double noise = 8 * DBL_EPSILON * std::max(std::fabs(above), std::fabs(below)) / (2 * eps);
      double exact = grads[which].second.get(i);
      double difference = std::fabs(numeric - exact);
      worst = std::max(worst, difference / std::max(std::fabs(numeric), atol));
      double excess = difference - (atol + noise + rtol * std::fabs(numeric));
      if (excess > worstExcess || std::isnan(difference)) {
        worstExcess = std::isnan(difference) ? INFINITY : excess;
        char buf[256];
        std::snprintf(buf, sizeof buf, "element %lld of `%s`: grad gives %.12g, central differences %.12g",
                      static_cast<long long>(i), leaves[which].first.empty() ? "x" : leaves[which].first.c_str(), exact,
                      numeric);
        worstAt = buf;
      }
    }
  }
  if (!worstAt.empty()) in.fail(a.span, "check_grad failed: the worst is " + worstAt, true);
  return Value::real(worst);
}

} // namespace

void installTransforms(Env &env) {
  // callable(x): true for functions, so an argument can be a number or a schedule.
  env.defineBuiltin("callable", [](Interpreter &in, CallArgs &a) {
    if (a.positional.size() != 1) in.fail(a.span, "callable takes one argument");
    ValueKind k = a.positional[0].kind;
    return Value::boolean(k == ValueKind::Function || k == ValueKind::Builtin || k == ValueKind::BoundMethod);
  });
  env.define("check_grad", Value::makeBuiltin("check_grad", checkGrad));
  env.define("grad", Value::makeBuiltin("grad", [](Interpreter &in, CallArgs &a) { return makeTransform(in, a, Mode::Grad); }));
  env.define("value_and_grad", Value::makeBuiltin("value_and_grad", [](Interpreter &in, CallArgs &a) {
               return makeTransform(in, a, Mode::ValueAndGrad);
             }));
  installJacobians(env);
  installVmap(env);
  installCustomRules(env);
  installCheckpoint(env);
}

} // namespace zy::interp
