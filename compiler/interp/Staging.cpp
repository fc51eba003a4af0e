// Staging.cpp: trace → transform → inline or run, shared by every transformation.
#include "ir/OpTable.h"
#include "interp/Staging.h"

#include "interp/NanCheck.h"
#include "interp/TensorOps.h"
#include "ir/Builder.h"
#include "jit/Jit.h"
#include "support/Scoped.h"
#include "support/Timing.h"
#include "transforms/Grad.h"
#include "transforms/Simplify.h"

#include <climits>

namespace zy::interp {

using ir::Node;

std::string functionName(const Value &f) {
  return f.kind == ValueKind::Function ? f.closure->name : f.kind == ValueKind::Builtin ? f.builtin->name : typeName(f);
}

Value transformedFunction(const std::string &label, const std::vector<Value> &functions, const std::string &options,
                          std::function<Value(Interpreter &, CallArgs &)> fn) {
  Value v = Value::makeBuiltin(label, std::move(fn));
  std::string key = label + "/" + options;
  bool pure = true;
  for (const Value &f : functions) {
    pure = pure && trace::Tracer::cacheable(f);
    const void *identity = f.kind == ValueKind::Function ? static_cast<const void *>(f.closure.get())
                                                         : static_cast<const void *>(f.builtin.get());
    key += "@" + std::to_string(reinterpret_cast<uintptr_t>(identity));
  }
  Builtin &b = const_cast<Builtin &>(*v.builtin);
  if (pure) b.cacheKey = key;
  b.pure = pure;
  return v;
}

std::vector<Tensor> Staged::inputs() const {
  std::vector<Tensor> all = leaves;
  all.insert(all.end(), ctx->captures.begin(), ctx->captures.end());
  return all;
}

Staged stage(Interpreter &in, const Value &f, const CallArgs &args, const LeafType &leafType) {
  Staged s;
  s.ctx = std::make_unique<trace::TraceContext>();
  trace::TraceContext &ctx = *s.ctx;
  ctx.parent = in.trace;
  auto symbolize = [&](size_t argument) {
    return [&, argument](const Value &leaf) {
      // A host float is a weak f64 scalar, as in the tracer: full precision, and the
      // dtype of the tensors it meets.
      Tensor t = leaf.kind == ValueKind::Float ? Tensor::scalar(DType::F64, leaf.f) : *leaf.tensor;
      Tensor seen = leafType ? leafType(argument, t) : t;
      int id = ir::Builder(ctx.graph).input(seen.dtype(), seen.shape(), args.span);
      s.leaves.push_back(t);
      s.leafArgument.push_back(argument);
      s.leafState.push_back(leaf.state);
      Value v = trace::withLeafInfo(Value::fromTensor(Tensor::traced(seen.dtype(), seen.shape(), id, ctx.id)), leaf);
      v.weak = leaf.kind == ValueKind::Float || leaf.weak;
      return v;
    };
  };
  CallArgs symbolic = args;
  for (size_t i = 0; i < symbolic.positional.size(); ++i)
    symbolic.positional[i] = trace::mapRuntimeLeaves(args.positional[i], symbolize(i));
  for (auto &kw : symbolic.keywords) kw.second = trace::mapRuntimeLeaves(kw.second, symbolize(SIZE_MAX));

  // The trace is ours while f runs, and the enclosing one again however f ends.
  Scoped<trace::TraceContext *> tracing(in.trace, &ctx);
  timing::Scope timed(timing::Phase::Trace);
  s.result = in.call(f, symbolic);
  return s;
}

size_t addOutputs(Staged &staged, const Value &tree) {
  size_t count = 0;
  trace::mapRuntimeLeaves(tree, [&](const Value &leaf) {
    if (leaf.kind == ValueKind::Tensor) {
      staged.ctx->graph.outputs.push_back(nodeOf(*staged.ctx, *leaf.tensor));
      ++count;
    }
    return leaf;
  });
  return count;
}

Value rebuildOutputs(const Value &tree, const std::vector<Tensor> &outputs, size_t &next) {
  return trace::mapRuntimeLeaves(tree, [&](const Value &leaf) {
    return leaf.kind == ValueKind::Tensor ? trace::withLeafInfo(Value::fromTensor(outputs[next++]), leaf) : leaf;
  });
}

namespace {

/// Copies `g` into the graph `outer` builds, its inputs wired to `inputs` (tensors of
/// `outer`, or concrete ones); returns the outputs as tensors of `outer`.
std::vector<Tensor> inlineGraph(trace::TraceContext &outer, const ir::Graph &g, const std::vector<Tensor> &inputs) {
  std::vector<int> remap(g.nodes.size(), -1);
  for (size_t i = 0; i < g.inputs.size(); ++i) remap[g.inputs[i]] = nodeOf(outer, inputs[i]);
  for (size_t id = 0; id < g.nodes.size(); ++id) {
    if (remap[id] >= 0) continue;
    Node n = g.nodes[id];
    for (int &operand : n.operands) operand = remap[operand];
    remap[id] = outer.graph.add(std::move(n));
  }
  std::vector<Tensor> out;
  for (int id : g.outputs) {
    const Node &n = outer.graph.nodes[remap[id]];
    out.push_back(Tensor::traced(n.dtype, n.shape, remap[id], outer.id));
  }
  return out;
}

} // namespace

std::vector<Tensor> runStaged(Interpreter &in, const ir::Graph &graph, const std::vector<Tensor> &inputs, Span span,
                              const std::string &what) {
  if (in.trace) return inlineGraph(*in.trace, graph, inputs);
  std::vector<Tensor> outputs;
  ir::PrintTo toOutput([&](const std::string &line) { in.write(line); }); // debug.print, as the graph runs
  try {
    outputs = jit::run(transforms::lowerCustomCalls(graph), inputs); // final here: custom calls become their bodies
  } catch (const ir::CheckFailed &e) {
    failCheck(in, e, span); // a bad label, found as the graph ran
  } catch (const std::exception &e) {
    in.fail(span, "internal error running the " + what + ": " + e.what());
  }
  if (checkNans()) checkGraphOutputs(in, graph, inputs, outputs, span, what);
  return outputs;
}

ir::Graph finishTransform(Interpreter &in, const std::function<ir::Graph()> &transform, Span span,
                          const std::string &title) {
  ir::Graph g;
  try {
    {
      timing::Scope timed(timing::Phase::Autodiff);
      g = transform();
    }
    if (in.tracer.options.emitGradRawIr) in.write("# " + title + ", after autodiff\n" + ir::printGraph(g) + "\n");
    timing::Scope timed(timing::Phase::Optimise);
    g = transforms::simplify(g);
  } catch (const transforms::NotDifferentiable &e) {
    in.fail(span, std::string("cannot differentiate this function: ") + e.what());
  } catch (const std::exception &e) {
    in.fail(span, "internal error in " + title + " (please report it): " + e.what());
  }
  if (in.tracer.options.emitGradIr) in.write("# " + title + ", simplified\n" + ir::printGraph(g) + "\n");
  if (in.tracer.options.graphSink) in.tracer.options.graphSink(title, g);
  return g;
}

} // namespace zy::interp
