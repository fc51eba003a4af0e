// Engine.cpp: one LLJIT for the process, built on first use (see Engine.h).
//
// Generated code calls three kinds of outside functions: libm (tanhf, erff, log1pf),
// glibc's vector math library libmvec (_ZGVdN8v_expf and friends, which the loop
// vectoriser substitutes for exp, log, sin, ... when it widens a loop), and the runtime's
// zy_rt_* functions linked into this binary. A generator over the process's symbols finds
// them all, so libmvec is loaded into the process here.
#include "jit/Engine.h"

#include "runtime/Math.h"

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/CodeGen/ReplaceWithVeclib.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/Mangling.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <mutex>
#include <optional>
#include <stdexcept>

namespace zy::jit {

namespace {

std::string message(llvm::Error error) {
  std::string text;
  llvm::raw_string_ostream out(text);
  out << error;
  return text;
}

template <typename T> T check(llvm::Expected<T> value, const char *what) {
  if (!value) throw std::runtime_error(std::string(what) + ": " + message(value.takeError()));
  return std::move(*value);
}

struct Jit {
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  bool vectorMath = false; // glibc's libmvec is loaded: vector math may call it
  std::optional<llvm::orc::JITTargetMachineBuilder> host; // a target machine per optimiser run

  Jit() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    std::string error;
    vectorMath = !llvm::sys::DynamicLibrary::LoadLibraryPermanently("libmvec.so.1", &error);
    if (vectorMath) { // its 8-wide forms need AVX2
      llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
      vectorMath = features.lookup("avx2") && features.lookup("fma");
    }
    auto builder = check(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host CPU");
    builder.setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
    host = builder;
    // Two compile threads: a graph's kernels come in two modules, compiled at once.
    lljit = check(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(builder).setNumCompileThreads(2).create(),
                  "starting the JIT");
    const llvm::DataLayout &layout = lljit->getDataLayout();
    llvm::orc::JITDylib &dylib = lljit->getMainJITDylib();
    dylib.addGenerator(check(
        llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(layout.getGlobalPrefix()), "finding symbols"));
    // The runtime is linked statically, so its symbols are not in the process's dynamic
    // table: name them here.
    llvm::orc::MangleAndInterner mangle(lljit->getExecutionSession(), layout);
    llvm::orc::SymbolMap runtime;
    auto add = [&](const char *name, auto *fn) {
      runtime[mangle(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported};
    };
    add("zy_rt_erf_inv", &zy_rt_erf_inv);
    if (auto error = dylib.define(llvm::orc::absoluteSymbols(std::move(runtime))))
      throw std::runtime_error("defining the runtime's symbols: " + message(std::move(error)));
  }
};

// Never destroyed: compiled graphs held by static caches release their code at exit,
// after any static Jit would be gone.
Jit &jit() {
  static Jit *instance = new Jit;
  return *instance;
}

class Linked : public LinkedModule {
public:
  llvm::orc::ResourceTrackerSP tracker;
  ~Linked() override {
    if (tracker) llvm::consumeError(tracker->remove());
  }
};

// Kernels are plain loop nests, so a short pipeline does what O2 would for them at a
// quarter of the cost: clean up each kernel (its noalias buffers intact), canonicalise
// its loops, vectorise the innermost ones for the host's vector width, then inline the
// kernel into its exported wrapper; then vector math goes to libmvec.
constexpr const char *Pipeline = "function(sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(loop-rotate,licm),"
                                 "loop(indvars),loop-vectorize,instcombine<no-verify-fixpoint>,simplifycfg),always-inline";

void optimiseFor(llvm::Module &module, llvm::TargetMachine &machine, bool vectorMath) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  tuning.LoopInterleaving = false; // the vectors are wide already; interleaving mostly grows code
  llvm::PassBuilder passes(&machine, tuning);
  llvm::TargetLibraryInfoImpl library(llvm::Triple(module.getTargetTriple()));
  if (vectorMath)
    library.addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86,
                                               llvm::Triple(module.getTargetTriple()));
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(library); });
  passes.registerModuleAnalyses(mam);
  passes.registerCGSCCAnalyses(cgam);
  passes.registerFunctionAnalyses(fam);
  passes.registerLoopAnalyses(lam);
  passes.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager pipeline;
  if (auto error = passes.parsePassPipeline(pipeline, Pipeline))
    throw std::runtime_error("the JIT's pass pipeline: " + message(std::move(error)));
  // Vector math intrinsics (llvm.exp.v8f32) become libmvec calls here: the code
  // generator would otherwise split them into one scalar call per lane.
  pipeline.addPass(llvm::createModuleToFunctionPassAdaptor(llvm::ReplaceWithVeclib()));
  pipeline.run(module, mam);
}

} // namespace

std::unique_ptr<llvm::Module> newModule(llvm::LLVMContext &context, const std::string &name) {
  Jit &j = jit();
  auto module = std::make_unique<llvm::Module>(name, context);
  module->setDataLayout(j.lljit->getDataLayout());
  module->setTargetTriple(j.lljit->getTargetTriple().str());
  return module;
}

void optimise(llvm::Module &module) { optimise(module, jit().vectorMath); }

void optimise(llvm::Module &module, bool vectorMath) {
  std::string problems;
  llvm::raw_string_ostream problemStream(problems);
  if (llvm::verifyModule(module, &problemStream)) throw std::runtime_error("the generated LLVM IR is invalid: " + problems);
  auto machine = check(jit().host->createTargetMachine(), "creating the target machine");
  optimiseFor(module, *machine, vectorMath);
}

std::string emitPicObject(llvm::Module &module) {
  llvm::orc::JITTargetMachineBuilder builder = *jit().host;
  builder.setRelocationModel(llvm::Reloc::PIC_);
  auto machine = check(builder.createTargetMachine(), "creating the target machine");
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream out(bytes);
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    throw std::runtime_error("LLVM cannot emit an object file for this target");
  passes.run(module);
  return std::string(bytes.begin(), bytes.end());
}

std::unique_ptr<LinkedModule> link(std::vector<ModuleInContext> modules, const std::vector<std::string> &names,
                                   bool keepIr) {
  Jit &j = jit();
  auto linked = std::make_unique<Linked>();
  llvm::orc::JITDylib &dylib = j.lljit->getMainJITDylib();
  linked->tracker = dylib.createResourceTracker();
  for (ModuleInContext &m : modules) {
    if (keepIr) {
      llvm::raw_string_ostream out(linked->llvmIr);
      m.module->print(out, nullptr);
    }
    llvm::orc::ThreadSafeModule tsm(std::move(m.module), std::move(m.context));
    if (auto error = j.lljit->addIRModule(linked->tracker, std::move(tsm)))
      throw std::runtime_error("adding a module to the JIT: " + message(std::move(error)));
  }
  // One lookup of every name, so the modules are compiled concurrently.
  llvm::orc::ExecutionSession &session = j.lljit->getExecutionSession();
  llvm::orc::SymbolLookupSet wanted;
  std::vector<llvm::orc::SymbolStringPtr> interned;
  for (const std::string &name : names) {
    interned.push_back(j.lljit->mangleAndIntern(name));
    wanted.add(interned.back());
  }
  auto found = check(session.lookup(llvm::orc::makeJITDylibSearchOrder(&dylib), std::move(wanted)),
                     "linking generated code");
  for (const auto &symbol : interned) linked->symbols.push_back(found[symbol].getAddress().toPtr<void *>());
  return linked;
}

} // namespace zy::jit
