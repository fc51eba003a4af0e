// Job.cpp: launching, joining and ending a data-parallel job (docs/dist.md).
#include "tools/zy/Job.h"

#include "dist/Communicator.h"
#include "jit/Jit.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace zy::driver {

int launchJob(int processes, const std::vector<std::string> &runArgs) {
  if (dist::launchedAsJob()) {
    std::cerr << "zy: `--np` starts a job with mpirun, and this process is already one of a job: drop `--np`\n";
    return 64;
  }
  // This very binary, so `build/zy run --np 2` runs build/zy on every process.
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string zy = n > 0 ? std::string(self, static_cast<size_t>(n)) : "zy";
  std::vector<std::string> argv{"mpirun"};
  // Open MPI refuses root without being told, and more processes than cores without
  // --oversubscribe; zy gives each process its share of the cores itself.
  if (::geteuid() == 0) argv.push_back("--allow-run-as-root");
  argv.insert(argv.end(), {"--oversubscribe", "-np", std::to_string(processes), zy, "run"});
  argv.insert(argv.end(), runArgs.begin(), runArgs.end());
  std::vector<char *> raw;
  for (std::string &a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  std::cout << std::flush;
  ::execvp("mpirun", raw.data());
  std::cerr << "zy: error: `--np` runs the program with mpirun, which cannot be started (" << std::strerror(errno)
            << "); install Open MPI (Debian: openmpi-bin, which tools/setup installs)\n";
  return 2;
}

bool joinJob(bool threadsGiven) {
  if (!dist::launchedAsJob()) return true;
  try {
    dist::Communicator &world = dist::world();
    if (!threadsGiven && world.localSize() > 1) {
      int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
      jit::setThreads(std::max(1, cores / world.localSize()));
    }
    return true;
  } catch (const std::exception &e) {
    std::cerr << "zy: error: " << e.what() << "\n";
    return false;
  }
}

std::string failingRank() {
  if (!dist::launchedAsJob()) return "";
  dist::Communicator &world = dist::world();
  if (world.size() == 1) return "";
  return "zy: error on rank " + std::to_string(world.rank()) + " of " + std::to_string(world.size()) +
         " (ending the job):\n";
}

int endJob(int status) {
  if (!dist::launchedAsJob()) return status;
  dist::Communicator *world = nullptr;
  try {
    world = &dist::world();
  } catch (const std::exception &) {
    return status; // the job was never joined: there is nothing to end
  }
  if (world->size() > 1) {
    std::cout << std::flush;
    std::cerr << std::flush;
    world->abort(status);
  }
  return status;
}

int leaveJob(int status) {
  if (dist::launchedAsJob()) dist::world().finish();
  return status;
}

} // namespace zy::driver
