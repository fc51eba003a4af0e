// Checkpoint.cpp: checkpoint(f) (rematerialisation): a function that computes f, whose
// gradient recomputes f's intermediates in the backward pass instead of keeping them.
//
// Inside a trace, a call stages f into a graph of its own and leaves it in the enclosing
// trace as one opaque call (transforms/Remat.h): reverse mode then keeps only the call's
// arguments, and its backward pass runs f again. From host code, where no gradient is
// taken, it is simply f. `scan(..., checkpoint = true)` is the form for long loops.
#include "interp/Staging.h"
#include "interp/TensorOps.h"
#include "interp/Transforms.h"
#include "transforms/Remat.h"

namespace zy::interp {

namespace {

Value checkpointCall(Interpreter &in, const Value &f, CallArgs &args) {
  if (in.atHost()) return in.call(f, args);
  Staged staged = stage(in, f, args);
  addOutputs(staged, staged.result);
  trace::TraceContext &outer = *in.trace;
  std::vector<int> operands;
  for (const Tensor &t : staged.inputs()) operands.push_back(nodeOf(outer, t));
  ir::Builder b(outer.graph);
  size_t firstNew = outer.graph.nodes.size();
  std::vector<int> ids;
  try {
    ids = transforms::opaqueCall(b, staged.ctx->graph, operands, args.span);
  } catch (const std::exception &e) {
    in.fail(args.span, std::string("internal error in checkpoint (please report it): ") + e.what());
  }
  for (size_t k = firstNew; k < outer.graph.nodes.size(); ++k)
    if (!outer.graph.nodes[k].span.valid()) outer.graph.nodes[k].span = args.span;
  std::vector<Tensor> outputs;
  for (int id : ids) outputs.push_back(Tensor::traced(b.dtype(id), b.shape(id), id, outer.id));
  size_t next = 0;
  return rebuildOutputs(staged.result, outputs, next);
}

Value makeCheckpoint(Interpreter &in, CallArgs &a) {
  if (a.positional.size() != 1 || !a.keywords.empty()) in.fail(a.span, "checkpoint takes one function: checkpoint(f)");
  Value f = a.positional[0];
  if (f.kind != ValueKind::Function && f.kind != ValueKind::Builtin)
    in.fail(a.span, "checkpoint needs a function, got " + typeName(f));
  return transformedFunction("checkpoint(" + functionName(f) + ")", {f}, "",
                             [f](Interpreter &in, CallArgs &args) { return checkpointCall(in, f, args); });
}

} // namespace

void installCheckpoint(Env &env) { env.define("checkpoint", Value::makeBuiltin("checkpoint", makeCheckpoint)); }

} // namespace zy::interp
