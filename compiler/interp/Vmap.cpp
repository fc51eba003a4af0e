// Vmap.cpp: vmap(f, in_axes = 0, out_axes = 0): f mapped over an axis of its arguments
// without a loop.
//
// vmap(f)(args...) traces f once on one example (each mapped leaf without its mapped
// axis), batches the graph (transforms/Vmap.cpp), and wraps it so that each mapped leaf's
// axis is moved to the front on the way in and each result's leading axis to out_axes
// on the way out (out_axes = none: a result the same for every example, read once). Like grad, the call is inlined into an enclosing trace or, from host
// code, traced, cached per signature and run with the JIT.
#include "interp/Staging.h"
#include "interp/TensorOps.h"
#include "interp/Transforms.h"
#include "interp/Trees.h"
#include "ir/Builder.h"
#include "transforms/Grad.h"

#include <optional>

namespace zy::interp {

namespace {

struct VmapSpec {
  Value f;
  std::optional<std::vector<std::optional<int64_t>>> perArgument; // in_axes as a tuple
  std::optional<int64_t> allArguments = 0;                        // in_axes as one int or none
  std::optional<std::vector<std::optional<int64_t>>> perResult;   // out_axes as a tuple
  std::optional<int64_t> allResults = 0;                          // out_axes as one int or none
};

std::string axisText(const std::optional<int64_t> &axis) { return axis ? std::to_string(*axis) : "none"; }

/// The out_axes entry of each tensor leaf of f's result, in order: one for all, or (as a
/// tuple) one per entry of the tuple f returns, for every leaf of that entry.
std::vector<std::optional<int64_t>> outAxesOf(Interpreter &in, const VmapSpec &spec, const Value &result, size_t leaves,
                                              Span span) {
  if (!spec.perResult) return std::vector<std::optional<int64_t>>(leaves, spec.allResults);
  const auto &entries = *spec.perResult;
  if ((result.kind != ValueKind::Tuple && result.kind != ValueKind::List) || result.items->size() != entries.size())
    in.fail(span, "out_axes has " + std::to_string(entries.size()) + " entries but f returns " +
                      (result.isSequence() ? "a " + typeName(result) + " of " + std::to_string(result.items->size())
                                           : typeName(result)) +
                      " (expected a tuple with one entry per out_axes entry)");
  std::vector<std::optional<int64_t>> axes;
  for (size_t i = 0; i < entries.size(); ++i)
    trace::mapRuntimeLeaves((*result.items)[i], [&](const Value &leaf) {
      if (leaf.kind == ValueKind::Tensor) axes.push_back(entries[i]);
      return leaf;
    });
  return axes;
}

/// The in_axes entry of positional argument `argument` of `count` (keywords are not mapped).
std::optional<int64_t> mappedAxis(const VmapSpec &spec, size_t argument, size_t count) {
  if (argument >= count || (spec.perArgument && argument >= spec.perArgument->size())) return std::nullopt;
  return spec.perArgument ? (*spec.perArgument)[argument] : spec.allArguments;
}

bool holdsKeys(const Value &tree) {
  bool keys = false;
  forEachLeaf(tree, [&](const std::string &, const Value &leaf) { keys = keys || leaf.kind == ValueKind::Key; });
  return keys;
}

/// vmap over host values: a mapped argument holding random keys (a list of them, as
/// random.split makes) maps over its entries, and f runs once per example as host code,
/// its results stacked leaf by leaf. This is vmap of init: an ensemble's parameters,
/// each member drawn from its own key (init needs the keys' words, so it cannot be traced).
Value vmapOverKeys(Interpreter &in, const VmapSpec &spec, CallArgs &args,
                   const std::function<std::optional<int64_t>(size_t)> &axisOf) {
  if (!in.atHost())
    in.fail(args.span, "vmap over random keys runs f once per key from host code; inside a traced function, split a "
                       "traced key and call f on each key instead");
  std::optional<int64_t> size;
  auto agree = [&](int64_t length, const std::string &what) {
    if (size && *size != length)
      in.fail(args.span, "vmap maps axes of different sizes: " + std::to_string(*size) + " and " + std::to_string(length) +
                             " (" + what + ")");
    size = length;
  };
  for (size_t i = 0; i < args.positional.size(); ++i) {
    std::optional<int64_t> axis = axisOf(i);
    const Value &arg = args.positional[i];
    if (!axis) continue;
    if (holdsKeys(arg)) {
      if (!arg.isSequence() || *axis != 0)
        in.fail(args.span, "vmap maps random keys as a list of them along axis 0 (as random.split makes), but argument " +
                               std::to_string(i) + " is a " + typeName(arg) + " with in_axes " + std::to_string(*axis));
      agree(static_cast<int64_t>(arg.items->size()), "the keys of argument " + std::to_string(i));
      continue;
    }
    forEachLeaf(arg, [&](const std::string &, const Value &leaf) {
      if (leaf.kind != ValueKind::Tensor) return;
      int64_t rank = leaf.tensor->rank(), a = *axis < 0 ? *axis + rank : *axis;
      if (a < 0 || a >= rank)
        in.fail(args.span, "vmap maps axis " + std::to_string(*axis) + " of argument " + std::to_string(i) + " (" +
                               typeName(leaf) + "), which has " + std::to_string(rank) + " axes");
      agree(leaf.tensor->shape()[a], "along axis " + std::to_string(a) + " of argument " + std::to_string(i));
    });
  }
  std::vector<Value> results;
  for (int64_t e = 0; e < *size; ++e) {
    CallArgs example = args;
    for (size_t i = 0; i < args.positional.size(); ++i) {
      std::optional<int64_t> axis = axisOf(i);
      if (!axis) continue;
      const Value &arg = args.positional[i];
      if (holdsKeys(arg)) {
        example.positional[i] = (*arg.items)[e];
        continue;
      }
      example.positional[i] = mapTreeLeaves(arg, [&](const std::string &, const Value &leaf) {
        if (leaf.kind != ValueKind::Tensor) return leaf;
        int64_t a = *axis < 0 ? *axis + leaf.tensor->rank() : *axis;
        std::vector<IndexSpec> at(static_cast<size_t>(a) + 1);
        for (int64_t d = 0; d < a; ++d) at[d].kind = IndexSpec::Slice;
        at[a].index = e;
        Value v = Value::fromTensor(index(in, *leaf.tensor, at, args.span));
        v.path = leaf.path;
        v.state = leaf.state;
        return v;
      });
    }
    results.push_back(in.call(spec.f, example));
  }
  // Stack each tensor leaf along its out axis; other leaves must agree across examples.
  std::vector<std::vector<Value>> perLeaf;
  for (const Value &r : results) {
    size_t k = 0;
    forEachLeaf(r, [&](const std::string &, const Value &leaf) {
      if (perLeaf.size() <= k) perLeaf.emplace_back();
      perLeaf[k++].push_back(leaf);
    });
    if (k != perLeaf.size())
      in.fail(args.span, "vmap: f returned results of different structures for different keys");
  }
  if (spec.perResult) in.fail(args.span, "vmap over random keys takes one out_axes for all results, not a tuple");
  size_t k = 0;
  return mapTreeLeaves(results[0], [&](const std::string &, const Value &first) {
    const std::vector<Value> &leaves = perLeaf[k++];
    if (first.kind != ValueKind::Tensor || !spec.allResults) return first;
    int64_t rank = first.tensor->rank() + 1, a = *spec.allResults < 0 ? *spec.allResults + rank : *spec.allResults;
    if (a < 0 || a >= rank)
      in.fail(args.span, "out_axes = " + std::to_string(*spec.allResults) + " is outside a result of " +
                             std::to_string(rank) + " axes (the mapped axis included)");
    std::vector<Tensor> parts;
    for (const Value &leaf : leaves) {
      if (leaf.kind != ValueKind::Tensor || leaf.tensor->shape() != first.tensor->shape())
        in.fail(args.span, "vmap: f returned " + typeName(first) + " for one key and " + typeName(leaf) + " for another");
      Shape s = leaf.tensor->shape();
      s.insert(s.begin() + a, 1);
      parts.push_back(reshape(in, *leaf.tensor, s, args.span));
    }
    Value v = Value::fromTensor(concat(in, parts, a, args.span));
    v.path = first.path;
    v.state = first.state;
    return v;
  });
}

Value vmapCall(Interpreter &in, const VmapSpec &spec, CallArgs &args) {
  const size_t n = args.positional.size();
  if (spec.perArgument && spec.perArgument->size() != n)
    in.fail(args.span, "in_axes has " + std::to_string(spec.perArgument->size()) + " entries but the call has " +
                           std::to_string(n) + " positional arguments (expected one entry per argument)");
  auto axisOf = [&](size_t argument) { return mappedAxis(spec, argument, n); };
  for (size_t i = 0; i < n; ++i)
    if (axisOf(i) && holdsKeys(args.positional[i])) return vmapOverKeys(in, spec, args, axisOf);

  // The mapped axis of each leaf (normalised), and the common size along it.
  std::optional<int64_t> size;
  std::string sizeFrom;
  std::vector<std::optional<int64_t>> leafAxes;
  auto typeInside = [&](size_t argument, const Tensor &leaf) {
    std::optional<int64_t> axis = axisOf(argument);
    if (!axis) {
      leafAxes.push_back(std::nullopt);
      return leaf;
    }
    int64_t rank = leaf.rank(), a = *axis < 0 ? *axis + rank : *axis;
    std::string where = "argument " + std::to_string(argument) + " (" + typeString(leaf.dtype(), leaf.shape()) + ")";
    if (a < 0 || a >= rank)
      in.fail(args.span, "vmap maps axis " + std::to_string(*axis) + " of " + where + ", which has " +
                             std::to_string(rank) + " axes (expected in_axes = none for an unmapped argument)");
    int64_t length = leaf.shape()[a];
    if (size && *size != length)
      in.fail(args.span, "vmap maps axes of different sizes: " + std::to_string(*size) + " in " + sizeFrom + " and " +
                             std::to_string(length) + " along axis " + std::to_string(a) + " of " + where);
    size = length;
    sizeFrom = where;
    leafAxes.push_back(a);
    Shape inside = leaf.shape();
    inside.erase(inside.begin() + a);
    return Tensor::traced(leaf.dtype(), inside, -1, 0); // only the type is read
  };
  Staged staged = stage(in, spec.f, args, typeInside);
  if (!size) in.fail(args.span, "vmap needs at least one mapped tensor argument (in_axes is none for all of them)");
  size_t leaves = addOutputs(staged, staged.result);
  const ir::Graph &f = staged.ctx->graph;
  std::vector<std::optional<int64_t>> outAxes = outAxesOf(in, spec, staged.result, leaves, args.span);
  // Each int entry must fit its result, which gains the mapped axis.
  for (size_t k = 0; k < leaves; ++k) {
    int64_t rank = static_cast<int64_t>(f.nodes[f.outputs[k]].shape.size()) + 1;
    if (outAxes[k] && (*outAxes[k] < -rank || *outAxes[k] >= rank))
      in.fail(args.span, "out_axes = " + std::to_string(*outAxes[k]) + " is outside a result of " + std::to_string(rank) +
                             " axes (the mapped axis included)");
  }

  std::vector<bool> batched(f.inputs.size(), false), depends;
  for (size_t k = 0; k < leafAxes.size(); ++k) batched[k] = leafAxes[k].has_value();
  ir::Graph body;
  try {
    body = transforms::batchGraph(f, batched, *size, &depends);
  } catch (const std::exception &e) {
    in.fail(args.span, std::string("internal error in vmap (please report it): ") + e.what());
  }
  // out_axes = none: the result is the same for every example, so it must not depend on one.
  for (size_t k = 0; k < leaves; ++k)
    if (!outAxes[k] && depends[k])
      in.fail(args.span, "out_axes is none for a result of type " +
                             typeString(f.nodes[f.outputs[k]].dtype, f.nodes[f.outputs[k]].shape) +
                             " that depends on the mapped arguments (expected an int: where its mapped axis goes)");

  std::string title = "vmap of " + functionName(spec.f);
  ir::Graph g = finishTransform(in, [&] {
    // The wrapper: inputs as the caller holds them, mapped axes moved to the front; each
    // result's mapped axis moved to its out_axes entry (an unmapped one read once).
    ir::Graph outer;
    ir::Builder b(outer);
    std::vector<int> wiring;
    std::vector<Tensor> inputs = staged.inputs();
    for (size_t k = 0; k < inputs.size(); ++k) {
      int input = b.input(inputs[k].dtype(), inputs[k].shape());
      wiring.push_back(k < leafAxes.size() && leafAxes[k] ? b.moveAxis(input, *leafAxes[k], 0) : input);
    }
    std::vector<int> outs = transforms::inlineInto(b, body, wiring);
    for (size_t k = 0; k < outs.size(); ++k) {
      int out = outs[k];
      Shape shape = b.shape(out);
      if (!outAxes[k]) {
        shape.erase(shape.begin());
        outer.outputs.push_back(b.reshape(b.sliceLeading(out, 0, 1), shape));
        continue;
      }
      int64_t rank = static_cast<int64_t>(shape.size());
      outer.outputs.push_back(b.moveAxis(out, 0, *outAxes[k] < 0 ? *outAxes[k] + rank : *outAxes[k]));
    }
    return outer;
  }, args.span, title);
  std::vector<Tensor> results = runStaged(in, g, staged.inputs(), args.span, title);
  size_t next = 0;
  return rebuildOutputs(staged.result, results, next);
}

std::optional<int64_t> parseAxis(Interpreter &in, const Value &v, Span span, const char *what) {
  if (v.kind == ValueKind::None) return std::nullopt;
  if (v.kind == ValueKind::Int) return v.i;
  in.fail(span, std::string(what) + " must be an int or none, got " + typeName(v));
}

Value makeVmap(Interpreter &in, CallArgs &a) {
  if (a.positional.size() != 1) in.fail(a.span, "vmap takes one function: vmap(f, in_axes = 0, out_axes = 0)");
  VmapSpec spec;
  spec.f = a.positional[0];
  if (spec.f.kind != ValueKind::Function && spec.f.kind != ValueKind::Builtin)
    in.fail(a.span, "vmap needs a function, got " + typeName(spec.f));
  std::string key;
  for (auto &[name, value] : a.keywords) {
    if (name == "in_axes") {
      if (value.kind == ValueKind::Tuple || value.kind == ValueKind::List) {
        spec.perArgument.emplace();
        for (const Value &item : *value.items) spec.perArgument->push_back(parseAxis(in, item, a.span, "each entry of in_axes"));
      } else {
        spec.allArguments = parseAxis(in, value, a.span, "in_axes (or a tuple of them)");
      }
    } else if (name == "out_axes") {
      if (value.kind == ValueKind::Tuple || value.kind == ValueKind::List) {
        spec.perResult.emplace();
        for (const Value &item : *value.items) spec.perResult->push_back(parseAxis(in, item, a.span, "each entry of out_axes"));
      } else {
        spec.allResults = parseAxis(in, value, a.span, "out_axes (or a tuple of them)");
      }
    } else {
      in.fail(a.span, "vmap takes `in_axes` and `out_axes`, not `" + name + "`");
    }
  }
  auto axesText = [](const auto &perEntry, const std::optional<int64_t> &all) {
    if (!perEntry) return axisText(all);
    std::string text = "(";
    for (auto &axis : *perEntry) text += axisText(axis) + ",";
    return text + ")";
  };
  key = axesText(spec.perArgument, spec.allArguments) + "/" + axesText(spec.perResult, spec.allResults);
  Value v = transformedFunction("vmap(" + functionName(spec.f) + ")", {spec.f}, key,
                                [spec](Interpreter &in, CallArgs &args) { return vmapCall(in, spec, args); });
  const_cast<Builtin &>(*v.builtin).runsOnHost = [spec](const CallArgs &args) {
    for (size_t i = 0; i < args.positional.size(); ++i)
      if (mappedAxis(spec, i, args.positional.size()) && holdsKeys(args.positional[i])) return true;
    return false;
  };
  return v;
}

} // namespace

void installVmap(Env &env) { env.define("vmap", Value::makeBuiltin("vmap", makeVmap)); }

} // namespace zy::interp
