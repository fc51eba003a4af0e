// Staging.h: the machinery every transformation shares: trace a function on symbolic
// arguments into a graph of its own, transform the graph, then inline the result into
// the trace around the call (so transformations nest and are compiled with the rest)
// or, in host code, run it with the JIT.
#pragma once

#include "interp/Interpreter.h"
#include "ir/Ir.h"
#include "trace/Tracer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zy::interp {

/// A function traced on symbolic arguments.
struct Staged {
  std::unique_ptr<trace::TraceContext> ctx;
  std::vector<Tensor> leaves;       // the arguments' runtime leaves: graph input i is leaves[i]
  std::vector<size_t> leafArgument; // the positional argument of each leaf (SIZE_MAX: a keyword)
  std::vector<bool> leafState;      // a state leaf of a params tree (no gradient)
  Value result;
  /// The graph's inputs as run: the leaves, then the captures of an enclosing trace.
  std::vector<Tensor> inputs() const;
};

/// The type a leaf takes inside the trace (vmap drops the mapped axis); the identity by default.
using LeafType = std::function<Tensor(size_t argument, const Tensor &leaf)>;

/// Traces f(args) into a graph of its own: each runtime leaf (tensor, or host float as a
/// weak f64 scalar) is an input, tensors of an enclosing trace become captures.
Staged stage(Interpreter &in, const Value &f, const CallArgs &args, const LeafType &leafType = nullptr);

/// Adds each tensor leaf of `tree` (a value traced in `staged`) to the graph's outputs;
/// returns how many.
size_t addOutputs(Staged &staged, const Value &tree);

/// `tree` with its tensor leaves replaced, in order, by outputs[next...].
Value rebuildOutputs(const Value &tree, const std::vector<Tensor> &outputs, size_t &next);

/// Runs `graph` on `inputs`: inlined into the enclosing trace when there is one, else
/// with the JIT (bad labels and NaNs reported at `span`). `what` names it in messages.
std::vector<Tensor> runStaged(Interpreter &in, const ir::Graph &graph, const std::vector<Tensor> &inputs, Span span,
                              const std::string &what);

/// Simplifies a transformed graph, printing it for --emit=grad-ir and --dot; errors of
/// the transformation become located errors at `span`.
ir::Graph finishTransform(Interpreter &in, const std::function<ir::Graph()> &transform, Span span,
                          const std::string &title);

/// The name of a function value, for messages and titles.
std::string functionName(const Value &f);

/// The function a transformation returns (grad(f), vmap(f), ...): a builtin named
/// `label` running `fn`. It is traced and cached per signature from host code, under
/// `label`, the identities of `functions` and `options`, when every one of `functions`
/// is cacheable; a transformation of a closure whose variables may change runs eagerly.
Value transformedFunction(const std::string &label, const std::vector<Value> &functions, const std::string &options,
                          std::function<Value(Interpreter &, CallArgs &)> fn);

} // namespace zy::interp
