// Export.cpp: `zy export FILE --entry NAME --arg x=f32[1,784] [--params CKPT] -o NAME.onnx`.
//
// The entry is traced as Entry.h says; export/Onnx.h turns its graph into an ONNX model,
// checked, and the file is written atomically. A zy built without libonnx says so.
#include "tools/zy/Export.h"

#include "tools/zy/Entry.h"

#ifdef ZY_HAVE_ONNX
#include "export/Onnx.h"
#include "formats/Files.h"
#endif

#include <iostream>

namespace zy::driver {

const char *const ExportUsage =
    "usage: zy export FILE --entry NAME --arg PARAM=SPEC... [--params CKPT] [-o NAME.onnx]\n"
    "\n"
    "Traces the function NAME of FILE for the given argument types and writes it as an ONNX\n"
    "model (opset 17) that ONNX Runtime and other ONNX tools run (docs/onnx.md). The model's\n"
    "inputs are the entry's tensors named by their dotted paths (`x`, `params.layers.0.w`);\n"
    "its outputs are the result's, `out` or `out.PATH`. With --params the checkpoint's tensors\n"
    "are stored in the file as initializers named by their paths. Random draws and\n"
    "debug.print have no ONNX form: a function that makes them is refused, with the line.\n"
    "\n"
    "options:\n"
    "  --entry NAME      the function to export (a top-level `fn` of FILE)\n"
    "  --arg PARAM=SPEC  the type of the entry's parameter PARAM, as for `zy compile`:\n"
    "                    `f32[1, 784]`, `i32[128]`, or `@FILE.safetensors` (a tree of model inputs)\n"
    "  --params CKPT     bind the first parameter to the checkpoint CKPT (written by `save`):\n"
    "                    its tensors become the model's initializers\n"
    "  -o PATH           the model to write (default: NAME.onnx)\n"
    "  --no-check-labels accepted for symmetry with `zy compile`; ONNX models never check\n"
    "                    that labels are in range\n";

namespace {

std::string defaultModel(const std::string &entry) { return entry + ".onnx"; }

#ifdef ZY_HAVE_ONNX
int writeModel(TracedEntry &traced) {
  onnx_export::Model model;
  try {
    model = onnx_export::exportModel(traced.aot, traced.bakedPaths, ZY_VERSION);
  } catch (const onnx_export::Unmappable &e) {
    if (!e.span.valid()) throw std::runtime_error(e.what());
    throw CommandError{e.span, std::string(e.what()) + " (while exporting `" + traced.aot.name + "`)", 1};
  }
  try {
    formats::writeAtomically(traced.output, model.bytes, {});
  } catch (const std::exception &e) {
    throw std::runtime_error(traced.output + ": " + e.what());
  }
  std::cout << "wrote " << traced.output << " (" << traced.aot.inputs.size() << " inputs, " << traced.aot.outputs.size()
            << " outputs, " << model.operators << " operators, " << model.initializers << " initializers, "
            << model.bytes.size() << " bytes)\n";
  return 0;
}
#endif

} // namespace

int exportCommand(const std::vector<std::string> &args, bool color) {
#ifdef ZY_HAVE_ONNX
  return runEntryCommand({"export", defaultModel, writeModel}, args, color);
#else
  (void)args, (void)color, (void)defaultModel;
  std::cerr << "zy: error: this zy was built without ONNX support (libonnx-dev and libprotobuf-dev were not found);\n"
               "run tools/setup and rebuild to use `zy export`\n";
  return 1;
#endif
}

} // namespace zy::driver
