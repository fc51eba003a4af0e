// FuzzFrontEnd.cpp: libFuzzer target for the front end. The input is a .zy file: it is
// parsed; what parses must print to text that parses to the same tree; then the module
// is loaded (imports, functions, top-level lets) without running main.
#include "FuzzSupport.h"

#include "syntax/AstPrinter.h"
#include "syntax/Parser.h"

using namespace zy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 100000) return 0; // long inputs only slow the search; the unit tests cover 10 MB
  std::string text(reinterpret_cast<const char *>(data), size);
  SourceFile source("fuzz.zy", text);
  Diagnostics diags;
  auto module = parseModule(source, diags);
  if (!module) {
    if (!diags.hasErrors()) fuzz::finding("the parser failed without an error");
    for (const auto &d : diags.all()) (void)render(d);
    return 0;
  }
  std::string printed = ast::printModule(*module);
  SourceFile again("printed.zy", printed);
  Diagnostics diags2;
  auto reparsed = parseModule(again, diags2);
  if (!reparsed) fuzz::finding("the printed module does not parse:\n" + printed + "\n" + renderAll(diags2));
  if (ast::dumpModule(*reparsed, false) != ast::dumpModule(*module, false))
    fuzz::finding("the printed module parses to another tree:\n" + printed);
  fuzz::runProgram(fuzz::writeScratch("frontend.zy", data, size), /*runMain=*/false);
  return 0;
}
