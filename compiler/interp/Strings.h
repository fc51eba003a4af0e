// Strings.h: the methods of `str` values (`s.split(",")`, `", ".join(xs)`) and `s * n`.
//
// As in Python, on bytes: `lower`/`upper` change ASCII letters only, and `split()` with
// no separator splits on runs of ASCII whitespace.
#pragma once

#include "interp/Interpreter.h"

namespace zy::interp {

/// `s.NAME` for a string `s`: the method bound to it, or a located error that lists them.
Value stringMethod(Interpreter &in, const Value &s, const std::string &name, Span span);

/// `s * n` (and `n * s`): `s` repeated `n` times (none for n <= 0).
Value repeatString(Interpreter &in, const std::string &s, int64_t n, Span span);

} // namespace zy::interp
