// Mpi.cpp: the job as an MPI communicator (MPI_COMM_WORLD), for a process that mpirun
// started. Only the interpreter's thread calls MPI (MPI_THREAD_FUNNELED). MPI's default
// error handler stays: a failed call (a peer that died) ends the whole job, never hangs.
#include "dist/Communicator.h"

// The C API only: mpi.h otherwise pulls in the deprecated C++ bindings (libmpi_cxx).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>

namespace zy::dist {

namespace {

MPI_Datatype mpiType(DType dtype) {
  switch (dtype) {
  case DType::Bool: return MPI_UINT8_T; // Zy's bools are one byte, 0 or 1
  case DType::I32: return MPI_INT32_T;
  case DType::F32: return MPI_FLOAT;
  case DType::F64: return MPI_DOUBLE;
  }
  return MPI_BYTE;
}

MPI_Op mpiOp(Reduction op) {
  switch (op) {
  case Reduction::Sum: return MPI_SUM;
  case Reduction::Max: return MPI_MAX;
  case Reduction::Min: return MPI_MIN;
  }
  return MPI_SUM;
}

// MPI counts are ints: larger buffers go in pieces of this many elements.
constexpr size_t MaxCount = size_t(1) << 30;

class Mpi final : public Communicator {
public:
  Mpi() {
    MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
    MPI_Comm_size(MPI_COMM_WORLD, &Size);
    // Open MPI and MPICH name the processes on this node differently; MPI-3's split by
    // shared memory asks MPI itself.
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, Rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &Local);
    MPI_Comm_free(&node);
  }
  int rank() const override { return Rank; }
  int size() const override { return Size; }
  int localSize() const override { return Local; }

  void allReduce(void *data, size_t count, DType dtype, Reduction op) override {
    auto *bytes = static_cast<uint8_t *>(data);
    for (size_t done = 0; done < count;) {
      size_t n = std::min(MaxCount, count - done);
      MPI_Allreduce(MPI_IN_PLACE, bytes + done * dtypeSize(dtype), static_cast<int>(n), mpiType(dtype), mpiOp(op),
                    MPI_COMM_WORLD);
      done += n;
    }
  }

  void broadcast(void *data, size_t bytes, int root) override {
    auto *p = static_cast<uint8_t *>(data);
    for (size_t done = 0; done < bytes;) {
      size_t n = std::min(MaxCount, bytes - done);
      MPI_Bcast(p + done, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD);
      done += n;
    }
  }

  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  [[noreturn]] void abort(int status) override {
    MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status); // MPI_Abort does not return; the compiler does not know it
  }

  void finish() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  std::string describe() const override {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    std::string text(version, static_cast<size_t>(length));
    // Open MPI's string runs on with its release date and repository; its first clause
    // ("Open MPI v4.1.4") says enough.
    text = text.substr(0, text.find_first_of(",\n"));
    return "MPI (" + text + "), " + std::to_string(Size) + " processes";
  }

private:
  int Rank = 0, Size = 1, Local = 1;
};

} // namespace

std::unique_ptr<Communicator> startMpi(std::string &error) {
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    error = "MPI_Init failed: this process was started by an MPI launcher but could not join its job";
    return nullptr;
  }
  return std::make_unique<Mpi>();
}

} // namespace zy::dist
