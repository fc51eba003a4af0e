// Operators.cpp: operators, fields, indexing and formatting on every kind of value.
#include "interp/Operators.h"

#include "interp/IndexedUpdate.h"

#include "interp/NanCheck.h"
#include "interp/Params.h"
#include "interp/Progress.h"
#include "interp/Strings.h"
#include "interp/TensorOps.h"

#include <cmath>
#include <cstdio>

namespace zy::interp {

using ast::BinaryOp;
using ast::UnaryOp;
using ir::Op;

namespace {

bool isTree(const Value &v) {
  return v.kind == ValueKind::Record || v.kind == ValueKind::List || v.kind == ValueKind::Tuple;
}


/// Applies `fn` leaf by leaf to a tree and a tree of the same structure (or a scalar).
Value zipTrees(Interpreter &in, const Value &a, const Value &b, Span span,
               const std::function<Value(const Value &, const Value &)> &fn) {
  bool treeA = isTree(a), treeB = isTree(b);
  if (!treeA && !treeB) return fn(a, b);
  if (treeA && treeB) {
    if (a.kind != b.kind) in.fail(span, "cannot combine a " + typeName(a) + " with a " + typeName(b) + " leaf by leaf");
    if (a.kind == ValueKind::Record) {
      if (a.record->fields.size() != b.record->fields.size())
        in.fail(span, "cannot combine records with different fields leaf by leaf");
      std::vector<std::pair<std::string, Value>> out;
      for (size_t i = 0; i < a.record->fields.size(); ++i) {
        const auto &[name, value] = a.record->fields[i];
        const Value *other = b.record->find(name);
        if (!other) in.fail(span, "cannot combine trees leaf by leaf: the second has no field `" + name + "`");
        Value leaf = zipTrees(in, value, *other, span, fn);
        leaf.path = value.path;
        leaf.state = value.state;
        out.emplace_back(name, leaf);
      }
      Value r = Value::makeRecord(std::move(out));
      r.path = a.path;
      return r;
    }
    if (a.items->size() != b.items->size())
      in.fail(span, "cannot combine a " + typeName(a) + " of " + std::to_string(a.items->size()) + " with one of " +
                        std::to_string(b.items->size()) + " leaf by leaf");
    std::vector<Value> out;
    for (size_t i = 0; i < a.items->size(); ++i) out.push_back(zipTrees(in, (*a.items)[i], (*b.items)[i], span, fn));
    return a.kind == ValueKind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
  }
  const Value &tree = treeA ? a : b;
  const Value &scalar = treeA ? b : a;
  auto apply = [&](const Value &leaf) { return treeA ? fn(leaf, scalar) : fn(scalar, leaf); };
  if (tree.kind == ValueKind::Record) {
    std::vector<std::pair<std::string, Value>> out;
    for (const auto &[name, value] : tree.record->fields) {
      Value leaf = isTree(value) ? zipTrees(in, treeA ? value : scalar, treeA ? scalar : value, span, fn) : apply(value);
      leaf.state = value.state;
      out.emplace_back(name, leaf);
    }
    return Value::makeRecord(std::move(out));
  }
  std::vector<Value> out;
  for (const Value &value : *tree.items)
    out.push_back(isTree(value) ? zipTrees(in, treeA ? value : scalar, treeA ? scalar : value, span, fn) : apply(value));
  return tree.kind == ValueKind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
}

Op tensorOpOf(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return Op::Add;
  case BinaryOp::Sub: return Op::Sub;
  case BinaryOp::Mul: return Op::Mul;
  case BinaryOp::Div: return Op::Div;
  case BinaryOp::Mod: return Op::Mod;
  case BinaryOp::Pow: return Op::Pow;
  case BinaryOp::Eq: return Op::Eq;
  case BinaryOp::Ne: return Op::Ne;
  case BinaryOp::Lt: return Op::Lt;
  case BinaryOp::Le: return Op::Le;
  case BinaryOp::Gt: return Op::Gt;
  case BinaryOp::Ge: return Op::Ge;
  case BinaryOp::And: return Op::And;
  case BinaryOp::Or: return Op::Or;
  case BinaryOp::MatMul: return Op::MatMul;
  case BinaryOp::In: break; // membership: host values only, handled before any tensor op
  }
  throw std::logic_error("no tensor op for this operator");
}

int64_t floorMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

Value hostArithmetic(Interpreter &in, BinaryOp op, const Value &a, const Value &b, Span span) {
  bool ints = a.kind == ValueKind::Int && b.kind == ValueKind::Int;
  // Host ints are 64-bit; overflow is an error rather than a silent wrap.
  auto overflow = [&] { in.fail(span, std::string("integer overflow in `") + spelling(op) + "` (ints are 64-bit)", true); };
  // A float result is checked under --check-nans like an eager tensor op's.
  auto real = [&](double v) {
    if (checkNans()) checkHostResult(in, spelling(op), a.number(), b.number(), v, span);
    return Value::real(v);
  };
  int64_t r = 0;
  switch (op) {
  case BinaryOp::Add:
    if (!ints) return real(a.number() + b.number());
    if (__builtin_add_overflow(a.i, b.i, &r)) overflow();
    return Value::integer(r);
  case BinaryOp::Sub:
    if (!ints) return real(a.number() - b.number());
    if (__builtin_sub_overflow(a.i, b.i, &r)) overflow();
    return Value::integer(r);
  case BinaryOp::Mul:
    if (!ints) return real(a.number() * b.number());
    if (__builtin_mul_overflow(a.i, b.i, &r)) overflow();
    return Value::integer(r);
  case BinaryOp::Div:
    if (b.number() == 0) in.fail(span, "division by zero", true);
    return real(a.number() / b.number());
  case BinaryOp::Mod:
    if (b.number() == 0) in.fail(span, "modulo by zero", true);
    if (ints) return Value::integer(b.i == -1 ? 0 : floorMod(a.i, b.i)); // INT64_MIN % -1 would trap
    return real(a.number() - std::floor(a.number() / b.number()) * b.number());
  case BinaryOp::Pow:
    if (ints && b.i >= 0) {
      int64_t p = 1;
      for (int64_t k = 0; k < b.i; ++k) {
        if (__builtin_mul_overflow(p, a.i, &p)) overflow();
        if (p == 0 || p == 1) break; // 0 and 1 stay put (and (-1)**n alternates only by parity)
      }
      if (a.i == -1) p = b.i % 2 ? -1 : 1;
      return Value::integer(p);
    }
    return real(std::pow(a.number(), b.number()));
  case BinaryOp::Lt: return Value::boolean(a.number() < b.number());
  case BinaryOp::Le: return Value::boolean(a.number() <= b.number());
  case BinaryOp::Gt: return Value::boolean(a.number() > b.number());
  case BinaryOp::Ge: return Value::boolean(a.number() >= b.number());
  default: break;
  }
  in.fail(span, std::string("`") + spelling(op) + "` is not defined for " + typeName(a) + " and " + typeName(b));
}

/// `==` on two trees that hold tensors: the same structure, and tensors of the same dtype
/// and shape with equal elements (a NaN equals nothing, as elementwise). Tensors compare
/// by value, not identity, so two equal checkpoints are `==`; inside a traced function
/// the values are not known yet, which is an error.
bool treeEquals(Interpreter &in, const Value &a, const Value &b, Span span) {
  if (a.kind == ValueKind::Tensor && b.kind == ValueKind::Tensor) {
    const Tensor &x = concrete(in, *a.tensor, span, "`==` on trees holding tensors");
    const Tensor &y = concrete(in, *b.tensor, span, "`==` on trees holding tensors");
    if (x.dtype() != y.dtype() || x.shape() != y.shape()) return false;
    for (int64_t i = 0; i < x.size(); ++i)
      if (!(x.get(i) == y.get(i))) return false;
    return true;
  }
  if (a.kind != b.kind || !isTree(a)) return a.kind != ValueKind::Tensor && b.kind != ValueKind::Tensor && staticEquals(a, b);
  if (a.kind == ValueKind::Record) {
    const auto &fa = a.record->fields, &fb = b.record->fields;
    if (fa.size() != fb.size()) return false;
    for (size_t i = 0; i < fa.size(); ++i)
      if (fa[i].first != fb[i].first || !treeEquals(in, fa[i].second, fb[i].second, span)) return false;
    return true;
  }
  if (a.items->size() != b.items->size()) return false;
  for (size_t i = 0; i < a.items->size(); ++i)
    if (!treeEquals(in, (*a.items)[i], (*b.items)[i], span)) return false;
  return true;
}

/// `x in xs`: an element of a list or tuple (compared as `==` does), a substring of a
/// string, or a field name of a record.
Value membership(Interpreter &in, const Value &x, const Value &container, Span span) {
  if (container.isSequence()) {
    for (const Value &item : *container.items)
      if (isTree(x) || isTree(item) ? isTree(x) && isTree(item) && treeEquals(in, x, item, span)
                                    : x.kind != ValueKind::Tensor && item.kind != ValueKind::Tensor && staticEquals(x, item))
        return Value::boolean(true);
    if (x.kind == ValueKind::Tensor || holdsTensor(container))
      in.fail(span, "`in` cannot look for a tensor in a list: `==` on tensors compares element by element");
    return Value::boolean(false);
  }
  if (container.kind == ValueKind::Str) {
    if (x.kind != ValueKind::Str) in.fail(span, "`in` on a string looks for a string, got " + typeName(x));
    return Value::boolean(container.str->find(*x.str) != std::string::npos);
  }
  if (container.kind == ValueKind::Record) {
    if (x.kind != ValueKind::Str) in.fail(span, "`in` on a record looks for a field name (a string), got " + typeName(x));
    return Value::boolean(container.record->find(*x.str) != nullptr);
  }
  in.fail(span, "`in` looks in a list, a tuple, a string or a record, got " + typeName(container));
}

} // namespace

Value binaryValue(Interpreter &in, BinaryOp op, const Value &a, const Value &b, Span span) {
  if (op == BinaryOp::In) return membership(in, a, b, span);
  if (op == BinaryOp::Eq || op == BinaryOp::Ne) {
    // Comparing with none asks whether an optional argument was given: a tensor is not none.
    if ((a.kind != ValueKind::Tensor && b.kind != ValueKind::Tensor) || a.kind == ValueKind::None ||
        b.kind == ValueKind::None) {
      bool eq = isTree(a) && isTree(b) && (holdsTensor(a) || holdsTensor(b)) ? treeEquals(in, a, b, span)
                                                                             : staticEquals(a, b);
      return Value::boolean(op == BinaryOp::Eq ? eq : !eq);
    }
  }
  for (const Value *x : {&a, &b})
    if (x->kind == ValueKind::ParamsView)
      in.fail(span, "parameter `" + x->path + "` is used before it is declared; declare it first with `" + x->path +
                        " ~ ...`");
  if (op == BinaryOp::MatMul) {
    if (a.kind != ValueKind::Tensor || b.kind != ValueKind::Tensor)
      in.fail(span, "`@` multiplies tensors, got " + typeName(a) + " and " + typeName(b));
    return Value::fromTensor(matmul(in, *a.tensor, *b.tensor, span));
  }
  if (isTree(a) || isTree(b)) {
    // Two lists (or two tuples): `+` concatenates, as in Python, whatever they hold; any
    // other operator would have to guess between Python's meaning and leaf-by-leaf
    // arithmetic, so it is an error pointing at tree.map. Records, and a tree with a
    // scalar, combine leaf by leaf (and so do the lists inside two records).
    if (a.isSequence() && b.isSequence()) {
      if (op == BinaryOp::Add && a.kind == b.kind) {
        std::vector<Value> items = *a.items;
        items.insert(items.end(), b.items->begin(), b.items->end());
        return a.kind == ValueKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      std::string what = a.kind == b.kind ? "two " + typeName(a) + "s" : "a " + typeName(a) + " and a " + typeName(b);
      std::string sym = spelling(op);
      in.fail(span, "`" + sym + "` is not defined for " + what +
                        (op == BinaryOp::Add ? " (`+` concatenates two lists, or two tuples)"
                                             : "; to combine them leaf by leaf, use tree.map(|a, b| a " + sym + " b, xs, ys)"));
    }
    return zipTrees(in, a, b, span, [&](const Value &x, const Value &y) { return binaryValue(in, op, x, y, span); });
  }
  if (a.kind == ValueKind::Tensor || b.kind == ValueKind::Tensor) {
    if (!isTensorLike(a) || !isTensorLike(b))
      in.fail(span, std::string("`") + spelling(op) + "` is not defined for " + typeName(a) + " and " + typeName(b));
    Value out = Value::fromTensor(binary(in, tensorOpOf(op), a, b, span));
    // Arithmetic on host numbers (or traced scalars standing for them) stays weak.
    auto weakOrHost = [](const Value &v) { return v.kind != ValueKind::Tensor || v.weak; };
    out.weak = weakOrHost(a) && weakOrHost(b) && isFloat(out.tensor->dtype());
    auto fromHost = [](const Value &v) { return v.kind != ValueKind::Tensor || v.fromHostFloats; };
    out.fromHostFloats = out.tensor->isTraced() && fromHost(a) && fromHost(b);
    return out;
  }
  if (a.kind == ValueKind::Str && b.kind == ValueKind::Str) {
    if (op == BinaryOp::Add) return Value::string(*a.str + *b.str);
    if (op == BinaryOp::Lt) return Value::boolean(*a.str < *b.str);
    if (op == BinaryOp::Gt) return Value::boolean(*a.str > *b.str);
    if (op == BinaryOp::Le) return Value::boolean(*a.str <= *b.str);
    if (op == BinaryOp::Ge) return Value::boolean(*a.str >= *b.str);
  }
  if (op == BinaryOp::Mul && a.kind == ValueKind::Str && b.kind == ValueKind::Int) return repeatString(in, *a.str, b.i, span);
  if (op == BinaryOp::Mul && a.kind == ValueKind::Int && b.kind == ValueKind::Str) return repeatString(in, *b.str, a.i, span);
  if (a.isNumber() && b.isNumber() && a.kind != ValueKind::Bool && b.kind != ValueKind::Bool)
    return hostArithmetic(in, op, a, b, span);
  bool strPlusNumber = op == BinaryOp::Add && ((a.kind == ValueKind::Str && b.isNumber()) || (b.kind == ValueKind::Str && a.isNumber()));
  std::string hint = strPlusNumber ? " (use str(x) to make a string)" : "";
  // Inside the stdlib, the user passed a non-number to a function of numbers (`relu("a")`):
  // say that, at their call, rather than name an operator they did not write.
  if (inStdlib(span) && (isTensorLike(a) || isTensorLike(b)))
    in.fail(span, "expected a tensor or a number, got " + typeName(isTensorLike(a) ? b : a));
  in.fail(span, std::string("`") + spelling(op) + "` is not defined for " + typeName(a) + " and " + typeName(b) + hint);
}

Value unaryValue(Interpreter &in, UnaryOp op, const Value &v, Span span) {
  if (isTree(v))
    return zipTrees(in, v, Value::none(), span, [&](const Value &x, const Value &) { return unaryValue(in, op, x, span); });
  if (op == UnaryOp::Not) {
    if (v.kind == ValueKind::Bool) return Value::boolean(!v.b);
    if (v.kind == ValueKind::Tensor && v.tensor->dtype() == DType::Bool) return Value::fromTensor(unary(in, Op::Not, *v.tensor, span));
    in.fail(span, "`not` needs a bool, got " + typeName(v));
  }
  if (v.kind == ValueKind::Int) {
    if (op == UnaryOp::Neg && v.i == INT64_MIN) in.fail(span, "integer overflow in unary `-` (ints are 64-bit)", true);
    return Value::integer(op == UnaryOp::Neg ? -v.i : v.i);
  }
  if (v.kind == ValueKind::Float) return Value::real(op == UnaryOp::Neg ? -v.f : v.f);
  if (v.kind == ValueKind::Tensor) {
    if (op != UnaryOp::Neg) return v;
    Value out = Value::fromTensor(unary(in, Op::Neg, *v.tensor, span));
    out.weak = v.weak;
    out.fromHostFloats = v.fromHostFloats;
    return out;
  }
  in.fail(span, std::string("unary `") + spelling(op) + "` is not defined for " + typeName(v));
}

/// xs.append(v): a new list, xs with v at the end (xs itself is unchanged).
static Value appendMethod() {
  static const Value method = Value::makeBuiltin("append", [](Interpreter &in, CallArgs &a) {
    if (!a.keywords.empty()) in.failUnknownKeyword(a.span, "append", a.keywords.front().first, {});
    if (a.positional.size() != 2)
      in.fail(a.span, "`append` takes one value, got " + std::to_string(a.positional.size() - 1));
    std::vector<Value> items = *a.positional[0].items;
    items.push_back(a.positional[1]);
    return Value::list(std::move(items));
  });
  return method;
}

static Value withPath(Value v, const std::string &path) {
  if (v.kind == ValueKind::Record || v.kind == ValueKind::List || v.kind == ValueKind::Tensor) v.path = path;
  return v;
}


namespace {
using TensorAttribute = Value (*)(Interpreter &, const Tensor &, Span);

/// A tensor's attributes, x.shape and the others: fieldOf and tensorMemberNames read
/// this one table, so the REPL's completion offers exactly what x.NAME resolves.
const std::vector<std::pair<std::string, TensorAttribute>> &tensorAttributes() {
  static const std::vector<std::pair<std::string, TensorAttribute>> table = {
      {"shape", [](Interpreter &, const Tensor &t, Span) {
         std::vector<Value> dims;
         for (int64_t d : t.shape()) dims.push_back(Value::integer(d));
         return Value::list(std::move(dims));
       }},
      {"dtype", [](Interpreter &, const Tensor &t, Span) { return Value::string(dtypeName(t.dtype())); }},
      {"ndim", [](Interpreter &, const Tensor &t, Span) { return Value::integer(t.rank()); }},
      {"size", [](Interpreter &, const Tensor &t, Span) { return Value::integer(t.size()); }},
      {"T", [](Interpreter &in, const Tensor &t, Span span) {
         std::vector<int64_t> perm;
         for (int64_t i = t.rank() - 1; i >= 0; --i) perm.push_back(i);
         return Value::fromTensor(transpose(in, t, perm, span));
       }},
  };
  return table;
}
} // namespace

std::vector<std::string> tensorMemberNames(const Env &prelude) {
  std::vector<std::string> out;
  for (const auto &[attribute, get] : tensorAttributes()) out.push_back(attribute);
  for (const auto &[name, value] : prelude.vars)
    if (value.kind == ValueKind::Builtin || value.kind == ValueKind::Function) out.push_back(name);
  return out;
}

Value fieldOf(Interpreter &in, const Value &v, const std::string &name, Span span) {
  switch (v.kind) {
  case ValueKind::Record: {
    if (const Value *f = v.record->find(name)) return withPath(*f, joinPath(v.path, name));
    std::string known;
    for (const auto &[key, value] : v.record->fields) known += (known.empty() ? "" : ", ") + key;
    in.fail(span, (v.path.empty() ? std::string("this record") : "`" + v.path + "`") + " has no field `" + name + "`" +
                      (known.empty() ? "" : " (it has " + known + ")"));
  }
  case ValueKind::Module: {
    if (auto it = v.module->globals->vars.find(name); it != v.module->globals->vars.end()) return it->second;
    in.fail(span, "module `" + v.module->name + "` has no `" + name + "`");
  }
  case ValueKind::ParamsView: {
    Value child = v;
    child.path = joinPath(v.path, name);
    return lookupParam(in, child, span);
  }
  case ValueKind::At: return atMethod(in, v, name, span);
  case ValueKind::Str: return stringMethod(in, v, name, span);
  case ValueKind::Tensor: {
    if (name == "at") return atView(v);
    for (const auto &[attribute, get] : tensorAttributes())
      if (name == attribute) return get(in, *v.tensor, span);
    // A method: the prelude function of that name with the tensor as first argument.
    Value *fn = in.preludeLookup(name);
    if (!fn || (fn->kind != ValueKind::Builtin && fn->kind != ValueKind::Function))
      in.fail(span, "a tensor has no attribute or method `" + name + "`");
    Value bound;
    bound.kind = ValueKind::BoundMethod;
    bound.items = std::make_shared<const std::vector<Value>>(std::vector<Value>{v, *fn});
    return bound;
  }
  case ValueKind::List:
    // A list from progress(...) has one method: set, for the bar's running metrics.
    if (v.progress && name == "set") return progressSetMethod(v.progress);
    if (name == "append") {
      Value bound;
      bound.kind = ValueKind::BoundMethod;
      bound.items = std::make_shared<const std::vector<Value>>(std::vector<Value>{v, appendMethod()});
      return bound;
    }
    in.fail(span, std::string("a list has no field `") + name + "`" +
                      (v.progress ? " (a progress bar has one method: `set`, as in `bar.set(loss = l)`)"
                                  : " (a list has one method, `append`: `xs = xs.append(v)`)"));
  default: in.fail(span, "a value of type " + typeName(v) + " has no field `" + name + "`");
  }
}

Value indexValue(Interpreter &in, const Value &v, const Value &i, Span span) {
  if (v.kind == ValueKind::ParamsView) {
    Value child = v;
    if (i.kind == ValueKind::Int) child.path = joinPath(v.path, std::to_string(i.i));
    else if (i.kind == ValueKind::Str) child.path = joinPath(v.path, *i.str);
    else in.fail(span, "a params path is indexed by an int or a string, got " + typeName(i));
    return lookupParam(in, child, span);
  }
  if (v.kind == ValueKind::Record) {
    // An int reaches a field named by it: `p.layers[2]` where only layer 2 was declared.
    if (i.kind == ValueKind::Int) return fieldOf(in, v, std::to_string(i.i), span);
    if (i.kind != ValueKind::Str) in.fail(span, "a record is indexed by a string or an int, got " + typeName(i));
    return fieldOf(in, v, *i.str, span);
  }
  if (v.isSequence() || v.kind == ValueKind::Str) {
    if (i.kind != ValueKind::Int) in.fail(span, "a " + typeName(v) + " is indexed by an int, got " + typeName(i));
    int64_t n = v.kind == ValueKind::Str ? static_cast<int64_t>(v.str->size()) : static_cast<int64_t>(v.items->size());
    int64_t k = i.i < 0 ? i.i + n : i.i;
    if (k < 0 || k >= n)
      in.fail(span, "index " + std::to_string(i.i) + " is out of range for a " + typeName(v) + " of length " + std::to_string(n));
    if (v.kind == ValueKind::Str) return Value::string(std::string(1, (*v.str)[k]));
    return withPath((*v.items)[k], joinPath(v.path, std::to_string(k)));
  }
  in.fail(span, "a value of type " + typeName(v) + " cannot be indexed");
}

std::string formatValue(Interpreter &in, const Value &v, const FormatSpec &spec, Span span) {
  std::string body;
  double number = 0;
  bool numeric = v.isNumber() || (v.kind == ValueKind::Tensor && v.tensor->size() == 1);
  if (numeric) number = v.kind == ValueKind::Tensor ? concrete(in, *v.tensor, span, "formatting").get(0) : v.number();
  char type = spec.type;
  if (type && type != 's' && !numeric) in.fail(span, "format `" + std::string(1, type) + "` needs a number, got " + typeName(v));
  if (!numeric || type == 's') {
    body = toDisplayString(v);
    if (spec.precision >= 0 && static_cast<int>(body.size()) > spec.precision) body.resize(spec.precision);
  } else {
    bool integral = v.kind == ValueKind::Int || v.kind == ValueKind::Bool ||
                    (v.kind == ValueKind::Tensor && !isFloat(v.tensor->dtype()));
    if (!type) type = integral ? 'd' : 'g';
    char fmt[16], buf[512];
    int precision = spec.precision >= 0 ? spec.precision : 6;
    std::string sign = spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
    switch (type) {
    case 'd': std::snprintf(buf, sizeof buf, ("%" + sign + "lld").c_str(), static_cast<long long>(std::llround(number))); break;
    case 'x': case 'X': case 'o':
      std::snprintf(fmt, sizeof fmt, "%%ll%c", type);
      std::snprintf(buf, sizeof buf, fmt, static_cast<long long>(std::llround(number)));
      break;
    case 'b': {
      unsigned long long n = static_cast<unsigned long long>(std::llabs(std::llround(number)));
      std::string bits;
      do { bits.insert(bits.begin(), char('0' + (n & 1))); n >>= 1; } while (n);
      std::snprintf(buf, sizeof buf, "%s", bits.c_str());
      break;
    }
    case '%': std::snprintf(buf, sizeof buf, ("%" + sign + ".*f%%").c_str(), precision, number * 100); break;
    default:
      if (type == 'g' && spec.precision < 0 && v.kind == ValueKind::Float) {
        std::snprintf(buf, sizeof buf, "%s%s", number >= 0 ? sign.c_str() : "", toDisplayString(Value::real(number)).c_str());
      } else {
        std::snprintf(fmt, sizeof fmt, "%%%s.*%c", sign.c_str(), type == 'F' ? 'f' : type);
        std::snprintf(buf, sizeof buf, fmt, precision, number);
      }
    }
    body = buf;
    if (spec.thousands) {
      size_t end = body.find_first_of(".eE%");
      if (end == std::string::npos) end = body.size();
      size_t start = body.find_first_of("0123456789");
      for (size_t k = end; k > start + 3; k -= 3) body.insert(k - 3, ",");
    }
  }
  size_t len = 0;
  for (unsigned char c : body) len += (c & 0xC0) != 0x80;
  if (static_cast<int>(len) >= spec.width) return body;
  size_t pad = spec.width - len;
  char align = spec.align ? spec.align : (numeric && type != 's' ? '>' : '<');
  char fill = spec.zeroPad && !spec.align ? '0' : spec.fill;
  if (fill == '0' && !spec.align && numeric) {
    size_t signEnd = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    return body.substr(0, signEnd) + std::string(pad, '0') + body.substr(signEnd);
  }
  if (align == '<') return body + std::string(pad, fill);
  if (align == '^') return std::string(pad / 2, fill) + body + std::string(pad - pad / 2, fill);
  return std::string(pad, fill) + body;
}

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] != b[j - 1])});
      prev = cur;
    }
  }
  return row[b.size()];
}

std::string suggestName(Env &env, const std::string &name) {
  // Words from Python and other languages that Zy spells differently.
  static const std::pair<const char *, const char *> others[] = {
      {"True", "`true`"}, {"False", "`false`"}, {"None", "`none`"}, {"null", "`none`"}, {"nil", "`none`"},
      {"np", "the prelude's functions without a prefix (`zeros`, `mean`, ...)"},
      {"jnp", "the prelude's functions without a prefix (`zeros`, `mean`, ...)"},
      {"torch", "the prelude's functions without a prefix (`zeros`, `mean`, ...)"},
      {"lambda", "a lambda as `|x| e`"}};
  for (auto [word, zy] : others)
    if (name == word) return std::string("; Zy writes ") + zy;
  std::string best;
  size_t bestDistance = name.size() <= 3 ? 1 : 2;
  for (Env *e = &env; e; e = e->parent.get())
    for (const auto &[candidate, value] : e->vars) {
      size_t d = editDistance(name, candidate);
      if (d <= bestDistance && (best.empty() || d < editDistance(name, best))) best = candidate;
    }
  return best.empty() ? "" : "; did you mean `" + best + "`?";
}

void checkAnnotation(Interpreter &in, const Value &v, const ast::Type &type, Span span, ShapeVariables *vars) {
  auto mismatch = [&](const std::string &expected) {
    in.fail(span, "expected " + expected + " (as annotated), got " + typeName(v));
  };
  if (type.kind == ast::Type::List || type.kind == ast::Type::Tuple) {
    bool list = type.kind == ast::Type::List;
    if (v.kind != (list ? ValueKind::List : ValueKind::Tuple)) mismatch(list ? "a list" : "a tuple");
    if (!list && v.items->size() != type.elems.size())
      mismatch("a tuple of " + std::to_string(type.elems.size()));
    for (size_t i = 0; i < v.items->size(); ++i)
      checkAnnotation(in, (*v.items)[i], list ? *type.elems[0] : *type.elems[i], span, vars);
    return;
  }
  static const std::map<std::string, ValueKind> statics = {
      {"int", ValueKind::Int}, {"float", ValueKind::Float}, {"bool", ValueKind::Bool}, {"str", ValueKind::Str}};
  if (auto it = statics.find(type.name); it != statics.end() && !type.dims) {
    bool ok = v.kind == it->second || (it->second == ValueKind::Float && v.kind == ValueKind::Int) ||
              (it->second == ValueKind::Float && v.kind == ValueKind::Tensor && v.tensor->rank() == 0 &&
               isFloat(v.tensor->dtype())); // a float argument is a runtime scalar when traced
    if (!ok) mismatch("`" + type.name + "`");
    return;
  }
  auto dtype = dtypeFromName(type.name);
  if (!dtype) return; // a name Zy does not know as a type: documentation only
  if (v.kind != ValueKind::Tensor) mismatch("a tensor " + type.name);
  if (v.tensor->dtype() != *dtype) mismatch("dtype " + type.name);
  if (!type.dims) return;
  const auto &dims = *type.dims;
  const Shape &shape = v.tensor->shape();
  auto ellipsis = std::find_if(dims.begin(), dims.end(), [](const ast::Dim &d) { return d.kind == ast::Dim::Ellipsis; });
  size_t before = ellipsis - dims.begin(), after = ellipsis == dims.end() ? 0 : dims.end() - ellipsis - 1;
  bool rankOk = ellipsis == dims.end() ? dims.size() == shape.size() : shape.size() >= before + after;
  std::string annotated = type.name + "[";
  for (size_t k = 0; k < dims.size(); ++k)
    annotated += (k ? ", " : "") + (dims[k].kind == ast::Dim::Fixed ? std::to_string(dims[k].size)
                                    : dims[k].kind == ast::Dim::Variable ? dims[k].name : std::string("..."));
  annotated += "]";
  if (!rankOk) mismatch(annotated);
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k].kind == ast::Dim::Ellipsis) continue;
    size_t axis = ellipsis == dims.end() || k < before ? k : shape.size() - (dims.size() - k);
    int64_t actual = shape[axis];
    if (dims[k].kind == ast::Dim::Fixed) {
      if (dims[k].size != actual) mismatch(annotated);
    } else if (vars && dims[k].name != "_" && std::isupper(static_cast<unsigned char>(dims[k].name[0]))) {
      auto [it, fresh] = vars->emplace(dims[k].name, actual);
      if (!fresh && it->second != actual)
        in.fail(span, "expected " + annotated + " with " + dims[k].name + " = " + std::to_string(it->second) +
                          " (bound by an earlier argument), got " + typeName(v));
    }
  }
}

} // namespace zy::interp
