// Tracer.cpp: signatures, tracing a call to a Graph, caching it, and running it.
#include "trace/Tracer.h"

#include "ir/OpTable.h"
#include "support/Scoped.h"

#include "interp/Check.h"
#include "interp/Interpreter.h"
#include "interp/NanCheck.h"
#include "interp/TensorOps.h"
#include "ir/Builder.h"
#include "transforms/Grad.h"
#include "transforms/Simplify.h"
#include "support/Timing.h"

#include <iostream>

namespace zy::trace {

using interp::ValueKind;

namespace {

/// A leaf of the arguments that becomes a graph input: tensors, and host floats.

/// The static part of a value, with tensors as their types: what the cache keys on.
/// Functions in it are collected (the cache entry holds them); `cacheable` turns false
/// for values whose meaning the description cannot capture.
void describe(const Value &v, std::string &out, bool &cacheable, std::vector<Value> &functions, bool top = true) {
  switch (v.kind) {
  case ValueKind::Tensor: out += typeString(v.tensor->dtype(), v.tensor->shape()); break;
  case ValueKind::Float: out += top ? "float" : interp::toDisplayString(v); break; // nested floats are static
  case ValueKind::Record:
    out += "{";
    for (size_t i = 0; i < v.record->fields.size(); ++i) {
      out += (i ? ", " : "") + v.record->fields[i].first + ": ";
      describe(v.record->fields[i].second, out, cacheable, functions, false);
    }
    out += "}";
    break;
  case ValueKind::List:
  case ValueKind::Tuple:
    out += v.kind == ValueKind::List ? "[" : "(";
    for (size_t i = 0; i < v.items->size(); ++i) {
      if (i) out += ", ";
      describe((*v.items)[i], out, cacheable, functions, false);
    }
    out += v.kind == ValueKind::List ? "]" : ")";
    break;
  case ValueKind::Str: out += "str(" + std::to_string(v.str->size()) + ")" + *v.str; break; // length-prefixed: no collisions
  case ValueKind::Function:
  case ValueKind::Builtin:
    out += "fn " + (v.kind == ValueKind::Function ? v.closure->name : v.builtin->name) + "#" +
           std::to_string(functions.size());
    cacheable = cacheable && Tracer::cacheable(v);
    functions.push_back(v);
    break;
  case ValueKind::Key: out += "key"; break; // a runtime leaf: a new key each step is the same trace
  case ValueKind::BoundMethod:
  case ValueKind::ParamsView:
  case ValueKind::Init: cacheable = false; break;
  default: out += interp::toDisplayString(v);
  }
  if (v.state) out += " (state)";
}

bool returnsFunction(const Value &v) {
  switch (v.kind) {
  case ValueKind::Function:
  case ValueKind::Builtin:
  case ValueKind::BoundMethod: return true;
  case ValueKind::Record:
    return std::any_of(v.record->fields.begin(), v.record->fields.end(), [](auto &f) { return returnsFunction(f.second); });
  case ValueKind::List:
  case ValueKind::Tuple: return std::any_of(v.items->begin(), v.items->end(), returnsFunction);
  default: return false;
  }
}


} // namespace

/// Tensors anywhere in a tree are runtime leaves (and random keys, with `keys`); a float
/// only as a whole argument.
static Value mapTensorLeaves(const Value &v, const std::function<Value(const Value &)> &fn, bool keys) {
  if (v.kind == ValueKind::Record) {
    std::vector<std::pair<std::string, Value>> fields;
    for (const auto &[name, value] : v.record->fields) fields.emplace_back(name, mapTensorLeaves(value, fn, keys));
    Value out = Value::makeRecord(std::move(fields));
    out.path = v.path;
    return out;
  }
  if (v.kind == ValueKind::List || v.kind == ValueKind::Tuple) {
    std::vector<Value> items;
    for (const Value &x : *v.items) items.push_back(mapTensorLeaves(x, fn, keys));
    Value out = v.kind == ValueKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    out.path = v.path;
    return out;
  }
  return v.kind == ValueKind::Tensor || (keys && v.kind == ValueKind::Key) ? fn(v) : v;
}

Value mapRuntimeLeaves(const Value &v, const std::function<Value(const Value &)> &fn) {
  // docs/semantics.md: a float passed to a function is a runtime scalar; lists and
  // records are static, floats in them included.
  return v.kind == ValueKind::Float ? fn(v) : mapTensorLeaves(v, fn, false);
}

namespace {

/// The runtime leaves of a traced call: mapRuntimeLeaves' and, anywhere in a tree, random
/// keys, as i32[2] words. A training step called with a new key each step (dropout)
/// then reuses its trace, and draws with the key inside the graph.
Value mapCallLeaves(const Value &v, const std::function<Value(const Value &)> &fn) {
  return v.kind == ValueKind::Float ? fn(v) : mapTensorLeaves(v, fn, true);
}

/// The words of a key as the i32[2] tensor the graph takes.
Tensor keyWords(const Value &key) {
  if (key.tensor) return *key.tensor;
  Tensor t(DType::I32, {2});
  t.mutableData<int32_t>()[0] = static_cast<int32_t>(key.key[0]);
  t.mutableData<int32_t>()[1] = static_cast<int32_t>(key.key[1]);
  return t;
}

/// A result leaf of a traced call, given the tensor now standing for it: a key stays a
/// key (traced while tracing, with its words once the graph has run).
Value rewrap(const Value &leaf, const Tensor &t) {
  if (leaf.kind == ValueKind::Key) {
    if (t.isTraced()) return Value::tracedKey(t);
    const int32_t *w = t.data<int32_t>();
    return Value::randomKey(static_cast<uint32_t>(w[0]), static_cast<uint32_t>(w[1]));
  }
  Value out = withLeafInfo(Value::fromTensor(t), leaf);
  out.weak = leaf.weak;
  return out;
}

} // namespace

Value withLeafInfo(Value leaf, const Value &from) {
  leaf.path = from.path;
  leaf.state = from.state;
  return leaf;
}

bool Tracer::cacheable(const Value &f) {
  if (f.kind == ValueKind::Function) {
    for (const interp::Env *e = f.closure->env.get(); e; e = e->parent.get()) {
      if (e->moduleScope) return true;
      if (!e->finished) return false;
    }
    return false;
  }
  return f.kind == ValueKind::Builtin && f.builtin->pure;
}

bool Tracer::wantsTrace(const interp::CallArgs &args) {
  for (const Value &v : args.positional)
    if (interp::holdsTensor(v)) return true;
  for (const auto &kw : args.keywords)
    if (interp::holdsTensor(kw.second)) return true;
  return false;
}

Value Tracer::call(Interpreter &in, const Value &callee, interp::CallArgs &args) {
  bool isClosure = callee.kind == ValueKind::Function;
  const std::string &name = isClosure ? callee.closure->name : callee.builtin->name;
  std::string key = isClosure ? "fn@" + std::to_string(reinterpret_cast<uintptr_t>(callee.closure.get()))
                              : callee.builtin->cacheKey;
  // 1. The signature, one description per argument.
  std::vector<std::string> descriptions;
  std::vector<Value> functions;
  bool canCache = cacheable(callee);
  // A function whose branches needed the value of a float argument (`if rate == 0.0`)
  // is specialised on its float arguments: they are static, part of the signature.
  auto known = canCache ? Cache.find(key) : Cache.end();
  bool staticFloats = known != Cache.end() && known->second.staticFloats;
  for (const Value &v : args.positional) {
    std::string d;
    describe(v, d, canCache, functions, !staticFloats);
    descriptions.push_back(std::move(d));
  }
  for (const auto &[name, v] : args.keywords) {
    std::string d = name + " = ";
    describe(v, d, canCache, functions, !staticFloats);
    descriptions.push_back(std::move(d));
  }
  // Functions as arguments are keyed by identity: the same object, held by the entry.
  std::string signature;
  for (const std::string &d : descriptions) signature += (signature.empty() ? "" : ", ") + d;
  for (const Value &f : functions)
    signature += "; #" + std::to_string(reinterpret_cast<uintptr_t>(
                             f.kind == ValueKind::Function ? static_cast<const void *>(f.closure.get()) : f.builtin.get()));

  auto runtimeLeaves = [&](const Value &v, const std::function<Value(const Value &)> &fn) {
    return staticFloats && v.kind == ValueKind::Float ? v : mapCallLeaves(v, fn);
  };
  // The runtime leaves, in order: these are the graph's inputs on every call.
  std::vector<Tensor> inputs;
  auto collect = [&](const Value &leaf) {
    inputs.push_back(leaf.kind == ValueKind::Float ? Tensor::scalar(DType::F64, leaf.f)
                     : leaf.kind == ValueKind::Key ? keyWords(leaf)
                                                   : *leaf.tensor);
    return leaf;
  };
  for (const Value &v : args.positional) runtimeLeaves(v, collect);
  for (const auto &kw : args.keywords) runtimeLeaves(kw.second, collect);

  // Host code: the body is interpreted op by op (the functions it calls may be traced).
  auto runEagerly = [&]() -> Value {
    return isClosure ? in.callUntraced(*callee.closure, args) : callee.builtin->fn(in, args);
  };
  if (!canCache) return runEagerly();

  // A program that makes functions without end (lambdas in a loop) must not grow the
  // cache without end either.
  if (Cache.size() >= 1024 && !Cache.count(key)) Cache.clear();
  CompiledFunction &compiled = Cache[key];
  compiled.callee = callee;
  CompiledFunction::Entry *entry = nullptr;
  for (auto &e : compiled.entries)
    if (e.signature == signature) entry = &e;
  if (std::find(compiled.eagerSignatures.begin(), compiled.eagerSignatures.end(), signature) !=
      compiled.eagerSignatures.end())
    return runEagerly();

  if (!entry) {
    // 2. Trace: interpret the function once on symbolic inputs.
    if (options.logCompiles) {
      std::string reason;
      if (!compiled.entries.empty()) {
        const auto &last = compiled.entries.back().argumentDescriptions;
        for (size_t i = 0; i < descriptions.size() && reason.empty(); ++i)
          if (i >= last.size() || last[i] != descriptions[i])
            reason = " (retrace: argument " + std::to_string(i + 1) + " was " + (i < last.size() ? last[i] : "absent") +
                     ", now " + descriptions[i] + ")";
        if (reason.empty()) reason = " (retrace: the arguments changed)";
      }
      std::cerr << "zy: tracing `" << name << "`" << reason << "\n";
    }
    TraceContext ctx;
    ir::Builder builder(ctx.graph);
    auto symbolic = [&](const Value &leaf) {
      if (leaf.kind == ValueKind::Key)
        return Value::tracedKey(Tensor::traced(DType::I32, {2}, builder.input(DType::I32, {2}, args.span), ctx.id));
      // A host float is a weak f64 scalar: full precision, and it takes the dtype of the
      // tensors it meets, as the host number would (TensorOps.cpp).
      DType dtype = leaf.kind == ValueKind::Float ? DType::F64 : leaf.tensor->dtype();
      Shape shape = leaf.kind == ValueKind::Float ? Shape{} : leaf.tensor->shape();
      int id = builder.input(dtype, shape, args.span);
      Value v = withLeafInfo(Value::fromTensor(Tensor::traced(dtype, shape, id, ctx.id)), leaf);
      v.weak = v.fromHostFloats = leaf.kind == ValueKind::Float;
      return v;
    };
    interp::CallArgs symbolicArgs = args;
    for (Value &v : symbolicArgs.positional) v = runtimeLeaves(v, symbolic);
    for (auto &kw : symbolicArgs.keywords) kw.second = runtimeLeaves(kw.second, symbolic);

    Value result;
    std::string output;
    bool needsValues = false, needsFloats = false; // f needed concrete values: it runs otherwise
    {
      Scoped<trace::TraceContext *> tracing(in.trace, &ctx);
      Scoped<std::string *> capture(in.traceOutput, &output);
      try {
        timing::Scope timed(timing::Phase::Trace);
        result = isClosure ? in.callUntraced(*callee.closure, symbolicArgs) : in.call(callee, symbolicArgs);
      } catch (const interp::ZyError &e) {
        if (!e.needsValue) throw;
        needsValues = true;
        needsFloats = e.needsFloatValues;
      }
    }
    if (needsValues) {
      if (needsFloats && !compiled.staticFloats) {
        if (options.logCompiles) std::cerr << "zy: `" << name << "` branches on a float argument, so it is traced per value\n";
        compiled.staticFloats = true;
        compiled.entries.clear();
        return call(in, callee, args);
      }
      if (options.logCompiles) std::cerr << "zy: `" << name << "` needs tensor values, so it runs eagerly\n";
      compiled.eagerSignatures.push_back(signature);
      return runEagerly();
    }
    // A function that returns a function (currying, a closure over its arguments) is
    // host code too: the closure must capture values, not the trace's symbols.
    if (returnsFunction(result)) {
      if (options.logCompiles) std::cerr << "zy: `" << name << "` returns a function, so it runs eagerly\n";
      compiled.eagerSignatures.push_back(signature);
      return runEagerly();
    }
    in.write(output);

    // The result's tensors (and traced keys) become the graph's outputs; concrete
    // tensors are baked in, concrete keys stay static parts of the result.
    std::map<int, bool> isOutput;
    result = mapCallLeaves(result, [&](const Value &leaf) {
      if (leaf.kind != ValueKind::Tensor && !leaf.isTracedKey()) return leaf;
      int id;
      if (leaf.tensor->isTraced()) {
        id = leaf.tensor->tracedNode();
      } else {
        ir::Node literal;
        literal.op = ir::Op::Literal;
        literal.dtype = leaf.tensor->dtype();
        literal.shape = leaf.tensor->shape();
        literal.attrs.literal = leaf.tensor;
        id = ctx.graph.add(literal);
      }
      if (!isOutput[id]) {
        ctx.graph.outputs.push_back(id);
        isOutput[id] = true;
      }
      return rewrap(leaf, Tensor::traced(leaf.tensor->dtype(), leaf.tensor->shape(), id, ctx.id));
    });
    ++Traces;
    std::string title = "fn " + name + "(" + signature + ")";
    if (options.emitIr) in.write("# " + title + "\n" + ir::printGraph(ctx.graph) + "\n");
    // 3. Simplify what was traced (identities, CSE, dead code), and point the result's
    // tensors at the simplified graph's outputs (simplify keeps the outputs' order).
    ir::Graph graph;
    {
      timing::Scope timed(timing::Phase::Optimise);
      graph = transforms::simplify(transforms::lowerCustomCalls(ctx.graph)); // final: custom calls become their bodies
    }
    std::map<int, int> moved;
    for (size_t i = 0; i < graph.outputs.size(); ++i) moved[ctx.graph.outputs[i]] = graph.outputs[i];
    result = mapCallLeaves(result, [&](const Value &leaf) {
      if (leaf.kind != ValueKind::Tensor && !leaf.isTracedKey()) return leaf;
      return rewrap(leaf, Tensor::traced(leaf.tensor->dtype(), leaf.tensor->shape(), moved.at(leaf.tensor->tracedNode()), ctx.id));
    });
    if (options.emitOptIr) in.write("# " + title + ", simplified\n" + ir::printGraph(graph) + "\n");
    if (options.graphSink) options.graphSink(title, graph);
    if (options.onTrace) options.onTrace(callee, graph, result);
    // Lambdas made anew at every call would fill the cache; keep the newest few.
    if (compiled.entries.size() >= 8) compiled.entries.erase(compiled.entries.begin());
    compiled.entries.push_back({signature, descriptions, std::move(graph), result, functions, nullptr});
    entry = &compiled.entries.back();
  }

  // 4. Run the graph and put its outputs where the traced result had them.
  std::vector<Tensor> outputs;
  if (in.checkingHost()) {
    // A check (interp/Check.h): the trace has checked the body; nothing runs, and the
    // results are abstract tensors of the check's graph. A host number the function
    // returns (a weak scalar) is only known when it runs.
    return mapCallLeaves(entry->result, [&](const Value &leaf) {
      if (leaf.kind != ValueKind::Tensor && !leaf.isTracedKey()) return leaf;
      if (leaf.weak) in.failNeedsValue(args.span, "`" + name + "` returns a number only known when the program runs");
      return rewrap(leaf, interp::abstractTensor(in, leaf.tensor->dtype(), leaf.tensor->shape()));
    });
  }
  ir::PrintTo toOutput([&](const std::string &line) { in.write(line); }); // debug.print, as the graph runs
  try {
    outputs = jit::run(entry->graph, inputs, &entry->executable);
  } catch (const ir::CheckFailed &e) {
    interp::failCheck(in, e, args.span); // a bad label, found as the graph ran
  } catch (const std::exception &e) {
    in.fail(args.span, std::string("internal error running the traced graph: ") + e.what());
  }
  if (interp::checkNans()) interp::checkGraphOutputs(in, entry->graph, inputs, outputs, args.span, "`" + name + "`");
  std::map<int, size_t> position;
  for (size_t i = 0; i < entry->graph.outputs.size(); ++i) position[entry->graph.outputs[i]] = i;
  return mapCallLeaves(entry->result, [&](const Value &leaf) {
    if (leaf.kind != ValueKind::Tensor && !leaf.isTracedKey()) return leaf;
    const Tensor &out = outputs[position[leaf.tensor->tracedNode()]];
    if (leaf.weak) return Value::real(out.get(0)); // a host number stays one
    return rewrap(leaf, out);
  });
}

} // namespace zy::trace
