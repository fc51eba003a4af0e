// Session.cpp: sessions, and Zy code run with the GIL released (Session.h).
#include "python/Session.h"

#include <pybind11/pybind11.h>

#include <iostream>
#include <optional>

namespace py = pybind11;

namespace zy::python {

std::shared_ptr<Session> newSession() {
  std::shared_ptr<Session> session;
  std::optional<embed::Failure> failure;
  {
    py::gil_scoped_release released;
    // The interpreter's constructor runs the stdlib's top level: on a large stack too.
    failure = embed::run([&] { session = std::make_shared<Session>(); });
  }
  if (failure) throw ZyFailure(std::move(*failure));
  return session;
}

void runZy(Session &session, const std::function<void()> &body) {
  std::optional<embed::Failure> failure;
  {
    // The GIL first, then the session: a thread waiting for the session holds no GIL,
    // so the thread running in it can always take the GIL back when it is done.
    py::gil_scoped_release released;
    std::lock_guard<std::mutex> locked(session.mutex);
    failure = embed::run(body);
    // Zy's print writes to std::cout: out before Python writes more of its own.
    std::cout.flush();
  }
  if (failure) throw ZyFailure(std::move(*failure));
}

} // namespace zy::python
