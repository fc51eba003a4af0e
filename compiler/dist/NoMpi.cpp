// NoMpi.cpp: startMpi for a build that found no MPI (CMake's find_package(MPI) failed):
// a program launched by mpirun says so instead of running as N unrelated processes.
#include "dist/Communicator.h"

namespace zy::dist {

std::unique_ptr<Communicator> startMpi(std::string &error) {
  error = "this process was started by an MPI launcher (mpirun), but this zy was built without MPI: "
          "install libopenmpi-dev (tools/setup does) and build again";
  return nullptr;
}

} // namespace zy::dist
