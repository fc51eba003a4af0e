// Codegen.h: the LLVM IR of a plan's kernels, one function per Kernel step.
//
// Each kernel is `void PREFIX_kN(ptr slots, i64 begin, i64 end)`: slots is the run's
// table of buffer addresses (Plan::slots order); [begin, end) bounds the outermost loop
// when the step's parallelExtent is not 0, so threads can share it.
#pragma once

#include "jit/Plan.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>
#include <string>
#include <vector>

namespace zy::jit {

/// The name of kernel `index`'s function in its module.
std::string kernelName(const std::string &prefix, int index);

/// Adds the functions of kernels `kernels` (indices into plan.kernels) to `module`.
void generateKernels(const Plan &plan, llvm::Module &module, const std::string &prefix, const std::vector<int> &kernels);

} // namespace zy::jit
