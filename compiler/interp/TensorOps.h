// TensorOps.h: tensor operations as the interpreter sees them.
//
// This layer turns what users write (`x + 1.0`, `x[:, 1:3]`, `a @ b`) into primitive IR
// nodes: it promotes dtypes (a host number takes the tensor's dtype, as JAX's weak
// types do), broadcasts, resolves negative axes and `-1` in reshapes, and then checks the
// node with the op table, so a shape error points at the user's source with their call
// chain. The node is then run at once by the reference kernels.
#pragma once

#include "interp/Interpreter.h"
#include "ir/Ir.h"
#include "ir/OpTable.h"

#include <optional>

namespace zy::interp {

/// Runs one primitive on concrete operands after checking it; errors name `span`.
Tensor emit(Interpreter &in, ir::Node node, const std::vector<Tensor> &operands, Span span);

/// Whether `check_labels` checks (the stdlib's losses, one_hot, embedding): on unless the
/// driver's --no-check-labels turned it off; off, it only checks the labels' dtype.
bool &checkLabels();

/// Reports a check that failed while a graph ran (ir::CheckFailed) as a located runtime
/// error: at the node's span and call chain (so at the user's call into the stdlib), or
/// at `fallback` when the node has none.
[[noreturn]] void failCheck(Interpreter &in, const ir::CheckFailed &e, Span fallback);

/// The node standing for `t` in the graph `ctx` builds: its own node, a Literal for a
/// concrete tensor, or an Input capturing a tensor of an enclosing trace.
int nodeOf(trace::TraceContext &ctx, const Tensor &t);

/// `t` itself, or a located error if it is traced (its values are not known yet).
const Tensor &concrete(Interpreter &in, const Tensor &t, Span span, const char *what);

/// A host number, bool or tensor as a tensor; host numbers become `weak` if given.
Tensor asTensor(Interpreter &in, const Value &v, Span span, std::optional<DType> weak = std::nullopt);
bool isTensorLike(const Value &v); // a tensor, or a number that could stand for one

Tensor cast(Interpreter &in, const Tensor &t, DType to, Span span);
Tensor broadcastTo(Interpreter &in, const Tensor &t, const Shape &shape, Span span);
Tensor reshape(Interpreter &in, const Tensor &t, std::vector<int64_t> shape, Span span);
Tensor transpose(Interpreter &in, const Tensor &t, std::vector<int64_t> perm, Span span);

/// Elementwise op with NumPy broadcasting and dtype promotion (`op` is a Binary or Compare op).
Tensor binary(Interpreter &in, ir::Op op, const Value &a, const Value &b, Span span);
Tensor unary(Interpreter &in, ir::Op op, const Tensor &t, Span span);
Tensor where(Interpreter &in, const Value &c, const Value &a, const Value &b, Span span);
/// Reduction over `axes` (none: every axis); negative axes count from the end.
Tensor reduce(Interpreter &in, ir::Op op, const Tensor &t, std::optional<std::vector<int64_t>> axes,
              bool keepdims, Span span);
Tensor matmul(Interpreter &in, const Tensor &a, const Tensor &b, Span span);
Tensor concat(Interpreter &in, const std::vector<Tensor> &parts, int64_t axis, Span span);

/// The elements a Python slice `lo:hi:step` picks from a sequence of n: `count` of them,
/// from index `first` by `step` (negative steps go backwards: `::-1` is n-1, n-2, ..., 0).
/// Bounds count from the end when negative and are clamped, as in Python; a step of 0 is
/// an error the caller reports. `first` and `step` are such that no index overflows.
struct SliceRange {
  int64_t first = 0, count = 0, step = 1;
};
SliceRange sliceRange(int64_t n, std::optional<int64_t> lo, std::optional<int64_t> hi, int64_t step);

/// `x[items]` with ints, slices (`lo:hi:step`, negatives from the end), `...`, `none` (a
/// new axis of size 1, consuming none of x's), integer tensors (a gather along that axis)
/// and boolean masks (the elements where the mask, over as many axes as it has, is true;
/// its values must be known, as in host code).
struct IndexSpec {
  enum Kind { Single, Slice, Ellipsis, Gather, NewAxis, Mask } kind = Single;
  int64_t index = 0;
  std::optional<int64_t> lo, hi;
  int64_t step = 1;
  Tensor indices; // Gather: i32; Mask: bool
  Span span;
};
Tensor index(Interpreter &in, const Tensor &t, const std::vector<IndexSpec> &items, Span span);

/// A filled tensor of `shape` (checked: no negative dims, no impossible sizes).
Tensor full(Interpreter &in, const Shape &shape, double value, DType dtype, Span span);
/// A list of ints as a shape, with a located error otherwise.
Shape toShape(Interpreter &in, const Value &v, Span span);

} // namespace zy::interp
