// Engine.h: the process's one LLJIT: optimises modules for the host CPU and links them.
#pragma once

#include <llvm/IR/Module.h>

#include <memory>
#include <string>
#include <vector>

namespace zy::jit {

/// A module linked into the process: the addresses of its named functions. Destroying
/// it removes its code.
class LinkedModule {
public:
  virtual ~LinkedModule() = default;
  std::vector<void *> symbols;
  std::string llvmIr; // the optimised IR, when asked for
};

/// Prepares a new module for the host (triple, data layout).
std::unique_ptr<llvm::Module> newModule(llvm::LLVMContext &context, const std::string &name);

/// A module and the context that owns it.
struct ModuleInContext {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
};

/// Checks and optimises `module` for the host CPU (vector math from glibc's libmvec).
/// Thread-safe: modules in different contexts can be optimised at once.
void optimise(llvm::Module &module);

/// As optimise, choosing whether vector math may call libmvec: code compiled ahead of
/// time (jit/Aot.h) must not depend on it, so it passes false.
void optimise(llvm::Module &module, bool vectorMath);

/// Compiles an optimised module to a position-independent ELF object for the host CPU
/// (the JIT's target machine and features, relocatable for a shared object).
std::string emitPicObject(llvm::Module &module);

/// Links optimised modules into the process and looks up `names` (the modules are
/// compiled to machine code on the JIT's threads, concurrently). Throws
/// std::runtime_error if LLVM fails.
std::unique_ptr<LinkedModule> link(std::vector<ModuleInContext> modules, const std::vector<std::string> &names,
                                   bool keepIr);

} // namespace zy::jit
