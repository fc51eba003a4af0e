// Communicator.h: the processes of a data-parallel job, and the collectives between them.
//
// `world()` is the job this process belongs to: an MPI job when it was launched by
// `mpirun` (Mpi.cpp; docs/dist.md), otherwise a job of one (this file's Local), where
// every collective returns its input. MPI is initialised on the first call to world(),
// and only when the environment says that a launcher started the process: a plain
// `zy run` neither loads MPI's state nor pays for its start-up (a singleton MPI_Init
// costs about 0.4 s).
//
// Collectives work on flat buffers of one dtype, in place; packing a tree of tensors into
// one buffer per call is the caller's (interp/Dist.cpp). Every process must make the same
// calls in the same order, as with MPI itself.
#pragma once

#include "ir/Tensor.h"

#include <cstddef>
#include <memory>
#include <string>

namespace zy::dist {

enum class Reduction { Sum, Max, Min };

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Processes of the job on this machine (they share its cores).
  virtual int localSize() const = 0;
  /// Combines `count` elements of `data` over every process; each gets the result.
  /// Every process gets the same bits: Open MPI's algorithms either compute each element
  /// once and pass it on, or combine the same pairs (a+b and b+a round alike); the
  /// tests check it after every step of a two-process training run.
  virtual void allReduce(void *data, size_t count, DType dtype, Reduction op) = 0;
  /// `bytes` of `data` from process `root` to every other.
  virtual void broadcast(void *data, size_t bytes, int root) = 0;
  virtual void barrier() = 0;
  /// Ends the whole job at once with `status` (MPI_Abort): what an error on one process
  /// does, so that the others, waiting in a collective, do not hang.
  [[noreturn]] virtual void abort(int status) = 0;
  /// Leaves the job normally (MPI_Finalize), at the end of the program.
  virtual void finish() = 0;
  /// "MPI (Open MPI 4.1.4)", or "one process" (docs, `--log` lines).
  virtual std::string describe() const = 0;
};

/// The job of this process (created on first use).
Communicator &world();

/// True if the environment says a launcher (mpirun, srun) started this process as one of
/// a job: OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_SIZE is set.
bool launchedAsJob();

/// The MPI communicator, or null with `error` set (no MPI in this build, or it failed
/// to start). Defined by Mpi.cpp, or by NoMpi.cpp when the build found no MPI.
std::unique_ptr<Communicator> startMpi(std::string &error);

} // namespace zy::dist
