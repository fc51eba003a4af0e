// Strings.cpp: the methods of `str` values (Strings.h), each a row of one table: its
// name, its parameters after the string itself, and what it computes.
#include "interp/Strings.h"

#include "interp/Args.h"

#include <algorithm>

namespace zy::interp {

namespace {

/// Strings longer than this are an error rather than an allocation that cannot succeed.
constexpr int64_t MaxStringBytes = int64_t(1) << 31;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string strArg(const Args &args, const char *name, const std::string &fallback) {
  return args.has(name) && args.get(name).kind != ValueKind::None ? args.str(name) : fallback;
}

/// The part of `s` left after stripping `chars` (none: whitespace) from the chosen ends.
std::string stripped(const std::string &s, const Args &args, bool left, bool right) {
  bool whitespace = !args.has("chars") || args.get("chars").kind == ValueKind::None;
  std::string chars = whitespace ? "" : args.str("chars");
  auto strip = [&](char c) { return whitespace ? isSpace(c) : chars.find(c) != std::string::npos; };
  size_t begin = 0, end = s.size();
  if (left)
    while (begin < end && strip(s[begin])) ++begin;
  if (right)
    while (end > begin && strip(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

Value split(Interpreter &in, const std::string &s, const Args &args, Span span) {
  int64_t most = args.integer("maxsplit", -1);
  std::vector<Value> parts;
  if (!args.has("sep") || args.get("sep").kind == ValueKind::None) {
    // Runs of whitespace separate; none at either end, and no empty parts.
    size_t i = 0;
    while (true) {
      while (i < s.size() && isSpace(s[i])) ++i;
      if (i == s.size()) break;
      if (most >= 0 && static_cast<int64_t>(parts.size()) == most) {
        size_t end = s.size();
        while (end > i && isSpace(s[end - 1])) --end;
        parts.push_back(Value::string(s.substr(i, end - i)));
        break;
      }
      size_t j = i;
      while (j < s.size() && !isSpace(s[j])) ++j;
      parts.push_back(Value::string(s.substr(i, j - i)));
      i = j;
    }
    return Value::list(std::move(parts));
  }
  std::string sep = args.str("sep");
  if (sep.empty()) in.fail(span, "`split` needs a separator that is not empty (or none, to split on whitespace)");
  size_t at = 0;
  while (most < 0 || static_cast<int64_t>(parts.size()) < most) {
    size_t next = s.find(sep, at);
    if (next == std::string::npos) break;
    parts.push_back(Value::string(s.substr(at, next - at)));
    at = next + sep.size();
  }
  parts.push_back(Value::string(s.substr(at)));
  return Value::list(std::move(parts));
}

Value join(Interpreter &in, const std::string &s, const Args &args, Span span) {
  const Value &items = args.get("items");
  if (!items.isSequence()) in.fail(span, "`join` takes a list or tuple of strings, got " + typeName(items));
  std::string out;
  for (size_t i = 0; i < items.items->size(); ++i) {
    const Value &item = (*items.items)[i];
    if (item.kind != ValueKind::Str)
      in.fail(span, "`join` takes strings, but item " + std::to_string(i) + " is " + typeName(item) + " (use str(x))");
    if (i) out += s;
    out += *item.str;
    if (static_cast<int64_t>(out.size()) > MaxStringBytes) in.fail(span, "`join` would make a string of more than 2 GiB");
  }
  return Value::string(std::move(out));
}

Value replace(Interpreter &in, const std::string &s, const Args &args, Span span) {
  std::string from = args.str("old"), to = args.str("new");
  int64_t most = args.integer("count", -1);
  std::string out;
  int64_t done = 0;
  auto room = [&] {
    if (static_cast<int64_t>(out.size()) > MaxStringBytes) in.fail(span, "`replace` would make a string of more than 2 GiB");
  };
  if (from.empty()) { // as Python: `to` before each character and at the end
    for (size_t i = 0; i <= s.size(); ++i) {
      if (most < 0 || done < most) {
        out += to;
        ++done;
      }
      if (i < s.size()) out += s[i];
      room();
    }
    return Value::string(std::move(out));
  }
  size_t at = 0;
  while (most < 0 || done < most) {
    size_t next = s.find(from, at);
    if (next == std::string::npos) break;
    out.append(s, at, next - at);
    out += to;
    room();
    at = next + from.size();
    ++done;
  }
  out.append(s, at, std::string::npos);
  return Value::string(std::move(out));
}

Value find(Interpreter &, const std::string &s, const Args &args, Span) {
  // As a Python slice's start: from the end when negative, and past the end finds nothing.
  int64_t n = static_cast<int64_t>(s.size()), start = args.integer("start", 0);
  if (start < 0) start = std::max<int64_t>(0, start + n);
  if (start > n) return Value::integer(-1);
  size_t at = s.find(args.str("sub"), static_cast<size_t>(start));
  return Value::integer(at == std::string::npos ? -1 : static_cast<int64_t>(at));
}

Value count(Interpreter &, const std::string &s, const Args &args, Span) {
  std::string sub = args.str("sub");
  if (sub.empty()) return Value::integer(static_cast<int64_t>(s.size()) + 1);
  int64_t n = 0;
  for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
  return Value::integer(n);
}

Value changeCase(const std::string &s, bool upper) {
  std::string out = s;
  for (char &c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Value::string(std::move(out));
}

struct Method {
  std::string name;
  std::vector<const char *> params; // after the string itself
  Value (*run)(Interpreter &, const std::string &, const Args &, Span);
};

const std::vector<Method> &methods() {
  static const std::vector<Method> table = {
      {"split", {"sep", "maxsplit"}, split},
      {"strip", {"chars"}, [](Interpreter &, const std::string &s, const Args &a, Span) { return Value::string(stripped(s, a, true, true)); }},
      {"lstrip", {"chars"}, [](Interpreter &, const std::string &s, const Args &a, Span) { return Value::string(stripped(s, a, true, false)); }},
      {"rstrip", {"chars"}, [](Interpreter &, const std::string &s, const Args &a, Span) { return Value::string(stripped(s, a, false, true)); }},
      {"join", {"items"}, join},
      {"replace", {"old", "new", "count"}, replace},
      {"startswith", {"prefix"}, [](Interpreter &, const std::string &s, const Args &a, Span) {
         std::string p = a.str("prefix");
         return Value::boolean(s.compare(0, p.size(), p) == 0 && s.size() >= p.size());
       }},
      {"endswith", {"suffix"}, [](Interpreter &, const std::string &s, const Args &a, Span) {
         std::string x = a.str("suffix");
         return Value::boolean(s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0);
       }},
      {"find", {"sub", "start"}, find},
      {"count", {"sub"}, count},
      {"lower", {}, [](Interpreter &, const std::string &s, const Args &, Span) { return changeCase(s, false); }},
      {"upper", {}, [](Interpreter &, const std::string &s, const Args &, Span) { return changeCase(s, true); }},
  };
  return table;
}

} // namespace

Value stringMethod(Interpreter &in, const Value &s, const std::string &name, Span span) {
  for (const Method &m : methods()) {
    if (m.name != name) continue;
    Value fn = Value::makeBuiltin(m.name, [&m](Interpreter &in, CallArgs &a) {
      std::string self = *a.positional.at(0).str;
      CallArgs rest = a;
      rest.positional.erase(rest.positional.begin());
      if (!rest.positionalSpans.empty()) rest.positionalSpans.erase(rest.positionalSpans.begin());
      rest.name = &m.name;
      Args args(in, rest, m.params);
      return m.run(in, self, args, a.span);
    });
    Value bound;
    bound.kind = ValueKind::BoundMethod;
    bound.items = std::make_shared<const std::vector<Value>>(std::vector<Value>{s, fn});
    return bound;
  }
  std::string names;
  for (const Method &m : methods()) names += (names.empty() ? "" : ", ") + m.name;
  in.fail(span, "a str has no method `" + name + "` (its methods: " + names + ")");
}

Value repeatString(Interpreter &in, const std::string &s, int64_t n, Span span) {
  if (n <= 0 || s.empty()) return Value::string("");
  if (n > MaxStringBytes / static_cast<int64_t>(s.size())) in.fail(span, "this would make a string of more than 2 GiB");
  std::string out;
  out.reserve(static_cast<size_t>(n) * s.size());
  for (int64_t i = 0; i < n; ++i) out += s;
  return Value::string(std::move(out));
}

} // namespace zy::interp
