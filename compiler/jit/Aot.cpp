// Aot.cpp: a traced graph as libNAME.so and NAME.h (see Aot.h; the ABI is docs/compile.md).
//
//   1. Plan the graph as the JIT does, and each scan's body and each while's condition
//      and body (recursively): every graph is a "unit", a C function of its own.
//   2. Generate the kernels into one LLVM module with the literals (baked parameters,
//      constants) as hidden constant globals; optimise without libmvec (the library must
//      not depend on it) and emit a PIC object.
//   3. Write the header (every input's and output's path, dtype and shape) and a C file
//      with the steps: the slot table, a kernel call per kernel step, cblas_sgemm/sgemv
//      (dgemm/dgemv) per matmul with the plan's transpose flags, the runtime's integer
//      matmul and scatter-add, its uniform stream for random numbers and its
//      merge sort for argsort, memcpy
//      for copies, a loop per scan calling its body's unit once a step, a loop per while
//      calling its condition's unit and then its body's while the condition holds, a call of
//      check_labels per label check (the message in a thread-local buffer), and a call
//      of the runtime's zy_rt_debug_print per debug_print (to standard output). Each unit
//      allocates its arena per call: no state is shared between calls.
//   4. `cc -shared` links them with OpenBLAS, libm and (only when a step calls into it)
//      the zy_rt_* runtime archive, whose symbols stay hidden.
#include "jit/Aot.h"

#include "jit/Codegen.h"
#include "jit/Engine.h"
#include "jit/Plan.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

extern char **environ;

#ifndef ZY_RUNTIME_ARCHIVE
#define ZY_RUNTIME_ARCHIVE ""
#endif

namespace zy::jit {

using ir::Graph;
using ir::Node;
using ir::Op;

namespace fs = std::filesystem;

std::string cIdentifier(const std::string &path) {
  std::string out;
  for (char c : path) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

namespace {

const char *cType(DType d) {
  switch (d) {
  case DType::F32: return "float";
  case DType::F64: return "double";
  case DType::I32: return "int32_t";
  case DType::Bool: return "uint8_t";
  }
  return "float";
}

std::string upper(std::string s) {
  for (char &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

int64_t countOf(const Shape &shape) { return elementCount(shape).value_or(0); }

/// A C string literal of `s`.
std::string cString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// Text made safe inside a /* */ comment.
std::string commentSafe(std::string s) {
  for (size_t at; (at = s.find("*/")) != std::string::npos;) s.replace(at, 2, "* /");
  return s;
}

std::string ll(int64_t v) { return std::to_string(v) + "LL"; }

class SharedObjectWriter {
public:
  explicit SharedObjectWriter(const AotEntry &entry) : E(entry), Root(entry.graph) {}

  void write(const std::string &library, const std::string &header) {
    addUnit(Root);
    char dirTemplate[] = "/tmp/zy-compile-XXXXXX";
    if (!mkdtemp(dirTemplate)) throw std::runtime_error("cannot make a temporary directory in /tmp");
    fs::path dir = dirTemplate;
    // The library and the header are written beside their paths and renamed into place
    // once both are complete: a failure leaves an earlier pair as it was, never a new
    // header beside an old library (or a half-written file a running program maps).
    std::string suffix = ".tmp-" + std::to_string(::getpid());
    std::string libraryTmp = library + suffix, headerTmp = header + suffix;
    auto cleanUp = [&] {
      std::error_code ec;
      fs::remove_all(dir, ec);
      fs::remove(libraryTmp, ec);
      fs::remove(headerTmp, ec);
    };
    try {
      std::string object = (dir / "kernels.o").string(), source = (dir / (E.name + "_steps.c")).string();
      writeFile(object, kernelObject());
      writeFile(headerTmp, headerText());
      writeFile(source, stepsSource(fs::absolute(headerTmp).string()));
      link(libraryTmp, {source, object}, dir);
      moveInto(libraryTmp, library);
      moveInto(headerTmp, header);
    } catch (...) {
      cleanUp();
      throw;
    }
    cleanUp();
  }

private:
  /// A graph with its plan: the entry's (unit 0), and each scan's body, which becomes a
  /// static C function the scan's loop calls once a step.
  struct Unit {
    const Graph *graph;
    Plan plan;
    int index;
    std::map<int, int> bodies;     // scan or while node -> the unit of its body
    std::map<int, int> conditions; // while node -> the unit of its condition
  };

  const AotEntry &E;
  const Graph &Root; // the entry's graph
  std::vector<std::unique_ptr<Unit>> Units;
  bool NeedsRuntime = false;

  int addUnit(const Graph &graph) {
    auto unit = std::make_unique<Unit>();
    unit->graph = &graph;
    unit->index = static_cast<int>(Units.size());
    unit->plan = makePlan(graph);
    unit->plan.graph = &graph;
    Unit &u = *unit;
    Units.push_back(std::move(unit));
    for (const Step &step : u.plan.steps) {
      if (step.kind == Step::Scan || step.kind == Step::While) u.bodies[step.node] = addUnit(*graph.nodes[step.node].attrs.body);
      if (step.kind == Step::While) u.conditions[step.node] = addUnit(*graph.nodes[step.node].attrs.cond);
    }
    return u.index;
  }

  std::string prefix(const Unit &u) const { return "zyk_" + E.name + "_u" + std::to_string(u.index); }
  std::string literalName(const Unit &u, int node) const {
    return "zyl_" + E.name + "_u" + std::to_string(u.index) + "_" + std::to_string(node);
  }
  static std::string unitFunction(int unit) { return "run_unit" + std::to_string(unit); }
  std::string fn(const std::string &suffix = "") const { return "zy_" + E.name + suffix; }

  static void moveInto(const std::string &from, const std::string &to) {
    if (std::rename(from.c_str(), to.c_str()) != 0)
      throw std::runtime_error("cannot write `" + to + "`: " + std::strerror(errno));
  }

  static void writeFile(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write `" + path + "`");
  }

  // ---------------------------------------------------------------- the object

  std::string kernelObject() {
    llvm::LLVMContext context;
    auto module = newModule(context, E.name);
    for (const auto &unit : Units) {
      std::vector<int> all(unit->plan.kernels.size());
      for (size_t k = 0; k < all.size(); ++k) all[k] = static_cast<int>(k);
      generateKernels(unit->plan, *module, prefix(*unit), all);
    }
    // Only the C file calls the kernels: they stay out of the library's dynamic symbols.
    for (llvm::Function &f : *module)
      if (!f.isDeclaration() && f.hasExternalLinkage()) f.setVisibility(llvm::GlobalValue::HiddenVisibility);
    for (const auto &unit : Units)
      for (const Slot &slot : unit->plan.slots) {
        if (slot.kind == Slot::Literal) addLiteral(*module, *unit, unit->graph->nodes[slot.node], slot.node);
      }
    optimise(*module, /*vectorMath=*/false);
    for (const llvm::Function &f : *module)
      if (f.isDeclaration() && f.getName().starts_with("zy_rt_")) NeedsRuntime = true;
    return emitPicObject(*module);
  }

  /// A literal (a baked parameter, a constant table) as a hidden constant of the object.
  void addLiteral(llvm::Module &module, const Unit &unit, const Node &node, int id) {
    llvm::Type *byte = llvm::Type::getInt8Ty(module.getContext());
    size_t bytes = bytesOf(node);
    llvm::Constant *init =
        bytes == 0 ? static_cast<llvm::Constant *>(llvm::ConstantAggregateZero::get(llvm::ArrayType::get(byte, 1)))
                   : llvm::ConstantDataArray::getRaw(
                         llvm::StringRef(reinterpret_cast<const char *>(node.attrs.literal->data<uint8_t>()), bytes),
                         bytes, byte);
    auto *global = new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                            llvm::GlobalValue::ExternalLinkage, init, literalName(unit, id));
    global->setVisibility(llvm::GlobalValue::HiddenVisibility);
    global->setAlignment(llvm::Align(64));
  }

  // ---------------------------------------------------------------- the header

  std::string describe(const AotTensor &t) const { return typeString(t.dtype, t.shape); }

  std::string prototype() const {
    std::string s = "int " + fn() + "(";
    bool first = true;
    for (const AotTensor &t : E.inputs) {
      s += (first ? "" : ", ") + std::string("const ") + cType(t.dtype) + " *" + t.cName;
      first = false;
    }
    for (const AotTensor &t : E.outputs) {
      s += (first ? "" : ", ") + std::string(cType(t.dtype)) + " *" + t.cName;
      first = false;
    }
    return s + (first ? "void)" : ")");
  }

  void tensorMacros(std::ostringstream &h, const std::string &kind, size_t index, const AotTensor &t) const {
    std::string m = "ZY_" + upper(E.name) + "_" + kind + "_" + upper(t.cName);
    h << "/* " << (kind == "IN" ? "input " : "output ") << index << ": " << commentSafe(t.path) << ", "
      << describe(t) << " */\n";
    h << "#define " << m << " " << index << "\n";
    h << "#define " << m << "_SIZE " << countOf(t.shape) << "\n";
    h << "#define " << m << "_RANK " << t.shape.size() << "\n";
    for (size_t d = 0; d < t.shape.size(); ++d) h << "#define " << m << "_DIM" << d << " " << t.shape[d] << "\n";
  }

  void tables(std::ostringstream &h, const std::string &kind, const std::vector<AotTensor> &list) const {
    auto row = [&](const char *type, const std::string &what, auto cell) {
      h << "static const " << type << " " << fn("_" + kind + "_" + what) << "[] = {";
      if (list.empty()) h << "0";
      for (size_t i = 0; i < list.size(); ++i) h << (i ? ", " : "") << cell(list[i]);
      h << "};\n";
    };
    row("char *const", "paths", [](const AotTensor &t) { return cString(t.path); });
    row("char *const", "dtypes", [](const AotTensor &t) { return cString(dtypeName(t.dtype)); });
    row("int64_t", "sizes", [](const AotTensor &t) { return std::to_string(countOf(t.shape)) + "LL"; });
  }

  std::string headerText() const {
    std::ostringstream h;
    std::string guard = "ZY_" + upper(E.name) + "_H";
    h << "/* " << E.name << ".h: the C interface of lib" << E.name << ".so, generated by `zy compile` from\n"
      << " * " << commentSafe(E.sourceFile) << " (entry `" << E.name << "`). The ABI: docs/compile.md.\n";
    for (const std::string &note : E.notes) h << " * " << commentSafe(note) << "\n";
    h << " *\n * Tensors are dense and row-major, of exactly the shapes below. Inputs, in order:\n";
    auto list = [&](const std::vector<AotTensor> &ts) {
      if (ts.empty()) h << " *   (none)\n";
      for (size_t i = 0; i < ts.size(); ++i)
        h << " *   " << i << "  " << commentSafe(ts[i].path) << "  " << describe(ts[i]) << "  (" << ts[i].cName << ")\n";
    };
    list(E.inputs);
    h << " * Outputs, in order (written by the call; they must not overlap the inputs or each other):\n";
    list(E.outputs);
    h << " *\n"
         " * Each function returns 0 on success; otherwise non-zero, and " << fn("_error") << "()\n"
         " * returns a message for the calling thread's last failure. The library keeps no state\n"
         " * between calls: any number of threads may call it at once.\n"
         " */\n"
      << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n"
      << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    h << "#define ZY_" << upper(E.name) << "_NUM_INPUTS " << E.inputs.size() << "\n";
    h << "#define ZY_" << upper(E.name) << "_NUM_OUTPUTS " << E.outputs.size() << "\n\n";
    for (size_t i = 0; i < E.inputs.size(); ++i) tensorMacros(h, "IN", i, E.inputs[i]);
    for (size_t i = 0; i < E.outputs.size(); ++i) tensorMacros(h, "OUT", i, E.outputs[i]);
    h << "\n/* One pointer per input, then one per output, in the orders above. */\n" << prototype() << ";\n\n";
    h << "/* The same with the pointers in arrays: inputs[ZY_" << upper(E.name) << "_NUM_INPUTS], outputs[ZY_"
      << upper(E.name) << "_NUM_OUTPUTS]. */\n"
      << "int " << fn("_run") << "(const void *const *inputs, void *const *outputs);\n\n";
    h << "/* The calling thread's last failure (\"\" if its last call succeeded). */\n"
      << "const char *" << fn("_error") << "(void);\n\n";
    h << "/* Paths, dtypes and element counts of the inputs and outputs, by position. */\n";
    tables(h, "input", E.inputs);
    tables(h, "output", E.outputs);
    h << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    return h.str();
  }

  // ---------------------------------------------------------------- the steps in C

  std::string slot(const Unit &u, int node, const char *type) const {
    return "((" + std::string(type) + " *)slots[" + std::to_string(u.plan.slotOf[node]) + "])";
  }

  std::string stepsSource(const std::string &headerPath) {
    std::ostringstream c;
    c << "/* " << E.name << "_steps.c: the steps of entry `" << E.name << "`, generated by `zy compile`. */\n"
      << "#include " << cString(headerPath) << "\n\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n";
    for (const auto &u : Units) {
      for (size_t k = 0; k < u->plan.kernels.size(); ++k)
        c << "__attribute__((visibility(\"hidden\"))) void " << kernelName(prefix(*u), static_cast<int>(k))
          << "(void **slots, int64_t begin, int64_t end);\n";
      for (const Slot &s : u->plan.slots)
        if (s.kind == Slot::Literal)
          c << "__attribute__((visibility(\"hidden\"))) extern const unsigned char " << literalName(*u, s.node) << "[];\n";
    }
    c << "void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);\n"
         "void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int);\n"
         "void cblas_sgemv(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);\n"
         "void cblas_dgemv(int, int, int, int, double, const double *, int, const double *, int, double, double *, int);\n"
         "void zy_rt_random_uniform_f32(const uint32_t key[2], int64_t n, float *out);\n"
         "void zy_rt_random_uniform_f64(const uint32_t key[2], int64_t n, double *out);\n"
         "void zy_rt_random_normal_f32(const uint32_t key[2], int64_t n, float *out);\n"
         "void zy_rt_random_normal_f64(const uint32_t key[2], int64_t n, double *out);\n"
         "void zy_rt_random_split(const uint32_t key[2], int64_t n, uint32_t *out);\n"
         "void zy_rt_random_fold_in(const uint32_t key[2], uint32_t data, uint32_t out[2]);\n"
         "typedef struct ZyRtTensor { int dtype; int rank; const int64_t *dims; const void *data; } ZyRtTensor;\n"
         "void zy_rt_debug_print(const char *format, int64_t count, const ZyRtTensor *values);\n"
         "void zy_rt_matmul_i32(const int32_t *a, const int32_t *b, int32_t *c, int64_t batches, int64_t n, int64_t k, int64_t m, int a_transposed, int b_transposed);\n"
         "void zy_rt_scatter_add(int dtype, const void *base, const int32_t *idx, const void *updates, void *out, int64_t outer, int64_t length, int64_t inner, int64_t count);\n"
         "void zy_rt_argsort(int dtype, const void *x, int64_t rows, int64_t length, int descending, int32_t *out, int32_t *scratch);\n"
         "enum { RowMajor = 101, NoTrans = 111, Trans = 112 };\n\n";
    std::string failure = "zy_" + E.name + "_failure";
    c << "/* The calling thread's last failure: a message of this file, never freed. */\n"
      << "static _Thread_local const char *" << failure << ";\n\n"
      << "const char *" << fn("_error") << "(void) { return " << failure << " ? " << failure << " : \"\"; }\n\n"
      << "static int fail(const char *message) {\n  " << failure << " = message;\n  return 1;\n}\n\n";
    if (hasCheck()) emitCheckLabels(c, failure);
    for (const auto &u : Units)
      c << "static int " << unitFunction(u->index) << "(const void *const *inputs, void *const *results);\n";
    c << "\n";
    for (const auto &u : Units) emitUnit(c, *u);

    // The run: check the pointers, point the graph's outputs at the caller's, run unit 0.
    c << "int " << fn("_run") << "(const void *const *inputs, void *const *outputs) {\n"
      << "  if (!inputs && " << E.inputs.size() << ") return fail(\"" << fn("_run") << ": `inputs` is NULL\");\n"
      << "  if (!outputs && " << E.outputs.size() << ") return fail(\"" << fn("_run") << ": `outputs` is NULL\");\n";
    auto nullCheck = [&](const char *array, const char *what, size_t i, const AotTensor &t) {
      if (countOf(t.shape) == 0) return;
      c << "  if (!" << array << "[" << i << "]) return fail("
        << cString(fn() + ": " + what + " " + std::to_string(i) + " (`" + t.path + "`, " + describe(t) + ") is NULL")
        << ");\n";
    };
    for (size_t i = 0; i < E.inputs.size(); ++i) nullCheck("inputs", "input", i, E.inputs[i]);
    for (size_t i = 0; i < E.outputs.size(); ++i) nullCheck("outputs", "output", i, E.outputs[i]);
    // The graph's outputs are distinct nodes; a result leaf that repeats one is copied at the end.
    size_t graphOutputs = Root.outputs.size();
    std::vector<int> firstLeaf(graphOutputs, -1);
    for (size_t j = 0; j < E.outputOf.size(); ++j)
      if (firstLeaf[E.outputOf[j]] < 0) firstLeaf[E.outputOf[j]] = static_cast<int>(j);
    c << "  void *results[" << std::max<size_t>(graphOutputs, 1) << "];\n";
    for (size_t k = 0; k < graphOutputs; ++k)
      c << "  results[" << k << "] = " << (firstLeaf[k] >= 0 ? "outputs[" + std::to_string(firstLeaf[k]) + "]" : "NULL")
        << ";\n";
    c << "  if (" << unitFunction(0) << "(inputs, results) != 0) return 1;\n";
    for (size_t j = 0; j < E.outputOf.size(); ++j) {
      size_t k = E.outputOf[j];
      size_t bytes = countOf(E.outputs[j].shape) * dtypeSize(E.outputs[j].dtype);
      if (firstLeaf[k] != static_cast<int>(j) && bytes)
        c << "  memcpy(outputs[" << j << "], results[" << k << "], " << bytes << "ULL); /* " << commentSafe(E.outputs[j].path)
          << " repeats output " << firstLeaf[k] << " */\n";
    }
    c << "  " << failure << " = NULL;\n  return 0;\n}\n\n";

    // The typed form: the pointers into arrays, then the run.
    c << prototype() << " {\n";
    c << "  const void *inputs[" << std::max<size_t>(E.inputs.size(), 1) << "] = {";
    for (size_t i = 0; i < E.inputs.size(); ++i) c << (i ? ", " : "") << E.inputs[i].cName;
    if (E.inputs.empty()) c << "NULL";
    c << "};\n  void *outputs[" << std::max<size_t>(E.outputs.size(), 1) << "] = {";
    for (size_t i = 0; i < E.outputs.size(); ++i) c << (i ? ", " : "") << E.outputs[i].cName;
    if (E.outputs.empty()) c << "NULL";
    c << "};\n  return " << fn("_run") << "(inputs, outputs);\n}\n";
    return c.str();
  }

  /// A graph's run: take an arena, fill the slot table, run the steps. `results` are
  /// the graph's outputs (distinct nodes), written in place.
  void emitUnit(std::ostringstream &c, const Unit &u) {
    const Plan &P = u.plan;
    c << "/* " << (u.index == 0 ? "the entry's graph" : "the body of a scan, run once a step") << " */\n"
      << "static int " << unitFunction(u.index) << "(const void *const *inputs, void *const *results) {\n"
      << "  (void)inputs;\n  (void)results;\n";
    size_t arenaBytes = (P.arenaBytes + 63) / 64 * 64;
    c << "  char *arena = NULL;\n";
    if (arenaBytes)
      c << "  arena = (char *)aligned_alloc(64, " << arenaBytes << "ULL);\n"
        << "  if (!arena) return fail(" << cString(fn() + ": out of memory (a call needs " + std::to_string(arenaBytes) + " bytes of scratch)") << ");\n";
    c << "  void *slots[" << std::max<size_t>(P.slots.size(), 1) << "];\n";
    for (size_t s = 0; s < P.slots.size(); ++s) {
      const Slot &sl = P.slots[s];
      c << "  slots[" << s << "] = ";
      switch (sl.kind) {
      case Slot::Input: c << "(void *)inputs[" << sl.index << "]"; break;
      case Slot::Output: c << "results[" << sl.index << "]"; break;
      case Slot::Arena: c << "arena + " << sl.index; break;
      case Slot::Literal: c << "(void *)" << literalName(u, sl.node); break;
      }
      c << ";\n";
    }
    for (const Step &step : P.steps) emitStep(c, u, step);
    c << "  free(arena);\n  return 0;\n}\n\n";
  }

  void emitStep(std::ostringstream &c, const Unit &u, const Step &step) {
    const Graph &G = *u.graph;
    const Plan &P = u.plan;
    const Node &node = G.nodes[step.node];
    c << "  /* %" << step.node << " = " << ir::opInfo(node.op).name << " : " << typeString(node.dtype, node.shape)
      << " */\n";
    switch (step.kind) {
    case Step::Kernel:
      c << "  " << kernelName(prefix(u), step.kernel) << "(slots, 0, " << ll(step.parallelExtent) << ");\n";
      return;
    case Step::MatMul: return emitMatMul(c, u, step);
    case Step::Random: {
      NeedsRuntime = true;
      if (node.op == Op::RandomSplit || node.op == Op::RandomFoldIn) {
        c << "  zy_rt_random_" << (node.op == Op::RandomSplit ? "split" : "fold_in") << "("
          << slot(u, node.operands[0], "const uint32_t") << ", "
          << (node.op == Op::RandomSplit ? ll(node.shape[0])
                                         : std::to_string(static_cast<uint32_t>(static_cast<int64_t>(node.attrs.value))) + "U")
          << ", " << slot(u, step.node, "uint32_t") << ");\n";
        return;
      }
      const char *suffix = node.dtype == DType::F32 ? "f32" : "f64";
      c << "  zy_rt_random_" << (node.op == Op::RandomNormal ? "normal_" : "uniform_") << suffix << "(" << slot(u, node.operands[0], "const uint32_t") << ", "
        << ll(countOf(node.shape)) << ", " << slot(u, step.node, cType(node.dtype)) << ");\n";
      return;
    }
    case Step::ScatterAdd: return emitScatterAdd(c, u, step);
    case Step::Sort: {
      const Node &x = G.nodes[node.operands[0]];
      int64_t length = node.shape.back(), rows = length == 0 ? 0 : countOf(node.shape) / length;
      if (rows == 0) return;
      NeedsRuntime = true;
      c << "  {\n    int32_t *scratch = (int32_t *)malloc(" << length * 4 << "ULL);\n"
        << "    if (!scratch) { free(arena); return fail(" << cString(fn() + ": out of memory in an argsort") << "); }\n"
        << "    zy_rt_argsort(" << static_cast<int>(x.dtype) << ", " << slot(u, node.operands[0], "const void") << ", "
        << ll(rows) << ", " << ll(length) << ", " << (node.attrs.value != 0 ? 1 : 0) << ", " << slot(u, step.node, "int32_t")
        << ", scratch);\n    free(scratch);\n  }\n";
      return;
    }
    case Step::Check: {
      // check_labels, then the labels copied into the node's buffer (as Executable.cpp does).
      const Node &labels = G.nodes[node.operands[0]];
      std::string dims;
      for (int64_t d : labels.shape) dims += (dims.empty() ? "" : ", ") + ll(d);
      c << "  {\n    static const int64_t dims[] = {" << (dims.empty() ? "0" : dims) << "};\n"
        << "    if (check_labels(" << slot(u, node.operands[0], "const int32_t") << ", " << ll(countOf(labels.shape)) << ", "
        << ll(static_cast<int64_t>(node.attrs.value)) << ", dims, " << labels.shape.size() << ", " << cString(node.attrs.name)
        << ") != 0) {\n      free(arena);\n      return 1;\n    }\n";
      if (size_t bytes = bytesOf(node))
        c << "    memcpy(slots[" << P.slotOf[step.node] << "], slots[" << P.slotOf[node.operands[0]] << "], " << bytes << "ULL);\n";
      c << "  }\n";
      return;
    }
    case Step::Print: {
      // debug_print: the runtime formats the operands' buffers as `zy run` prints them.
      NeedsRuntime = true;
      c << "  {\n";
      for (size_t k = 0; k < node.operands.size(); ++k) {
        std::string dims;
        for (int64_t d : G.nodes[node.operands[k]].shape) dims += (dims.empty() ? "" : ", ") + ll(d);
        c << "    static const int64_t dims" << k << "[] = {" << (dims.empty() ? "0" : dims) << "};\n";
      }
      c << "    const ZyRtTensor values[" << std::max<size_t>(node.operands.size(), 1) << "] = {";
      for (size_t k = 0; k < node.operands.size(); ++k) {
        const Node &x = G.nodes[node.operands[k]];
        c << (k ? ", " : "") << "{" << static_cast<int>(x.dtype) << ", " << x.shape.size() << ", dims" << k << ", slots["
          << P.slotOf[node.operands[k]] << "]}";
      }
      if (node.operands.empty()) c << "{0, 0, NULL, NULL}";
      c << "};\n    zy_rt_debug_print(" << cString(node.attrs.name) << ", " << node.operands.size() << ", values);\n  }\n";
      return;
    }
    case Step::Copy: {
      size_t bytes = bytesOf(node);
      if (bytes) c << "  memcpy(results[" << step.output << "], slots[" << P.slotOf[step.node] << "], " << bytes << "ULL);\n";
      return;
    }
    case Step::Scan: return emitScan(c, u, step);
    case Step::While: return emitWhile(c, u, step);
    }
  }

  /// Whether any unit checks labels (then the C file gets check_labels).
  bool hasCheck() const {
    for (const auto &u : Units)
      for (const Step &step : u->plan.steps)
        if (step.kind == Step::Check) return true;
    return false;
  }

  /// check_labels in C: the first label outside [0, classes) becomes the calling thread's
  /// error, worded as ir::badLabel words it for `zy run`, in a thread-local buffer.
  void emitCheckLabels(std::ostringstream &c, const std::string &failure) const {
    std::string buffer = "zy_" + E.name + "_message";
    c << "static _Thread_local char " << buffer << "[512];\n\n"
      << "static int check_labels(const int32_t *labels, int64_t count, int64_t classes, const int64_t *dims, int rank,\n"
      << "                        const char *name) {\n"
      << "  int64_t at = 0;\n"
      << "  while (at < count && labels[at] >= 0 && labels[at] < classes) ++at;\n"
      << "  if (at == count) return 0;\n"
      << "  char index[256] = \"\";\n"
      << "  size_t used = 0;\n"
      << "  for (int k = 0; k < rank && used < sizeof index; ++k) {\n"
      << "    int64_t stride = 1;\n"
      << "    for (int j = k + 1; j < rank; ++j) stride *= dims[j];\n"
      << "    used += (size_t)snprintf(index + used, sizeof index - used, \"%s%lld\", k ? \", \" : \" at index [\",\n"
      << "                             (long long)(at / stride % dims[k]));\n"
      << "  }\n"
      << "  if (rank > 0 && used < sizeof index) snprintf(index + used, sizeof index - used, \"]\");\n"
      << "  snprintf(" << buffer << ", sizeof " << buffer << ", \"" << fn() << ": %s: label %d%s is out of range for %lld %s \"\n"
      << "           \"(expected 0 <= label < %lld)\", name, (int)labels[at], index, (long long)classes,\n"
      << "           classes == 1 ? \"class\" : \"classes\", (long long)classes);\n"
      << "  " << failure << " = " << buffer << ";\n"
      << "  return 1;\n"
      << "}\n\n";
  }

  void emitMatMul(std::ostringstream &c, const Unit &u, const Step &step) {
    const Graph &G = *u.graph;
    const Node &node = G.nodes[step.node];
    auto [batches, n, k, m] = matmulSizes(G, node);
    if (n * m == 0) return;
    const char *t = cType(node.dtype);
    std::string a = slot(u, step.a.node, t), b = slot(u, step.b.node, t), out = slot(u, step.node, t);
    if (k == 0) {
      c << "  memset(" << out << ", 0, " << bytesOf(node) << "ULL);\n";
      return;
    }
    if (node.dtype == DType::I32) { // BLAS has no integer product: the runtime's
      NeedsRuntime = true;
      c << "  zy_rt_matmul_i32(" << a << ", " << b << ", " << out << ", " << ll(batches) << ", " << ll(n) << ", " << ll(k)
        << ", " << ll(m) << ", " << step.a.transposed << ", " << step.b.transposed << ");\n";
      return;
    }
    std::string at = "(t * " + ll(n * k) + ")", bt = "(t * " + ll(k * m) + ")", ct = "(t * " + ll(n * m) + ")";
    c << "  for (int64_t t = 0; t < " << ll(batches) << "; ++t) {\n";
    bool single = node.dtype == DType::F32;
    std::string one = single ? "1.0f" : "1.0", zero = single ? "0.0f" : "0.0";
    int64_t lda = step.a.transposed ? n : k, ldb = step.b.transposed ? k : m;
    if (n == 1) {
      // A row times B: y = op(B)ᵀ x with GEMV (as Executable.cpp does).
      c << "    cblas_" << (single ? "s" : "d") << "gemv(RowMajor, " << (step.b.transposed ? "NoTrans" : "Trans") << ", "
        << (step.b.transposed ? m : k) << ", " << (step.b.transposed ? k : m) << ", " << one << ", " << b << " + " << bt
        << ", " << ldb << ", " << a << " + " << at << ", 1, " << zero << ", " << out << " + " << ct << ", 1);\n  }\n";
      return;
    }
    c << "    cblas_" << (single ? "s" : "d") << "gemm(RowMajor, " << (step.a.transposed ? "Trans" : "NoTrans") << ", "
      << (step.b.transposed ? "Trans" : "NoTrans") << ", " << n << ", " << m << ", " << k << ", " << one << ", " << a
      << " + " << at << ", " << lda << ", " << b << " + " << bt << ", " << ldb << ", " << zero << ", " << out << " + "
      << ct << ", " << m << ");\n  }\n";
  }

  void emitScatterAdd(std::ostringstream &c, const Unit &u, const Step &step) {
    const Graph &G = *u.graph;
    const Node &node = G.nodes[step.node];
    if (bytesOf(node) == 0) return;
    NeedsRuntime = true;
    const Shape &shape = node.shape;
    int64_t axis = node.attrs.axis, outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= shape[i];
    for (size_t i = axis + 1; i < shape.size(); ++i) inner *= shape[i];
    int64_t count = countOf(G.nodes[node.operands[1]].shape);
    c << "  zy_rt_scatter_add(" << static_cast<int>(node.dtype) << ", " << slot(u, node.operands[0], "const void") << ", "
      << slot(u, node.operands[1], "const int32_t") << ", " << slot(u, node.operands[2], "const void") << ", "
      << slot(u, step.node, "void") << ", " << ll(outer) << ", " << ll(shape[axis]) << ", " << ll(inner) << ", "
      << ll(count) << ");\n";
  }

  /// A loop's carries in C: two malloc'd buffers each (`carry`, `next`; failed = 2 if
  /// one cannot be had), the first filled with the operands', and the block that
  /// runs the loop opened.
  void emitCarries(std::ostringstream &c, const Unit &u, const Node &node) const {
    const Graph &G = *u.graph;
    size_t nc = static_cast<size_t>(node.attrs.carries);
    for (size_t i = 0; i < nc; ++i) {
      size_t bytes = bytesOf(G.nodes[node.operands[i]]) + 1;
      c << "    carry[" << i << "] = malloc(" << bytes << "ULL);\n    next[" << i << "] = malloc(" << bytes << "ULL);\n"
        << "    if (!carry[" << i << "] || !next[" << i << "]) failed = 2;\n";
    }
    c << "    if (!failed) {\n";
    for (size_t i = 0; i < nc; ++i)
      if (size_t bytes = bytesOf(G.nodes[node.operands[i]]))
        c << "      memcpy(carry[" << i << "], slots[" << u.plan.slotOf[node.operands[i]] << "], " << bytes << "ULL);\n";
  }

  /// The final carries into the loop's result slots, the block closed, the buffers freed.
  void emitCarriesOut(std::ostringstream &c, const Unit &u, const Node &node, const std::vector<int> &results) const {
    size_t nc = static_cast<size_t>(node.attrs.carries);
    for (size_t i = 0; i < nc; ++i)
      if (size_t bytes = bytesOf(u.graph->nodes[node.operands[i]]))
        c << "      if (!failed) memcpy(slots[" << results[i] << "], carry[" << i << "], " << bytes << "ULL);\n";
    c << "    }\n";
    for (size_t i = 0; i < nc; ++i) c << "    free(carry[" << i << "]);\n    free(next[" << i << "]);\n";
  }

  /// A scan as Executable::scan runs it: the carries ping-pong between two buffers, each
  /// step reads its sequence elements in place and writes its outputs straight into the
  /// stacked results; the body is its unit's function.
  void emitScan(std::ostringstream &c, const Unit &u, const Step &step) {
    const Graph &G = *u.graph;
    const Plan &P = u.plan;
    const Node &node = G.nodes[step.node];
    const Graph &body = *node.attrs.body;
    size_t nc = static_cast<size_t>(node.attrs.carries), nx = static_cast<size_t>(node.attrs.sequences);
    size_t operands = node.operands.size(), outputs = body.outputs.size();
    const std::vector<int> &results = P.scanResultSlots[step.node];
    int64_t steps = G.nodes[node.operands[nc]].shape[0];
    auto slotOf = [&](int id) { return "slots[" + std::to_string(P.slotOf[id]) + "]"; };
    c << "  {\n    void *carry[" << std::max<size_t>(nc, 1) << "], *next[" << std::max<size_t>(nc, 1) << "];\n"
      << "    const void *in[" << std::max<size_t>(operands, 1) << "];\n    void *out[" << std::max<size_t>(outputs, 1)
      << "];\n    int failed = 0; /* 1: the body failed (its message is set), 2: out of memory */\n";
    emitCarries(c, u, node);
    for (size_t i = nc + nx; i < operands; ++i) c << "      in[" << i << "] = " << slotOf(node.operands[i]) << ";\n";
    c << "      for (int64_t t = 0; t < " << ll(steps) << " && !failed; ++t) {\n";
    for (size_t i = 0; i < nc; ++i) c << "        in[" << i << "] = carry[" << i << "];\n        out[" << i << "] = next[" << i << "];\n";
    for (size_t j = 0; j < nx; ++j)
      c << "        in[" << nc + j << "] = (const char *)" << slotOf(node.operands[nc + j]) << " + t * "
        << ll(static_cast<int64_t>(bytesOf(body.nodes[body.inputs[nc + j]]))) << ";\n";
    for (size_t k = nc; k < outputs; ++k)
      c << "        out[" << k << "] = (char *)slots[" << results[k] << "] + t * "
        << ll(static_cast<int64_t>(bytesOf(body.nodes[body.outputs[k]]))) << ";\n";
    c << "        if (" << unitFunction(u.bodies.at(step.node)) << "(in, out) != 0) failed = 1;\n";
    for (size_t i = 0; i < nc; ++i)
      c << "        { void *swap = carry[" << i << "]; carry[" << i << "] = next[" << i << "]; next[" << i << "] = swap; }\n";
    c << "      }\n";
    emitCarriesOut(c, u, node, results);
    c << "    if (failed) {\n      free(arena);\n      return failed == 2 ? fail(" << cString(fn() + ": out of memory in a scan")
      << ") : 1;\n    }\n  }\n";
  }

  /// A while as Executable::whileLoop runs it: the condition's unit on the carries, and
  /// while it holds the body's into the other buffers.
  void emitWhile(std::ostringstream &c, const Unit &u, const Step &step) {
    const Graph &G = *u.graph;
    const Plan &P = u.plan;
    const Node &node = G.nodes[step.node];
    size_t nc = static_cast<size_t>(node.attrs.carries), operands = node.operands.size();
    const std::vector<int> &results = P.scanResultSlots[step.node];
    auto slotOf = [&](int id) { return "slots[" + std::to_string(P.slotOf[id]) + "]"; };
    c << "  {\n    void *carry[" << nc << "], *next[" << nc << "];\n    const void *in[" << operands << "];\n"
      << "    unsigned char holds = 0;\n    void *predicate[1] = {&holds};\n"
      << "    int failed = 0; /* 1: a graph failed (its message is set), 2: out of memory */\n";
    emitCarries(c, u, node);
    for (size_t i = nc; i < operands; ++i) c << "      in[" << i << "] = " << slotOf(node.operands[i]) << ";\n";
    c << "      for (;;) {\n";
    for (size_t i = 0; i < nc; ++i) c << "        in[" << i << "] = carry[" << i << "];\n";
    c << "        if (" << unitFunction(u.conditions.at(step.node)) << "(in, predicate) != 0) { failed = 1; break; }\n"
      << "        if (!holds) break;\n"
      << "        if (" << unitFunction(u.bodies.at(step.node)) << "(in, next) != 0) { failed = 1; break; }\n";
    for (size_t i = 0; i < nc; ++i)
      c << "        { void *swap = carry[" << i << "]; carry[" << i << "] = next[" << i << "]; next[" << i << "] = swap; }\n";
    c << "      }\n";
    emitCarriesOut(c, u, node, results);
    c << "    if (failed) {\n      free(arena);\n      return failed == 2 ? fail(" << cString(fn() + ": out of memory in a while loop")
      << ") : 1;\n    }\n  }\n";
  }

  // ---------------------------------------------------------------- linking

  void link(const std::string &library, const std::vector<std::string> &inputs, const fs::path &dir) const {
    const char *cc = std::getenv("CC");
    std::vector<std::string> argv = {cc && *cc ? cc : "cc", "-shared", "-fPIC", "-O2", "-std=c11", "-o", library};
    for (const std::string &i : inputs) argv.push_back(i);
    if (NeedsRuntime) {
      std::string archive = ZY_RUNTIME_ARCHIVE;
      std::error_code ec;
      if (archive.empty() || !fs::exists(archive, ec))
        throw std::runtime_error("the graph calls Zy's runtime (random numbers, erf_inv, printing, integer matmul, scatter-add or sorting), but its archive `" +
                                 archive + "` is missing: build the zy_runtime_export target");
      argv.push_back(archive);
      argv.push_back("-Wl,--exclude-libs,ALL"); // the runtime's symbols stay inside the library
    }
    for (const char *a : {"-Wl,-z,defs", "-lopenblas", "-lm"}) argv.push_back(a);
    std::string log = (dir / "cc.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char *> args;
    for (std::string &a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid;
    int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot run the C compiler `" + argv[0] + "` (set CC to another)");
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      std::string command;
      for (const std::string &a : argv) command += (command.empty() ? "" : " ") + a;
      throw std::runtime_error("linking the shared object failed:\n" + command + "\n" + text.str());
    }
  }
};

} // namespace

void compileShared(const AotEntry &entry, const std::string &library, const std::string &header) {
  SharedObjectWriter(entry).write(library, header);
}

} // namespace zy::jit
