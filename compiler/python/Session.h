// Session.h: the interpreter behind Python's zy objects, and running Zy code from Python.
//
// Each zy.load makes a Session (one interpreter, its stdlib loaded); zy.load_params and
// zy.save_params share one of their own. Zy code runs with the GIL released, so other
// Python threads run meanwhile, and with the session locked, since an interpreter runs
// one call at a time. Its failures reach Python as zy.Error (Module.cpp).
#pragma once

#include "embed/Host.h"

#include <functional>
#include <memory>
#include <mutex>

namespace zy::python {

struct Session {
  interp::Interpreter interpreter;
  std::mutex mutex; // held while Zy code runs on the interpreter
};

/// A failure of Zy code on its way to Python, raised there as zy.Error.
struct ZyFailure : std::exception {
  embed::Failure failure;
  explicit ZyFailure(embed::Failure f) : failure(std::move(f)) {}
  const char *what() const noexcept override { return failure.rendered.c_str(); }
};

/// A new session, made with the GIL released (loading the stdlib takes a moment).
std::shared_ptr<Session> newSession();

/// Runs `body` on `session`'s interpreter: the GIL released, the session locked, on a
/// large stack (embed::run). `body` must not touch a Python object; its failure is
/// thrown as ZyFailure once the GIL is held again.
void runZy(Session &session, const std::function<void()> &body);

} // namespace zy::python
