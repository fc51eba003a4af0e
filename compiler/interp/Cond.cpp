// Cond.cpp: cond(pred, then_fn, else_fn, args...), the traced form of `if`.
//
// On a host bool, or a predicate whose value is known (eager code), cond calls one
// branch, as `if` would. Inside a traced function the predicate is only known when the
// graph runs, so both branches are traced on the same arguments, their results must have
// the same structure, shapes and dtypes (checked here, before anything runs), and each
// pair of leaves is selected with `where(pred, then, else)`. That is the select form of
// JAX's `lax.cond`: both branches are computed, and the one not taken cannot change the
// value (its gradient gets a zero cotangent, as through `where`).
#include "interp/Cond.h"

#include "interp/TensorOps.h"

namespace zy::interp {

namespace {

/// The two branches' results, leaf by leaf: tensors selected by `pred`, equal static
/// values kept, anything else an error naming the first place they differ.
Value selectTrees(Interpreter &in, const Value &pred, const Value &yes, const Value &no, const std::string &path,
                  Span span) {
  auto differ = [&](const std::string &what) -> Value {
    in.fail(span, "the branches of `cond` return different " + what + (path.empty() ? "" : " at `" + path + "`") +
                      ": " + describeType(yes) + " and " + describeType(no) +
                      " (both branches must return the same structure, shapes and dtypes)");
  };
  if (yes.kind == ValueKind::Tensor || no.kind == ValueKind::Tensor) {
    if (yes.kind != ValueKind::Tensor || no.kind != ValueKind::Tensor) return differ("types");
    if (yes.tensor->shape() != no.tensor->shape() || yes.tensor->dtype() != no.tensor->dtype())
      return differ("types");
    return Value::fromTensor(where(in, pred, yes, no, span));
  }
  if (yes.kind != no.kind) return differ("types");
  if (yes.kind == ValueKind::Record) {
    const auto &a = yes.record->fields, &b = no.record->fields;
    if (a.size() != b.size()) return differ("records");
    std::vector<std::pair<std::string, Value>> out;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].first != b[i].first) return differ("records");
      out.emplace_back(a[i].first, selectTrees(in, pred, a[i].second, b[i].second, joinPath(path, a[i].first), span));
    }
    return Value::makeRecord(std::move(out));
  }
  if (yes.isSequence()) {
    if (yes.items->size() != no.items->size()) return differ(yes.kind == ValueKind::List ? "lists" : "tuples");
    std::vector<Value> out;
    for (size_t i = 0; i < yes.items->size(); ++i)
      out.push_back(selectTrees(in, pred, (*yes.items)[i], (*no.items)[i], joinPath(path, std::to_string(i)), span));
    return yes.kind == ValueKind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
  }
  // Host values (ints, strings, none) cannot depend on a traced predicate: equal or an error.
  if (!staticEquals(yes, no)) return differ("values");
  return yes;
}

} // namespace

Value condBuiltin(Interpreter &in, CallArgs &a) {
  if (!a.keywords.empty())
    in.failUnknownKeyword(a.span, "cond", a.keywords.front().first, {});
  if (a.positional.size() < 3)
    in.fail(a.span, "`cond` needs a predicate and two functions: cond(pred, then_fn, else_fn, args...)");
  const Value &pred = a.positional[0];
  CallArgs branch;
  branch.positional.assign(a.positional.begin() + 3, a.positional.end());
  if (a.positionalSpans.size() >= 3) branch.positionalSpans.assign(a.positionalSpans.begin() + 3, a.positionalSpans.end());
  branch.span = a.span;
  for (size_t k : {size_t(1), size_t(2)}) {
    ValueKind kind = a.positional[k].kind;
    if (kind != ValueKind::Function && kind != ValueKind::Builtin && kind != ValueKind::BoundMethod)
      in.fail(a.span, std::string("the ") + (k == 1 ? "second" : "third") + " argument of `cond` must be a function (the " +
                          (k == 1 ? "then" : "else") + " branch), got " + typeName(a.positional[k]));
  }
  const Value &yes = a.positional[1], &no = a.positional[2];
  if (pred.kind == ValueKind::Bool) return in.call(pred.b ? yes : no, branch);
  if (pred.kind != ValueKind::Tensor || pred.tensor->dtype() != DType::Bool || pred.tensor->size() != 1)
    in.fail(a.span, "`cond` needs a bool or a one-element bool tensor as its predicate, got " + typeName(pred) +
                        (pred.kind == ValueKind::Tensor ? "; to select element by element, use `where(c, a, b)`" : ""));
  if (!pred.tensor->isTraced()) return in.call(pred.tensor->get(0) != 0 ? yes : no, branch);
  CallArgs second = branch;
  Value then = in.call(yes, branch);
  Value otherwise = in.call(no, second);
  return selectTrees(in, pred, then, otherwise, "", a.span);
}

} // namespace zy::interp
