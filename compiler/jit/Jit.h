// Jit.h: running IR graphs as native code: the LLVM ORC JIT backend.
//
// compile() turns a Graph into an Executable:
//   1. Plan.cpp decides which nodes get a buffer of their own (the rest are fused into the
//      loops that read them), orders the steps, and packs the buffers into one arena by
//      their lifetimes;
//   2. Codegen.cpp emits one LLVM function per loop nest (elementwise chains, broadcasts,
//      movement and gathers fused into the loop of the value that needs them; reductions
//      with their operand's chain fused into the inner loop);
//   3. Engine.cpp optimises the module for the host CPU (so LLVM vectorises the loops) and
//      links it into the process with LLJIT;
//   4. Executable.cpp runs the steps: the kernels, cblas_sgemm/dgemm (sgemv at one row)
//      for matmul with transposes folded into the BLAS flags, scan as a loop over a
//      compiled body, random numbers and scatter-add from the shared runtime.
// The reference executor (ir/Executor.h) stays the oracle; `run` can check every graph
// against it (Options::check).
#pragma once

#include "ir/Ir.h"

#include <memory>
#include <string>
#include <vector>

namespace zy::jit {

/// How graphs run, set once by the driver (`zy run --executor=...`, `--check-jit`, ...).
struct Options {
  bool enabled = true;         // false: every graph runs on the reference executor
  bool check = false;          // run every graph on both and compare (tests)
  double checkTolerance = 1e-4; // relative to the largest magnitude of the reference value (f32;
                                // plus a term for cancellation: compareWithReference)
  bool emitLlvm = false;       // print each new module's optimised LLVM IR
  bool keepLlvmIr = false;     // keep it for Executable::llvmIr (set by emitLlvm too)
  bool reportCompileTime = false;
  int threads = 0;             // threads for large loops; 0: the number of cores
};
Options &options();

/// Uses `n` threads for large loops and for OpenBLAS's matrix products (both default to
/// every core): `--threads=N`, and one process of several on a machine (docs/dist.md).
void setThreads(int n);

/// A compiled graph. Thread-safe: run() may be called from several threads at once.
class Executable {
public:
  virtual ~Executable() = default;
  /// Runs the graph on `inputs` (one per Input node, typed as it is); throws
  /// std::invalid_argument on a type mismatch, as the reference executor does.
  /// `graph` is the graph compiled, or one of the same structure: literals are read from
  /// it at run time, so graphs that differ only in their literals share code.
  virtual std::vector<Tensor> run(const ir::Graph &graph, const std::vector<Tensor> &inputs) const = 0;
  /// The optimised LLVM IR of its kernels, if Options::keepLlvmIr or emitLlvm was set
  /// when it was compiled (keeping it costs a copy of the module as text).
  virtual const std::string &llvmIr() const = 0;
  /// Bytes of scratch memory one run needs (the arena), beside inputs and outputs.
  virtual size_t arenaBytes() const = 0;
  /// Milliseconds spent planning, generating and compiling it.
  virtual double compileMillis() const = 0;
};

/// Compiles `graph` (which must be well-formed: every node typed by the op table).
std::shared_ptr<const Executable> compile(const ir::Graph &graph);

/// Runs `graph` as the options say: compiled, on the reference executor, or both
/// compared. Compiled code is cached in `*cache` if given, and by the graph's structure.
/// Compiling costs tens of milliseconds, so a small graph runs on the reference executor
/// the first time its structure is seen and is compiled when it comes again (unless
/// Options::check or emitLlvm is set: then everything is compiled).
std::vector<Tensor> run(const ir::Graph &graph, const std::vector<Tensor> &inputs,
                        std::shared_ptr<const Executable> *cache = nullptr);

/// --check-jit's comparison: runs `graph` on the reference executor and throws
/// std::runtime_error if `got` (the JIT's outputs) differs from it by more than rounding
/// explains (the tolerance scales with the magnitude of the terms behind each element:
/// Run.cpp, ir/Magnitude.h).
void compareWithReference(const ir::Graph &graph, const std::vector<Tensor> &inputs, const std::vector<Tensor> &got);

/// Forgets the compiled code cached by structure (not what callers hold), so the next
/// run of each graph compiles it again: the REPL's `:llvm` shows code compiled anew.
void forgetCompiled();

/// Runs one op on concrete tensors, for host code (eager ops, `init`): matmuls of floats
/// through BLAS when the JIT is enabled, everything else with the reference kernel.
Tensor evaluateEager(const ir::Node &node, const std::vector<const Tensor *> &operands);

/// The total time spent compiling so far, for `zy run --time`.
double totalCompileMillis();

} // namespace zy::jit
