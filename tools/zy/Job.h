// Job.h: `zy run` as one process of a data-parallel job over MPI (docs/dist.md).
#pragma once

#include <string>
#include <vector>

namespace zy::driver {

/// `zy run --np N ...`: replaces this process with `mpirun -np N zy run ...` (with the
/// flags mpirun needs to run as root or on more processes than cores). Returns only if
/// mpirun cannot be started, with the exit status after saying why.
int launchJob(int processes, const std::vector<std::string> &runArgs);

/// Joins the job this process was launched in, if any, and unless `threadsGiven`,
/// divides the machine's cores among the job's processes on it. False, after saying
/// why on standard error, if the launcher's job cannot be joined.
bool joinJob(bool threadsGiven);

/// "zy: error on rank 1 of 2 (ending the job):\n" in a job of several processes, else "".
std::string failingRank();

/// After an error: in a job of several processes, ends all of them with `status` (the
/// others may be waiting for this one in a collective). Otherwise returns `status`.
int endJob(int status);

/// After success: leaves the job (MPI_Finalize); returns `status`.
int leaveJob(int status);

} // namespace zy::driver
