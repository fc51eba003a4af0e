// Value.cpp: making values, naming their types, showing them, comparing them.
#include "interp/Value.h"

#include "syntax/Ast.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace zy::interp {

const Value *RecordData::find(const std::string &name) const {
  for (const auto &[key, value] : fields)
    if (key == name) return &value;
  return nullptr;
}

Value *Env::lookup(const std::string &name) {
  for (Env *e = this; e; e = e->parent.get())
    if (auto it = e->vars.find(name); it != e->vars.end()) return &it->second;
  return nullptr;
}

void Env::defineBuiltin(const std::string &name, std::function<Value(Interpreter &, CallArgs &)> fn) {
  define(name, Value::makeBuiltin(name, std::move(fn)));
}

bool holdsTensor(const Value &v) {
  if (v.kind == ValueKind::Tensor) return true;
  if (v.kind == ValueKind::Record)
    return std::any_of(v.record->fields.begin(), v.record->fields.end(), [](auto &f) { return holdsTensor(f.second); });
  if (v.kind == ValueKind::List || v.kind == ValueKind::Tuple) return std::any_of(v.items->begin(), v.items->end(), holdsTensor);
  return false;
}

Value *Env::lookupForRebinding(const std::string &name, bool &outside) {
  outside = false;
  for (Env *e = this; e; e = e->parent.get()) {
    if (auto it = e->vars.find(name); it != e->vars.end()) return &it->second;
    if (e->functionScope) {
      outside = e->parent && e->parent->lookup(name);
      return nullptr;
    }
  }
  return nullptr;
}

Value Value::string(std::string v) {
  Value x;
  x.kind = ValueKind::Str;
  x.str = std::make_shared<const std::string>(std::move(v));
  return x;
}

Value Value::list(std::vector<Value> items) {
  Value x;
  x.kind = ValueKind::List;
  for (const Value &v : items) x.depth = std::max<uint16_t>(x.depth, v.depth);
  if (++x.depth > MaxValueDepth) throw ValueTooDeep();
  x.items = std::make_shared<const std::vector<Value>>(std::move(items));
  return x;
}

Value Value::tuple(std::vector<Value> items) {
  Value x = list(std::move(items));
  x.kind = ValueKind::Tuple;
  return x;
}

Value Value::makeRecord(std::vector<std::pair<std::string, Value>> fields) {
  Value x;
  x.kind = ValueKind::Record;
  for (const auto &field : fields) x.depth = std::max<uint16_t>(x.depth, field.second.depth);
  if (++x.depth > MaxValueDepth) throw ValueTooDeep();
  auto data = std::make_shared<RecordData>();
  data->fields = std::move(fields);
  x.record = std::move(data);
  return x;
}

Value Value::fromTensor(Tensor t) {
  Value x;
  x.kind = ValueKind::Tensor;
  x.tensor = std::make_shared<const Tensor>(std::move(t));
  return x;
}

Value Value::randomKey(uint32_t k0, uint32_t k1) {
  Value x;
  x.kind = ValueKind::Key;
  x.key = {k0, k1};
  return x;
}

Value Value::tracedKey(Tensor words) {
  Value x;
  x.kind = ValueKind::Key;
  x.tensor = std::make_shared<const Tensor>(std::move(words));
  return x;
}

Value Value::makeBuiltin(std::string name, std::function<Value(Interpreter &, CallArgs &)> fn) {
  Value x;
  x.kind = ValueKind::Builtin;
  x.builtin = std::make_shared<const Builtin>(Builtin{std::move(name), std::move(fn), {}, true});
  return x;
}

std::string typeName(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "none";
  case ValueKind::Bool: return "bool";
  case ValueKind::Int: return "int";
  case ValueKind::Float: return "float";
  case ValueKind::Str: return "str";
  case ValueKind::List: return "list";
  case ValueKind::Tuple: return "tuple";
  case ValueKind::Record: return "record";
  case ValueKind::Function: return "function";
  case ValueKind::Builtin: return "function";
  case ValueKind::BoundMethod: return "method";
  case ValueKind::At: return "indexed update";
  case ValueKind::Unknown: return "unknown";
  case ValueKind::Tensor: return typeString(v.tensor->dtype(), v.tensor->shape());
  case ValueKind::Key: return "key";
  case ValueKind::Module: return "module";
  case ValueKind::Init: return "initialiser";
  case ValueKind::ParamsView: return "params";
  }
  return "value";
}

std::string describeType(const Value &v) {
  auto sourceText = [](const Span &s) {
    return s.valid() ? std::string(s.file->text().substr(s.begin, s.end - s.begin)) : std::string("?");
  };
  switch (v.kind) {
  case ValueKind::Record: {
    std::string out = "{";
    for (size_t i = 0; i < v.record->fields.size(); ++i)
      out += (i ? ", " : "") + v.record->fields[i].first + ": " + describeType(v.record->fields[i].second);
    return out + "}";
  }
  case ValueKind::List:
  case ValueKind::Tuple: {
    bool list = v.kind == ValueKind::List;
    std::vector<std::string> items;
    for (const Value &x : *v.items) items.push_back(describeType(x));
    // A long list of one type reads better as a count.
    if (list && items.size() > 4 && std::all_of(items.begin(), items.end(), [&](auto &t) { return t == items[0]; }))
      return "[" + items[0] + ", ...] (" + std::to_string(items.size()) + " items)";
    std::string out = list ? "[" : "(";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    if (!list && items.size() == 1) out += ",";
    return out + (list ? "]" : ")");
  }
  case ValueKind::Function: {
    std::string out = "fn " + v.closure->name + "(";
    for (size_t i = 0; i < v.closure->params->size(); ++i) {
      const ast::Param &p = (*v.closure->params)[i];
      out += (i ? ", " : "") + p.name + (p.type ? ": " + sourceText(p.type->span) : "") + (p.defaultValue ? " = ..." : "");
    }
    out += ")";
    if (v.closure->returnType) out += " -> " + sourceText(v.closure->returnType->span);
    return out;
  }
  case ValueKind::Builtin: return "fn " + v.builtin->name + " (builtin)";
  case ValueKind::Module: return "module " + v.module->name;
  default: return typeName(v);
  }
}

/// A float as Python's repr writes it: the fewest digits that read back to the same
/// double, positional from 1e-4 up to 1e16 (`10.0`, `0.001`, `123.5`), scientific
/// outside it (`1e+16`, `1e-05`), and a `.0` on whole numbers.
static std::string showFloat(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, f);
    if (std::strtod(buf, nullptr) == f) break;
  }
  // buf is [-]D[.DDD]e[+-]XX: split it into sign, digits and decimal exponent.
  std::string text = buf, sign, digits;
  size_t e = text.find('e');
  int exponent = std::atoi(text.c_str() + e + 1);
  for (size_t k = 0; k < e; ++k) {
    if (text[k] == '-') sign = "-";
    else if (text[k] != '.') digits += text[k];
  }
  if (exponent < -4 || exponent >= 16) {
    std::string mantissa = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
    char exp[8];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return sign + mantissa + exp;
  }
  if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
  size_t whole = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= whole) return sign + digits + std::string(whole - digits.size(), '0') + ".0";
  return sign + digits.substr(0, whole) + "." + digits.substr(whole);
}

std::string toDisplayString(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "none";
  case ValueKind::Bool: return v.b ? "true" : "false";
  case ValueKind::Int: return std::to_string(v.i);
  case ValueKind::Float: return showFloat(v.f);
  case ValueKind::Str: return *v.str;
  case ValueKind::List:
  case ValueKind::Tuple: {
    std::string out = v.kind == ValueKind::List ? "[" : "(";
    for (size_t i = 0; i < v.items->size(); ++i) {
      if (i) out += ", ";
      const Value &x = (*v.items)[i];
      out += x.kind == ValueKind::Str ? "\"" + *x.str + "\"" : toDisplayString(x);
    }
    if (v.kind == ValueKind::Tuple && v.items->size() == 1) out += ",";
    return out + (v.kind == ValueKind::List ? "]" : ")");
  }
  case ValueKind::Record: {
    std::string out = "{";
    for (size_t i = 0; i < v.record->fields.size(); ++i) {
      const auto &[name, x] = v.record->fields[i];
      out += (i ? ", " : "") + name + ": " + (x.kind == ValueKind::Str ? "\"" + *x.str + "\"" : toDisplayString(x));
    }
    return out + "}";
  }
  case ValueKind::Function: return "<fn " + v.closure->name + ">";
  case ValueKind::Builtin: return "<fn " + v.builtin->name + ">";
  case ValueKind::BoundMethod: return "<method>";
  case ValueKind::At: return "<x.at[...]>";
  case ValueKind::Unknown: return "<unknown>";
  case ValueKind::Tensor:
    if (v.tensor->isTraced()) return "traced(" + typeString(v.tensor->dtype(), v.tensor->shape()) + ")";
    return v.tensor->toString();
  case ValueKind::Key:
    if (v.tensor) return "key(traced)";
    return "key(" + std::to_string(v.key[0]) + ", " + std::to_string(v.key[1]) + ")";
  case ValueKind::Module: return "<module " + v.module->name + ">";
  case ValueKind::Init: return "<initialiser " + v.init->name + " " + shapeString(v.init->shape) + ">";
  case ValueKind::ParamsView: return "<params being initialised at `" + v.path + "`>";
  }
  return "?";
}

bool staticEquals(const Value &a, const Value &b) {
  if (a.isNumber() && b.isNumber() && a.kind != ValueKind::Bool && b.kind != ValueKind::Bool)
    return a.number() == b.number();
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case ValueKind::None: return true;
  case ValueKind::Bool: return a.b == b.b;
  case ValueKind::Str: return *a.str == *b.str;
  case ValueKind::List:
  case ValueKind::Tuple:
    if (a.items->size() != b.items->size()) return false;
    for (size_t i = 0; i < a.items->size(); ++i)
      if (!staticEquals((*a.items)[i], (*b.items)[i])) return false;
    return true;
  case ValueKind::Record:
    if (a.record->fields.size() != b.record->fields.size()) return false;
    for (size_t i = 0; i < a.record->fields.size(); ++i)
      if (a.record->fields[i].first != b.record->fields[i].first ||
          !staticEquals(a.record->fields[i].second, b.record->fields[i].second))
        return false;
    return true;
  case ValueKind::Key: return a.tensor || b.tensor ? a.tensor == b.tensor : a.key == b.key;
  case ValueKind::Function: return a.closure == b.closure;
  case ValueKind::Builtin: return a.builtin == b.builtin;
  case ValueKind::Tensor: return a.tensor == b.tensor;
  default: return false;
  }
}

} // namespace zy::interp
