// MemoryProbe.cpp: debug.peak_memory(f, args...): how many bytes of tensors are live at
// once while f's graph runs, for measuring what a transformation keeps alive (the
// backward pass of a long scan with and without checkpointing).
//
// It traces f on args like any transformation, then runs the graph on the reference
// executor, which frees each value right after its last use: its peak follows the
// values the graph needs at once, not the speed of one kernel or another. The bytes the
// arguments already held are not counted; the results are.
#include "interp/Staging.h"
#include "interp/Transforms.h"
#include "ir/Executor.h"
#include "transforms/Grad.h"
#include "transforms/Simplify.h"

namespace zy::interp {

namespace {

Value peakMemory(Interpreter &in, CallArgs &a) {
  if (a.positional.empty() || (a.positional[0].kind != ValueKind::Function && a.positional[0].kind != ValueKind::Builtin))
    in.fail(a.span, "debug.peak_memory takes a function and its arguments: debug.peak_memory(f, args...)");
  if (in.checkingHost()) in.failNeedsValue(a.span, "debug.peak_memory runs f, which a check does not do");
  if (in.trace)
    in.fail(a.span, "debug.peak_memory runs f by itself, from host code; it cannot be called inside a traced function");
  Value f = a.positional[0];
  CallArgs rest = a;
  rest.positional.erase(rest.positional.begin());
  Staged staged = stage(in, f, rest);
  addOutputs(staged, staged.result);
  std::vector<Tensor> inputs = staged.inputs();
  int64_t held = 0;
  try {
    ir::Graph g = transforms::lowerCustomCalls(transforms::simplify(staged.ctx->graph));
    resetTensorMemoryPeak();
    held = tensorMemory().live;
    ir::execute(g, inputs);
  } catch (const std::exception &e) {
    in.fail(a.span, std::string("debug.peak_memory: running the graph failed: ") + e.what());
  }
  return Value::integer(tensorMemory().peak - held);
}

} // namespace

void installMemoryProbe(Env &prelude) {
  // Into the `debug` namespace, made here unless another part of the prelude made it.
  Value *existing = prelude.lookup("debug");
  std::shared_ptr<Env> env = existing && existing->kind == ValueKind::Module ? existing->module->globals
                                                                              : std::make_shared<Env>();
  env->defineBuiltin("peak_memory", peakMemory);
  if (!existing) {
    Value m;
    m.kind = ValueKind::Module;
    m.module = std::make_shared<ModuleData>(ModuleData{"debug", env});
    prelude.define("debug", m);
  }
}

} // namespace zy::interp
