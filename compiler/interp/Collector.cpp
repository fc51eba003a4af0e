// Collector.cpp: trial-deletion cycle collection of interpreter scopes (see Collector.h).
#include "interp/Collector.h"

#include "interp/Value.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace zy::interp {

void EnvRegistry::link(Env *env) {
  std::lock_guard<std::mutex> hold(mutex);
  env->nextLive = head;
  if (head) head->prevLive = env;
  head = env;
  ++live;
}

void EnvRegistry::unlink(Env *env) {
  std::lock_guard<std::mutex> hold(mutex);
  if (env->prevLive) env->prevLive->nextLive = env->nextLive;
  else head = env->nextLive;
  if (env->nextLive) env->nextLive->prevLive = env->prevLive;
  env->prevLive = env->nextLive = nullptr;
  --live;
}

namespace {

/// The objects of the graph: scopes, closures, list/tuple contents, records, modules.
enum class Kind { Env, Closure, Items, Record, Module };

struct Node {
  Kind kind;
  long strong = 0;   // its shared_ptr count
  long internal = 0; // references to it found inside the graph
  bool alive = false;
};

class Graph {
public:
  std::unordered_map<const void *, Node> nodes;

  /// Visits the shared_ptr edges held directly by the object at `key`.
  template <typename F> void forEachEdge(const void *key, Kind kind, F &&edge) {
    switch (kind) {
    case Kind::Env: {
      const Env &env = *static_cast<const Env *>(key);
      if (env.parent) edge(env.parent.get(), Kind::Env, env.parent.use_count());
      for (const auto &entry : env.vars) valueEdges(entry.second, edge);
      break;
    }
    case Kind::Closure: {
      const Closure &c = *static_cast<const Closure *>(key);
      if (c.env) edge(c.env.get(), Kind::Env, c.env.use_count());
      break;
    }
    case Kind::Items:
      for (const Value &v : *static_cast<const std::vector<Value> *>(key)) valueEdges(v, edge);
      break;
    case Kind::Record:
      for (const auto &field : static_cast<const RecordData *>(key)->fields) valueEdges(field.second, edge);
      break;
    case Kind::Module: {
      const ModuleData &m = *static_cast<const ModuleData *>(key);
      if (m.globals) edge(m.globals.get(), Kind::Env, m.globals.use_count());
      break;
    }
    }
  }

  /// The census: every object reachable from the nodes already in `work` (except the
  /// ones `skip` excludes), and how often the graph refers to each. False if it grows
  /// past `maxNodes`.
  template <typename Skip>
  bool census(std::vector<std::pair<const void *, Kind>> work, Skip &&skip, size_t maxNodes = SIZE_MAX) {
    size_t edges = 0; // bounds the work too: a long list is many edges to few nodes
    for (size_t i = 0; i < work.size(); ++i) {
      auto [key, kind] = work[i];
      forEachEdge(key, kind, [&](const void *target, Kind targetKind, long strong) {
        ++edges;
        if (skip(target)) return;
        auto [it, fresh] = nodes.emplace(target, Node{targetKind, strong});
        ++it->second.internal;
        if (fresh) work.emplace_back(target, targetKind);
      });
      if (nodes.size() > maxNodes || edges / 4 > maxNodes) return false;
    }
    return true;
  }

  /// Whatever is referred to from outside the graph is alive, and so is all it reaches.
  void markAlive() {
    std::vector<const void *> stack;
    for (auto &[key, node] : nodes)
      if (node.strong > node.internal) {
        node.alive = true;
        stack.push_back(key);
      }
    while (!stack.empty()) {
      const void *key = stack.back();
      stack.pop_back();
      forEachEdge(key, nodes.at(key).kind, [&](const void *target, Kind, long) {
        auto it = nodes.find(target);
        if (it != nodes.end() && !it->second.alive) {
          it->second.alive = true;
          stack.push_back(target);
        }
      });
    }
  }

  template <typename F> static void valueEdges(const Value &v, F &&edge) {
    if (v.items) edge(v.items.get(), Kind::Items, v.items.use_count());
    if (v.record) edge(v.record.get(), Kind::Record, v.record.use_count());
    if (v.closure) edge(v.closure.get(), Kind::Closure, v.closure.use_count());
    if (v.module) edge(v.module.get(), Kind::Module, v.module.use_count());
  }
};

} // namespace

bool releaseIfOnlyCycles(const std::shared_ptr<Env> &env) {
  if (env.use_count() <= 1) return false; // freed as usual when the caller lets go
  // Its enclosing scopes are in use (the caller runs in them): not part of the question.
  std::unordered_map<const void *, bool> outer;
  for (const Env *e = env->parent.get(); e; e = e->parent.get()) outer[e] = true;
  constexpr size_t MaxNodes = 4096; // beyond this, leave it to collectCycles
  Graph g;
  // The caller's own shared_ptr is about to go: it does not count as a reference.
  g.nodes.emplace(env.get(), Node{Kind::Env, env.use_count() - 1});
  if (!g.census({{env.get(), Kind::Env}}, [&](const void *target) { return outer.count(target) > 0; }, MaxNodes))
    return false;
  g.markAlive();
  if (g.nodes.at(env.get()).alive) return false;
  // It is garbage, and so is every scope of the graph not alive (a closure's scope that
  // only the garbage holds): empty them all, or those would keep each other.
  std::vector<std::shared_ptr<Env>> garbage;
  for (auto &[key, node] : g.nodes)
    if (node.kind == Kind::Env && !node.alive && key != env.get())
      garbage.push_back(const_cast<Env *>(static_cast<const Env *>(key))->shared_from_this());
  env->vars.clear();
  for (auto &scope : garbage) scope->vars.clear();
  return true;
}

size_t collectCycles(EnvRegistry &registry) {
  Graph g;
  std::vector<std::pair<const void *, Kind>> work;
  std::vector<std::shared_ptr<Env>> garbage;
  {
    std::lock_guard<std::mutex> hold(registry.mutex); // released before emptying (which unlinks)
    for (Env *e = registry.head; e; e = e->nextLive) {
      long strong = e->weak_from_this().use_count();
      // A scope not owned by a shared_ptr (one on the C++ stack) is never collected.
      g.nodes.emplace(e, Node{Kind::Env, strong > 0 ? strong : LONG_MAX});
      work.emplace_back(e, Kind::Env);
    }
    g.census(std::move(work), [](const void *) { return false; });
    g.markAlive();
    // The rest is garbage held up only by cycles: empty those scopes. The shared_ptrs
    // taken here keep each one valid while the others are emptied.
    for (Env *e = registry.head; e; e = e->nextLive)
      if (!g.nodes.at(e).alive) garbage.push_back(e->shared_from_this());
  }
  for (auto &env : garbage) {
    env->vars.clear();
    env->parent.reset();
  }
  size_t freed = garbage.size();
  garbage.clear();
  registry.threshold = std::max(EnvRegistry::MinThreshold, 2 * registry.live);
  return freed;
}

void releaseAll(EnvRegistry &registry) {
  std::vector<std::shared_ptr<Env>> all;
  {
    std::lock_guard<std::mutex> hold(registry.mutex);
    for (Env *e = registry.head; e; e = e->nextLive)
      if (auto held = e->weak_from_this().lock()) all.push_back(std::move(held));
  }
  for (auto &env : all) {
    env->vars.clear();
    env->parent.reset();
  }
}

} // namespace zy::interp
