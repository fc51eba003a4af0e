// Expectations.h: what an expected-error test file says it must produce.
//
// A file states its diagnostics in comments, so adding a test is adding one file:
//   let x = (1 + 2          # expect error: 1:9: expected `)` to close the parenthesis
// Each expectation names LINE:COL and a piece of the message; the file passes when the
// compiler reports exactly the expected errors, each where it says.
#pragma once

#include "support/Diagnostics.h"

#include <string>
#include <vector>

namespace zy {

struct ExpectedError {
  uint32_t line = 0, col = 0;
  std::string message; // must occur in the reported message
  uint32_t commentLine = 0;
};

struct Expectations {
  std::vector<ExpectedError> errors;
  std::vector<std::string> malformed; // expectation comments that could not be read
};

Expectations readExpectations(const SourceFile &file);

/// Compares reported diagnostics with the expectations; returns "" when they agree,
/// else a description of every difference.
std::string checkExpectations(const Expectations &expected, const Diagnostics &reported);

} // namespace zy
