// Io.cpp: io.* and the prelude's save/load — trees of tensors as safetensors files.
//
// A safetensors file is an 8-byte little-endian header length, a JSON header
//   {"encoder.layers.0.w": {"dtype": "F32", "shape": [784, 128], "data_offsets": [0, 401408]},
//    ..., "__metadata__": {"zy.state": "bn.mean,bn.var"}}
// and the raw little-endian data. Names are the tree's dotted paths, so other frameworks
// can load the file. The metadata's zy.tree records the tree's shape without its leaves
// (records, lists, tuples, empty ones included), and load() rebuilds exactly that; a file
// without it (another writer's) is rebuilt from the dotted names (parts 0..n-1 make a
// list). Host numbers in a tree (an optimizer's step) are stored as scalars and listed in
// the metadata (zy.ints, zy.floats, zy.bools) so they come back as numbers, exactly or not
// at all; leaves declared with state(...) are listed in zy.state and come back as state.
// Loading is linear in the file's size: names nest at most MaxCheckpointDepth deep.
// Files are written atomically (a temporary file, fsync, rename). A corrupt or truncated
// file is a runtime error naming the file and the problem: the header length, the JSON,
// every offset and every size are checked before anything is read or allocated.
#include "interp/Io.h"
#include "interp/Png.h"
#include "interp/TensorOps.h"
#include "interp/Trees.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace zy::interp {

namespace {

[[noreturn]] void fileError(Interpreter &in, Span span, const std::string &path, const std::string &what) {
  in.fail(span, path + ": " + what, /*runtime=*/true);
}

std::string pathArg(Interpreter &in, CallArgs &a, size_t index, const char *name) {
  const Value *v = index < a.positional.size() ? &a.positional[index] : nullptr;
  for (auto &[key, value] : a.keywords)
    if (key == name) {
      if (v) in.fail(a.span, std::string("argument `") + name + "` is given twice (by position and by name)");
      v = &value;
    }
  if (!v) in.fail(a.span, "`" + (a.name ? *a.name : std::string("function")) + "` needs the argument `" + name + "`");
  if (v->kind != ValueKind::Str) in.fail(a.span, std::string("`") + name + "` must be a str, got " + typeName(*v));
  return *v->str;
}

void checkArgs(Interpreter &in, CallArgs &a, std::vector<const char *> names) {
  if (a.positional.size() > names.size())
    in.fail(a.span, "`" + (a.name ? *a.name : std::string("function")) + "` takes at most " + std::to_string(names.size()) +
                        " arguments, got " + std::to_string(a.positional.size()));
  for (auto &keyword : a.keywords) { // not a structured binding: clang 14 cannot capture one
    const std::string &key = keyword.first;
    if (std::find_if(names.begin(), names.end(), [&](const char *n) { return key == n; }) == names.end())
      in.failUnknownKeyword(a.span, a.name ? *a.name : std::string("function"), key,
                            std::vector<std::string>(names.begin(), names.end()));
  }
}

/// A hook for the test that kills a save half-way (tests/driver/test_reliability.sh):
/// with ZY_TEST_STALL_WRITE set, a save stops half-way through its temporary file, says
/// so on stderr and sleeps, so the test can kill -9 it at a known point.
void stallForCrashTest(const std::string &tmp) {
  static const char *stall = std::getenv("ZY_TEST_STALL_WRITE");
  if (!stall) return;
  std::fprintf(stderr, "zy: stalled mid-write of %s\n", tmp.c_str());
  std::fflush(stderr);
  ::sleep(static_cast<unsigned>(std::atoi(stall)));
}

} // namespace

void writeAtomically(Interpreter &in, Span span, const std::string &path, const std::string &head,
                     const std::vector<std::pair<const uint8_t *, size_t>> &chunks) {
  if (in.refuseWritesFor)
    in.fail(span, std::string("`") + in.refuseWritesFor + "` does not run code that writes files, and this would write " + path);
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fileError(in, span, path, std::string("cannot write: ") + std::strerror(errno));
  auto writeAll = [&](const uint8_t *p, size_t n) {
    while (n) {
      ssize_t got = ::write(fd, p, n);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  };
  bool ok = writeAll(reinterpret_cast<const uint8_t *>(head.data()), head.size());
  for (size_t k = 0; k < chunks.size(); ++k) {
    if (k == chunks.size() / 2) stallForCrashTest(tmp);
    ok = ok && writeAll(chunks[k].first, chunks[k].second);
  }
  int err = ok ? 0 : errno;
  if (ok && ::fsync(fd) != 0) ok = false, err = errno;
  if (::close(fd) != 0 && ok) ok = false, err = errno;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false, err = errno;
  if (ok) { // the rename itself survives a power cut once its directory is synced
    std::string dir = std::filesystem::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) ::fsync(dfd), ::close(dfd);
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    fileError(in, span, path, std::string("cannot write: ") + std::strerror(err ? err : EIO));
  }
}

std::string readWhole(Interpreter &in, Span span, const std::string &path, uint64_t limit) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) fileError(in, span, path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
    std::fclose(f);
    fileError(in, span, path, "cannot read: it is a directory or cannot be examined");
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    std::fclose(f);
    fileError(in, span, path, "the file is too large (" + std::to_string(st.st_size) + " bytes)");
  }
  std::string out;
  char buf[1 << 16];
  while (size_t got = std::fread(buf, 1, sizeof buf, f)) {
    out.append(buf, got);
    if (out.size() > limit) { // a pipe or device larger than its st_size said: an error, not a cut
      std::fclose(f);
      fileError(in, span, path, "the file is larger than " + std::to_string(limit) + " bytes");
    }
  }
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) fileError(in, span, path, "read error");
  return out;
}

namespace {

// ------------------------------------------------------------------------------ JSON

std::string jsonQuote(const std::string &s) {
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

struct JsonField;

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double number = 0;
  std::optional<int64_t> integer; // set when the number is written as an integer that fits
  std::string str;
  std::vector<Json> items;
  std::vector<JsonField> fields; // of an object, in order
  const Json *find(const std::string &key) const;
};

// A struct, not a std::pair, and defined here: a pair of the incomplete Json inside Json
// does not compile with clang.
struct JsonField {
  std::string first;
  Json second;
  JsonField(std::string key, Json value) : first(std::move(key)), second(std::move(value)) {}
};

const Json *Json::find(const std::string &key) const {
  for (auto &[k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

/// A small strict JSON parser for safetensors headers; errors say where and what. Linear
/// in the text: duplicate keys are found with a hash set, and nesting is bounded.
class JsonParser {
public:
  explicit JsonParser(const std::string &text, int maxDepth = 64) : T(text), MaxDepth(maxDepth) {}
  /// The parsed value, or nothing with `error` set.
  std::optional<Json> parse(std::string &error) {
    try {
      Json v = value(0);
      skip();
      if (P != T.size()) bad("unexpected text after the end");
      return v;
    } catch (const std::string &e) {
      error = e;
      return std::nullopt;
    }
  }

private:
  const std::string &T;
  int MaxDepth;
  size_t P = 0;

  [[noreturn]] void bad(const std::string &what) { throw "bad JSON header at byte " + std::to_string(P) + ": " + what; }
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
        if (!keys.insert(key).second) bad("duplicate key " + jsonQuote(key));
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

// ------------------------------------------------------------------------------ save

/// Checkpoints nest at most this deep: a leaf's dotted name has at most this many parts,
/// and save refuses a deeper tree. Real models nest a handful of levels; the bound keeps
/// loading a hostile file linear in its size (each level of a name keeps the path down
/// to it, and the tree is rebuilt recursively).
constexpr int MaxCheckpointDepth = 64;

/// Appends the shape of `tree` without its leaves to `out`, as JSON, for the metadata's
/// "zy.tree": 0 for a leaf, ["record", KEY, SUB, KEY, SUB, ...], ["list", SUB, ...] and
/// ["tuple", SUB, ...]. The dotted names alone lose empty records and lists (they have no
/// leaves to name) and cannot tell a tuple from a list.
void appendSkeleton(Interpreter &in, Span span, const Value &tree, int depth, std::string &out) {
  bool record = tree.kind == ValueKind::Record;
  if (!record && tree.kind != ValueKind::List && tree.kind != ValueKind::Tuple) {
    out += '0';
    return;
  }
  if (depth >= MaxCheckpointDepth)
    in.fail(span, "cannot save the tree: it nests more than " + std::to_string(MaxCheckpointDepth) +
                      " levels deep, and a checkpoint holds at most that many");
  out += record ? "[\"record\"" : tree.kind == ValueKind::List ? "[\"list\"" : "[\"tuple\"";
  if (record) {
    for (const auto &[key, value] : tree.record->fields) {
      out += ',' + jsonQuote(key) + ',';
      appendSkeleton(in, span, value, depth + 1, out);
    }
  } else {
    for (const Value &item : *tree.items) {
      out += ',';
      appendSkeleton(in, span, item, depth + 1, out);
    }
  }
  out += ']';
}

struct Entry {
  std::string name;
  const char *dtype;
  Shape shape;
  const uint8_t *bytes;
  size_t size;
};

const char *safetensorsDtype(DType d) {
  switch (d) {
  case DType::F32: return "F32";
  case DType::F64: return "F64";
  case DType::I32: return "I32";
  case DType::Bool: return "BOOL";
  }
  return "F32";
}

std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
  }
  return out;
}

void saveTree(Interpreter &in, Span span, const Value &tree, const std::string &path) {
  std::string skeleton; // first: it refuses a tree too deep before the leaves are walked
  appendSkeleton(in, span, tree, 0, skeleton);
  std::vector<Entry> entries;
  std::vector<std::string> state, ints, floats, bools;
  std::vector<std::shared_ptr<const Tensor>> keep; // scalars made from host numbers
  std::set<std::string> seen;
  forEachLeaf(tree, [&](const std::string &name, const Value &leaf) {
    if (name.find(',') != std::string::npos) in.fail(span, "cannot save the leaf `" + name + "`: its path has a comma");
    if (!seen.insert(name).second) in.fail(span, "cannot save the tree: two leaves have the path `" + name + "`");
    std::shared_ptr<const Tensor> t;
    if (leaf.kind == ValueKind::Tensor) {
      concrete(in, *leaf.tensor, span, "save");
      t = leaf.tensor;
      if (leaf.state) state.push_back(name);
    } else if (leaf.kind == ValueKind::Int) {
      if (leaf.i < std::numeric_limits<int32_t>::min() || leaf.i > std::numeric_limits<int32_t>::max())
        in.fail(span, "cannot save the leaf `" + name + "`: " + std::to_string(leaf.i) + " does not fit in i32");
      t = std::make_shared<const Tensor>(Tensor::scalar(DType::I32, double(leaf.i)));
      ints.push_back(name);
    } else if (leaf.kind == ValueKind::Float) {
      t = std::make_shared<const Tensor>(Tensor::scalar(DType::F64, leaf.f));
      floats.push_back(name);
    } else if (leaf.kind == ValueKind::Bool) {
      t = std::make_shared<const Tensor>(Tensor::scalar(DType::Bool, leaf.b));
      bools.push_back(name);
    } else {
      in.fail(span, "cannot save the leaf `" + (name.empty() ? std::string("(the root)") : name) + "`: it is " + typeName(leaf) +
                        ", and save stores tensors and numbers");
    }
    keep.push_back(t);
    entries.push_back({name, safetensorsDtype(t->dtype()), t->shape(), t->size() ? t->data<uint8_t>() : nullptr,
                       static_cast<size_t>(t->size()) * dtypeSize(t->dtype())});
  });
  std::string json = "{\"__metadata__\":{\"format\":\"zy\"";
  if (!state.empty()) json += ",\"zy.state\":" + jsonQuote(joinNames(state));
  if (!ints.empty()) json += ",\"zy.ints\":" + jsonQuote(joinNames(ints));
  if (!floats.empty()) json += ",\"zy.floats\":" + jsonQuote(joinNames(floats));
  if (!bools.empty()) json += ",\"zy.bools\":" + jsonQuote(joinNames(bools));
  json += ",\"zy.tree\":" + jsonQuote(skeleton);
  json += "}";
  uint64_t offset = 0;
  std::vector<std::pair<const uint8_t *, size_t>> chunks;
  for (const Entry &e : entries) {
    json += ',';
    json += jsonQuote(e.name);
    json += ":{\"dtype\":\"";
    json += e.dtype;
    json += "\",\"shape\":[";
    for (size_t i = 0; i < e.shape.size(); ++i) {
      if (i) json += ',';
      json += std::to_string(e.shape[i]);
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + e.size) + "]}";
    offset += e.size;
    if (e.size) chunks.emplace_back(e.bytes, e.size);
  }
  json += "}";
  while ((8 + json.size()) % 8) json += ' '; // the data starts 8-byte aligned
  std::string head(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) head[i] = static_cast<char>(n >> (8 * i) & 0xFF);
  head += json;
  writeAtomically(in, span, path, head, chunks);
}

// ------------------------------------------------------------------------------ load

std::set<std::string> splitNames(const std::string &s) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t comma = s.find(',', start);
    out.insert(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

/// One tensor (or host number) read from a checkpoint: its name and where its data began.
struct Loaded {
  std::string name;
  uint64_t begin;
  Value value;
};

/// Rebuilds a tree from the shape save recorded in "zy.tree" (see appendSkeleton),
/// taking each leaf by its path from `loaded`. Every tensor of the file must be a leaf of
/// the shape and every leaf a tensor of the file, or `fail` says which is not.
template <typename Fail> Value treeFromSkeleton(const Json &skeleton, std::vector<Loaded> &loaded, Fail fail) {
  std::unordered_map<std::string, size_t> byName;
  for (size_t k = 0; k < loaded.size(); ++k) byName.emplace(loaded[k].name, k);
  std::vector<bool> used(loaded.size());
  const std::string hint = " (remove zy.tree from __metadata__ to load the file by its tensor names alone)";
  std::function<Value(const Json &, const std::string &)> build = [&](const Json &node, const std::string &path) -> Value {
    if (node.kind == Json::Number) {
      auto it = byName.find(path);
      if (it == byName.end()) fail("__metadata__.zy.tree has a leaf `" + path + "`, but the file has no tensor of that name" + hint);
      if (used[it->second]) fail("__metadata__.zy.tree has the leaf `" + path + "` twice");
      used[it->second] = true;
      return loaded[it->second].value;
    }
    const std::string kind = node.kind == Json::Array && !node.items.empty() && node.items[0].kind == Json::String ? node.items[0].str : "";
    if (kind == "record") {
      if (node.items.size() % 2 != 1) fail("__metadata__.zy.tree: a record at `" + path + "` has a key without a value");
      std::vector<std::pair<std::string, Value>> fields;
      for (size_t k = 1; k < node.items.size(); k += 2) {
        if (node.items[k].kind != Json::String) fail("__metadata__.zy.tree: a record at `" + path + "` has a key that is not a string");
        const std::string &key = node.items[k].str;
        fields.emplace_back(key, build(node.items[k + 1], joinPath(path, key)));
      }
      Value v = Value::makeRecord(std::move(fields));
      v.path = path;
      return v;
    }
    if (kind == "list" || kind == "tuple") {
      std::vector<Value> items;
      for (size_t k = 1; k < node.items.size(); ++k) items.push_back(build(node.items[k], joinPath(path, std::to_string(k - 1))));
      if (kind == "tuple") return Value::tuple(std::move(items));
      Value v = Value::list(std::move(items));
      v.path = path;
      return v;
    }
    fail("__metadata__.zy.tree: the node at `" + path + "` is not 0, [\"record\", ...], [\"list\", ...] or [\"tuple\", ...]");
    return Value::none(); // not reached: fail throws
  };
  Value tree = build(skeleton, "");
  for (size_t k = 0; k < loaded.size(); ++k)
    if (!used[k]) fail("tensor " + jsonQuote(loaded[k].name) + " is not a leaf of the tree __metadata__.zy.tree records" + hint);
  return tree;
}

Value loadTree(Interpreter &in, Span span, const std::string &path) {
  std::string file = readWhole(in, span, path);
  auto fail = [&](const std::string &what) { fileError(in, span, path, what); };
  if (file.size() < 8) fail("truncated: a safetensors file starts with an 8-byte header length, but the file has " + std::to_string(file.size()) + " bytes");
  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i) headerLen |= uint64_t(static_cast<uint8_t>(file[i])) << (8 * i);
  if (headerLen > file.size() - 8)
    fail("truncated or not a safetensors file: the header length is " + std::to_string(headerLen) + " bytes, but only " +
         std::to_string(file.size() - 8) + " follow");
  if (headerLen > (uint64_t(1) << 27)) fail("the header is " + std::to_string(headerLen) + " bytes long (a corrupt file?)");
  std::string header = file.substr(8, headerLen);
  std::string error;
  auto json = JsonParser(header).parse(error);
  if (!json) fail(error);
  if (json->kind != Json::Object) fail("the JSON header is not an object");
  uint64_t dataSize = file.size() - 8 - headerLen;
  const char *data = file.data() + 8 + headerLen;

  std::set<std::string> state, ints, floats, bools;
  std::optional<Json> skeleton; // the tree's shape, from "zy.tree" (files zy wrote since it was added)
  if (const Json *meta = json->find("__metadata__")) {
    if (meta->kind != Json::Object) fail("__metadata__ is not an object");
    auto names = [&](const char *key, std::set<std::string> &out) {
      if (const Json *v = meta->find(key)) {
        if (v->kind != Json::String) fail(std::string("__metadata__.") + key + " is not a string");
        out = splitNames(v->str);
      }
    };
    names("zy.state", state);
    names("zy.ints", ints);
    names("zy.floats", floats);
    names("zy.bools", bools);
    if (const Json *tree = meta->find("zy.tree")) {
      if (tree->kind != Json::String) fail("__metadata__.zy.tree is not a string");
      std::string problem;
      skeleton = JsonParser(tree->str, MaxCheckpointDepth + 1).parse(problem);
      if (!skeleton) fail("__metadata__.zy.tree: " + problem);
    }
  }

  std::vector<Loaded> loaded;
  for (const auto &[name, info] : json->fields) {
    if (name == "__metadata__") continue;
    const std::string &tensorName = name; // clang 14 cannot capture a structured binding
    auto where = [&](const std::string &what) { fail("tensor " + jsonQuote(tensorName) + ": " + what); };
    if (!name.empty()) { // "" is the whole tree: a tensor saved alone
      size_t parts = 1 + static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
      if (parts > MaxCheckpointDepth)
        where("its name has " + std::to_string(parts) + " dot-separated parts, more than the " +
              std::to_string(MaxCheckpointDepth) + " a checkpoint may nest");
      if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos)
        where("its name has an empty part");
    }
    if (info.kind != Json::Object) where("its entry is not an object");
    const Json *dt = info.find("dtype"), *sh = info.find("shape"), *off = info.find("data_offsets");
    if (!dt || dt->kind != Json::String) where("no \"dtype\" string");
    if (!sh || sh->kind != Json::Array) where("no \"shape\" list");
    if (!off || off->kind != Json::Array || off->items.size() != 2) where("no \"data_offsets\" pair");
    Shape shape;
    for (const Json &d : sh->items) {
      if (!d.integer || *d.integer < 0) where("the shape has a dimension that is not a non-negative integer");
      shape.push_back(*d.integer);
    }
    auto count = elementCount(shape);
    if (!count) where("its shape " + shapeString(shape) + " is too large");
    const std::string &dtype = dt->str;
    size_t itemSize = 1;
    DType to = DType::F32;
    if (dtype == "F32") itemSize = 4, to = DType::F32;
    else if (dtype == "F64") itemSize = 8, to = DType::F64;
    else if (dtype == "I32") itemSize = 4, to = DType::I32;
    else if (dtype == "BOOL") itemSize = 1, to = DType::Bool;
    else if (dtype == "I64") itemSize = 8, to = DType::I32;
    else if (dtype == "I16") itemSize = 2, to = DType::I32;
    else if (dtype == "I8") itemSize = 1, to = DType::I32;
    else if (dtype == "U8") itemSize = 1, to = DType::I32;
    else where("unsupported dtype " + jsonQuote(dtype) + " (zy reads F32, F64, I32, I64, I16, I8, U8 and BOOL)");
    for (const Json &o : off->items)
      if (!o.integer || *o.integer < 0) where("data_offsets are not non-negative integers");
    uint64_t begin = static_cast<uint64_t>(*off->items[0].integer), end = static_cast<uint64_t>(*off->items[1].integer);
    if (begin > end) where("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] are reversed");
    if (end > dataSize)
      where("truncated: its data ends at byte " + std::to_string(end) + " of the data, but the file holds " + std::to_string(dataSize) + " bytes of data");
    if (end - begin != uint64_t(*count) * itemSize)
      where("its data is " + std::to_string(end - begin) + " bytes, but " + dtype + shapeString(shape) + " needs " +
            std::to_string(uint64_t(*count) * itemSize));
    Tensor t(to, shape);
    const char *p = data + begin;
    int64_t n = *count;
    if (dtype == "I64" || dtype == "I16" || dtype == "I8" || dtype == "U8") {
      auto *o = t.mutableData<int32_t>();
      for (int64_t k = 0; k < n; ++k) {
        int64_t v = 0;
        if (dtype == "I64") std::memcpy(&v, p + 8 * k, 8);
        else if (dtype == "I16") { int16_t s; std::memcpy(&s, p + 2 * k, 2); v = s; }
        else if (dtype == "I8") v = static_cast<int8_t>(p[k]);
        else v = static_cast<uint8_t>(p[k]);
        if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
          where("element " + std::to_string(k) + " is " + std::to_string(v) + ", which does not fit in i32");
        o[k] = static_cast<int32_t>(v);
      }
    } else if (to == DType::Bool) {
      auto *o = t.mutableData<uint8_t>();
      for (int64_t k = 0; k < n; ++k) o[k] = p[k] != 0;
    } else if (n) {
      std::memcpy(t.mutableData<uint8_t>(), p, end - begin); // little-endian host
    }
    Value v;
    bool scalar = shape.empty();
    bool isInt = ints.count(name) > 0, isFloat = floats.count(name) > 0, isBool = bools.count(name) > 0;
    if ((isInt || isFloat || isBool) && !scalar)
      where("__metadata__ lists it as a number, but it has the shape " + shapeString(shape));
    // A host number must be exactly what the metadata says: a float -> int conversion of
    // NaN, an infinity, 1e30 or 2.5 would be undefined or silently wrong.
    auto wrong = [&](const char *what, double x) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", x);
      where(std::string("__metadata__ lists it as ") + what + ", but its value is " + buf);
    };
    if (isInt) {
      double x = t.get(0);
      if (!(x == std::trunc(x) && x >= -9223372036854775808.0 && x < 9223372036854775808.0)) wrong("an int", x);
      v = Value::integer(static_cast<int64_t>(x));
    } else if (isFloat) {
      v = Value::real(t.get(0));
    } else if (isBool) {
      double x = t.get(0);
      if (x != 0 && x != 1) wrong("a bool", x);
      v = Value::boolean(x != 0);
    } else {
      v = Value::fromTensor(std::move(t));
      v.state = state.count(name) > 0;
      v.path = name;
    }
    loaded.push_back({name, begin, std::move(v)});
  }
  if (skeleton) return treeFromSkeleton(*skeleton, loaded, fail);

  // Without a recorded shape (another writer's file, or zy's before zy.tree), the tree
  // comes from the dotted names, in the order the tensors were saved (other writers
  // sort names; their offsets then follow them).
  std::stable_sort(loaded.begin(), loaded.end(), [](const Loaded &a, const Loaded &b) { return a.begin < b.begin; });
  std::vector<std::pair<std::string, Value>> leaves;
  for (Loaded &l : loaded) leaves.emplace_back(l.name, std::move(l.value));
  std::optional<std::string> conflict;
  Value tree = treeFromPaths(leaves, conflict);
  if (conflict && conflict->empty())
    fail("it has a tensor named \"\" (a whole tree that is one tensor) beside other tensors");
  if (conflict) fail("`" + *conflict + "` is both a tensor and a group of tensors");
  return tree;
}

Value saveBuiltin(Interpreter &in, CallArgs &a) {
  checkArgs(in, a, {"tree", "path"});
  const Value *tree = !a.positional.empty() ? &a.positional[0] : nullptr;
  for (auto &[key, value] : a.keywords)
    if (key == "tree") tree = &value;
  if (!tree) in.fail(a.span, "`save` needs the argument `tree`");
  saveTree(in, a.span, *tree, pathArg(in, a, 1, "path"));
  return Value::none();
}

Value loadBuiltin(Interpreter &in, CallArgs &a) {
  checkArgs(in, a, {"path"});
  return loadTree(in, a.span, pathArg(in, a, 0, "path"));
}

} // namespace

void installIo(Env &prelude) {
  auto env = std::make_shared<Env>();
  env->defineBuiltin("save", saveBuiltin);
  env->defineBuiltin("load", loadBuiltin);
  prelude.defineBuiltin("save", saveBuiltin);
  prelude.defineBuiltin("load", loadBuiltin);
  installPng(*env);
  env->defineBuiltin("read_text", [](Interpreter &in, CallArgs &a) {
    checkArgs(in, a, {"path"});
    return Value::string(readWhole(in, a.span, pathArg(in, a, 0, "path"), uint64_t(1) << 32));
  });
  env->defineBuiltin("write_text", [](Interpreter &in, CallArgs &a) {
    checkArgs(in, a, {"path", "text"});
    std::string path = pathArg(in, a, 0, "path"), text = pathArg(in, a, 1, "text");
    writeAtomically(in, a.span, path, text, {});
    return Value::none();
  });
  env->defineBuiltin("exists", [](Interpreter &in, CallArgs &a) {
    checkArgs(in, a, {"path"});
    std::error_code ec;
    return Value::boolean(std::filesystem::exists(pathArg(in, a, 0, "path"), ec));
  });
  // The directory of the file that calls it, for paths relative to a program's source.
  env->defineBuiltin("source_dir", [](Interpreter &in, CallArgs &a) {
    checkArgs(in, a, {});
    std::string file = a.span.file ? a.span.file->name() : std::string();
    std::string dir = std::filesystem::path(file).parent_path().string();
    return Value::string(dir.empty() ? "." : dir);
  });
  Value m;
  m.kind = ValueKind::Module;
  m.module = std::make_shared<ModuleData>(ModuleData{"io", env});
  prelude.define("io", m);
}

} // namespace zy::interp
