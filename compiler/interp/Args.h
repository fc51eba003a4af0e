// Args.h: reading a builtin's arguments by position or keyword, with defaults and clear
// errors ("`zeros` needs the argument `shape`"), shared by every file of builtins.
#pragma once

#include "interp/Interpreter.h"
#include "interp/RandomValues.h"
#include "interp/TensorOps.h"

#include <algorithm>

namespace zy::interp {

/// Reads a builtin's arguments by position or keyword, with defaults and clear errors.
class Args {
public:
  Args(Interpreter &in, CallArgs &a, std::vector<const char *> names) : In(in), A(a), Names(std::move(names)) {
    if (A.positional.size() > Names.size())
      In.fail(A.span, "`" + fn() + "` takes at most " + std::to_string(Names.size()) + " arguments, got " +
                          std::to_string(A.positional.size()));
    for (auto &[name, value] : A.keywords) {
      const std::string &key = name; // clang 14 cannot capture a structured binding
      auto it = std::find_if(Names.begin(), Names.end(), [&](const char *n) { return key == n; });
      if (it == Names.end()) In.failUnknownKeyword(A.span, fn(), name, std::vector<std::string>(Names.begin(), Names.end()));
      if (static_cast<size_t>(it - Names.begin()) < A.positional.size())
        In.fail(A.span, "argument `" + name + "` of `" + fn() + "` is given twice (by position and by name)");
    }
  }

  const Value *find(const char *name) const {
    for (size_t i = 0; i < Names.size(); ++i)
      if (std::string(Names[i]) == name) {
        if (i < A.positional.size()) return &A.positional[i];
        break;
      }
    for (auto &[key, value] : A.keywords)
      if (key == name) return &value;
    return nullptr;
  }
  bool has(const char *name) const { return find(name) != nullptr; }
  const Value &get(const char *name) const {
    if (const Value *v = find(name)) return *v;
    In.fail(A.span, "`" + fn() + "` needs the argument `" + name + "`");
  }
  Tensor tensor(const char *name) const { return asTensor(In, get(name), A.span); }
  int64_t integer(const char *name, std::optional<int64_t> fallback = std::nullopt) const {
    const Value *v = find(name);
    if (!v || v->kind == ValueKind::None) {
      if (fallback) return *fallback;
      get(name);
    }
    if (v->kind != ValueKind::Int) In.fail(A.span, "`" + std::string(name) + "` of `" + fn() + "` must be an int, got " + typeName(*v));
    return v->i;
  }
  double number(const char *name, std::optional<double> fallback = std::nullopt) const {
    const Value *v = find(name);
    if (!v) {
      if (fallback) return *fallback;
      get(name);
    }
    if (v->kind == ValueKind::Tensor && v->tensor->size() == 1) return concrete(In, *v->tensor, A.span, "this argument").get(0);
    if (!v->isNumber()) In.fail(A.span, "`" + std::string(name) + "` of `" + fn() + "` must be a number, got " + typeName(*v));
    return v->number();
  }
  bool flag(const char *name, bool fallback) const {
    const Value *v = find(name);
    if (!v) return fallback;
    if (v->kind != ValueKind::Bool) In.fail(A.span, "`" + std::string(name) + "` of `" + fn() + "` must be a bool, got " + typeName(*v));
    return v->b;
  }
  Shape shape(const char *name) const { return toShape(In, get(name), A.span); }
  std::string str(const char *name) const {
    const Value &v = get(name);
    if (v.kind != ValueKind::Str) In.fail(A.span, "`" + std::string(name) + "` of `" + fn() + "` must be a str, got " + typeName(v));
    return *v.str;
  }
  DType dtype(const char *name, DType fallback) const {
    const Value *v = find(name);
    if (!v || v->kind == ValueKind::None) return fallback;
    if (v->kind == ValueKind::Str)
      if (auto d = dtypeFromName(*v->str)) return *d;
    In.fail(A.span, "`" + std::string(name) + "` must be a dtype (f32, f64, i32 or bool), got " + toDisplayString(*v));
  }
  /// A key argument; a traced one (a key passed to a traced function) only where the
  /// caller handles it, so `key` asks for its words, which only host code has.
  const Value &keyValue(const char *name) const {
    const Value &v = get(name);
    if (v.kind != ValueKind::Key) In.fail(A.span, "`" + fn() + "` needs a key (from random.key), got " + typeName(v));
    return v;
  }
  Key key(const char *name) const {
    const Value &v = keyValue(name);
    if (v.isTracedKey())
      In.failNeedsValue(A.span, "`" + fn() + "` needs the words of its key, which a traced function only has when it runs");
    return v.key;
  }
  std::optional<std::vector<int64_t>> axes(const char *name) const {
    const Value *v = find(name);
    if (!v || v->kind == ValueKind::None) return std::nullopt;
    if (v->kind == ValueKind::Int) return std::vector<int64_t>{v->i};
    return toShape(In, *v, A.span);
  }
  Span span() const { return A.span; }
  std::string fn() const { return A.name ? *A.name : "function"; }

private:
  Interpreter &In;
  CallArgs &A;
  std::vector<const char *> Names;
};

} // namespace zy::interp
