// Helpers.h: shared helpers for the unit tests: parsing text, dumping, finding files.
#pragma once

#include "support/Diagnostics.h"
#include "support/LargeStack.h"
#include "syntax/AstPrinter.h"
#include "syntax/Parser.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace zy::test {

struct Parsed {
  std::unique_ptr<SourceFile> source;
  Diagnostics diags;
  std::unique_ptr<ast::Module> module;
};

inline std::unique_ptr<Parsed> parseText(const std::string &text, const std::string &name = "test.zy") {
  auto p = std::make_unique<Parsed>();
  p->source = std::make_unique<SourceFile>(name, text);
  p->module = parseModule(*p->source, p->diags);
  return p;
}

/// The dump without spans: equal exactly when two trees are.
inline std::string shape(const std::string &text) {
  auto p = parseText(text);
  if (!p->module) return "<error> " + renderAll(p->diags);
  return ast::dumpModule(*p->module, false);
}

/// The first error message, or "" when parsing succeeded.
inline std::string firstError(const std::string &text) {
  auto p = parseText(text);
  if (p->diags.all().empty()) return "";
  const Diagnostic &d = p->diags.all().front();
  LineCol lc = d.span.file->lineCol(d.span.begin);
  return std::to_string(lc.line) + ":" + std::to_string(lc.col) + ": " + d.message;
}

inline std::string readFile(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every .zy file of the repository that is meant to parse (not the error tests).
inline std::vector<std::filesystem::path> validZyFiles() {
  std::vector<std::filesystem::path> out;
  for (const char *dir : {"examples", "stdlib", "tests/parse"}) {
    std::filesystem::path root = std::filesystem::path(ZY_SOURCE_DIR) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (auto &entry : std::filesystem::recursive_directory_iterator(root))
      if (entry.path().extension() == ".zy") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The ```zy code blocks of a Markdown file.
inline std::vector<std::string> zyBlocks(const std::string &markdown) {
  std::vector<std::string> blocks;
  std::istringstream in(markdown);
  std::string line, current;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line.rfind("```zy", 0) == 0) {
      inside = true;
      current.clear();
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      blocks.push_back(current);
    } else if (inside) {
      current += line + "\n";
    }
  }
  return blocks;
}

/// Runs a test body on a large stack, as the driver runs the compiler.
template <typename F> void onLargeStack(F &&f) {
  runWithLargeStack([&] {
    f();
    return 0;
  });
}

} // namespace zy::test
