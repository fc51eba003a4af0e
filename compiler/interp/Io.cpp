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
// every offset and every size are checked before anything is read or allocated. The
// safetensors layout, JSON and file writing are compiler/formats/'s; this file gives them
// their meaning for trees.
#include "interp/Io.h"

#include "dist/Communicator.h"
#include "formats/Files.h"
#include "formats/Safetensors.h"
#include "interp/Png.h"
#include "interp/TensorOps.h"
#include "interp/Trees.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <unordered_map>

namespace zy::interp {

namespace {

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

} // namespace

void failFormat(Interpreter &in, Span span, const std::string &path, const formats::FormatError &e) {
  std::string where = e.line ? path + ":" + std::to_string(e.line) : path;
  in.fail(span, where + ": " + e.what(), /*runtime=*/true);
}

void refuseReadOfUnwrittenFile(Interpreter &in, Span span, const std::string &path) {
  if (!in.checkWrote.empty() && in.checkWrote.count(std::filesystem::absolute(path).lexically_normal().string()))
    in.failNeedsValue(span, "the program writes `" + path + "` before it reads it, which a check does not do");
}

void writeAtomically(Interpreter &in, Span span, const std::string &path, const std::string &head,
                     const std::vector<std::pair<const uint8_t *, size_t>> &chunks) {
  if (in.checking) { // a check writes nothing (Check.h), but remembers what a run would have
    in.checkWrote.insert(std::filesystem::absolute(path).lexically_normal().string());
    return;
  }
  if (in.refuseWritesFor)
    in.fail(span, std::string("`") + in.refuseWritesFor + "` does not run code that writes files, and this would write " + path);
  // In a job of several processes the file is rank 0's: the others hold the same
  // parameters, and N writers of one path would race (docs/dist.md).
  if (dist::world().rank() != 0) return;
  withFormatErrors(in, span, path, [&] { formats::writeAtomically(path, head, chunks); });
}

std::string readWhole(Interpreter &in, Span span, const std::string &path, uint64_t limit) {
  return withFormatErrors(in, span, path, [&] { return formats::readFile(path, limit); });
}

namespace {

using formats::Json;
using formats::quoteJson;

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
      out += ',' + quoteJson(key) + ',';
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
  std::vector<formats::SafetensorsEntry> entries;
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
    entries.push_back({name, t.get()});
  });
  std::vector<std::pair<std::string, std::string>> metadata{{"format", "zy"}};
  if (!state.empty()) metadata.emplace_back("zy.state", joinNames(state));
  if (!ints.empty()) metadata.emplace_back("zy.ints", joinNames(ints));
  if (!floats.empty()) metadata.emplace_back("zy.floats", joinNames(floats));
  if (!bools.empty()) metadata.emplace_back("zy.bools", joinNames(bools));
  metadata.emplace_back("zy.tree", skeleton);
  formats::SafetensorsBytes file = formats::layoutSafetensors(metadata, entries);
  writeAtomically(in, span, path, file.head, file.chunks);
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
    if (!used[k]) fail("tensor " + quoteJson(loaded[k].name) + " is not a leaf of the tree __metadata__.zy.tree records" + hint);
  return tree;
}

Value loadTree(Interpreter &in, Span span, const std::string &path) {
  std::string file = readWhole(in, span, path);
  auto fail = [&](const std::string &what) { in.fail(span, path + ": " + what, /*runtime=*/true); };
  formats::SafetensorsHeader header = withFormatErrors(in, span, path, [&] { return formats::readSafetensorsHeader(file); });

  std::set<std::string> state, ints, floats, bools;
  std::optional<Json> skeleton; // the tree's shape, from "zy.tree" (files zy wrote since it was added)
  if (const Json *meta = withFormatErrors(in, span, path, [&] { return formats::safetensorsMetadata(header); })) {
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
      try {
        skeleton = formats::parseJson(tree->str, MaxCheckpointDepth + 1, "JSON header");
      } catch (const formats::FormatError &e) {
        fail(std::string("__metadata__.zy.tree: ") + e.what());
      }
    }
  }

  std::vector<Loaded> loaded;
  for (const auto &[name, info] : header.json.fields) {
    if (name == "__metadata__") continue;
    const std::string &tensorName = name; // clang 14 cannot capture a structured binding
    auto where = [&](const std::string &what) { fail("tensor " + quoteJson(tensorName) + ": " + what); };
    if (!name.empty()) { // "" is the whole tree: a tensor saved alone
      size_t parts = 1 + static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
      if (parts > MaxCheckpointDepth)
        where("its name has " + std::to_string(parts) + " dot-separated parts, more than the " +
              std::to_string(MaxCheckpointDepth) + " a checkpoint may nest");
      if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos)
        where("its name has an empty part");
    }
    uint64_t begin = 0;
    Tensor t;
    try {
      t = formats::readSafetensorsTensor(header, info, begin);
    } catch (const formats::FormatError &e) {
      where(e.what());
    }
    Shape shape = t.shape();
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
    std::string path = pathArg(in, a, 0, "path");
    if (in.checking) refuseReadOfUnwrittenFile(in, a.span, path);
    return Value::boolean(std::filesystem::exists(path, ec));
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
