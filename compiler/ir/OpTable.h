// OpTable.h: the op table's interface to the IR, and the kernel helpers the reference
// kernels share with the JIT. inferType and evaluate read the primitive's row in
// compiler/ops/ (defined in ops/Table.cpp; the IR includes nothing from ops/).
//
// inferType checks a node's operands and attributes (normalising them, e.g. negative
// axes) and computes its result dtype and shape, or says what is wrong in words a user
// understands: "matmul of f32[2, 3] and f32[4, 3]: inner dimensions 3 and 4 differ".
// evaluate runs the reference kernel: plain loops in double precision, rounded to the
// result dtype on store. It is the oracle the JIT is checked against.
#pragma once

#include "ir/Ir.h"
#include "runtime/Print.h"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

namespace zy::ir {

struct OperandType {
  DType dtype;
  Shape shape;
};

/// Fills node.dtype and node.shape from its op, attrs and operand types; may normalise
/// node.attrs. Returns an error message, or nothing when the node is well-formed.
std::optional<std::string> inferType(Node &node, const std::vector<OperandType> &operands);

/// Runs the reference kernel of a well-formed node on concrete operands.
Tensor evaluate(const Node &node, const std::vector<const Tensor *> &operands);

/// Thrown by a check's kernel (check_labels) when the values fail it, by the reference
/// executor and the JIT alike: the message, and the span and call chain of the node, for
/// the interpreter to report as a located runtime error at the user's call.
struct CheckFailed : std::runtime_error {
  Span span;
  std::shared_ptr<const CallChain> chain;
  CheckFailed(const std::string &message, const Node &node)
      : std::runtime_error(message), span(node.span), chain(node.chain) {}
};

/// check_labels' scan, shared by the reference kernel and the JIT: what is wrong with the
/// first label of `labels` (row-major, of `shape`) outside [0, classes), as
/// "cross_entropy: label 10 at index [3] is out of range for 10 classes (expected 0 <=
/// label < 10)" with `name` first, or nothing when every label is in range.
std::optional<std::string> badLabel(const int32_t *labels, const Shape &shape, int64_t classes, const std::string &name);

/// What a random op computes (random_uniform, random_normal, random_split,
/// random_fold_in), into `out` (node.shape of node.dtype), from the runtime's generator:
/// the one definition the reference kernel and the JIT share.
void drawRandom(const Node &node, const uint32_t key[2], void *out);

/// debug_print's format: the number of `{}` in it, or what is wrong with it (a `{` or
/// `}` that is neither part of `{}` nor doubled).
std::variant<size_t, std::string> formatPlaceholders(const std::string &format);

/// debug_print's line: `format` with each `{}` replaced by the next value as `print`
/// shows a tensor (runtime/Print.h, which compiled code calls too).
std::string formatDebugPrint(const std::string &format, const std::vector<const Tensor *> &values);
std::string formatDebugPrint(const std::string &format, const std::vector<ZyRtTensor> &values); // buffers (the JIT)

/// Where debug_print's lines go as a graph runs on this thread (the reference kernel and
/// the JIT): standard output, or the sink of the innermost PrintTo alive. The
/// interpreter points it at its own output, which tests capture.
void debugPrint(const std::string &line);
struct PrintTo {
  explicit PrintTo(std::function<void(const std::string &)> sink);
  ~PrintTo();
  PrintTo(const PrintTo &) = delete;
  PrintTo &operator=(const PrintTo &) = delete;
  std::function<void(const std::string &)> previous;
};
/// While one is alive, debug_print prints nothing on this thread: for a second run of a
/// graph that already printed (--check-jit's reference run, --check-nans' search).
struct MutePrints {
  MutePrints();
  ~MutePrints();
  MutePrints(const MutePrints &) = delete;
  MutePrints &operator=(const MutePrints &) = delete;
};

/// The inverse of erf: the ErfInv kernel, also used to draw normal numbers on the host.
double erfInv(double y);

/// NumPy broadcasting of two shapes, or an error naming both types.
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b, std::string &error);

} // namespace zy::ir
