// FuzzTracer.cpp: libFuzzer target for the tracer, autodiff and the JIT. The input bytes
// drive a grammar-aware generator (below) that writes a small well-typed program: a
// chain of tensor ops on f32[A, B] values, its sum differentiated with `grad`, run
// traced with every graph compiled by the JIT and checked against the reference
// executor (--check-jit). A disagreement or any error that is not a located user error
// is a finding. (Whole mutated programs go to the front-end target, which does not run
// them: a mutant's endless loop is the program's, not a bug in zy.)
#include "FuzzSupport.h"

#include "jit/Jit.h"

#include <vector>

using namespace zy;

namespace {

/// Reads the input a byte at a time; past its end every choice is 0.
struct Choices {
  const uint8_t *data;
  size_t size, at = 0;
  unsigned next(unsigned n) { return at < size ? data[at++] % n : 0; }
};

/// A value of f32[A, B] from earlier ones (w is f32[B, B]): each op keeps that shape, so
/// any chain of them is well-typed, and bounded ops (tanh, sigmoid, softmax) keep values moderate
/// so that f32 and f64 agree to the check's tolerance.
std::string expression(Choices &c, int count) {
  auto v = [&] { return "v" + std::to_string(c.next(static_cast<unsigned>(count))); };
  switch (c.next(18)) {
  case 0: return v() + " + " + v();
  case 1: return v() + " - " + v();
  case 2: return v() + " * " + v();
  case 3: return "tanh(" + v() + ")";
  case 4: return "sigmoid(" + v() + ")";
  case 5: return "softmax(" + v() + ", axis = " + std::to_string(c.next(2)) + ")";
  case 6: return "log_softmax(" + v() + ")";
  case 7: return "tanh(" + v() + " @ w)";
  case 8: return v() + " - mean(" + v() + ", axis = " + std::to_string(c.next(2)) + ", keepdims = true)";
  case 9: return "relu(" + v() + ")";
  case 10: return "maximum(" + v() + ", " + v() + ")";
  case 11: return "where(" + v() + " > " + v() + ", " + v() + ", 0.5 * " + v() + ")";
  case 12: return "sin(" + v() + ") * cos(" + v() + ")";
  case 13: return "exp(tanh(" + v() + "))";
  case 14: return "concat([" + v() + "[:, 1:], " + v() + "[:, :1]], axis = 1)";
  case 15: return "tanh(" + v() + " @ w) * " + v();
  case 16: return "sqrt(" + v() + " * " + v() + " + 1.0)";
  default: return "logsumexp(" + v() + ", axis = 1, keepdims = true) + " + v();
  }
}

std::string generate(Choices &c) {
  int a = 1 + static_cast<int>(c.next(5)), b = 2 + static_cast<int>(c.next(5));
  int ops = 1 + static_cast<int>(c.next(12));
  std::string body = "    let v0 = x\n    let v1 = tanh(x * 2.0)\n";
  int count = 2;
  for (int i = 0; i < ops; ++i, ++count) {
    body += "    let v" + std::to_string(count) + " = " + expression(c, count) + "\n";
  }
  std::string shape = "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
  std::string square = "[" + std::to_string(b) + ", " + std::to_string(b) + "]";
  return "fn f(x, w) {\n" + body + "    sum(v" + std::to_string(count - 1) + " * v" +
         std::to_string(c.next(static_cast<unsigned>(count))) + ")\n}\n\n" +
         "fn main() {\n"
         "    let x = random.normal(random.key(" + std::to_string(c.next(256)) + "), " + shape + ")\n"
         "    let w = random.normal(random.key(7), " + square + ") * 0.5\n"
         "    let (value, g) = value_and_grad(f)(x, w)\n"
         "    assert g.shape == x.shape\n"
         "    print(value)\n"
         "}\n";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool configured = [] {
    jit::options().check = true; // every graph on both executors, compared
    jit::options().threads = 1;
    return true;
  }();
  (void)configured;
  if (size > 4096) return 0;
  Choices c{data, size};
  std::string program = generate(c);
  std::string path = fuzz::scratchFile("tracer.zy");
  fuzz::writeScratch("tracer.zy", reinterpret_cast<const uint8_t *>(program.data()), program.size());
  fuzz::runProgram(path);
  return 0;
}
