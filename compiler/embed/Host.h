// Host.h: what every program hosting the interpreter does the same way: the C++ API
// (Embed.cpp) and the Python module (compiler/python/).
//
// Run Zy code on a large stack with every error caught as a Failure, load a file with all
// of its syntax errors, find a module's function, call it, and create its parameters as
// init(fn, random.key(seed), samples...) does. A host's own mistakes (no such function)
// are thrown as HostError by these helpers and caught by run() like Zy's errors.
#pragma once

#include "interp/Interpreter.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace zy::embed {

/// Why a host's request failed: the diagnostic as `zy` renders it, and its parts for a
/// host that shows them apart (Python's zy.Error).
struct Failure {
  int status = 1;       // what `zy run` would exit with: 1 a compile error, 2 a runtime one
  std::string rendered; // file:line:col, the source line with a caret, the notes
  std::string message;  // the first error's headline alone
  std::string file;     // where it points, if it has a location ("" if not)
  uint32_t line = 0, column = 0;
};

/// A mistake of the host's, not of Zy code: status 1, no location.
struct HostError : std::exception {
  Failure failure;
  explicit HostError(const std::string &message);
  const char *what() const noexcept override { return failure.message.c_str(); }
};

/// The Failure for a diagnostic of Zy code.
Failure failureOf(const Diagnostic &diagnostic, bool runtime);

/// Runs `body` on a large stack (support/LargeStack.h), as the driver runs programs; the
/// Failure if it threw (a ZyError, a HostError, an allocation failure, a bug).
std::optional<Failure> run(const std::function<void()> &body);

/// Loads a .zy file and everything it imports, running its top-level `let`s; a file with
/// syntax errors throws a HostError listing every one of them.
std::shared_ptr<const interp::ModuleData> loadModule(interp::Interpreter &in, const std::string &path);

/// Whether a host can call `value`: a function, or a builtin (`let g = grad(f)`).
bool isCallable(const interp::Value &value);

/// The top-level function `name` of `module` (loaded from `path`); a HostError naming
/// the functions it has if there is none.
interp::Value functionOf(const interp::ModuleData &module, const std::string &path, const std::string &name);

/// The top-level names of `module` bound to callable values, sorted.
std::vector<std::string> functionNames(const interp::ModuleData &module);

/// Calls `fn` from the host. The call has no source of its own, so an error about the
/// call itself (a missing argument, one too many) points at the function's definition.
interp::Value callFunction(interp::Interpreter &in, const interp::Value &fn, interp::CallArgs args);

/// init(fn, random.key(seed), samples...), with `samples`' keywords passed on; located
/// as callFunction's errors are.
interp::Value initParams(interp::Interpreter &in, const interp::Value &fn, uint32_t seed, interp::CallArgs samples);

/// Calls the prelude's function `name` (save, load) with `args`.
interp::Value callPrelude(interp::Interpreter &in, const std::string &name, interp::CallArgs args);

} // namespace zy::embed
