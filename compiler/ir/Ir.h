// Ir.h: Zy's tensor IR: a graph of primitive ops in SSA form, every shape known.
//
// A Graph is a list of Nodes in topological order; a node's operands are earlier nodes.
// Tracing a Zy function builds one (trace/), autodiff transforms one, the reference
// executor (Executor.h) runs one, and the JIT compiles one. The primitives are listed in
// Ops.def; their shape rules, kernels and transformation rules are their rows in compiler/ops/.
#pragma once

#include "ir/Tensor.h"
#include "support/Source.h"

#include <string>
#include <vector>

namespace zy::ir {

enum class Op : uint8_t {
#define ZY_OP(Enum, Name, Arity, Kind) Enum,
#include "ir/Ops.def"
#undef ZY_OP
};

enum class OpKind { Unary, Binary, Compare, Ternary, Reduce, Movement, Contract, Index, Check, Effect, Source, Random, Control };

struct OpInfo {
  const char *name;
  int arity; // -1: variadic
  OpKind kind;
};

const OpInfo &opInfo(Op op);
constexpr int OpCount = 0
#define ZY_OP(Enum, Name, Arity, Kind) +1
#include "ir/Ops.def"
#undef ZY_OP
    ;

struct Graph;

/// `s` with a new leading axis of `size` (a batch, a stack of steps).
inline Shape withLeadingAxis(int64_t size, Shape s) {
  s.insert(s.begin(), size);
  return s;
}

/// custom_vjp and custom_jvp: a function with a derivative rule of its own, lowered to
/// its body once a graph is final.
inline bool isCustomCall(Op op) { return op == Op::CustomVjp || op == Op::CustomJvp; }
/// Ops with several results, each read with a project node.
inline bool hasSeveralResults(Op op) { return op == Op::Scan || op == Op::While || isCustomCall(op); }

/// The attributes of a node; each op uses the few its Ops.def comment names.
struct Attrs {
  DType dtype = DType::F32;                            // Cast
  std::vector<int64_t> axes;                           // reductions, Flip
  bool keepdims = false;                               // reductions
  Shape shape;                                         // Reshape, Broadcast, Constant, Iota, RandomUniform
  std::vector<int64_t> perm;                           // Transpose
  std::vector<int64_t> starts, stops, steps;           // Slice
  std::vector<int64_t> lo, hi;                         // Pad
  int64_t axis = 0;                                    // Concat, Gather, ScatterAdd, Iota
  int64_t index = 0;                                   // Input
  double value = 0;                                    // Constant, Pad; CheckLabels: the class count
  std::string name;                                    // CheckLabels: the function its error names; DebugPrint: the format
  std::shared_ptr<const Tensor> literal;               // Literal
  std::shared_ptr<const Graph> body;                   // Scan, While: the loop body; custom calls: what they compute
  std::shared_ptr<const Graph> cond;                   // While: the condition
  std::shared_ptr<const Graph> forward, backward;      // CustomVjp: the gradient's two halves; CustomJvp: forward, the JVP rule
  int64_t carries = 0, sequences = 0;                  // Scan: operand group sizes; While: carries
};

/// One call on the user's call chain: the function called and where it was called.
struct CallSite {
  std::string function;
  Span callSite;
};
using CallChain = std::vector<CallSite>; // outermost first

struct Node {
  Op op;
  std::vector<int> operands; // ids of earlier nodes
  DType dtype = DType::F32;
  Shape shape;
  Attrs attrs;
  Span span; // the source that made it, for errors at run time
  /// The call chain that traced the node, recorded under `--check-nans` (interp/NanCheck.h)
  /// and always for checks (check_labels), whose errors are found when the graph runs.
  std::shared_ptr<const CallChain> chain;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<int> inputs;  // Input nodes, in argument order
  std::vector<int> outputs; // results, in order

  int add(Node node) {
    nodes.push_back(std::move(node));
    return static_cast<int>(nodes.size()) - 1;
  }
};

/// True for a node run for its effect (debug_print), or a scan or custom_vjp whose body
/// has one: dead-code elimination keeps it although nothing reads its result.
bool hasEffect(const Node &node);
bool hasEffects(const Graph &graph);

/// One line per node: "%3 = add(%1, %2) : f32[2, 3]".
std::string printGraph(const Graph &graph);

/// The attributes `node.op` uses, as "{axes=[1], keepdims=false}", or "" if none is
/// worth showing (its result type shows the rest).
std::string attrsString(const Node &node);

/// Graphs as one Graphviz digraph (`zy run --dot=FILE`): a cluster per graph, titled,
/// a box per node ("%3 add : f32[2, 3]" and its attributes), an edge per operand
/// (labelled with its position when a node has several), inputs and outputs marked.
/// A scan's body is drawn as a cluster of its own beside the scan node.
std::string dotGraphs(const std::vector<std::pair<std::string, Graph>> &graphs);

} // namespace zy::ir
