// Plan.h: what a compiled graph does, before any code exists: which nodes get a buffer,
// the steps that fill those buffers, and where each buffer lives.
//
// Every live node is either *fused* (computed inside the loop of each value that reads
// it: elementwise ops, broadcasts, movement, gathers, constants) or *materialised* (it
// has a buffer: inputs, literals, outputs, reductions, matmuls, scans, checks, and fusable nodes
// whose value is read more than once, read by a BLAS call, or stretched by a broadcast).
// Each materialised node that is computed gets one step; the steps run in graph order.
// Buffers that are neither inputs, literals nor outputs share one arena: each is placed
// at an offset that no buffer alive at the same time overlaps, or, for an elementwise
// kernel, over an operand that it reads for the last time and only at the element it
// writes (an in-place update).
#pragma once

#include "ir/Ir.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace zy::jit {

/// Where a buffer is at run time: the run fills a table of slot addresses from these.
struct Slot {
  enum Kind { Input, Output, Arena, Literal } kind;
  size_t index = 0;  // Input/Output: the argument or result position; Arena: the byte offset
  int node = -1;     // Literal: the node whose tensor it is
};

/// A matmul operand: a buffer, read transposed (its last two axes swapped) or not.
struct MatOperand {
  int node = -1; // the materialised node whose buffer holds it
  bool transposed = false;
};

struct Step {
  enum Kind {
    Kernel,     // generated loops (elementwise root, concat, reduction, argmax): kernel `kernel`
    MatMul,     // BLAS: a @ b into node
    Scan,       // a loop over the compiled body
    While,      // a loop over the compiled body while the compiled condition holds
    Random,     // random_uniform from the runtime
    ScatterAdd, // from the runtime
    Sort,       // argsort: the runtime's merge sort of each row (runtime/Sort.h)
    Check,      // check_labels: scans its operand (throws ir::CheckFailed), then copies it
    Print,      // debug_print: formats its operands' buffers and prints them (runtime/Print.h)
    Copy,       // an output that is an input, a literal, or another output: copied
  } kind = Kernel;
  int node = -1;                 // the node it computes (Copy: the node copied)
  int kernel = -1;               // Kernel: its index in Plan::kernels
  int64_t parallelExtent = 0;    // Kernel: the outermost loop's extent, split over threads (0: not split)
  MatOperand a, b;               // MatMul
  size_t output = 0;             // Copy: the output position written
  std::vector<int> reads;        // the materialised nodes whose buffers it reads
  int donor = -1;                // Kernel: the read whose buffer it writes over (in place), or -1
};

struct Plan {
  const ir::Graph *graph = nullptr;
  std::vector<bool> live;          // per node: some output or effect (ir::hasEffect) depends on it
  std::vector<bool> materialised;  // per node: has a buffer
  std::vector<int> slotOf;         // per materialised node: its slot (-1 otherwise)
  std::vector<Slot> slots;
  std::vector<int> kernels;        // nodes with a generated kernel, in step order
  std::vector<std::vector<int>> scanResultSlots; // per node: a scan's (or a while's) result slots
  std::vector<Step> steps;
  size_t arenaBytes = 0;
};

/// A graph the JIT does not compile; it runs on the reference executor instead.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Plans `graph`, which must be well-formed (as the op table types it).
Plan makePlan(const ir::Graph &graph);

/// The bytes a node's value takes.
size_t bytesOf(const ir::Node &node);

/// The sizes of a matmul node: `batches` products of n×k by k×m.
struct MatMulSizes {
  int64_t batches = 1, n = 0, k = 0, m = 0;
};
MatMulSizes matmulSizes(const ir::Graph &graph, const ir::Node &node);

} // namespace zy::jit
