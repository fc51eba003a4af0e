// Dist.cpp: dist.* — data-parallel training over the processes of a job (docs/dist.md).
//
// dist.rank() and dist.size() say where this process is; dist.all_reduce(tree, op)
// combines a whole tree over the processes in one message per dtype (the leaves packed
// into one buffer, not one message per leaf); dist.broadcast(tree, root) sends root's
// tree to all in one message; dist.barrier() waits for every process; dist.print prints
// on every process (print itself prints on rank 0 only). The processes and their
// collectives are compiler/dist/'s; here trees are packed and unpacked.
//
// Every collective first agrees on a fingerprint of the call (which collective, the
// tree's paths, dtypes and shapes): processes that pass different trees, or call
// different collectives, get a located error on every process instead of a hang or
// garbage. A tree with a traced tensor makes the function that passed it host code (as
// `float(x)` does), and so does any collective called while a function is traced: the
// exchange happens between compiled graphs, each time it is called, not inside a graph.
#include "interp/Dist.h"

#include "dist/Communicator.h"
#include "interp/Args.h"
#include "interp/TensorOps.h"
#include "interp/Trees.h"
#include "trace/Tracer.h"

#include <cstring>

namespace zy::interp {

namespace {

/// A leaf's part of the exchange: tensors travel in their dtype, host numbers as f64.
DType wireType(const Value &leaf) { return leaf.kind == ValueKind::Tensor ? leaf.tensor->dtype() : DType::F64; }

bool exchanged(const Value &leaf) { return leaf.kind == ValueKind::Tensor || leaf.isNumber(); }

/// FNV-1a over the call and the tree's structure.
struct Fingerprint {
  uint64_t hash = 1469598103934665603ull;
  void add(const std::string &text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull; // a separator, so "ab","c" differs from "a","bc"
  }
};

/// Stops with a located error unless every process computed the same fingerprint.
/// Inside a traced function it makes that function host code first: a collective runs
/// each time it is called, so it cannot be recorded once into a cached graph.
void agree(Interpreter &in, Span span, const char *fn, const Fingerprint &f) {
  if (in.checkingHost()) return; // a check exchanges nothing: each process checks its own program
  if (in.trace)
    in.failNeedsValue(span, std::string("`") + fn + "` exchanges values with the other processes, which a differentiated "
                            "function only has when it runs: take the gradient, then exchange it outside the function "
                            "(as examples/fashion_mlp.zy does)");
  dist::Communicator &world = dist::world();
  if (world.size() == 1) return;
  // Max and min of each 31-bit half in one call: all equal exactly when max == min.
  int32_t lo = static_cast<int32_t>(f.hash & 0x7fffffff), hi = static_cast<int32_t>((f.hash >> 31) & 0x7fffffff);
  int32_t words[4] = {lo, hi, -lo, -hi};
  world.allReduce(words, 4, DType::I32, dist::Reduction::Max);
  if (words[0] != lo || words[1] != hi || -words[2] != lo || -words[3] != hi)
    in.fail(span,
            std::string("`") + fn + "`: the processes did not make the same call: every process must call the same "
                "collective, in the same order, with a tree of the same paths, dtypes and shapes (this is rank " +
                std::to_string(world.rank()) + " of " + std::to_string(world.size()) + ")",
            /*runtime=*/true);
}

/// The leaves of `tree` that take part, checked: concrete tensors (a traced one makes the
/// caller host code) and host numbers. Keys, strings and none stay as they are.
std::vector<std::pair<std::string, Value>> exchangedLeaves(Interpreter &in, Span span, const char *fn, const Value &tree,
                                                            Fingerprint &f) {
  std::vector<std::pair<std::string, Value>> leaves;
  forEachLeaf(tree, [&](const std::string &path, const Value &leaf) {
    f.add(path);
    if (leaf.kind == ValueKind::Tensor) {
      // A traced tensor here means a traced caller, which agree() makes host code; one
      // that escaped a finished trace is an error.
      if (!in.trace) concrete(in, *leaf.tensor, span, fn);
      f.add(typeString(leaf.tensor->dtype(), leaf.tensor->shape()));
    } else {
      f.add(typeName(leaf));
    }
    if (exchanged(leaf)) leaves.emplace_back(path, leaf);
  });
  return leaves;
}

/// The buffer the leaves are packed into, kept from call to call: MPI sends from memory
/// it has seen before several times faster (a newly mapped 1 MB buffer made each
/// exchange of the MLP's gradients 5 ms instead of 0.3 ms here).
std::vector<uint8_t> &exchangeBuffer() {
  static std::vector<uint8_t> buffer;
  return buffer;
}

std::string leafName(const std::string &path) { return path.empty() ? "the value" : "the leaf `" + path + "`"; }

/// A host number back from the f64 it travelled as, in its kind.
Value numberLike(const Value &leaf, double x) {
  if (leaf.kind == ValueKind::Int) return Value::integer(static_cast<int64_t>(x));
  if (leaf.kind == ValueKind::Bool) return Value::boolean(x != 0);
  return Value::real(x);
}

/// Rebuilds `tree` with `replaced[path]` for each exchanged leaf (their order is the tree's).
Value rebuild(const Value &tree, const std::vector<Value> &replaced) {
  size_t next = 0;
  return mapTreeLeaves(tree, [&](const std::string &, const Value &leaf) {
    if (!exchanged(leaf)) return leaf;
    Value out = replaced[next++];
    out.state = leaf.state; // batch-norm statistics stay statistics
    return out;
  });
}

// ------------------------------------------------------------------------------ all_reduce

/// A sum divided by the number of processes: the mean (f32 and f64 buffers only).
void divideInPlace(uint8_t *data, size_t count, DType dtype, int by) {
  if (dtype == DType::F32) {
    auto *p = reinterpret_cast<float *>(data);
    for (size_t i = 0; i < count; ++i) p[i] /= static_cast<float>(by);
  } else {
    auto *p = reinterpret_cast<double *>(data);
    for (size_t i = 0; i < count; ++i) p[i] /= by;
  }
}

Value allReduce(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"tree", "op"});
  const Value &tree = args.get("tree");
  std::string opName = args.has("op") ? args.str("op") : "mean";
  dist::Reduction op = dist::Reduction::Sum;
  if (opName == "max") op = dist::Reduction::Max;
  else if (opName == "min") op = dist::Reduction::Min;
  else if (opName != "sum" && opName != "mean")
    in.fail(a.span, "`dist.all_reduce` combines with op = \"mean\", \"sum\", \"max\" or \"min\", not \"" + opName + "\"");
  bool mean = opName == "mean";

  Fingerprint f;
  f.add("all_reduce " + opName);
  auto leaves = exchangedLeaves(in, a.span, "dist.all_reduce", tree, f);
  for (const auto &[path, leaf] : leaves) {
    DType d = wireType(leaf);
    bool boolean = d == DType::Bool || leaf.kind == ValueKind::Bool;
    if (boolean && op == dist::Reduction::Sum)
      in.fail(a.span, "`dist.all_reduce` with op = \"" + opName + "\" on " + leafName(path) +
                          ", a bool: use op = \"max\" (any process) or \"min\" (every process)");
    if (mean && (d == DType::I32 || leaf.kind == ValueKind::Int))
      in.fail(a.span, "`dist.all_reduce` with op = \"mean\" on " + leafName(path) + ", an " +
                          (d == DType::I32 ? "i32 tensor" : "int") +
                          ": a mean of integers is not an integer; use op = \"sum\", or convert it with astype first");
  }
  agree(in, a.span, "dist.all_reduce", f);
  dist::Communicator &world = dist::world();
  if (world.size() == 1 || in.checkingHost()) return tree; // the same shapes come back

  // One buffer per dtype, the leaves of that dtype one after another.
  std::vector<Value> replaced(leaves.size());
  std::vector<uint8_t> &buffer = exchangeBuffer();
  for (DType d : {DType::F32, DType::F64, DType::I32, DType::Bool}) {
    size_t elements = 0;
    for (const auto &[path, leaf] : leaves)
      if (wireType(leaf) == d) elements += leaf.kind == ValueKind::Tensor ? static_cast<size_t>(leaf.tensor->size()) : 1;
    if (elements == 0) continue;
    size_t width = dtypeSize(d);
    if (buffer.size() < elements * width) buffer.resize(elements * width);
    size_t at = 0;
    for (const auto &[path, leaf] : leaves) {
      if (wireType(leaf) != d) continue;
      if (leaf.kind == ValueKind::Tensor) {
        size_t bytes = static_cast<size_t>(leaf.tensor->size()) * width;
        if (bytes) std::memcpy(buffer.data() + at, leaf.tensor->data<uint8_t>(), bytes);
        at += bytes;
      } else {
        double x = leaf.number();
        std::memcpy(buffer.data() + at, &x, sizeof x);
        at += sizeof x;
      }
    }
    world.allReduce(buffer.data(), elements, d, op);
    if (mean) divideInPlace(buffer.data(), elements, d, world.size());
    at = 0;
    for (size_t k = 0; k < leaves.size(); ++k) {
      const Value &leaf = leaves[k].second;
      if (wireType(leaf) != d) continue;
      if (leaf.kind == ValueKind::Tensor) {
        Tensor t(d, leaf.tensor->shape());
        size_t bytes = static_cast<size_t>(t.size()) * width;
        if (bytes) std::memcpy(t.mutableData<uint8_t>(), buffer.data() + at, bytes);
        at += bytes;
        replaced[k] = Value::fromTensor(std::move(t));
      } else {
        double x;
        std::memcpy(&x, buffer.data() + at, sizeof x);
        at += sizeof x;
        replaced[k] = numberLike(leaf, x);
      }
    }
  }
  return rebuild(tree, replaced);
}

// ------------------------------------------------------------------------------ broadcast

Value broadcast(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"tree", "root"});
  const Value &tree = args.get("tree");
  dist::Communicator &world = dist::world();
  int64_t root = args.integer("root", 0);
  if (root < 0 || root >= world.size())
    in.fail(a.span, "`dist.broadcast`: root " + std::to_string(root) + " is not a process of this job (its ranks are 0 to " +
                        std::to_string(world.size() - 1) + ")");
  Fingerprint f;
  f.add("broadcast " + std::to_string(root));
  auto leaves = exchangedLeaves(in, a.span, "dist.broadcast", tree, f);
  agree(in, a.span, "dist.broadcast", f);
  if (world.size() == 1 || in.checkingHost()) return tree; // the same shapes come back

  // One message: every leaf's bytes in order (numbers as f64).
  size_t total = 0;
  for (const auto &[path, leaf] : leaves)
    total += leaf.kind == ValueKind::Tensor ? static_cast<size_t>(leaf.tensor->size()) * dtypeSize(leaf.tensor->dtype()) : 8;
  std::vector<uint8_t> &buffer = exchangeBuffer();
  if (buffer.size() < total) buffer.resize(total);
  size_t at = 0;
  for (const auto &[path, leaf] : leaves) {
    if (leaf.kind == ValueKind::Tensor) {
      size_t bytes = static_cast<size_t>(leaf.tensor->size()) * dtypeSize(leaf.tensor->dtype());
      if (bytes) std::memcpy(buffer.data() + at, leaf.tensor->data<uint8_t>(), bytes);
      at += bytes;
    } else {
      double x = leaf.number();
      std::memcpy(buffer.data() + at, &x, 8);
      at += 8;
    }
  }
  world.broadcast(buffer.data(), total, static_cast<int>(root));
  std::vector<Value> replaced;
  at = 0;
  for (const auto &[path, leaf] : leaves) {
    if (leaf.kind == ValueKind::Tensor) {
      Tensor t(leaf.tensor->dtype(), leaf.tensor->shape());
      size_t bytes = static_cast<size_t>(t.size()) * dtypeSize(t.dtype());
      if (bytes) std::memcpy(t.mutableData<uint8_t>(), buffer.data() + at, bytes);
      at += bytes;
      replaced.push_back(Value::fromTensor(std::move(t)));
    } else {
      double x;
      std::memcpy(&x, buffer.data() + at, 8);
      at += 8;
      replaced.push_back(numberLike(leaf, x));
    }
  }
  return rebuild(tree, replaced);
}

} // namespace

void installDist(Env &prelude) {
  auto env = std::make_shared<Env>();
  env->defineBuiltin("rank", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {});
    return Value::integer(dist::world().rank());
  });
  env->defineBuiltin("size", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {});
    return Value::integer(dist::world().size());
  });
  env->defineBuiltin("all_reduce", allReduce);
  env->defineBuiltin("broadcast", broadcast);
  env->defineBuiltin("barrier", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {});
    Fingerprint f;
    f.add("barrier");
    agree(in, a.span, "dist.barrier", f); // itself a barrier
    return Value::none();
  });
  // print on every process, each line prefixed with its rank when there are several.
  env->defineBuiltin("print", [](Interpreter &in, CallArgs &a) {
    if (!a.keywords.empty()) in.failUnknownKeyword(a.span, "dist.print", a.keywords.front().first, {});
    dist::Communicator &world = dist::world();
    std::string line = world.size() > 1 ? "[rank " + std::to_string(world.rank()) + "] " : "";
    for (size_t i = 0; i < a.positional.size(); ++i) line += (i ? " " : "") + toDisplayString(a.positional[i]);
    in.write(line + "\n", /*everyRank=*/true);
    return Value::none();
  });
  Value m;
  m.kind = ValueKind::Module;
  m.module = std::make_shared<ModuleData>(ModuleData{"dist", env});
  prelude.define("dist", m);
}

} // namespace zy::interp
