// Builtins.cpp: the functions of the prelude written in C++, and the random namespace.
//
// Only what needs the host or a primitive lives here: printing and conversions, tensor
// creation, the primitives users call by name (exp, sum, reshape...), initialisers, init,
// and random.*. Composite functions (relu, softmax, mean, one_hot...) are written in Zy
// in stdlib/prelude.zy; tree.* is in Trees.cpp.
#include "interp/Args.h"
#include "interp/Interpreter.h"
#include "interp/Data.h"
#include "interp/Dist.h"
#include "interp/Io.h"
#include "interp/Operators.h"
#include "interp/Params.h"
#include "interp/Progress.h"
#include "interp/Cond.h"
#include "interp/Scan.h"
#include "interp/Transforms.h"
#include "interp/RandomValues.h"
#include "interp/TensorOps.h"
#include "ir/OpTable.h"
#include "interp/Trees.h"
#include "runtime/Print.h"
#include "runtime/Random.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <numeric>

namespace zy::interp {

using ir::Op;

namespace {


using Fn = std::function<Value(Interpreter &, CallArgs &)>;


Value tensorValue(Tensor t) { return Value::fromTensor(std::move(t)); }

bool allNumbers(const Value &list) {
  for (const Value &v : *list.items)
    if (!v.isNumber()) return false;
  return true;
}

bool allNumbersOrTensors(const Value &list) {
  for (const Value &v : *list.items)
    if (!v.isNumber() && v.kind != ValueKind::Tensor) return false;
  return true;
}

/// sorted(xs, reverse = false): a list of numbers or of strings, in order; the sort is
/// stable, so equal elements keep their order (reverse too: it inverts the comparison).
Value sortedList(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"xs", "reverse"});
  const Value &xs = args.get("xs");
  bool reverse = args.flag("reverse", false);
  if (!xs.isSequence()) in.fail(a.span, "sorted() expected a list, found " + typeName(xs));
  bool strings = true;
  for (const Value &v : *xs.items) strings &= v.kind == ValueKind::Str;
  if (!strings && !allNumbers(xs))
    in.fail(a.span, "sorted() expected a list of numbers or of strings, found " + typeName(xs));
  std::vector<Value> out = *xs.items;
  std::stable_sort(out.begin(), out.end(), [&](const Value &x, const Value &y) {
    bool less = strings ? *x.str < *y.str : x.number() < y.number();
    bool greater = strings ? *y.str < *x.str : y.number() < x.number();
    return reverse ? greater : less;
  });
  return Value::list(std::move(out));
}

/// max and min of a host list of numbers: the element itself (an int stays an int).
Value extremeOf(Interpreter &in, const Value &xs, bool wantMax, Span span) {
  if (xs.items->empty()) in.fail(span, std::string(wantMax ? "max" : "min") + "() of an empty list");
  const Value *best = &xs.items->front();
  for (const Value &v : *xs.items)
    if (wantMax ? v.number() > best->number() : v.number() < best->number()) best = &v;
  return *best;
}

/// sum of a host list: its elements added with `+`, so numbers stay host numbers and
/// tensors add elementwise (with broadcasting); the sum of an empty list is 0.
Value sumOf(Interpreter &in, const Value &xs, Span span) {
  if (xs.items->empty()) return Value::integer(0);
  Value total = xs.items->front();
  for (size_t i = 1; i < xs.items->size(); ++i) total = binaryValue(in, ast::BinaryOp::Add, total, (*xs.items)[i], span);
  return total;
}

/// Nested lists of numbers to a tensor, checking the nesting is rectangular.
void flattenNested(Interpreter &in, const Value &v, size_t depth, Shape &shape, std::vector<double> &out, bool &anyFloat,
                   bool &allBool, Span span, size_t &leafDepth) {
  if (v.isSequence()) {
    int64_t n = static_cast<int64_t>(v.items->size());
    if (leafDepth != SIZE_MAX && depth >= leafDepth)
      in.fail(span, "tensor() needs a rectangular nesting of lists, but their depths differ");
    if (depth == shape.size()) shape.push_back(n);
    else if (shape[depth] != n) in.fail(span, "tensor() needs a rectangular nesting of lists, but their lengths differ");
    for (const Value &x : *v.items) flattenNested(in, x, depth + 1, shape, out, anyFloat, allBool, span, leafDepth);
    return;
  }
  // Every number must sit at the same depth: the first one fixes it.
  if (leafDepth == SIZE_MAX) leafDepth = depth;
  if (depth != leafDepth || depth != shape.size())
    in.fail(span, "tensor() needs a rectangular nesting of lists, but their depths differ");
  if (v.kind == ValueKind::Tensor && v.tensor->size() == 1) {
    anyFloat |= isFloat(v.tensor->dtype());
    allBool &= v.tensor->dtype() == DType::Bool;
    out.push_back(concrete(in, *v.tensor, span, "tensor()").get(0));
    return;
  }
  if (!v.isNumber()) in.fail(span, "tensor() takes numbers, got " + typeName(v));
  anyFloat |= v.kind == ValueKind::Float;
  allBool &= v.kind == ValueKind::Bool;
  out.push_back(v.number());
}

void installCore(Env &env) {
  env.defineBuiltin("print", [](Interpreter &in, CallArgs &a) {
    if (!a.keywords.empty()) in.failUnknownKeyword(a.span, "print", a.keywords.front().first, {});
    std::string line;
    for (size_t i = 0; i < a.positional.size(); ++i) line += (i ? " " : "") + toDisplayString(a.positional[i]);
    in.write(line + "\n");
    return Value::none();
  });
  // How `print` shows tensors, as NumPy's set_printoptions: the decimals of floats, the
  // element count past which a tensor is summarised, and the items kept at each end.
  env.defineBuiltin("set_printoptions", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"precision", "threshold", "edgeitems"});
    ZyRtPrintOptions next = *zy_rt_print_options();
    auto read = [&](const char *name, int64_t lo, int64_t hi, int64_t current) {
      int64_t v = args.integer(name, current);
      if (v < lo || v > hi)
        in.fail(a.span, std::string("`") + name + "` of `set_printoptions` must be between " + std::to_string(lo) +
                            " and " + std::to_string(hi) + ", got " + std::to_string(v));
      return v;
    };
    next.precision = static_cast<int>(read("precision", 0, 17, next.precision));
    next.threshold = read("threshold", 0, INT64_MAX, next.threshold);
    next.edgeitems = read("edgeitems", 1, 1'000'000, next.edgeitems);
    if (!in.checking) *zy_rt_print_options() = next; // a check changes nothing (interp/Check.h)
    return Value::none();
  });
  // Seconds on a monotonic clock from an arbitrary start: differences time things.
  env.defineBuiltin("clock", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {});
    // Read while a function is traced, the clock would give the trace's time on every
    // later call: a function that reads it runs as host code instead.
    if (!in.atHost())
      in.failNeedsValue(a.span, "`clock()` inside a differentiated function: its value is only known when the "
                                "function runs; time the call from outside it");
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    return Value::real(std::chrono::duration<double>(now).count());
  });
  env.defineBuiltin("len", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x"});
    const Value &v = args.get("x");
    if (v.isSequence()) return Value::integer(static_cast<int64_t>(v.items->size()));
    if (v.kind == ValueKind::Str) return Value::integer(static_cast<int64_t>(v.str->size()));
    if (v.kind == ValueKind::Record) return Value::integer(static_cast<int64_t>(v.record->fields.size()));
    if (v.kind == ValueKind::Tensor && v.tensor->rank() > 0) return Value::integer(v.tensor->shape()[0]);
    in.fail(a.span, "len() of a value of type " + typeName(v));
  });
  env.defineBuiltin("str", [](Interpreter &in, CallArgs &a) { return Value::string(toDisplayString(Args(in, a, {"x"}).get("x"))); });
  env.defineBuiltin("int", [](Interpreter &in, CallArgs &a) {
    const Value &v = Args(in, a, {"x"}).get("x");
    if (v.kind == ValueKind::Str) {
      char *end = nullptr;
      errno = 0;
      long long n = std::strtoll(v.str->c_str(), &end, 10);
      if (v.str->empty() || *end) in.fail(a.span, "int() cannot read `" + *v.str + "` as an integer", true);
      if (errno == ERANGE) in.fail(a.span, "int() of `" + *v.str + "`: too large for a 64-bit int", true);
      return Value::integer(n);
    }
    double x = v.kind == ValueKind::Tensor && v.tensor->size() == 1 ? concrete(in, *v.tensor, a.span, "int()").get(0) : v.number();
    if (!v.isNumber() && v.kind != ValueKind::Tensor) in.fail(a.span, "int() of a value of type " + typeName(v));
    if (v.kind == ValueKind::Tensor && v.tensor->size() != 1)
      in.fail(a.span, "int() of a tensor with " + std::to_string(v.tensor->size()) + " elements; it needs one");
    if (!std::isfinite(x)) in.fail(a.span, "int() of a value that is not finite", true);
    if (std::fabs(x) >= 9.2e18) in.fail(a.span, "int() of a value too large for a 64-bit int", true);
    return Value::integer(static_cast<int64_t>(std::trunc(x)));
  });
  env.defineBuiltin("float", [](Interpreter &in, CallArgs &a) {
    const Value &v = Args(in, a, {"x"}).get("x");
    if (v.kind == ValueKind::Str) {
      char *end = nullptr;
      double x = std::strtod(v.str->c_str(), &end);
      if (v.str->empty() || *end) in.fail(a.span, "float() cannot read `" + *v.str + "` as a number", true);
      return Value::real(x);
    }
    if (v.kind == ValueKind::Tensor && v.tensor->size() != 1)
      in.fail(a.span, "float() of a tensor with " + std::to_string(v.tensor->size()) + " elements; it needs one");
    if (v.kind == ValueKind::Tensor) return Value::real(concrete(in, *v.tensor, a.span, "float()").get(0));
    if (!v.isNumber()) in.fail(a.span, "float() of a value of type " + typeName(v));
    return Value::real(v.number());
  });
  // type(x): the type as messages name it ("int", "list", "f32[2, 3]"), so a stdlib
  // function can take an int or a list (split(x, 3) and split(x, [2, 5])).
  env.defineBuiltin("type", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x"});
    return Value::string(typeName(args.get("x")));
  });
  env.defineBuiltin("range", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"start", "stop", "step"});
    int64_t start = args.integer("start"), stop = args.integer("stop", start), step = args.integer("step", 1);
    if (!args.has("stop")) start = 0;
    if (step == 0) in.fail(a.span, "range() step cannot be zero");
    if ((static_cast<__int128>(stop) - start) / step > 10'000'000) in.fail(a.span, "this range has more than 10,000,000 elements");
    std::vector<Value> items;
    for (__int128 i = start; step > 0 ? i < stop : i > stop; i += step) items.push_back(Value::integer(static_cast<int64_t>(i)));
    return Value::list(std::move(items));
  });
  env.defineBuiltin("enumerate", [](Interpreter &in, CallArgs &a) {
    const Value &v = Args(in, a, {"xs"}).get("xs");
    if (!v.isSequence()) in.fail(a.span, "enumerate() needs a list, got " + typeName(v));
    std::vector<Value> out;
    for (size_t i = 0; i < v.items->size(); ++i) out.push_back(Value::tuple({Value::integer(int64_t(i)), (*v.items)[i]}));
    return Value::list(std::move(out));
  });
  env.defineBuiltin("zip", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"a", "b"});
    const Value &x = args.get("a"), &y = args.get("b");
    if (!x.isSequence() || !y.isSequence()) in.fail(a.span, "zip() needs two lists");
    std::vector<Value> out;
    for (size_t i = 0; i < std::min(x.items->size(), y.items->size()); ++i) out.push_back(Value::tuple({(*x.items)[i], (*y.items)[i]}));
    return Value::list(std::move(out));
  });
  env.defineBuiltin("sorted", sortedList);
  env.defineBuiltin("reversed", [](Interpreter &in, CallArgs &a) {
    const Value &v = Args(in, a, {"xs"}).get("xs");
    if (!v.isSequence()) in.fail(a.span, "reversed() expected a list, found " + typeName(v));
    return Value::list(std::vector<Value>(v.items->rbegin(), v.items->rend()));
  });
  // progress(xs, label = ""): xs itself, shown as a progress bar when a `for` loops over it;
  // `bar.set(loss = l)` in the loop body adds a running metric to the bar (Progress.h).
  env.defineBuiltin("progress", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"xs", "label"});
    Value v = args.get("xs");
    if (!v.isSequence()) in.fail(a.span, "progress() takes a list to loop over, got " + typeName(v));
    std::string label = args.has("label") && args.get("label").kind == ValueKind::Str ? *args.get("label").str : "";
    v.progress = std::make_shared<ProgressState>(ProgressState{label, {}});
    return v;
  });
  env.defineBuiltin("args", [](Interpreter &in, CallArgs &a) {
    Args(in, a, {});
    if (in.argsUnknown) in.failNeedsValue(a.span, "the program's arguments are only known when it runs");
    std::vector<Value> out;
    for (const std::string &s : in.programArgs()) out.push_back(Value::string(s));
    return Value::list(std::move(out));
  });
  env.defineBuiltin("assert_close", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"a", "b", "rtol", "atol"});
    double rtol = args.number("rtol", 1e-5), atol = args.number("atol", 1e-6);
    Tensor x = asTensor(in, args.get("a"), a.span, DType::F64), y = asTensor(in, args.get("b"), a.span, DType::F64);
    x = cast(in, x, DType::F64, a.span);
    y = cast(in, y, DType::F64, a.span);
    concrete(in, x, a.span, "assert_close");
    concrete(in, y, a.span, "assert_close");
    std::string error;
    auto shape = ir::broadcastShapes(x.shape(), y.shape(), error);
    if (!shape) in.fail(a.span, "assert_close of " + typeName(args.get("a")) + " and " + typeName(args.get("b")) + ": " + error, true);
    x = broadcastTo(in, x, *shape, a.span);
    y = broadcastTo(in, y, *shape, a.span);
    int64_t worst = -1;
    double worstExcess = 0;
    for (int64_t i = 0; i < x.size(); ++i) {
      double p = x.get(i), q = y.get(i);
      double excess = std::fabs(p - q) - (atol + rtol * std::fabs(q));
      bool bad = excess > 0 || (std::isnan(p) != std::isnan(q));
      if (bad && (worst < 0 || excess > worstExcess)) worst = i, worstExcess = excess;
    }
    if (worst >= 0) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "assert_close failed: element %lld is %.9g but expected %.9g (rtol=%g, atol=%g)",
                    static_cast<long long>(worst), x.get(worst), y.get(worst), rtol, atol);
      in.fail(a.span, buf, true);
    }
    return Value::none();
  });
  for (const char *name : {"f32", "f64", "i32", "bool"}) env.define(name, Value::string(name));
}

void installTensors(Env &env) {
  auto filled = [](double value) {
    return [value](Interpreter &in, CallArgs &a) {
      Args args(in, a, {"shape", "dtype"});
      return tensorValue(full(in, args.shape("shape"), value, args.dtype("dtype", DType::F32), a.span));
    };
  };
  env.defineBuiltin("zeros", filled(0));
  env.defineBuiltin("ones", filled(1));
  env.defineBuiltin("full", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"shape", "value", "dtype"});
    DType fallback = args.get("value").kind == ValueKind::Int ? DType::I32 : args.get("value").kind == ValueKind::Bool ? DType::Bool : DType::F32;
    DType dtype = args.dtype("dtype", fallback);
    // A host int that does not fit an i32 fill is an error, as asTensor's (not a clamp).
    if (dtype == DType::I32 && args.get("value").kind == ValueKind::Int) asTensor(in, args.get("value"), a.span);
    return tensorValue(full(in, args.shape("shape"), args.number("value"), dtype, a.span));
  });
  env.defineBuiltin("arange", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"start", "stop", "step", "dtype"});
    int64_t start = args.integer("start"), stop = args.integer("stop", start), step = args.integer("step", 1);
    if (!args.has("stop")) start = 0;
    if (step == 0) in.fail(a.span, "arange step cannot be zero");
    __int128 span128 = static_cast<__int128>(stop) - start + step - (step > 0 ? 1 : -1);
    __int128 count = span128 / step;
    if (count > MaxTensorElements) in.fail(a.span, "arange would make more than " + std::to_string(MaxTensorElements) + " elements");
    int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
    ir::Node iota;
    iota.op = Op::Iota;
    iota.attrs.shape = {n};
    iota.attrs.dtype = args.dtype("dtype", DType::I32);
    Tensor t = emit(in, iota, {}, a.span);
    // start + step * i, in the requested dtype
    Tensor scaled = binary(in, Op::Mul, tensorValue(t), Value::integer(step), a.span);
    return tensorValue(binary(in, Op::Add, tensorValue(scaled), Value::integer(start), a.span));
  });
  env.defineBuiltin("eye", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"n", "dtype"});
    int64_t n = args.integer("n");
    Tensor t = full(in, {n, n}, 0, args.dtype("dtype", DType::F32), a.span);
    Tensor out(t.dtype(), t.shape());
    for (int64_t i = 0; i < n; ++i) out.set(i * n + i, 1);
    return tensorValue(out);
  });
  env.defineBuiltin("tensor", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"data", "dtype"});
    Shape shape;
    std::vector<double> values;
    bool anyFloat = false, allBool = true;
    size_t leafDepth = SIZE_MAX;
    flattenNested(in, args.get("data"), 0, shape, values, anyFloat, allBool, a.span, leafDepth);
    // An empty list makes an f32 tensor, as NumPy's default float.
    DType fallback = anyFloat || values.empty() ? DType::F32 : allBool ? DType::Bool : DType::I32;
    Tensor t(args.dtype("dtype", fallback), shape);
    for (size_t i = 0; i < values.size(); ++i) {
      if (t.dtype() == DType::I32 && (values[i] > 2147483647.0 || values[i] < -2147483648.0))
      {
        char text[64];
        std::snprintf(text, sizeof text, "%.0f", values[i]);
        in.fail(a.span, std::string("tensor(): ") + text + " does not fit in i32");
      }
      t.set(static_cast<int64_t>(i), values[i]);
    }
    return tensorValue(t);
  });

  // Elementwise primitives by name.
  static const std::pair<const char *, Op> unaries[] = {
      {"exp", Op::Exp},   {"log", Op::Log},     {"log1p", Op::Log1p}, {"sqrt", Op::Sqrt},   {"sin", Op::Sin},
      {"cos", Op::Cos},   {"atan", Op::Atan},   {"tanh", Op::Tanh},   {"abs", Op::Abs},     {"sign", Op::Sign},   {"floor", Op::Floor},
      {"ceil", Op::Ceil}, {"round", Op::Round}, {"erf", Op::Erf},     {"erf_inv", Op::ErfInv},
      {"stop_gradient", Op::StopGradient}};
  for (auto [name, op] : unaries) {
    Op o = op;
    env.defineBuiltin(name, [o](Interpreter &in, CallArgs &a) {
      Args args(in, a, {"x"});
      // abs and sign of a host int stay host ints (64-bit): abs(3000000000) is
      // 3000000000, not a tensor saturated at the i32 range.
      if ((o == Op::Abs || o == Op::Sign) && args.get("x").kind == ValueKind::Int) {
        int64_t v = args.get("x").i;
        if (o == Op::Sign) return Value::integer(v > 0 ? 1 : v < 0 ? -1 : 0);
        if (v == INT64_MIN) in.fail(a.span, "abs() of the smallest 64-bit int overflows", true);
        return Value::integer(v < 0 ? -v : v);
      }
      Tensor x = args.tensor("x");
      // Math on integers computes in f32, as NumPy and JAX do.
      if (!isFloat(x.dtype()) && o != Op::Abs && o != Op::Sign && o != Op::StopGradient) x = cast(in, x, DType::F32, a.span);
      return tensorValue(unary(in, o, x, a.span));
    });
  }
  static const std::pair<const char *, Op> binaries[] = {{"maximum", Op::Max}, {"minimum", Op::Min}, {"pow", Op::Pow}};
  for (auto [name, op] : binaries) {
    Op o = op;
    env.defineBuiltin(name, [o](Interpreter &in, CallArgs &a) {
      Args args(in, a, {"a", "b"});
      return tensorValue(binary(in, o, args.get("a"), args.get("b"), a.span));
    });
  }
  env.defineBuiltin("where", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"cond", "a", "b"});
    return tensorValue(where(in, args.get("cond"), args.get("a"), args.get("b"), a.span));
  });

  // Reductions. Over a host list with no axis they work on the list's elements instead
  // (Python's sum, max and min): sum adds numbers and tensors, so a list of tensors sums
  // elementwise, and max and min of plain numbers pick one (also as min(a, b)). Anything else (a nested
  // list, an axis) goes to the tensor reduction.
  auto reduction = [](Op op) {
    return [op](Interpreter &in, CallArgs &a) {
      Args args(in, a, {"x", "axis", "keepdims"});
      const Value &x = args.get("x");
      if (x.kind == ValueKind::List && !args.has("axis") && !args.has("keepdims")) {
        if (op == Op::ReduceSum && allNumbersOrTensors(x)) return sumOf(in, x, a.span);
        if (allNumbers(x)) return extremeOf(in, x, op == Op::ReduceMax, a.span);
      }
      // min(a, b) and max(a, b) of two host numbers, as in Python (a scalar has no axis).
      if (op != Op::ReduceSum && a.positional.size() == 2 && a.keywords.empty() && x.isNumber() &&
          x.kind != ValueKind::Bool && a.positional[1].isNumber() && a.positional[1].kind != ValueKind::Bool)
        return extremeOf(in, Value::list({x, a.positional[1]}), op == Op::ReduceMax, a.span);
      return tensorValue(reduce(in, op, args.tensor("x"), args.axes("axis"), args.flag("keepdims", false), a.span));
    };
  };
  env.defineBuiltin("sum", reduction(Op::ReduceSum));
  env.defineBuiltin("max", reduction(Op::ReduceMax));
  env.defineBuiltin("min", reduction(Op::ReduceMin));
  env.defineBuiltin("argmax", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "axis", "keepdims"});
    Tensor x = args.tensor("x");
    std::optional<std::vector<int64_t>> axes = args.axes("axis");
    if (!axes) { // over all elements, as NumPy
      x = reshape(in, x, {-1}, a.span);
      axes = std::vector<int64_t>{0};
    }
    if (axes->size() != 1) in.fail(a.span, "argmax takes one axis");
    return tensorValue(reduce(in, Op::ArgMax, x, axes, args.flag("keepdims", false), a.span));
  });

  // Movement.
  env.defineBuiltin("reshape", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "shape"});
    return tensorValue(reshape(in, args.tensor("x"), args.shape("shape"), a.span));
  });
  env.defineBuiltin("transpose", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "perm"});
    Tensor x = args.tensor("x");
    std::vector<int64_t> perm;
    if (args.has("perm")) perm = args.shape("perm");
    else
      for (int64_t i = x.rank() - 1; i >= 0; --i) perm.push_back(i);
    return tensorValue(transpose(in, x, perm, a.span));
  });
  env.defineBuiltin("broadcast_to", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "shape"});
    return tensorValue(broadcastTo(in, args.tensor("x"), args.shape("shape"), a.span));
  });
  env.defineBuiltin("astype", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "dtype"});
    return tensorValue(cast(in, args.tensor("x"), args.dtype("dtype", DType::F32), a.span));
  });
  auto tensorList = [](Interpreter &in, const Value &v, Span span) {
    if (!v.isSequence()) in.fail(span, "expected a list of tensors, got " + typeName(v));
    std::vector<Tensor> out;
    for (const Value &x : *v.items) out.push_back(asTensor(in, x, span));
    return out;
  };
  env.defineBuiltin("concat", [tensorList](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"xs", "axis"});
    return tensorValue(concat(in, tensorList(in, args.get("xs"), a.span), args.integer("axis", 0), a.span));
  });
  env.defineBuiltin("stack", [tensorList](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"xs", "axis"});
    std::vector<Tensor> parts = tensorList(in, args.get("xs"), a.span);
    if (parts.empty()) in.fail(a.span, "stack needs at least one tensor");
    int64_t axis = args.integer("axis", 0), rank = parts[0].rank() + 1;
    if (axis < -rank || axis >= rank) in.fail(a.span, "axis " + std::to_string(axis) + " is out of range for stacking");
    if (axis < 0) axis += rank;
    const Shape first = parts[0].shape();
    for (Tensor &p : parts) {
      if (p.shape() != first)
        in.fail(a.span, "stack needs tensors of one shape, got " + typeString(parts[0].dtype(), first) + " and " +
                            typeString(p.dtype(), p.shape()));
      Shape s = p.shape();
      s.insert(s.begin() + axis, 1);
      p = reshape(in, p, s, a.span);
    }
    return tensorValue(concat(in, parts, axis, a.span));
  });
  env.defineBuiltin("flip", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "axis"});
    Tensor x = args.tensor("x");
    ir::Node n;
    n.op = Op::Flip;
    std::vector<int64_t> all(x.rank());
    for (int64_t i = 0; i < x.rank(); ++i) all[i] = i;
    for (int64_t axis : args.axes("axis").value_or(all)) n.attrs.axes.push_back(axis < 0 ? axis + x.rank() : axis); // all axes, as NumPy
    return tensorValue(emit(in, n, {x}, a.span));
  });
  env.defineBuiltin("pad", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "widths", "value"});
    Tensor x = args.tensor("x");
    const Value &w = args.get("widths");
    ir::Node n;
    n.op = Op::Pad;
    n.attrs.value = args.number("value", 0);
    if (!w.isSequence() || static_cast<int64_t>(w.items->size()) != x.rank())
      in.fail(a.span, "pad needs one (before, after) pair per axis of " + typeString(x.dtype(), x.shape()));
    for (const Value &pair : *w.items) {
      Shape p = toShape(in, pair, a.span);
      if (p.size() != 2) in.fail(a.span, "pad widths are (before, after) pairs");
      n.attrs.lo.push_back(p[0]);
      n.attrs.hi.push_back(p[1]);
    }
    return tensorValue(emit(in, n, {x}, a.span));
  });
  // check_labels(labels, n, name): labels unchanged, or a runtime error at the first one
  // outside [0, n) naming `name` (the stdlib function whose labels they are). A float
  // tensor is a type error at once, even with --no-check-labels, which only drops the scan.
  env.defineBuiltin("check_labels", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"labels", "n", "name"});
    Tensor labels = args.tensor("labels");
    ir::Node n;
    n.op = Op::CheckLabels;
    n.attrs.value = static_cast<double>(args.integer("n"));
    n.attrs.name = args.has("name") ? args.str("name") : "check_labels";
    if (checkLabels()) return tensorValue(emit(in, n, {labels}, a.span));
    if (auto error = ir::inferType(n, {{labels.dtype(), labels.shape()}})) in.fail(a.span, *error);
    return tensorValue(labels);
  });
  // The primitive sorts along the last axis: another axis is swapped there and back (a
  // swap is its own inverse; the other axes only count rows).
  env.defineBuiltin("argsort", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "axis", "descending"});
    Tensor x = args.tensor("x");
    const int64_t rank = x.rank(), last = rank - 1;
    int64_t axis = args.integer("axis", -1);
    if (rank > 0 && (axis < -rank || axis >= rank))
      in.fail(a.span, "argsort over axis " + std::to_string(axis) + " of " + typeString(x.dtype(), x.shape()) +
                          ", which has " + std::to_string(rank) + (rank == 1 ? " axis" : " axes"));
    if (axis < 0) axis += rank;
    std::vector<int64_t> perm(static_cast<size_t>(std::max<int64_t>(rank, 0)));
    std::iota(perm.begin(), perm.end(), int64_t(0));
    if (rank > 0) std::swap(perm[static_cast<size_t>(axis)], perm[static_cast<size_t>(last)]);
    ir::Node n;
    n.op = Op::Argsort;
    n.attrs.value = args.flag("descending", false) ? 1 : 0;
    if (rank == 0 || axis == last) return tensorValue(emit(in, n, {x}, a.span)); // the primitive's errors
    return tensorValue(transpose(in, emit(in, n, {transpose(in, x, perm, a.span)}, a.span), perm, a.span));
  });
  env.defineBuiltin("take", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"x", "indices", "axis"});
    Tensor x = args.tensor("x"), idx = args.tensor("indices");
    if (idx.dtype() != DType::I32) in.fail(a.span, "take needs i32 indices, got " + typeString(idx.dtype(), idx.shape()));
    int64_t axis = args.integer("axis", 0);
    ir::Node n;
    n.op = Op::Gather;
    n.attrs.axis = axis < 0 ? axis + x.rank() : axis;
    return tensorValue(emit(in, n, {x, idx}, a.span));
  });
}

void installParams(Env &env) {
  env.defineBuiltin("scan", scanBuiltin);
  env.defineBuiltin("while_loop", whileLoopBuiltin);
  env.defineBuiltin("cond", condBuiltin);
  env.defineBuiltin("init", initBuiltin);
  env.defineBuiltin("state", [](Interpreter &in, CallArgs &a) {
    const Value &v = Args(in, a, {"init"}).get("init");
    InitSpec spec;
    if (v.kind == ValueKind::Init) spec = *v.init;
    else if (v.kind == ValueKind::Tensor) {
      spec.name = "value";
      spec.shape = v.tensor->shape();
      spec.dtype = v.tensor->dtype();
      spec.value = v.tensor;
    } else {
      in.fail(a.span, "state() takes an initialiser or a tensor, got " + typeName(v));
    }
    spec.trainable = false;
    return makeInit(spec);
  });
  // Initialisers: a shape and options; materialised by init() with a path-derived key.
  struct Initialiser {
    const char *name;
    std::vector<const char *> options;
  };
  static const Initialiser initialisers[] = {
      {"constant", {"value", "scale"}}, {"normal", {"std", "scale"}}, {"truncated_normal", {"std", "scale"}},
      {"uniform", {"lo", "hi", "scale"}}, {"glorot", {"scale"}}, {"glorot_uniform", {"scale"}},
      {"glorot_normal", {"scale"}}, {"he", {"scale"}}, {"he_normal", {"scale"}}, {"he_uniform", {"scale"}},
      {"lecun_normal", {"scale"}}, {"orthogonal", {"scale"}}};
  for (const Initialiser &init : initialisers) {
    std::string name = init.name;
    std::vector<const char *> params = {"shape"};
    params.insert(params.end(), init.options.begin(), init.options.end());
    params.push_back("dtype");
    env.defineBuiltin(name, [name, params, options = init.options](Interpreter &in, CallArgs &a) {
      Args args(in, a, params);
      InitSpec spec;
      spec.name = name;
      spec.shape = args.shape("shape");
      spec.dtype = args.dtype("dtype", DType::F32);
      if (!isFloat(spec.dtype)) in.fail(a.span, "initialiser `" + name + "` makes float tensors, not " + dtypeName(spec.dtype));
      for (const char *option : options)
        if (args.has(option)) spec.options[option] = args.number(option);
      return makeInit(spec);
    });
  }
}

// Draws with a traced key (a key passed to a traced function): ops of the graph that make
// the numbers the host makes for the same key (RandomValues.cpp), so a traced step with a
// new key each call reuses its trace and draws inside the compiled code.

/// f64 uniform numbers in [0, 1): the random_uniform op.
Tensor tracedUniform(Interpreter &in, const Tensor &key, const Shape &shape, Span span) {
  ir::Node n;
  n.op = Op::RandomUniform;
  n.attrs.dtype = DType::F64;
  n.attrs.shape = shape;
  return emit(in, n, {key}, span);
}

/// Standard normal numbers: the random_normal op, the numbers standardNormal draws on the host.
Tensor tracedNormal(Interpreter &in, const Tensor &key, const Shape &shape, DType dtype, Span span) {
  ir::Node n;
  n.op = Op::RandomNormal;
  n.attrs.dtype = dtype;
  n.attrs.shape = shape;
  return emit(in, n, {key}, span);
}

/// random.split of a traced key: the random_split op, and its rows as keys.
Value tracedSplit(Interpreter &in, const Tensor &key, int64_t n, Span span) {
  ir::Node node;
  node.op = Op::RandomSplit;
  node.attrs.shape = {n, 2};
  Tensor words = emit(in, node, {key}, span);
  std::vector<Value> keys;
  for (int64_t i = 0; i < n; ++i) {
    IndexSpec row;
    row.index = i;
    keys.push_back(Value::tracedKey(index(in, words, {row}, span)));
  }
  return Value::list(std::move(keys));
}

void installRandom(Env &prelude) {
  auto env = std::make_shared<Env>();
  env->defineBuiltin("key", [](Interpreter &in, CallArgs &a) {
    Key k;
    zy_rt_random_key(Args(in, a, {"seed"}).integer("seed"), k.data());
    return Value::randomKey(k[0], k[1]);
  });
  env->defineBuiltin("split", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "n"});
    int64_t n = args.integer("n", 2);
    if (n < 1 || n > 1'000'000) in.fail(a.span, "random.split makes 1 to 1,000,000 keys, not " + std::to_string(n));
    if (const Value &key = args.keyValue("key"); key.isTracedKey()) return tracedSplit(in, *key.tensor, n, a.span);
    Key k = args.key("key");
    std::vector<uint32_t> words(2 * n);
    zy_rt_random_split(k.data(), n, words.data());
    std::vector<Value> keys;
    for (int64_t i = 0; i < n; ++i) keys.push_back(Value::randomKey(words[2 * i], words[2 * i + 1]));
    return Value::list(std::move(keys));
  });
  env->defineBuiltin("fold_in", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "data"});
    auto data = static_cast<uint32_t>(args.integer("data"));
    if (const Value &key = args.keyValue("key"); key.isTracedKey()) {
      ir::Node n;
      n.op = Op::RandomFoldIn;
      n.attrs.value = data;
      return Value::tracedKey(emit(in, n, {*key.tensor}, a.span));
    }
    Key k = foldIn(args.key("key"), data);
    return Value::randomKey(k[0], k[1]);
  });
  auto checkedShape = [](Interpreter &in, const Args &args) {
    Shape s = args.has("shape") ? args.shape("shape") : Shape{};
    for (int64_t d : s)
      if (d < 0) in.fail(args.span(), "a shape cannot have a negative dimension: " + shapeString(s));
    if (!elementCount(s)) in.fail(args.span(), "a tensor of shape " + shapeString(s) + " is too large");
    if (args.has("dtype") && !isFloat(args.dtype("dtype", DType::F32)))
      in.fail(args.span(), "random draws are floats (f32 or f64), not " + std::string(dtypeName(args.dtype("dtype", DType::F32))));
    return s;
  };
  env->defineBuiltin("normal", [checkedShape](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "shape", "dtype"});
    Shape shape = checkedShape(in, args);
    DType dtype = args.dtype("dtype", DType::F32);
    if (const Value &key = args.keyValue("key"); key.isTracedKey())
      return tensorValue(tracedNormal(in, *key.tensor, shape, dtype, a.span));
    return tensorValue(standardNormal(args.key("key"), shape, dtype));
  });
  env->defineBuiltin("uniform", [checkedShape](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "shape", "lo", "hi", "dtype"});
    Shape shape = checkedShape(in, args);
    DType dtype = args.dtype("dtype", DType::F32);
    double lo = args.number("lo", 0), hi = args.number("hi", 1);
    if (const Value &key = args.keyValue("key"); key.isTracedKey()) {
      Tensor u = tracedUniform(in, *key.tensor, shape, a.span);
      if (lo != 0 || hi != 1) u = binary(in, Op::Add, Value::real(lo), tensorValue(binary(in, Op::Mul, Value::real(hi - lo), tensorValue(u), a.span)), a.span);
      return tensorValue(cast(in, u, dtype, a.span));
    }
    return tensorValue(uniformTensor(args.key("key"), shape, dtype, lo, hi));
  });
  env->defineBuiltin("bernoulli", [checkedShape](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "p", "shape"});
    const Value *p = args.find("p");
    Shape shape = checkedShape(in, args);
    if (const Value &key = args.keyValue("key"); key.isTracedKey())
      return tensorValue(binary(in, Op::Lt, tensorValue(tracedUniform(in, *key.tensor, shape, a.span)),
                                p ? *p : Value::real(0.5), a.span));
    if (!p || p->isNumber()) return tensorValue(bernoulliTensor(args.key("key"), shape, args.number("p", 0.5)));
    // p is a tensor (a traced rate, say): compare the same draws with it as an op.
    Tensor u = uniformTensor(args.key("key"), shape, DType::F64, 0, 1);
    return tensorValue(binary(in, Op::Lt, tensorValue(u), *p, a.span));
  });
  env->defineBuiltin("permutation", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "n"});
    int64_t n = args.integer("n");
    if (n < 0 || n > (int64_t(1) << 31)) in.fail(a.span, "random.permutation of " + std::to_string(n) + " elements");
    // Sorting random keys gives a uniform permutation without bias.
    Tensor u = uniformTensor(args.key("key"), {n}, DType::F64, 0, 1);
    std::vector<int64_t> order(n);
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return u.get(x) < u.get(y); });
    Tensor out(DType::I32, {n});
    for (int64_t i = 0; i < n; ++i) out.set(i, double(order[i]));
    return tensorValue(out);
  });
  env->defineBuiltin("categorical", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"key", "logits", "axis"});
    Tensor logits = cast(in, args.tensor("logits"), DType::F64, a.span);
    // The Gumbel-max trick: argmax(logits + Gumbel noise) samples softmax(logits).
    Tensor u = uniformTensor(args.key("key"), logits.shape(), DType::F64, 0, 1);
    Tensor g(DType::F64, logits.shape());
    for (int64_t i = 0; i < g.size(); ++i) g.set(i, -std::log(-std::log(std::fmax(u.get(i), 1e-300))));
    Tensor noisy = binary(in, Op::Add, tensorValue(logits), tensorValue(g), a.span);
    return tensorValue(reduce(in, Op::ArgMax, noisy, std::vector<int64_t>{args.integer("axis", -1)}, false, a.span));
  });
  Value m;
  m.kind = ValueKind::Module;
  m.module = std::make_shared<ModuleData>(ModuleData{"random", env});
  prelude.define("random", m);
}

} // namespace

Value callDType(Interpreter &in, DType dtype, CallArgs &a) {
  std::string name = dtypeName(dtype);
  Args args(in, a, {"x"});
  const Value &v = args.get("x");
  if (dtype == DType::Bool && v.kind != ValueKind::Tensor) {
    // Python's truthiness: zero, empty and none are false.
    switch (v.kind) {
    case ValueKind::Bool: return v;
    case ValueKind::Int: return Value::boolean(v.i != 0);
    case ValueKind::Float: return Value::boolean(v.f != 0);
    case ValueKind::Str: return Value::boolean(!v.str->empty());
    case ValueKind::None: return Value::boolean(false);
    case ValueKind::List: case ValueKind::Tuple: return Value::boolean(!v.items->empty());
    case ValueKind::Record: return Value::boolean(!v.record->fields.empty());
    default: in.fail(a.span, "bool() of a value of type " + typeName(v));
    }
  }
  if (dtype == DType::Bool && v.tensor->size() == 1)
    return Value::boolean(concrete(in, *v.tensor, a.span, "bool()").get(0) != 0);
  if (dtype == DType::Bool)
    in.fail(a.span, "bool() of a tensor with " + std::to_string(v.tensor->size()) +
                        " elements is ambiguous; use astype(x, bool) for a bool tensor");
  // f32(x), f64(x), i32(x): a tensor of that dtype, as NumPy's np.float32(x).
  if (!isTensorLike(v) && !v.isSequence())
    in.fail(a.span, name + "() makes a tensor from a number or a tensor, got " + typeName(v));
  Tensor t = v.isSequence() ? asTensor(in, in.call(*in.preludeLookup("tensor"), a), a.span) : asTensor(in, v, a.span);
  return tensorValue(cast(in, t, dtype, a.span));
}

namespace {

/// `v` as print shows it, with `{}` for each tensor leaf (collected into `leaves`) and
/// the braces of the rest doubled: the part of a debug.print format known when tracing.
void formatStatic(const Value &v, std::string &out, std::vector<Tensor> &leaves) {
  auto escaped = [&](const std::string &s) {
    for (char c : s) out += c == '{' || c == '}' ? std::string(2, c) : std::string(1, c);
  };
  auto item = [&](const Value &x) {
    if (x.kind == ValueKind::Str) escaped("\"" + *x.str + "\""); // as print shows a string in a list
    else formatStatic(x, out, leaves);
  };
  if (v.kind == ValueKind::Tensor || v.isTracedKey()) {
    out += "{}";
    leaves.push_back(*v.tensor);
  } else if (v.kind == ValueKind::List || v.kind == ValueKind::Tuple) {
    out += v.kind == ValueKind::List ? "[" : "(";
    for (size_t i = 0; i < v.items->size(); ++i) {
      if (i) out += ", ";
      item((*v.items)[i]);
    }
    if (v.kind == ValueKind::Tuple && v.items->size() == 1) out += ",";
    out += v.kind == ValueKind::List ? "]" : ")";
  } else if (v.kind == ValueKind::Record) {
    out += "{{";
    for (size_t i = 0; i < v.record->fields.size(); ++i) {
      escaped((i ? ", " : "") + v.record->fields[i].first + ": ");
      item(v.record->fields[i].second);
    }
    out += "}}";
  } else {
    escaped(toDisplayString(v));
  }
}

/// debug.print(format, values...): in host code, the line at once; in a traced function,
/// a debug_print node that prints each time the graph runs (ir/Ops.def). Each `{}` of
/// the format takes the next value, shown as print shows it.
void installDebug(Env &prelude) {
  auto env = std::make_shared<Env>();
  env->defineBuiltin("print", [](Interpreter &in, CallArgs &a) {
    if (!a.keywords.empty()) in.failUnknownKeyword(a.span, "debug.print", a.keywords.front().first, {});
    if (a.positional.empty() || a.positional[0].kind != ValueKind::Str)
      in.fail(a.span, "debug.print takes a format string first, then one value per `{}` in it");
    const std::string &format = *a.positional[0].str;
    auto placeholders = ir::formatPlaceholders(format);
    if (auto *error = std::get_if<std::string>(&placeholders)) in.fail(a.span, "debug.print: " + *error);
    size_t expected = std::get<size_t>(placeholders), found = a.positional.size() - 1;
    if (expected != found)
      in.fail(a.span, "debug.print: the format has " + std::to_string(expected) + " `{}` but " + std::to_string(found) +
                          (found == 1 ? " value follows it" : " values follow it") + " (expected " +
                          std::to_string(expected) + ", found " + std::to_string(found) + ")");
    if (!in.trace) { // host code: now
      std::vector<std::string> shown;
      for (size_t i = 1; i < a.positional.size(); ++i) shown.push_back(toDisplayString(a.positional[i]));
      std::string line;
      size_t next = 0;
      for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] == '{' && format[i + 1] == '}') line += shown[next++], ++i;
        else if ((format[i] == '{' || format[i] == '}') && format[i + 1] == format[i]) line += format[i++];
        else line += format[i];
      }
      in.write(line + "\n");
      return Value::none();
    }
    // Traced: the static values go into the node's format now, each tensor leaf is an
    // operand printed when the graph runs. The node is an effect: dead-code elimination
    // keeps it although nothing reads it (ir::hasEffect).
    std::string nodeFormat;
    std::vector<Tensor> leaves;
    size_t next = 1;
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] == '{' && format[i + 1] == '}') formatStatic(a.positional[next++], nodeFormat, leaves), ++i;
      else if ((format[i] == '{' || format[i] == '}') && format[i + 1] == format[i]) nodeFormat += format.substr(i++, 2);
      else nodeFormat += format[i];
    }
    ir::Node n;
    n.op = Op::DebugPrint;
    n.attrs.name = nodeFormat;
    n.span = a.span;
    std::vector<ir::OperandType> types;
    for (const Tensor &t : leaves) {
      types.push_back({t.dtype(), t.shape()});
      n.operands.push_back(nodeOf(*in.trace, t));
    }
    if (auto error = ir::inferType(n, types)) in.fail(a.span, *error);
    in.trace->graph.add(n);
    return Value::none();
  });
  Value m;
  m.kind = ValueKind::Module;
  m.module = std::make_shared<ModuleData>(ModuleData{"debug", env});
  prelude.define("debug", m);
}

} // namespace

void installBuiltins(Env &env) {
  installCore(env);
  installTensors(env);
  installParams(env);
  installRandom(env);
  installDebug(env);
  installTrees(env);
  installTransforms(env);
  installData(env);
  installDist(env);
  installIo(env);
  installMemoryProbe(env);
  installEinsum(env);
}

} // namespace zy::interp
