// Aot.h: compiling one traced graph ahead of time into a shared object with a C ABI
// (`zy compile`, docs/compile.md).
//
// The graph is planned exactly as the JIT plans it (Plan.cpp) and its kernels come from
// the same code generator (Codegen.cpp), optimised without glibc's libmvec and emitted as
// a position-independent object. What Executable.cpp does at run time (fill the slot
// table, call the kernels, BLAS, copies, scan loops) is written out as C source, one statement per
// step, so the library has no interpreter of steps and no C++ runtime: `cc -shared` links
// the object, the C file, the zy_rt_* runtime archive when a step needs it, OpenBLAS and
// libm. Every call allocates its own scratch arena, so the library has no mutable state
// but a thread-local pointer to the last error's message.
#pragma once

#include "ir/Ir.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace zy::jit {

/// One tensor of the C ABI: its dotted path in the entry's arguments or result, and type.
struct AotTensor {
  std::string path;   // "x", "params.layers.0.w", "out", "out.1.step"
  std::string cName;  // the C parameter's name: "x", "params_layers_0_w", "out_1_step"
  DType dtype = DType::F32;
  Shape shape;
};

/// What to export: a graph whose inputs and outputs the C functions take, in order.
struct AotEntry {
  std::string name;                // a C identifier: the functions are zy_NAME, zy_NAME_run, ...
  std::string sourceFile;          // for the header's comment
  ir::Graph graph;
  std::vector<AotTensor> inputs;   // one per graph input, in graph.inputs order
  std::vector<AotTensor> outputs;  // one per result leaf, in tree order
  std::vector<size_t> outputOf;    // per result leaf: its position in graph.outputs
  std::vector<std::string> notes;  // extra lines for the header's comment
};

/// Writes the shared object `library` and the header `header`. Throws std::runtime_error
/// if the planner refuses the graph (jit::Unsupported), LLVM fails or the C compiler does.
void compileShared(const AotEntry &entry, const std::string &library, const std::string &header);

/// The C name for a dotted path: letters, digits and `_` (`params.layers.0.w` ->
/// `params_layers_0_w`).
std::string cIdentifier(const std::string &path);

} // namespace zy::jit
