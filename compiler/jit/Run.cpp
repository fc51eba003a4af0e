// Run.cpp: how a graph runs (jit::run): compiled or on the reference executor, the
// caches of compiled code, tiering of small graphs, and --check-jit's comparison.
#include "jit/Jit.h"

#include "ir/Executor.h"
#include "ir/Magnitude.h"
#include "ir/OpTable.h"
#include "jit/Plan.h"
#include "support/Timing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>

namespace zy::jit {

using ir::Graph;
using ir::Node;
using ir::Op;

namespace {

/// A graph's structure as text: equal for graphs that compile to the same code (a
/// literal's values are read at run time, so only its type counts).
void describe(const Graph &g, std::string &out) {
  auto list = [&](const std::vector<int64_t> &v) {
    for (int64_t x : v) out += std::to_string(x) + ",";
    out += ';';
  };
  for (const Node &n : g.nodes) {
    out += std::to_string(static_cast<int>(n.op)) + ":" + typeString(n.dtype, n.shape) + "(";
    for (int o : n.operands) out += std::to_string(o) + ",";
    out += ")";
    const ir::Attrs &a = n.attrs;
    out += std::to_string(static_cast<int>(a.dtype)) + (a.keepdims ? "k" : "") + ";";
    for (const auto *v : {&a.axes, &a.shape, &a.perm, &a.starts, &a.stops, &a.steps, &a.lo, &a.hi}) list(*v);
    out += std::to_string(a.axis) + ";" + std::to_string(a.index) + ";" + std::to_string(a.carries) + ";" +
           std::to_string(a.sequences) + ";";
    char value[32];
    std::snprintf(value, sizeof value, "%a;", a.value);
    out += value;
    if (a.body) {
      out += "{";
      describe(*a.body, out);
      out += "}";
    }
    if (a.cond) {
      out += "?{";
      describe(*a.cond, out);
      out += "}";
    }
    out += "\n";
  }
  out += "in:";
  for (int i : g.inputs) out += std::to_string(i) + ",";
  out += "out:";
  for (int o : g.outputs) out += std::to_string(o) + ",";
}

/// Roughly the element operations a graph does (a matmul counts its multiply-adds; a
/// scan its body's work once per step; a while, whose steps are not known, as if it ran
/// WhileStepsGuess), to tell the graphs worth compiling at once.
constexpr double WhileStepsGuess = 100;

double work(const Graph &g) {
  double total = 0;
  for (const Node &n : g.nodes) {
    double count = static_cast<double>(elementCount(n.shape).value_or(0));
    if (n.op == Op::MatMul) count *= static_cast<double>(g.nodes[n.operands[0]].shape.back());
    if (n.op == Op::Scan) count = work(*n.attrs.body) * static_cast<double>(g.nodes[n.operands[n.attrs.carries]].shape[0]);
    if (n.op == Op::While) count = (work(*n.attrs.body) + work(*n.attrs.cond)) * WhileStepsGuess;
    total += count;
  }
  return total;
}

/// About what the reference executor does in the time a compile takes.
constexpr double CompileWorthWork = 2e6;

/// Compiled code by graph structure, for callers without a cache of their own.
struct StructureCache {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const Executable>> byStructure;
  std::map<std::string, bool> unsupported;
  std::map<std::string, int> seen; // structures run once on the reference executor
};

StructureCache &structureCache() {
  static StructureCache cache;
  return cache;
}

} // namespace

// Compares the JIT's outputs with the reference executor's (Options::check; Jit.h).
//
// The tolerance of each element i of an output is
//     rtol · max|ref| + K · u · M_i
// rtol · max|ref| (rtol = 1e-4 for f32, 1e-9 for f64, relative to the output's largest
// finite magnitude) is what the check always allowed: it suits a well-conditioned value.
// M_i is the sum of the absolute terms behind element i, propagated through the graph
// as the reference runs (ir::magnitude): both implementations round at every node, and
// their difference is bounded by about u · M_i (u the unit roundoff of the dtype, 2^-24
// for f32), however small the result after cancellation. K = 64 covers the length of
// sums (rounding errors of n terms add up to about log2(n) or sqrt(n) times u · M for
// the JIT's blocked sums). For a well-conditioned value K · u · M is ~1e-5 · |value|,
// below the rtol term, so a real miscompile is caught as before; only where the graph
// cancels large terms (a second derivative of f32 values of 1e4, say) does the
// tolerance grow, and only as much as f32 rounding can explain. A difference involving
// a NaN or an infinity is never tolerated.
void compareWithReference(const Graph &graph, const std::vector<Tensor> &inputs, const std::vector<Tensor> &got) {
  // The magnitudes of every node, computed beside the reference run (values of Input
  // nodes are not observed: their M is |x|, which ir::magnitude takes for a null one).
  std::vector<Tensor> mags(graph.nodes.size());
  std::vector<bool> has(graph.nodes.size(), false);
  auto observe = [&](int id, const Node &node, const Tensor &value, const std::vector<const Tensor *> &operands) {
    std::vector<const Tensor *> operandMags;
    for (int o : node.operands) operandMags.push_back(has[o] ? &mags[o] : nullptr);
    mags[id] = ir::magnitude(node, value, operands, operandMags);
    has[id] = true;
  };
  std::vector<Tensor> want;
  {
    ir::MutePrints mute; // the JIT's run printed already
    want = ir::execute(graph, inputs, observe);
  }
  constexpr double K = 64;
  for (size_t k = 0; k < want.size(); ++k) {
    const Tensor &w = want[k], &g = got[k];
    int out = graph.outputs[k];
    const Tensor *m = has[out] ? &mags[out] : nullptr; // an output that is an input is exact
    double scale = 1;
    for (int64_t i = 0; i < w.size(); ++i)
      if (std::isfinite(w.get(i))) scale = std::max(scale, std::fabs(w.get(i)));
    bool f64 = w.dtype() == DType::F64;
    double tolerance = f64 ? 1e-9 : options().checkTolerance;
    double unit = f64 ? 0x1p-53 : 0x1p-24;
    for (int64_t i = 0; i < w.size(); ++i) {
      double a = w.get(i), b = g.get(i);
      double allowed = tolerance * scale + (m ? K * unit * m->get(i) : 0);
      bool finite = std::isfinite(a) && std::isfinite(b);
      bool same = (std::isnan(a) && std::isnan(b)) || a == b ||
                  (isFloat(w.dtype()) && finite && std::fabs(a - b) <= allowed);
      if (!same) {
        std::string nodeText = ir::printGraph(graph);
        throw std::runtime_error("the JIT and the reference executor disagree on output " + std::to_string(k) +
                                 " (" + typeString(w.dtype(), w.shape()) + "), element " + std::to_string(i) + ": " +
                                 std::to_string(b) + " vs " + std::to_string(a) + " (tolerance " +
                                 std::to_string(allowed) + ")\n" + nodeText);
      }
    }
  }
}

void forgetCompiled() {
  StructureCache &cache = structureCache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.byStructure.clear();
  cache.seen.clear();
}

std::vector<Tensor> run(const Graph &graph, const std::vector<Tensor> &inputs, std::shared_ptr<const Executable> *cache) {
  timing::Scope timed(timing::Phase::Run);
  if (!options().enabled) return ir::execute(graph, inputs);
  std::shared_ptr<const Executable> exe = cache ? *cache : nullptr;
  if (!exe) {
    // Graphs from call sites without a cache of their own (a gradient taken in host
    // code, say) are looked up by structure, so a loop does not recompile each time.
    auto &[mutex, byStructure, unsupported, seen] = structureCache();
    std::string key;
    describe(graph, key);
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (unsupported.count(key)) return ir::execute(graph, inputs);
      auto found = byStructure.find(key);
      if (found != byStructure.end()) exe = found->second;
      else if (!options().check && !options().emitLlvm && seen[key]++ == 0 && work(graph) < CompileWorthWork) {
        if (seen.size() > 4096) seen.clear();
        return ir::execute(graph, inputs);
      }
    }
    if (!exe) {
      try {
        timing::Scope compiling(timing::Phase::Llvm);
        exe = compile(graph);
      } catch (const Unsupported &e) {
        if (options().reportCompileTime) std::cerr << "zy: runs on the reference executor: " << e.what() << "\n";
        std::lock_guard<std::mutex> lock(mutex);
        unsupported[key] = true;
        return ir::execute(graph, inputs);
      } catch (const std::exception &e) {
        // A failure to compile is a bug in the JIT, but the program can still run:
        // say so once, and run this graph on the reference executor from now on.
        if (options().check) throw;
        std::cerr << "zy: internal JIT error (please report it), running on the reference executor instead: "
                  << e.what() << "\n";
        std::lock_guard<std::mutex> lock(mutex);
        unsupported[key] = true;
        return ir::execute(graph, inputs);
      }
      std::lock_guard<std::mutex> lock(mutex);
      if (byStructure.size() >= 256) byStructure.erase(byStructure.begin());
      byStructure[key] = exe;
    }
    if (cache) *cache = exe;
  }
  std::vector<Tensor> outputs = exe->run(graph, inputs);
  if (options().check) compareWithReference(graph, inputs, outputs);
  return outputs;
}


} // namespace zy::jit
