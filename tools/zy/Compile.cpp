// Compile.cpp: `zy compile FILE --entry NAME --arg x=f32[1,784] [--params CKPT] -o libNAME.so`.
//
// The entry is traced as Entry.h says (the command line, the sample arguments, --params
// baked in as literals); jit/Aot.h turns its graph into libNAME.so and NAME.h.
#include "tools/zy/Compile.h"

#include "jit/Aot.h"
#include "tools/zy/Entry.h"

#include <filesystem>
#include <iostream>

namespace zy::driver {

const char *const CompileUsage =
    "usage: zy compile FILE --entry NAME --arg PARAM=SPEC... [--params CKPT] [-o libNAME.so]\n"
    "\n"
    "Traces the function NAME of FILE for the given argument types and writes a shared\n"
    "object with a C ABI, plus the header NAME.h beside it (docs/compile.md):\n"
    "\n"
    "    int zy_NAME(const float *x, ..., float *out, ...);   /* 0 on success */\n"
    "    int zy_NAME_run(const void *const *inputs, void *const *outputs);\n"
    "    const char *zy_NAME_error(void);                     /* the last failure */\n"
    "\n"
    "The library depends on libc, libm and OpenBLAS only, and any number of threads may\n"
    "call it at once. Tensors are row-major, of the shapes given; a tree argument (params,\n"
    "an optimizer's state) is passed as its tensors in tree order, which the header lists\n"
    "with their dotted paths. The result's tensors are the outputs, in tree order.\n"
    "\n"
    "options:\n"
    "  --entry NAME      the function to export (a top-level `fn` of FILE)\n"
    "  --arg PARAM=SPEC  the type of the entry's parameter PARAM, one --arg per parameter\n"
    "                    (parameters with defaults may be left out: their defaults are used).\n"
    "                    SPEC is a tensor type, `f32[1, 784]`, `i32[128]`, `f64[]`, or\n"
    "                    `@FILE.safetensors`: a tree with that checkpoint's paths and types,\n"
    "                    passed at run time\n"
    "  --params CKPT     bind the first parameter to the checkpoint CKPT (a safetensors file\n"
    "                    written by `save`): its tensors are baked into the library\n"
    "  -o PATH           the shared object to write (default: libNAME.so); NAME.h goes beside it\n"
    "  --no-check-labels do not check at run time that the labels of nn.cross_entropy, nn.nll,\n"
    "                    one_hot and nn.embedding are in range (checked by default: a bad one\n"
    "                    makes the call fail with a message naming it)\n"
    "\n"
    "environment: CC, the C compiler that links the library (default: cc).\n";

namespace {

std::string defaultLibrary(const std::string &entry) { return "lib" + entry + ".so"; }

int writeLibrary(TracedEntry &traced) {
  std::filesystem::path library = traced.output;
  std::filesystem::path header = library.parent_path() / (traced.aot.name + ".h");
  jit::compileShared(traced.aot, library.string(), header.string()); // std::runtime_error: `zy: error: ...`
  std::cout << "wrote " << library.string() << " and " << header.string() << " (" << traced.aot.inputs.size()
            << " inputs, " << traced.aot.outputs.size() << " outputs)\n";
  return 0;
}

} // namespace

int compileCommand(const std::vector<std::string> &args, bool color) {
  return runEntryCommand({"compile", defaultLibrary, writeLibrary}, args, color);
}

} // namespace zy::driver
