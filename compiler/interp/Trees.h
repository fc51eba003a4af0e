// Trees.h: the tree namespace: params, gradients and optimizer states are trees (nested
// records, lists and tuples whose leaves are tensors), and tree.* works on any of them.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// Adds the `tree` module (map, leaves, paths, count, shapes, summary, flatten,
/// unflatten, merge, trainable, state) to `env`.
void installTrees(Env &env);

/// Rebuilds a tree with each leaf replaced by fn(path, leaf); nodes keep their kind.
Value mapTreeLeaves(const Value &tree, const std::function<Value(const std::string &, const Value &)> &fn,
                    const std::string &path = "");

/// Rebuilds a tree from (dotted path, leaf) pairs, in their order: records, and lists
/// where the parts are the indices 0..n-1 (declared in any order). A path that is both a
/// leaf and a group sets `conflict` to it (and the result is none); the path may be ""
/// (a leaf at the root beside other leaves). Linear in the total length of the paths
/// times their depth: callers that take paths from files bound the depth first.
Value treeFromPaths(const std::vector<std::pair<std::string, Value>> &leaves, std::optional<std::string> &conflict);

/// Calls `visit(path, leaf)` for every leaf of a tree, in order.
void forEachLeaf(const Value &tree, const std::function<void(const std::string &, const Value &)> &visit,
                 const std::string &path = "");

} // namespace zy::interp
