// Tracer.h: turning a call into a function with tensor arguments into IR, once per signature.
//
// When host code calls a Zy function with tensors among its arguments, the tracer
//   1. computes the call's signature: the dtype and shape of every tensor leaf, and the
//      value of every static argument (ints, bools, strings, lists, functions, keys);
//      host floats are runtime scalars and do not take part;
//   2. on a cache miss, interprets the function once with symbolic tensors: every tensor
//      operation appends a checked node to a Graph instead of computing (TensorOps.cpp),
//      while static values are folded as usual;
//   3. simplifies the graph (transforms/Simplify.h) and caches it;
//   4. runs the cached Graph on the call's tensors, compiled by the JIT (jit/Jit.h).
// A function that needs a tensor's value while it is traced (an `if` on it, int(x),
// formatting it) is host code: its calls with that signature run eagerly instead, and
// what it printed during the attempt is dropped (the eager run prints it).
// A miss for a function that was traced before can be reported with the argument that
// changed (`zy run --log-compiles`), and each new graph printed (`--emit=ir`).
#pragma once

#include "interp/Value.h"
#include "ir/Ir.h"
#include "jit/Jit.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zy::trace {

using interp::Interpreter;
using interp::Value;

/// The graph being built while a function (or a loop body inside one) is traced.
struct TraceContext {
  /// Unique for the life of the process: addresses of finished traces get reused.
  const uint64_t id = nextId();
  ir::Graph graph;
  std::map<const void *, int> literals; // concrete tensors already baked in, by buffer
  // A loop body sees the tensors of the trace around it as captures: extra inputs,
  // fed by the scan node with the outer tensors in this order.
  TraceContext *parent = nullptr;
  std::vector<Tensor> captures;
  std::map<std::pair<uint64_t, int>, int> captureInputs; // (trace id, node) -> input node
  /// The host level of a whole-program check (interp/Check.h): host code records its
  /// tensor operations here to learn their shapes, and this graph never runs.
  bool checkHost = false;

  /// True if tensors of trace `trace` may be used here: this trace or an enclosing one.
  bool sees(uint64_t trace) const {
    for (const TraceContext *c = this; c; c = c->parent)
      if (c->id == trace) return true;
    return false;
  }

private:
  static uint64_t nextId() {
    static uint64_t counter = 0;
    return ++counter;
  }
};

struct TraceOptions {
  bool enabled = true;       // false: run everything eagerly (`--eager`)
  bool logCompiles = false;  // report each trace, and why a retrace happened
  bool emitIr = false;       // print each new graph, as traced
  bool emitOptIr = false;    // print each new graph after simplification
  bool emitGradRawIr = false; // print each gradient graph as autodiff builds it
  bool emitGradIr = false;   // print each gradient graph, after simplification
  /// Called with the function traced, each new graph and the result whose traced tensors
  /// stand for its outputs, before the graph runs (`zy compile` takes its entry's graph
  /// here, and may throw to skip the run). The callee tells the entry's own trace from
  /// that of a function it calls while it runs eagerly.
  std::function<void(const Value &callee, const ir::Graph &, const Value &result)> onTrace;
  /// Receives each graph as it will run (traces and gradients, simplified): `--dot`.
  std::function<void(const std::string &title, const ir::Graph &graph)> graphSink;
};

/// A function's compiled traces, newest last.
struct CompiledFunction {
  Value callee; // held, so its address (part of the cache key) cannot be reused
  struct Entry {
    std::string signature;
    std::vector<std::string> argumentDescriptions; // for recompile reasons
    ir::Graph graph;
    Value result; // the result with traced tensors standing for the graph's outputs
    std::vector<Value> functions; // function arguments, held so their addresses stay theirs
    std::shared_ptr<const jit::Executable> executable; // compiled on its first run
  };
  std::vector<Entry> entries;
  /// Signatures whose trace needed tensor values: these calls run eagerly.
  std::vector<std::string> eagerSignatures;
  /// Its trace branched on a float argument: floats are static, and each value is traced.
  bool staticFloats = false;
};

/// Rebuilds `v` with each runtime leaf (tensor or host float) replaced by fn(leaf):
/// how the tracer and the transformations turn arguments into graph inputs.
Value mapRuntimeLeaves(const Value &v, const std::function<Value(const Value &)> &fn);

/// Copies `leaf`'s tree position (path, state flag) onto `v`.
Value withLeafInfo(Value v, const Value &leaf);

class Tracer {
public:
  TraceOptions options;

  /// True if `args` holds a tensor, so a call with them should be traced.
  static bool wantsTrace(const interp::CallArgs &args);

  /// True if a function's traces can be cached: a function defined at the top level of
  /// a module (nothing can rebind what it captures), a closure made by a call that has
  /// returned (its scopes are finished: an optimizer's update), a builtin, or a
  /// transformation of such a function. A closure whose defining function is still
  /// running may capture variables that change, so its calls run eagerly instead.
  static bool cacheable(const Value &f);

  /// Traces (or reuses) and runs a call of `callee`: a closure, or a builtin with a
  /// cache key (see interp::Builtin).
  Value call(Interpreter &in, const Value &callee, interp::CallArgs &args);

  /// Forgets every trace, so the next calls trace again: the REPL's `:ir`, and after an
  /// input that rebinds names a traced function may have read.
  void clear() { Cache.clear(); }

  /// How many graphs were built, for tests and --log-compiles.
  size_t traceCount() const { return Traces; }

private:
  std::map<std::string, CompiledFunction> Cache; // by function identity
  size_t Traces = 0;
};

} // namespace zy::trace
