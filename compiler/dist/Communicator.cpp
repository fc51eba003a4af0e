// Communicator.cpp: choosing the job this process belongs to, and the job of one.
#include "dist/Communicator.h"

#include <cstdlib>
#include <stdexcept>

namespace zy::dist {

namespace {

/// A job of one process: every collective leaves its buffer as it is.
class Local final : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int localSize() const override { return 1; }
  void allReduce(void *, size_t, DType, Reduction) override {}
  void broadcast(void *, size_t, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int status) override { std::_Exit(status); }
  void finish() override {}
  std::string describe() const override { return "one process"; }
};

bool isSet(const char *name) {
  const char *v = std::getenv(name);
  return v && *v;
}

} // namespace

bool launchedAsJob() { return isSet("OMPI_COMM_WORLD_SIZE") || isSet("PMIX_RANK") || isSet("PMI_SIZE"); }

Communicator &world() {
  // Started once, on the first thread to ask (the interpreter's): MPI calls all come
  // from it (MPI_THREAD_FUNNELED).
  static std::unique_ptr<Communicator> job = [] {
    if (!launchedAsJob()) return std::unique_ptr<Communicator>(std::make_unique<Local>());
    std::string error;
    std::unique_ptr<Communicator> mpi = startMpi(error);
    // Running on as a job of one would have each process train alone, all as rank 0,
    // all writing the same files: stop instead.
    if (!mpi) throw std::runtime_error(error);
    return mpi;
  }();
  return *job;
}

} // namespace zy::dist
