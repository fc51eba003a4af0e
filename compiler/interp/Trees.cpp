// Trees.cpp: tree.* — walking, mapping, summarising and merging trees of tensors.
#include "interp/Trees.h"

#include <cstdio>
#include <map>
#include <optional>

namespace zy::interp {

namespace {

bool isNode(const Value &v) {
  return v.kind == ValueKind::Record || v.kind == ValueKind::List || v.kind == ValueKind::Tuple;
}


} // namespace

Value mapTreeLeaves(const Value &tree, const std::function<Value(const std::string &, const Value &)> &fn,
                    const std::string &path) {
  if (tree.kind == ValueKind::Record) {
    std::vector<std::pair<std::string, Value>> fields;
    for (const auto &[name, value] : tree.record->fields) fields.emplace_back(name, mapTreeLeaves(value, fn, joinPath(path, name)));
    return Value::makeRecord(std::move(fields));
  }
  if (tree.kind == ValueKind::List || tree.kind == ValueKind::Tuple) {
    std::vector<Value> items;
    for (size_t i = 0; i < tree.items->size(); ++i) items.push_back(mapTreeLeaves((*tree.items)[i], fn, joinPath(path, std::to_string(i))));
    return tree.kind == ValueKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  return fn(path, tree);
}

namespace {

/// Keeps the leaves for which keep() holds; nodes left empty disappear.
std::optional<Value> filterTree(const Value &tree, const std::function<bool(const Value &)> &keep) {
  if (tree.kind == ValueKind::Record) {
    std::vector<std::pair<std::string, Value>> fields;
    for (const auto &[name, value] : tree.record->fields)
      if (auto kept = filterTree(value, keep)) fields.emplace_back(name, *kept);
    if (fields.empty()) return std::nullopt;
    return Value::makeRecord(std::move(fields));
  }
  if (isNode(tree)) {
    std::vector<Value> items;
    for (const Value &v : *tree.items)
      if (auto kept = filterTree(v, keep)) items.push_back(*kept);
    if (items.empty()) return std::nullopt;
    return tree.kind == ValueKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  if (keep(tree)) return tree;
  return std::nullopt;
}

Value merge(Interpreter &in, const Value &a, const Value &b, Span span) {
  if (a.kind == ValueKind::Record && b.kind == ValueKind::Record) {
    std::vector<std::pair<std::string, Value>> fields = a.record->fields;
    for (const auto &[name, value] : b.record->fields) {
      const std::string &key = name; // clang 14 cannot capture a structured binding
      auto it = std::find_if(fields.begin(), fields.end(), [&](auto &f) { return f.first == key; });
      if (it == fields.end()) fields.emplace_back(name, value);
      else it->second = merge(in, it->second, value, span);
    }
    return Value::makeRecord(std::move(fields));
  }
  if (a.kind == ValueKind::List && b.kind == ValueKind::List && a.items->size() == b.items->size()) {
    std::vector<Value> items;
    for (size_t i = 0; i < a.items->size(); ++i) items.push_back(merge(in, (*a.items)[i], (*b.items)[i], span));
    return Value::list(std::move(items));
  }
  // b's leaf (or subtree) replaces a's; a state leaf stays one (merging running statistics).
  Value out = b;
  if (a.state && b.kind == ValueKind::Tensor) out.state = true;
  return out;
}

std::string shapeText(const Value &leaf) {
  if (leaf.kind == ValueKind::Tensor) return typeString(leaf.tensor->dtype(), leaf.tensor->shape());
  return typeName(leaf);
}

std::string withCommas(int64_t n) {
  std::string s = std::to_string(n);
  for (int k = static_cast<int>(s.size()) - 3; k > 0; k -= 3) s.insert(k, ",");
  return s;
}


const Value &arg(Interpreter &in, CallArgs &a, size_t i, const char *what) {
  if (!a.keywords.empty()) in.failUnknownKeyword(a.span, a.name ? *a.name : std::string("tree function"), a.keywords.front().first, {});
  if (i >= a.positional.size()) in.fail(a.span, "`" + (a.name ? *a.name : std::string("tree function")) + "` needs " + what);
  return a.positional[i];
}

/// tree.map and tree.map_with_path: calls f on each leaf of the tree (a.positional[1])
/// with the matching leaves of the other trees, and (withPath) the leaf's path first.
Value mapCalling(Interpreter &in, CallArgs &a, bool withPath) {
  const Value &fn = arg(in, a, 0, "a function");
  const Value &tree = arg(in, a, 1, "a tree");
  std::vector<std::vector<Value>> others;
  for (size_t k = 2; k < a.positional.size(); ++k) {
    std::vector<Value> leaves;
    forEachLeaf(a.positional[k], [&](const std::string &, const Value &v) { leaves.push_back(v); });
    others.push_back(std::move(leaves));
  }
  size_t index = 0;
  Span span = a.span;
  return mapTreeLeaves(tree, [&](const std::string &path, const Value &leaf) {
    CallArgs call;
    call.span = span;
    if (withPath) call.positional.push_back(Value::string(path));
    call.positional.push_back(leaf);
    for (auto &leaves : others) {
      if (index >= leaves.size()) in.fail(span, "the trees given to tree." + *a.name + " have different numbers of leaves");
      call.positional.push_back(leaves[index]);
    }
    ++index;
    Value out = in.call(fn, call);
    out.state = leaf.state;
    return out;
  });
}

} // namespace

namespace {
/// A tree being rebuilt from dotted names.
struct PathNode {
  std::vector<std::pair<std::string, std::unique_ptr<PathNode>>> children;
  std::map<std::string, size_t> index;
  std::optional<Value> leaf;

  PathNode &child(const std::string &name) {
    if (auto it = index.find(name); it != index.end()) return *children[it->second].second;
    index[name] = children.size();
    children.emplace_back(name, std::make_unique<PathNode>());
    return *children.back().second;
  }

  Value toValue(const std::string &path) {
    if (leaf) return *leaf;
    // Parts that are the indices 0..n-1, in any order, make a list.
    std::vector<size_t> order(children.size(), SIZE_MAX);
    bool isList = !children.empty();
    for (size_t i = 0; i < children.size() && isList; ++i) {
      const std::string &k = children[i].first;
      bool digits = !k.empty() && k.size() < 10 && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                    (k == "0" || k[0] != '0');
      size_t n = digits ? std::stoul(k) : SIZE_MAX;
      if (n >= children.size() || order[n] != SIZE_MAX) isList = false;
      else order[n] = i;
    }
    if (isList) {
      std::vector<Value> items;
      for (size_t n = 0; n < order.size(); ++n) items.push_back(children[order[n]].second->toValue(joinPath(path, children[order[n]].first)));
      Value v = Value::list(std::move(items));
      v.path = path;
      return v;
    }
    std::vector<std::pair<std::string, Value>> fields;
    for (const auto &[key, node] : children) fields.emplace_back(key, node->toValue(joinPath(path, key)));
    Value v = Value::makeRecord(std::move(fields));
    v.path = path;
    return v;
  }
};

} // namespace

Value treeFromPaths(const std::vector<std::pair<std::string, Value>> &leaves, std::optional<std::string> &conflict) {
  PathNode root;
  for (const auto &[name, value] : leaves) {
    PathNode *at = &root;
    size_t start = 0;
    while (!name.empty()) {
      if (at->leaf) { // a leaf above: the prefix up to here (before the dot at start - 1)
        conflict = name.substr(0, start ? start - 1 : 0);
        return Value::none();
      }
      size_t dot = name.find('.', start);
      at = &at->child(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (at->leaf || !at->children.empty()) {
      conflict = name;
      return Value::none();
    }
    at->leaf = value;
  }
  return root.toValue("");
}

void forEachLeaf(const Value &tree, const std::function<void(const std::string &, const Value &)> &visit,
                 const std::string &path) {
  if (tree.kind == ValueKind::Record) {
    for (const auto &[name, value] : tree.record->fields) forEachLeaf(value, visit, joinPath(path, name));
  } else if (isNode(tree)) {
    for (size_t i = 0; i < tree.items->size(); ++i) forEachLeaf((*tree.items)[i], visit, joinPath(path, std::to_string(i)));
  } else {
    visit(path, tree);
  }
}

void installTrees(Env &prelude) {
  auto env = std::make_shared<Env>();
  env->defineBuiltin("leaves", [](Interpreter &in, CallArgs &a) {
    std::vector<Value> out;
    forEachLeaf(arg(in, a, 0, "a tree"), [&](const std::string &, const Value &v) { out.push_back(v); });
    return Value::list(std::move(out));
  });
  env->define("flatten", *env->lookup("leaves")); // the same list of leaves, by the name JAX users know
  env->defineBuiltin("paths", [](Interpreter &in, CallArgs &a) {
    std::vector<Value> out;
    forEachLeaf(arg(in, a, 0, "a tree"), [&](const std::string &p, const Value &) { out.push_back(Value::string(p)); });
    return Value::list(std::move(out));
  });
  env->defineBuiltin("count", [](Interpreter &in, CallArgs &a) {
    int64_t n = 0;
    forEachLeaf(arg(in, a, 0, "a tree"), [&](const std::string &, const Value &v) {
      if (v.kind == ValueKind::Tensor) n += v.tensor->size();
    });
    return Value::integer(n);
  });
  env->defineBuiltin("shapes", [](Interpreter &in, CallArgs &a) {
    return mapTreeLeaves(arg(in, a, 0, "a tree"), [](const std::string &, const Value &v) {
      if (v.kind != ValueKind::Tensor) return v;
      std::vector<Value> dims;
      for (int64_t d : v.tensor->shape()) dims.push_back(Value::integer(d));
      return Value::list(std::move(dims));
    });
  });
  env->defineBuiltin("summary", [](Interpreter &in, CallArgs &a) {
    std::vector<std::array<std::string, 3>> rows;
    int64_t total = 0, state = 0;
    forEachLeaf(arg(in, a, 0, "a tree"), [&](const std::string &p, const Value &v) {
      int64_t n = v.kind == ValueKind::Tensor ? v.tensor->size() : 0;
      total += n;
      if (v.state) state += n;
      rows.push_back({p + (v.state ? " (state)" : ""), shapeText(v), withCommas(n)});
    });
    size_t w0 = 4, w1 = 5, w2 = 6;
    for (auto &r : rows) w0 = std::max(w0, r[0].size()), w1 = std::max(w1, r[1].size()), w2 = std::max(w2, r[2].size());
    auto line = [&](const std::string &x, const std::string &y, const std::string &z) {
      return x + std::string(w0 - x.size() + 2, ' ') + y + std::string(w1 - y.size() + 2, ' ') +
             std::string(w2 - z.size(), ' ') + z + "\n";
    };
    std::string rule(w0 + w1 + w2 + 4, '-');
    std::string out = line("path", "shape", "params") + rule + "\n";
    for (auto &r : rows) out += line(r[0], r[1], r[2]);
    out += rule + "\n" + "total: " + withCommas(total) + " parameters";
    if (state) out += " (" + withCommas(total - state) + " trainable, " + withCommas(state) + " state)";
    return Value::string(out);
  });
  env->defineBuiltin("map", [](Interpreter &in, CallArgs &a) { return mapCalling(in, a, false); });
  // map_with_path(f, tree, others...): f(path, leaf, other leaves...), for rules that
  // depend on where a leaf is (frozen subtrees, weight decay only on weights).
  env->defineBuiltin("map_with_path", [](Interpreter &in, CallArgs &a) { return mapCalling(in, a, true); });
  // trainable_leaf(leaf): a float tensor not declared with state(...): what optimizers update.
  env->defineBuiltin("trainable_leaf", [](Interpreter &in, CallArgs &a) {
    const Value &v = arg(in, a, 0, "a leaf");
    return Value::boolean(v.kind == ValueKind::Tensor && isFloat(v.tensor->dtype()) && !v.state);
  });
  // is_state(leaf): declared with state(...), so optimizers leave it alone.
  env->defineBuiltin("is_state", [](Interpreter &in, CallArgs &a) { return Value::boolean(arg(in, a, 0, "a leaf").state); });
  // under(path, prefixes): the path is one of the prefixes or below one ("encoder.w" is under "encoder").
  env->defineBuiltin("under", [](Interpreter &in, CallArgs &a) {
    const Value &path = arg(in, a, 0, "a path and a list of prefixes");
    const Value &prefixes = arg(in, a, 1, "a path and a list of prefixes");
    if (path.kind != ValueKind::Str || !prefixes.isSequence())
      in.fail(a.span, "tree.under(path, prefixes) takes a string and a list of strings");
    for (const Value &p : *prefixes.items) {
      if (p.kind != ValueKind::Str) in.fail(a.span, "tree.under: the prefixes must be strings, got " + typeName(p));
      const std::string &s = *path.str, &prefix = *p.str;
      if (s == prefix || (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0 && s[prefix.size()] == '.'))
        return Value::boolean(true);
    }
    return Value::boolean(false);
  });
  env->defineBuiltin("unflatten", [](Interpreter &in, CallArgs &a) {
    const Value &like = arg(in, a, 0, "a tree to copy the structure of");
    const Value &leaves = arg(in, a, 1, "a list of leaves");
    if (!leaves.isSequence()) in.fail(a.span, "tree.unflatten needs a list of leaves, got " + typeName(leaves));
    size_t index = 0;
    Value out = mapTreeLeaves(like, [&](const std::string &, const Value &) {
      if (index >= leaves.items->size()) in.fail(a.span, "tree.unflatten: too few leaves for this tree");
      return (*leaves.items)[index++];
    });
    if (index != leaves.items->size()) in.fail(a.span, "tree.unflatten: too many leaves for this tree");
    return out;
  });
  env->defineBuiltin("merge", [](Interpreter &in, CallArgs &a) {
    return merge(in, arg(in, a, 0, "two trees"), arg(in, a, 1, "two trees"), a.span);
  });
  env->defineBuiltin("trainable", [](Interpreter &in, CallArgs &a) {
    return filterTree(arg(in, a, 0, "a tree"), [](const Value &v) { return !v.state; }).value_or(Value::makeRecord({}));
  });
  env->defineBuiltin("state", [](Interpreter &in, CallArgs &a) {
    return filterTree(arg(in, a, 0, "a tree"), [](const Value &v) { return v.state; }).value_or(Value::makeRecord({}));
  });
  Value m;
  m.kind = ValueKind::Module;
  m.module = std::make_shared<ModuleData>(ModuleData{"tree", env});
  prelude.define("tree", m);
}

} // namespace zy::interp
