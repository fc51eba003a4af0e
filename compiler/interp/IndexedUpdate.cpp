// IndexedUpdate.cpp: x.at[index].set/add/mul/get (see IndexedUpdate.h).
//
// The index is applied to a tensor of flat positions (0 .. n-1 laid out as x), so every
// kind of index `x[...]` takes (ints, slices with any step, `...`, `none`, integer tensors,
// masks) says which elements it reaches, with the same checks and errors. The update is
// then one scatter_add into the flattened x, so it is differentiable and runs traced or
// in host code alike:
//   add: the values summed in, each once per time its element is reached (as JAX);
//   set, mul: an element reached more than once gets the mean of the values aimed at it
//   (JAX leaves which one wins unspecified; the mean is that value when they agree).
#include "interp/IndexedUpdate.h"

#include "interp/Args.h"

#include <limits>

namespace zy::interp {

using ir::Node;
using ir::Op;

Value atView(const Value &tensor) {
  Value v;
  v.kind = ValueKind::At;
  v.tensor = tensor.tensor;
  return v;
}

Value atIndexed(Interpreter &in, const Value &at, const std::vector<IndexSpec> &items, Span span) {
  if (at.items) in.fail(span, "`x.at[...]` takes one index; write all of it in one pair of brackets");
  const Tensor &x = *at.tensor;
  if (x.size() > std::numeric_limits<int32_t>::max())
    in.fail(span, "x.at[...] indexes at most 2^31 - 1 elements, but x is " + typeString(x.dtype(), x.shape()));
  Node iota = ir::Node{};
  iota.op = Op::Iota;
  iota.attrs.shape = {x.size()};
  iota.attrs.axis = 0;
  iota.attrs.dtype = DType::I32;
  Tensor positions = reshape(in, emit(in, iota, {}, span), x.shape(), span);
  Value v = at;
  v.items = std::make_shared<const std::vector<Value>>(std::vector<Value>{Value::fromTensor(index(in, positions, items, span))});
  return v;
}

namespace {

Tensor scatterAdd(Interpreter &in, const Tensor &base, const Tensor &positions, const Tensor &values, Span span) {
  Node n;
  n.op = Op::ScatterAdd;
  n.attrs.axis = 0;
  return emit(in, n, {base, positions, values}, span);
}

Value update(Interpreter &in, const Value &at, const std::string &name, CallArgs &a) {
  const Tensor &x = *at.tensor;
  const Tensor &reached = (*at.items)[0].tensor ? *(*at.items)[0].tensor : Tensor();
  if (name == "get") {
    Args(in, a, {});
    Node g;
    g.op = Op::Gather;
    g.attrs.axis = 0;
    return Value::fromTensor(emit(in, g, {reshape(in, x, {x.size()}, a.span), reached}, a.span));
  }
  Args args(in, a, {"values"});
  if (x.dtype() == DType::Bool) in.fail(a.span, "x.at[...]." + name + " needs a numeric x, not " + typeName(Value::fromTensor(x)));
  Tensor given = asTensor(in, args.get("values"), a.span, x.dtype());
  Tensor values = broadcastTo(in, cast(in, given, x.dtype(), a.span), reached.shape(), a.span);
  const int64_t n = x.size(), k = reached.size();
  Tensor flatX = reshape(in, x, {n}, a.span), at_ = reshape(in, reached, {k}, a.span);
  Tensor flatV = reshape(in, values, {k}, a.span);
  if (name == "add") return Value::fromTensor(reshape(in, scatterAdd(in, flatX, at_, flatV, a.span), x.shape(), a.span));
  // set, mul: the mean of the values aimed at each element reached.
  Tensor zeros = full(in, {n}, 0, x.dtype(), a.span);
  Tensor count = scatterAdd(in, zeros, at_, full(in, {k}, 1, x.dtype(), a.span), a.span);
  Tensor sum = scatterAdd(in, zeros, at_, flatV, a.span);
  Value hit = Value::fromTensor(binary(in, Op::Gt, Value::fromTensor(count), Value::integer(0), a.span));
  Value mean = Value::fromTensor(binary(in, Op::Div, Value::fromTensor(sum),
                                        Value::fromTensor(binary(in, Op::Max, Value::fromTensor(count), Value::integer(1), a.span)),
                                        a.span));
  Tensor out = name == "set" ? where(in, hit, mean, Value::fromTensor(flatX), a.span)
                             : binary(in, Op::Mul, Value::fromTensor(flatX),
                                      Value::fromTensor(where(in, hit, mean, Value::integer(1), a.span)), a.span);
  return Value::fromTensor(reshape(in, out, x.shape(), a.span));
}

} // namespace

Value atMethod(Interpreter &in, const Value &at, const std::string &name, Span span) {
  if (!at.items)
    in.fail(span, "`x.at` needs an index first: x.at[i].set(v), .add(v), .mul(v) or .get(), not x.at." + name);
  if (name != "set" && name != "add" && name != "mul" && name != "get")
    in.fail(span, "x.at[...] has the methods set, add, mul and get, not `" + name + "`");
  Value method = Value::makeBuiltin("at." + name, [at, name](Interpreter &in, CallArgs &a) { return update(in, at, name, a); });
  return method;
}

} // namespace zy::interp
