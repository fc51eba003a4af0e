// Fmt.cpp: `zy fmt [--check] [PATHS...]`: rewrites files in the canonical layout, or with
// --check lists those that are not in it. `-` formats standard input to standard output.
#include "tools/zy/Fmt.h"

#include "formats/Files.h"
#include "support/Diagnostics.h"
#include "syntax/Formatter.h"
#include "tools/zy/Paths.h"

#include <algorithm>
#include <iostream>
#include <iterator>

namespace fs = std::filesystem;

namespace zy::driver {

const char *const FmtUsage =
    "usage: zy fmt [--check] [PATHS...]\n"
    "\n"
    "Formats every `.zy` file under PATHS (default: the current directory) in place, in the\n"
    "one canonical layout: four spaces per level, spaces between tokens by fixed rules,\n"
    "trailing comments aligned, at most one blank line in a row. Line breaks and comments\n"
    "are kept; formatting twice changes nothing. A file with syntax errors is reported and\n"
    "left as it is. `-` reads standard input and writes the result to standard output.\n"
    "\n"
    "options:\n"
    "  --check           change nothing: list each file that is not formatted, and exit 1\n"
    "                    if there is one\n"
    "\n"
    "Exit status: 0 done (or all formatted, with --check), 1 a file is not formatted\n"
    "(--check) or has errors, 64 bad command line.\n";

int fmtCommand(const std::vector<std::string> &args, bool color) {
  bool check = false, stdinToo = false;
  std::vector<fs::path> files;
  std::vector<std::string> missing;
  for (const std::string &a : args) {
    if (a == "--check") check = true;
    else if (a == "-") stdinToo = true;
    else if (!a.empty() && a[0] == '-') {
      std::cerr << "zy: unknown option `" << a << "` for `zy fmt`\nrun `zy help fmt` for usage\n";
      return 64;
    } else collectZyFiles(a, files, missing);
  }
  for (const std::string &m : missing) std::cerr << "zy: error: no such file or directory `" << m << "`\n";
  if (!missing.empty()) return 64;
  if (files.empty() && !stdinToo) collectZyFiles(".", files, missing);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  int status = 0;
  if (stdinToo) {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    SourceFile source("<stdin>", text);
    Diagnostics diags;
    std::optional<std::string> formatted = syntax::formatSource(source, diags);
    if (!formatted) {
      std::cerr << renderAll(diags, color);
      return 1;
    }
    if (check) {
      if (*formatted != text) {
        std::cout << "<stdin>: not formatted\n";
        status = 1;
      }
    } else {
      std::cout << *formatted;
    }
  }
  for (const fs::path &path : files) {
    std::string error;
    std::unique_ptr<SourceFile> source = SourceFile::load(path.string(), error);
    if (!source) {
      std::cerr << "zy: error: " << error << "\n";
      status = 1;
      continue;
    }
    Diagnostics diags;
    std::optional<std::string> formatted = syntax::formatSource(*source, diags);
    if (!formatted) {
      std::cerr << renderAll(diags, color);
      status = 1;
      continue;
    }
    if (*formatted == source->text()) continue;
    if (check) {
      std::cout << path.string() << ": not formatted (run `zy fmt " << path.string() << "`)\n";
      status = 1;
      continue;
    }
    try {
      formats::writeAtomically(path.string(), *formatted, {});
    } catch (const formats::FormatError &e) {
      std::cerr << "zy: error: cannot write " << path.string() << ": " << e.what() << "\n";
      status = 1;
    }
  }
  return status;
}

} // namespace zy::driver
