// IndexedUpdate.h: `x.at[index].set(v)`, `.add(v)`, `.mul(v)` and `.get()`: a tensor with
// the elements an index reaches replaced, incremented or scaled, as JAX's `x.at[...]`.
#pragma once

#include "interp/TensorOps.h"

namespace zy::interp {

/// `x.at`: the tensor, waiting for an index.
Value atView(const Value &tensor);
/// `x.at[items]`: which elements of x the index reaches (any index `x[items]` takes).
Value atIndexed(Interpreter &in, const Value &at, const std::vector<IndexSpec> &items, Span span);
/// A method of `x.at` (none) or of `x.at[items]`: set, add, mul, get.
Value atMethod(Interpreter &in, const Value &at, const std::string &name, Span span);

} // namespace zy::interp
