// FuzzSupport.h: what the fuzz targets share: running a Zy program from bytes the way
// `zy run` does, and telling a user's error (fine) from a bug in zy (a finding).
//
// A finding aborts the process, which libFuzzer (and the corpus replayer) report as a
// crash: an internal error, an exception that is not a located ZyError, or a ZyError
// without a source location.
#pragma once

#include "interp/Interpreter.h"
#include "support/Diagnostics.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace zy::fuzz {

/// A scratch file of this process (one per extension), rewritten for every input.
inline std::string scratchFile(const std::string &name) {
  static const std::string dir = [] {
    std::string d = "/tmp/zy-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(d); // throws if it cannot: the harness stops, loudly
    return d;
  }();
  return dir + "/" + name;
}

inline std::string writeScratch(const std::string &name, const uint8_t *data, size_t size) {
  std::string path = scratchFile(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  return path;
}

[[noreturn]] inline void finding(const std::string &what) {
  std::fprintf(stderr, "zy fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

/// Loads and runs `path`'s main (when it has one). A located ZyError is the expected
/// outcome of bad input; anything else is a finding.
inline void runProgram(const std::string &path, bool runMain = true) {
  interp::Interpreter interpreter;
  std::string output;
  interpreter.capture = &output;
  try {
    auto loaded = interpreter.loadModule(path);
    interp::Value *main = loaded->globals->lookup("main");
    if (runMain && main && main->kind == interp::ValueKind::Function) interpreter.runMain(*loaded);
  } catch (const interp::ZyError &e) {
    if (e.diagnostic.message.find("internal") != std::string::npos) finding(render(e.diagnostic));
    if (!e.diagnostic.span.valid()) finding("an error without a location: " + e.diagnostic.message);
    (void)render(e.diagnostic); // rendering must not crash either
  } catch (const std::bad_alloc &) {
    finding("out of memory (an allocation that should have been refused as an error)");
  } catch (const std::exception &e) {
    finding(std::string("an exception that is not a located error: ") + e.what());
  }
}

} // namespace zy::fuzz
