// Executable.cpp: compiling a plan and running its steps (see Jit.h; Run.cpp decides
// when a graph is compiled).
//
// A run fills the slot table (inputs, outputs, arena offsets, literals), then runs the
// steps in order: generated kernels (large ones split over the cores), BLAS calls for
// matmul, scans and whiles as loops over their compiled graphs, the runtime's random
// numbers, scatter-add and sort, and label checks (which throw ir::CheckFailed).
#include "jit/Jit.h"

#include "ir/Executor.h"
#include "ir/OpTable.h"
#include "jit/Codegen.h"
#include "jit/Engine.h"
#include "jit/Plan.h"
#include "jit/ThreadPool.h"
#include "runtime/IntMatmul.h"
#include "runtime/ScatterAdd.h"
#include "runtime/Sort.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace zy::jit {

using ir::Graph;
using ir::Node;
using ir::Op;

Options &options() {
  static Options instance;
  return instance;
}

void setThreads(int n) {
  options().threads = n;
  openblas_set_num_threads(n);
}

namespace {

std::atomic<int64_t> CompileMicros{0};

using KernelFn = void (*)(void **slots, int64_t begin, int64_t end);

/// Loops smaller than this many elements run on one thread: waking a worker costs more.
constexpr int64_t ParallelThreshold = 1 << 16;

int threadCount() {
  int n = options().threads;
  return n > 0 ? n : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

struct FreeDeleter {
  void operator()(void *p) const { std::free(p); }
};
using ArenaBuffer = std::unique_ptr<char, FreeDeleter>;

class Compiled final : public Executable {
public:
  explicit Compiled(const Graph &graph) : G(withoutLiterals(graph)) {
    auto start = std::chrono::steady_clock::now();
    P = makePlan(G);
    P.graph = &G;
    for (const Step &step : P.steps) {
      if (step.kind == Step::Scan || step.kind == Step::While)
        Bodies[step.node] = std::static_pointer_cast<const Compiled>(compile(*G.nodes[step.node].attrs.body));
      if (step.kind == Step::While)
        Conditions[step.node] = std::static_pointer_cast<const Compiled>(compile(*G.nodes[step.node].attrs.cond));
    }
    if (!P.kernels.empty()) generateCode();
    Millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    CompileMicros += static_cast<int64_t>(Millis * 1000);
    if (options().emitLlvm && Code) std::cout << Code->llvmIr;
    if (options().reportCompileTime)
      std::cerr << "zy: compiled a graph of " << G.nodes.size() << " nodes (" << P.kernels.size() << " kernels) in "
                << Millis << " ms\n";
  }

  std::vector<Tensor> run(const Graph &source, const std::vector<Tensor> &inputs) const override {
    if (source.nodes.size() != G.nodes.size()) throw std::invalid_argument("running compiled code on another graph");
    if (inputs.size() != G.inputs.size())
      throw std::invalid_argument("the graph takes " + std::to_string(G.inputs.size()) + " inputs, got " +
                                  std::to_string(inputs.size()));
    std::vector<const void *> in;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Node &node = G.nodes[G.inputs[i]];
      const Tensor &t = inputs[i];
      if (t.isTraced() || t.dtype() != node.dtype || t.shape() != node.shape)
        throw std::invalid_argument("input " + std::to_string(i) + " should be " + typeString(node.dtype, node.shape) +
                                    ", got " + typeString(t.dtype(), t.shape()));
      in.push_back(t.size() ? t.data<uint8_t>() : nullptr);
    }
    std::vector<Tensor> outputs;
    std::vector<void *> out;
    for (int id : G.outputs) {
      outputs.emplace_back(G.nodes[id].dtype, G.nodes[id].shape);
      out.push_back(outputs.back().size() ? outputs.back().mutableData<uint8_t>() : nullptr);
    }
    runRaw(source, in.data(), out.data());
    return outputs;
  }

  /// Runs on raw buffers, row-major and typed as the graph's inputs and outputs, with
  /// the literals of `source`.
  void runRaw(const Graph &source, const void *const *inputs, void *const *outputs) const {
    ArenaBuffer arena = takeArena();
    std::vector<void *> slots(P.slots.size());
    for (size_t s = 0; s < P.slots.size(); ++s) {
      const Slot &slot = P.slots[s];
      switch (slot.kind) {
      case Slot::Input: slots[s] = const_cast<void *>(inputs[slot.index]); break;
      case Slot::Output: slots[s] = outputs[slot.index]; break;
      case Slot::Arena: slots[s] = arena.get() + slot.index; break;
      case Slot::Literal: {
        const Tensor &t = *source.nodes[slot.node].attrs.literal;
        slots[s] = t.size() ? const_cast<uint8_t *>(t.data<uint8_t>()) : nullptr;
        break;
      }
      }
    }
    for (const Step &step : P.steps) runStep(source, step, slots.data(), outputs);
    giveArena(std::move(arena));
  }

  const std::string &llvmIr() const override {
    static const std::string none;
    return Code ? Code->llvmIr : none;
  }
  size_t arenaBytes() const override { return P.arenaBytes; }
  double compileMillis() const override { return Millis; }

private:
  Graph G;
  Plan P;
  std::unique_ptr<LinkedModule> Code;
  std::vector<KernelFn> Kernels;
  std::map<int, std::shared_ptr<const Compiled>> Bodies, Conditions; // of scans and whiles, by node
  double Millis = 0;
  mutable std::mutex ArenaMutex;
  mutable std::vector<ArenaBuffer> Arenas; // reused between runs, one per concurrent run

  ArenaBuffer takeArena() const {
    {
      std::lock_guard<std::mutex> lock(ArenaMutex);
      if (!Arenas.empty()) {
        ArenaBuffer a = std::move(Arenas.back());
        Arenas.pop_back();
        return a;
      }
    }
    void *p = std::aligned_alloc(64, std::max<size_t>(64, (P.arenaBytes + 63) / 64 * 64));
    if (!p) throw std::runtime_error("out of memory: a run needs " + std::to_string(P.arenaBytes) + " bytes of scratch");
    return ArenaBuffer(static_cast<char *>(p));
  }
  void giveArena(ArenaBuffer a) const {
    std::lock_guard<std::mutex> lock(ArenaMutex);
    if (Arenas.size() < 8) Arenas.push_back(std::move(a));
  }

  void *slotOf(void **slots, int node) const { return slots[P.slotOf[node]]; }

  /// The kernels' code: two modules (kernels alternating between them) generated and
  /// optimised on two threads, then compiled to machine code on the JIT's two threads.
  void generateCode() {
    static std::atomic<int> counter{0};
    std::string prefix = "zy_g" + std::to_string(counter++);
    int count = static_cast<int>(P.kernels.size());
    int parts = count >= 8 ? 2 : 1;
    std::vector<ModuleInContext> modules(parts);
    std::vector<std::exception_ptr> errors(parts);
    auto build = [&](int part) {
      try {
        ModuleInContext &m = modules[part];
        m.context = std::make_unique<llvm::LLVMContext>();
        m.module = newModule(*m.context, prefix + "_" + std::to_string(part));
        std::vector<int> mine;
        for (int k = part; k < count; k += parts) mine.push_back(k);
        generateKernels(P, *m.module, prefix, mine);
        optimise(*m.module);
      } catch (...) {
        errors[part] = std::current_exception(); // rethrown as it is (Unsupported falls back)
      }
    };
    if (parts == 2) {
      std::thread other(build, 1);
      build(0);
      other.join();
    } else {
      build(0);
    }
    for (const std::exception_ptr &error : errors)
      if (error) std::rethrow_exception(error);
    std::vector<std::string> names;
    for (int k = 0; k < count; ++k) names.push_back(kernelName(prefix, k));
    Code = link(std::move(modules), names, options().emitLlvm || options().keepLlvmIr);
    for (void *symbol : Code->symbols) Kernels.push_back(reinterpret_cast<KernelFn>(symbol));
  }

  /// The graph with its literals' tensors dropped (their types stay): code reads them
  /// from the graph it runs, and a cache must not keep large tensors alive.
  static Graph withoutLiterals(Graph g) {
    for (Node &node : g.nodes) {
      if (node.op == Op::Literal) node.attrs.literal = nullptr;
      if (node.attrs.body) node.attrs.body = std::make_shared<const Graph>(withoutLiterals(*node.attrs.body));
    }
    return g;
  }

  void runStep(const Graph &source, const Step &step, void **slots, void *const *outputs) const {
    const Node &node = G.nodes[step.node];
    switch (step.kind) {
    case Step::Kernel: {
      KernelFn fn = Kernels[step.kernel];
      int64_t count = elementCount(node.shape).value_or(0);
      if (node.op == Op::ReduceSum || node.op == Op::ReduceMax || node.op == Op::ReduceMin || node.op == Op::ArgMax)
        count = elementCount(G.nodes[node.operands[0]].shape).value_or(0);
      if (step.parallelExtent > 1 && count >= ParallelThreshold)
        parallelFor(step.parallelExtent, threadCount(), [&](int64_t b, int64_t e) { fn(slots, b, e); });
      else
        fn(slots, 0, step.parallelExtent);
      return;
    }
    case Step::MatMul: return matmul(step, slots);
    case Step::Scan: return scan(*source.nodes[step.node].attrs.body, step, slots);
    case Step::While: return whileLoop(*source.nodes[step.node].attrs.cond, *source.nodes[step.node].attrs.body, step, slots);
    case Step::Random: {
      const int32_t *words = static_cast<const int32_t *>(slotOf(slots, node.operands[0]));
      const uint32_t key[2] = {static_cast<uint32_t>(words[0]), static_cast<uint32_t>(words[1])};
      return ir::drawRandom(node, key, slotOf(slots, step.node));
    }
    case Step::ScatterAdd: return scatterAdd(step, slots);
    case Step::Sort: {
      const Node &x = G.nodes[node.operands[0]];
      int64_t length = node.shape.back(), rows = length == 0 ? 0 : elementCount(node.shape).value_or(0) / length;
      std::vector<int32_t> scratch(static_cast<size_t>(length));
      zy_rt_argsort(static_cast<int>(x.dtype), slotOf(slots, node.operands[0]), rows, length, node.attrs.value != 0,
                    static_cast<int32_t *>(slotOf(slots, step.node)), scratch.data());
      return;
    }
    case Step::Check: {
      // One pass over the labels. The error is the node of the graph being run, with its
      // name, span and call chain (compiled code may be shared by graphs of one structure).
      const Node &checked = source.nodes[step.node];
      const auto *labels = static_cast<const int32_t *>(slotOf(slots, node.operands[0]));
      if (auto bad = ir::badLabel(labels, G.nodes[node.operands[0]].shape, static_cast<int64_t>(node.attrs.value), checked.attrs.name))
        throw ir::CheckFailed(*bad, checked);
      if (size_t bytes = bytesOf(node)) std::memcpy(slotOf(slots, step.node), labels, bytes);
      return;
    }
    case Step::Print: {
      // The operands' buffers formatted by the runtime, as the reference kernel does; the
      // format is read from the graph being run (code is shared by graphs of one structure).
      std::vector<ZyRtTensor> views;
      for (int operand : node.operands) {
        const Node &x = G.nodes[operand];
        views.push_back({static_cast<int>(x.dtype), static_cast<int>(x.shape.size()), x.shape.data(), slotOf(slots, operand)});
      }
      ir::debugPrint(ir::formatDebugPrint(source.nodes[step.node].attrs.name, views));
      return;
    }
    case Step::Copy: {
      size_t bytes = bytesOf(node);
      if (bytes) std::memcpy(outputs[step.output], slotOf(slots, step.node), bytes);
      return;
    }
    }
  }

  void matmul(const Step &step, void **slots) const {
    const Node &node = G.nodes[step.node];
    auto [batches, n, k, m] = matmulSizes(G, node);
    void *a = slotOf(slots, step.a.node), *b = slotOf(slots, step.b.node), *c = slotOf(slots, step.node);
    if (n * m == 0) return;
    if (k == 0) {
      std::memset(c, 0, bytesOf(node));
      return;
    }
    switch (node.dtype) {
    case DType::F32: return gemm<float>(static_cast<float *>(a), static_cast<float *>(b), static_cast<float *>(c), batches, n, k, m, step);
    case DType::F64: return gemm<double>(static_cast<double *>(a), static_cast<double *>(b), static_cast<double *>(c), batches, n, k, m, step);
    case DType::I32:
      return zy_rt_matmul_i32(static_cast<int32_t *>(a), static_cast<int32_t *>(b), static_cast<int32_t *>(c), batches, n, k,
                              m, step.a.transposed, step.b.transposed);
    default: throw std::invalid_argument("matmul of bool tensors");
    }
  }

public:
  template <typename T>
  static void gemm(const T *a, const T *b, T *c, int64_t batches, int64_t n, int64_t k, int64_t m, const Step &step) {
    // Row-major: A is n×k (stored k×n when transposed), B is k×m (stored m×k).
    CBLAS_TRANSPOSE ta = step.a.transposed ? CblasTrans : CblasNoTrans;
    CBLAS_TRANSPOSE tb = step.b.transposed ? CblasTrans : CblasNoTrans;
    int lda = static_cast<int>(step.a.transposed ? n : k), ldb = static_cast<int>(step.b.transposed ? k : m);
    for (int64_t batch = 0; batch < batches; ++batch) {
      const T *ab = a + batch * n * k, *bb = b + batch * k * m;
      T *cb = c + batch * n * m;
      if (n == 1) {
        // A row times B: y = op(B)ᵀ x with GEMV, much faster than GEMM at one row.
        if constexpr (std::is_same_v<T, float>)
          cblas_sgemv(CblasRowMajor, step.b.transposed ? CblasNoTrans : CblasTrans, step.b.transposed ? m : k,
                      step.b.transposed ? k : m, 1.0f, bb, ldb, ab, 1, 0.0f, cb, 1);
        else
          cblas_dgemv(CblasRowMajor, step.b.transposed ? CblasNoTrans : CblasTrans, step.b.transposed ? m : k,
                      step.b.transposed ? k : m, 1.0, bb, ldb, ab, 1, 0.0, cb, 1);
        continue;
      }
      if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, ta, tb, n, m, k, 1.0f, ab, lda, bb, ldb, 0.0f, cb, m);
      else
        cblas_dgemm(CblasRowMajor, ta, tb, n, m, k, 1.0, ab, lda, bb, ldb, 0.0, cb, m);
    }
  }

private:
  using CarryBuffers = std::vector<std::vector<char>>;

  /// A loop's carries ping-pong between two buffers each: the first holds the operands'.
  std::pair<CarryBuffers, CarryBuffers> carryBuffers(const Node &node, void **slots) const {
    size_t nc = static_cast<size_t>(node.attrs.carries);
    CarryBuffers current(nc), next(nc);
    for (size_t i = 0; i < nc; ++i) {
      size_t bytes = bytesOf(G.nodes[node.operands[i]]);
      current[i].resize(std::max<size_t>(bytes, 1));
      next[i].resize(std::max<size_t>(bytes, 1));
      if (bytes) std::memcpy(current[i].data(), slotOf(slots, node.operands[i]), bytes);
    }
    return {std::move(current), std::move(next)};
  }

  /// The final carries, into the loop's result slots.
  void copyOutCarries(const Node &node, const CarryBuffers &current, const std::vector<int> &results, void **slots) const {
    for (size_t i = 0; i < current.size(); ++i)
      if (size_t bytes = bytesOf(G.nodes[node.operands[i]])) std::memcpy(slots[results[i]], current[i].data(), bytes);
  }

  void scan(const Graph &sourceBody, const Step &step, void **slots) const {
    const Node &node = G.nodes[step.node];
    const Graph &body = *node.attrs.body;
    const Compiled &compiled = *Bodies.at(step.node);
    size_t nc = static_cast<size_t>(node.attrs.carries), nx = static_cast<size_t>(node.attrs.sequences);
    const std::vector<int> &results = P.scanResultSlots[step.node];
    int64_t steps = G.nodes[node.operands[nc]].shape[0];
    auto [current, next] = carryBuffers(node, slots);
    std::vector<const void *> in(node.operands.size());
    std::vector<void *> out(body.outputs.size());
    for (size_t i = nc + nx; i < node.operands.size(); ++i) in[i] = slotOf(slots, node.operands[i]);
    for (int64_t t = 0; t < steps; ++t) {
      for (size_t i = 0; i < nc; ++i) {
        in[i] = current[i].data();
        out[i] = next[i].data();
      }
      for (size_t j = 0; j < nx; ++j) {
        size_t stepBytes = bytesOf(body.nodes[body.inputs[nc + j]]);
        in[nc + j] = static_cast<const char *>(slotOf(slots, node.operands[nc + j])) + t * stepBytes;
      }
      for (size_t k = nc; k < body.outputs.size(); ++k) {
        size_t yBytes = bytesOf(body.nodes[body.outputs[k]]);
        out[k] = static_cast<char *>(slots[results[k]]) + t * yBytes;
      }
      compiled.runRaw(sourceBody, in.data(), out.data());
      std::swap(current, next);
    }
    copyOutCarries(node, current, results, slots);
  }

  /// A while: the condition on the carries, and while it holds the body into the other
  /// buffers (carries ping-pong as a scan's); the final carries are copied out.
  void whileLoop(const Graph &sourceCond, const Graph &sourceBody, const Step &step, void **slots) const {
    const Node &node = G.nodes[step.node];
    const Compiled &cond = *Conditions.at(step.node), &body = *Bodies.at(step.node);
    size_t nc = static_cast<size_t>(node.attrs.carries);
    const std::vector<int> &results = P.scanResultSlots[step.node];
    auto [current, next] = carryBuffers(node, slots);
    std::vector<const void *> in(node.operands.size());
    std::vector<void *> out(nc);
    for (size_t i = nc; i < node.operands.size(); ++i) in[i] = slotOf(slots, node.operands[i]);
    for (;;) {
      for (size_t i = 0; i < nc; ++i) {
        in[i] = current[i].data();
        out[i] = next[i].data();
      }
      uint8_t holds = 0; // a bool[]
      void *predicate = &holds;
      cond.runRaw(sourceCond, in.data(), &predicate);
      if (!holds) break;
      body.runRaw(sourceBody, in.data(), out.data());
      std::swap(current, next);
    }
    copyOutCarries(node, current, results, slots);
  }

  void scatterAdd(const Step &step, void **slots) const {
    const Node &node = G.nodes[step.node];
    const Shape &shape = node.shape;
    int64_t axis = node.attrs.axis;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= shape[i];
    for (size_t i = axis + 1; i < shape.size(); ++i) inner *= shape[i];
    int64_t count = elementCount(G.nodes[node.operands[1]].shape).value_or(0);
    const void *base = slotOf(slots, node.operands[0]), *updates = slotOf(slots, node.operands[2]);
    const int32_t *idx = static_cast<const int32_t *>(slotOf(slots, node.operands[1]));
    void *out = slotOf(slots, step.node);
    if (bytesOf(node) == 0) return;
    if (node.dtype == DType::Bool) throw std::invalid_argument("scatter_add of bool tensors");
    zy_rt_scatter_add(static_cast<int>(node.dtype), base, idx, updates, out, outer, shape[axis], inner, count);
  }
};

} // namespace

std::shared_ptr<const Executable> compile(const Graph &graph) { return std::make_shared<Compiled>(graph); }

Tensor evaluateEager(const Node &node, const std::vector<const Tensor *> &operands) {
  if (!options().enabled || node.op != Op::MatMul || !isFloat(node.dtype)) return ir::evaluate(node, operands);
  const Tensor &a = *operands[0], &b = *operands[1];
  size_t rank = node.shape.size();
  int64_t n = a.shape()[rank - 2], k = a.shape()[rank - 1], m = b.shape()[rank - 1];
  int64_t batches = 1;
  for (size_t i = 0; i + 2 < rank; ++i) batches *= node.shape[i];
  Tensor out(node.dtype, node.shape);
  if (n * m == 0 || k == 0) return out;
  Step plain;
  plain.kind = Step::MatMul;
  if (node.dtype == DType::F32)
    Compiled::gemm(a.data<float>(), b.data<float>(), out.mutableData<float>(), batches, n, k, m, plain);
  else
    Compiled::gemm(a.data<double>(), b.data<double>(), out.mutableData<double>(), batches, n, k, m, plain);
  return out;
}

double totalCompileMillis() { return static_cast<double>(CompileMicros.load()) / 1000.0; }

} // namespace zy::jit
