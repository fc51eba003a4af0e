// Json.cpp: the JSON reader and string quoting (Json.h): a recursive-descent parser
// whose errors say the byte where they were found and what was expected there.
#include "formats/Json.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace zy::formats {

std::string quoteJson(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += char(c);
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += char(c);
  }
  return out + "\"";
}

const Json *Json::find(const std::string &key) const {
  for (auto &[k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

namespace {

/// Duplicate keys are found with a hash set and nesting is bounded, so parsing stays
/// linear in the text.
class JsonParser {
public:
  JsonParser(const std::string &text, int maxDepth, const std::string &subject) : T(text), MaxDepth(maxDepth), Subject(subject) {}
  Json parse() {
    Json v = value(0);
    skip();
    if (P != T.size()) bad("unexpected text after the end");
    return v;
  }

private:
  const std::string &T;
  int MaxDepth;
  const std::string &Subject;
  size_t P = 0;

  [[noreturn]] void bad(const std::string &what) {
    throw FormatError("bad " + Subject + " at byte " + std::to_string(P) + ": " + what, 0, P);
  }
  void skip() {
    while (P < T.size() && (T[P] == ' ' || T[P] == '\t' || T[P] == '\n' || T[P] == '\r')) ++P;
  }
  void expect(char c) {
    skip();
    if (P >= T.size() || T[P] != c) bad(std::string("expected '") + c + "'");
    ++P;
  }
  Json value(int depth) {
    if (depth > MaxDepth) bad("nested more than " + std::to_string(MaxDepth) + " deep");
    skip();
    if (P >= T.size()) bad("unexpected end");
    char c = T[P];
    Json v;
    if (c == '{') {
      v.kind = Json::Object;
      ++P;
      skip();
      if (P < T.size() && T[P] == '}') { ++P; return v; }
      std::unordered_set<std::string> keys;
      while (true) {
        skip();
        if (P >= T.size() || T[P] != '"') bad("expected a string key");
        std::string key = string();
        expect(':');
        Json item = value(depth + 1);
        if (!keys.insert(key).second) bad("duplicate key " + quoteJson(key));
        v.fields.emplace_back(std::move(key), std::move(item));
        skip();
        if (P < T.size() && T[P] == ',') { ++P; continue; }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++P;
      skip();
      if (P < T.size() && T[P] == ']') { ++P; return v; }
      while (true) {
        v.items.push_back(value(depth + 1));
        skip();
        if (P < T.size() && T[P] == ',') { ++P; continue; }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    if (T.compare(P, 4, "true") == 0) { P += 4; v.kind = Json::Bool; v.b = true; return v; }
    if (T.compare(P, 5, "false") == 0) { P += 5; v.kind = Json::Bool; return v; }
    if (T.compare(P, 4, "null") == 0) { P += 4; return v; }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    bad(std::string("unexpected character '") + c + "'");
  }
  Json number() {
    size_t start = P;
    if (T[P] == '-') ++P;
    bool integral = true;
    auto digits = [&] {
      size_t s = P;
      while (P < T.size() && T[P] >= '0' && T[P] <= '9') ++P;
      if (P == s) bad("bad number");
    };
    digits();
    if (P < T.size() && T[P] == '.') { integral = false; ++P; digits(); }
    if (P < T.size() && (T[P] == 'e' || T[P] == 'E')) {
      integral = false;
      ++P;
      if (P < T.size() && (T[P] == '+' || T[P] == '-')) ++P;
      digits();
    }
    Json v;
    v.kind = Json::Number;
    std::string text = T.substr(start, P - start);
    v.number = std::strtod(text.c_str(), nullptr);
    if (integral) {
      errno = 0;
      long long n = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == 0) v.integer = n;
    }
    return v;
  }
  void utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) out += char(cp);
    else if (cp < 0x800) out += char(0xC0 | cp >> 6), out += char(0x80 | (cp & 0x3F));
    else if (cp < 0x10000) out += char(0xE0 | cp >> 12), out += char(0x80 | (cp >> 6 & 0x3F)), out += char(0x80 | (cp & 0x3F));
    else out += char(0xF0 | cp >> 18), out += char(0x80 | (cp >> 12 & 0x3F)), out += char(0x80 | (cp >> 6 & 0x3F)), out += char(0x80 | (cp & 0x3F));
  }
  uint32_t hex4() {
    if (P + 4 > T.size()) bad("bad \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = T[P++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
      else bad("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    ++P; // the opening quote
    std::string out;
    while (true) {
      if (P >= T.size()) bad("unterminated string");
      char c = T[P++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) bad("control character in a string");
      if (c != '\\') { out += c; continue; }
      if (P >= T.size()) bad("unterminated string");
      char e = T[P++];
      switch (e) {
      case '"': case '\\': case '/': out += e; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = hex4();
        if (cp >= 0xD800 && cp < 0xDC00 && P + 6 <= T.size() && T[P] == '\\' && T[P + 1] == 'u') {
          P += 2;
          uint32_t lo = hex4();
          if (lo < 0xDC00 || lo >= 0xE000) bad("bad surrogate pair");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        utf8(out, cp);
        break;
      }
      default: bad(std::string("bad escape '\\") + e + "'");
      }
    }
  }
};

} // namespace

Json parseJson(const std::string &text, int maxDepth, const std::string &subject) {
  return JsonParser(text, maxDepth, subject).parse();
}

} // namespace zy::formats
