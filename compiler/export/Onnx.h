// Onnx.h: a traced graph as an ONNX model (`zy export`, docs/onnx.md).
//
// Each primitive of the IR becomes one ONNX operator or a few (opset 17), with Zy's
// semantics kept where ONNX's differ: gather clamps its indices, scatter_add drops the
// out-of-range ones, integer `//` and `%` round down and give 0 for a zero divisor, float
// `%` takes the divisor's sign, log1p stays accurate near 0. A scan becomes an ONNX Scan
// whose body reads the captured tensors from the enclosing graph by name. The tensors of
// --params (the graph's literals) are initializers named by their paths. Primitives with
// no ONNX counterpart (random draws, erf_inv, debug.print) are refused with the source
// location that made them.
//
// The model is checked before it is returned: onnx::checker, then ONNX's own shape
// inference in strict mode against the type Zy inferred for every value, so an exported
// file that ONNX tools would read differently from Zy is an internal error here, not a
// wrong answer in someone's runtime.
#pragma once

#include "jit/Aot.h"
#include "support/Source.h"

#include <map>
#include <stdexcept>
#include <string>

namespace zy::onnx_export {

/// A node of the graph that ONNX cannot express; `span` is the source that made it.
struct Unmappable : std::runtime_error {
  Span span;
  Unmappable(Span where, const std::string &message) : std::runtime_error(message), span(where) {}
};

struct Model {
  std::string bytes;        // the serialized ModelProto
  size_t operators = 0;     // ONNX nodes, in every graph
  size_t initializers = 0;  // tensors stored in the file
};

/// The ONNX model of `entry`: graph inputs are entry.inputs (named by their paths), outputs
/// entry.outputs; the literal nodes named in `literalNames` become initializers of those
/// names (others get generated names). Throws Unmappable, or std::runtime_error when the
/// model would not be valid ONNX (over protobuf's 2 GiB) or fails its own check.
Model exportModel(const jit::AotEntry &entry, const std::map<int, std::string> &literalNames,
                  const std::string &producerVersion);

} // namespace zy::onnx_export
