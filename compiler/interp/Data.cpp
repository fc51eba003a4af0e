// Data.cpp: data.* — reading datasets from files and cutting them into batches.
//
// data.idx reads the IDX format of MNIST and Fashion-MNIST (gzipped or not), data.csv a
// table of numbers, data.npy a NumPy array (data.npz an archive of them), data.text a
// file's bytes (for character models; data.encode does the same for a string,
// data.decode turns byte values back into a string); data.batches shuffles rows with a
// key and cuts them into (x, y) batches (with shard = true, this process's piece of
// each); data.select keeps the rows a mask picks.
// The readers themselves are compiler/formats/'s (Idx, Csv, Npy, Zip); here they are
// called with the arguments, and a missing, corrupt or truncated file becomes a runtime
// error at the call naming the file and what is wrong. data.normalize is written in Zy
// (stdlib/data.zy).
#include "interp/Data.h"

#include "dist/Communicator.h"
#include "formats/Csv.h"
#include "formats/Files.h"
#include "formats/Idx.h"
#include "formats/Npy.h"
#include "interp/Args.h"
#include "interp/Check.h"
#include "interp/Io.h"
#include "interp/RandomValues.h"
#include "interp/TensorOps.h"

#include <algorithm>
#include <map>
#include <cstring>

namespace zy::interp {

namespace {

// ------------------------------------------------------------------------------ text

/// The bytes of a file (gzipped or not) as an i32 tensor of values 0..255: the input of
/// a character model, one id per byte.
Value readText(Interpreter &in, Span span, const std::string &path) {
  std::vector<uint8_t> bytes = withFormatErrors(in, span, path, [&] { return formats::InputFile(path).readAll(uint64_t(1) << 31); });
  Tensor t(DType::I32, {static_cast<int64_t>(bytes.size())});
  auto *o = t.mutableData<int32_t>();
  for (size_t i = 0; i < bytes.size(); ++i) o[i] = bytes[i];
  return Value::fromTensor(std::move(t));
}

/// A string's bytes as i32 ids, as data.text gives a file's.
Value encodeText(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"text"});
  std::string text = args.str("text");
  Tensor t(DType::I32, {static_cast<int64_t>(text.size())});
  auto *o = t.mutableData<int32_t>();
  for (size_t i = 0; i < text.size(); ++i) o[i] = static_cast<uint8_t>(text[i]);
  return Value::fromTensor(std::move(t));
}

/// A string from byte values 0..255 (any shape, read in order): the inverse of data.text.
Value decodeText(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"ids"});
  Tensor ids = concrete(in, args.tensor("ids"), a.span, "data.decode");
  if (ids.dtype() != DType::I32)
    in.fail(a.span, "`data.decode` needs an i32 tensor of byte values, got " + typeString(ids.dtype(), ids.shape()));
  std::string out;
  out.reserve(static_cast<size_t>(ids.size()));
  const int32_t *p = ids.data<int32_t>();
  for (int64_t i = 0; i < ids.size(); ++i) {
    if (p[i] < 0 || p[i] > 255)
      in.fail(a.span, "`data.decode` needs byte values 0..255, found " + std::to_string(p[i]) + " at element " + std::to_string(i));
    out.push_back(static_cast<char>(p[i]));
  }
  return Value::string(std::move(out));
}

// ------------------------------------------------------------------------------ batches

/// Rows `order[begin..end)` of `t` (along axis 0), as a new tensor.
Tensor gatherRows(const Tensor &t, const std::vector<int64_t> &order, size_t begin, size_t end) {
  Shape shape = t.shape();
  shape[0] = static_cast<int64_t>(end - begin);
  Tensor out(t.dtype(), shape);
  size_t rowBytes = shape[0] ? static_cast<size_t>(out.size() / shape[0]) * dtypeSize(t.dtype()) : 0;
  const uint8_t *src = t.data<uint8_t>();
  uint8_t *dst = out.mutableData<uint8_t>();
  if (rowBytes)
    for (size_t i = begin; i < end; ++i) std::memcpy(dst + (i - begin) * rowBytes, src + size_t(order[i]) * rowBytes, rowBytes);
  return out;
}

Value batches(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"key", "xs", "ys", "batch_size", "drop_last", "shard"});
  // A check (Check.h) cuts abstract rows: batches of the same shapes, no values (the
  // key's words are not needed, and may be abstract too).
  bool abstract = in.checkingHost();
  // With the key none, the rows stay in order (PyTorch's DataLoader without shuffle).
  bool inOrder = args.get("key").kind == ValueKind::None;
  if (!inOrder) args.keyValue("key");
  Key key = abstract || inOrder ? Key{} : args.key("key");
  Tensor xs = abstract ? args.tensor("xs") : concrete(in, args.tensor("xs"), a.span, "data.batches");
  Tensor ys = abstract ? args.tensor("ys") : concrete(in, args.tensor("ys"), a.span, "data.batches");
  int64_t size = args.integer("batch_size");
  bool dropLast = args.flag("drop_last", true);
  if (xs.rank() == 0 || ys.rank() == 0) in.fail(a.span, "`data.batches` needs xs and ys with a leading (row) dimension, not scalars");
  if (xs.shape()[0] != ys.shape()[0])
    in.fail(a.span, "`data.batches` needs xs and ys with the same number of rows, got " + typeString(xs.dtype(), xs.shape()) +
                        " and " + typeString(ys.dtype(), ys.shape()));
  if (size < 1) in.fail(a.span, "`data.batches` needs a batch_size of at least 1, not " + std::to_string(size));
  // shard = true: each batch is cut into one contiguous piece per process of the job,
  // this process keeping its own, so the processes together see the batch of one
  // process. Every process draws the same order from the same key.
  int64_t processes = 1, rank = 0;
  if (args.flag("shard", false)) {
    processes = dist::world().size();
    rank = dist::world().rank();
    if (size % processes != 0)
      in.fail(a.span, "`data.batches` with shard = true cuts each batch of " + std::to_string(size) + " rows among the " +
                          std::to_string(processes) + " processes: batch_size must be a multiple of dist.size() (" +
                          std::to_string(processes) + ")");
  }
  int64_t n = xs.shape()[0];
  // This process's rows of each batch, [from, to) in the shuffled order.
  std::vector<std::pair<int64_t, int64_t>> pieces;
  for (int64_t begin = 0; begin < n; begin += size) {
    int64_t end = std::min(n, begin + size);
    if (end - begin < size && dropLast) break;
    // A short last batch with fewer rows than processes would leave one with none: every
    // process drops it, so all of them see the same number of batches.
    if (end - begin < processes) break;
    int64_t rows = end - begin;
    pieces.emplace_back(begin + rows * rank / processes, begin + rows * (rank + 1) / processes);
  }
  std::vector<Value> out;
  if (abstract) {
    std::map<int64_t, Value> ofRows; // one abstract batch per size: the loop sees their types
    for (auto [from, to] : pieces) {
      Value &batch = ofRows[to - from];
      if (batch.kind == ValueKind::None) {
        Shape x = xs.shape(), y = ys.shape();
        x[0] = y[0] = to - from;
        batch = Value::tuple({Value::fromTensor(abstractTensor(in, xs.dtype(), x)), Value::fromTensor(abstractTensor(in, ys.dtype(), y))});
      }
      out.push_back(batch);
    }
    return Value::list(std::move(out));
  }
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (!inOrder) { // the same order as random.permutation(key, n): sort uniform draws
    Tensor u = uniformTensor(key, {n}, DType::F64, 0, 1);
    const double *draws = u.data<double>();
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return draws[x] < draws[y]; });
  }
  for (auto [from, to] : pieces)
    out.push_back(Value::tuple({Value::fromTensor(gatherRows(xs, order, from, to)), Value::fromTensor(gatherRows(ys, order, from, to))}));
  return Value::list(std::move(out));
}

/// data.select(xs, keep): the rows of xs where the bool [N] tensor keep is true, in order
/// (NumPy's xs[keep]). Host code only: the result's length depends on the values.
Value selectRows(Interpreter &in, CallArgs &a) {
  Args args(in, a, {"xs", "keep"});
  Tensor xs = concrete(in, args.tensor("xs"), a.span, "data.select"), keep = concrete(in, args.tensor("keep"), a.span, "data.select");
  if (xs.rank() == 0) in.fail(a.span, "`data.select` needs xs with a leading (row) dimension, not a scalar");
  if (keep.dtype() != DType::Bool || keep.rank() != 1 || keep.shape()[0] != xs.shape()[0])
    in.fail(a.span, "`data.select` needs keep to be bool[" + std::to_string(xs.shape()[0]) + "], one flag per row of " +
                        typeString(xs.dtype(), xs.shape()) + ", got " + typeString(keep.dtype(), keep.shape()));
  std::vector<int64_t> rows;
  const uint8_t *flags = keep.data<uint8_t>();
  for (int64_t i = 0; i < keep.shape()[0]; ++i)
    if (flags[i]) rows.push_back(i);
  return Value::fromTensor(gatherRows(xs, rows, 0, rows.size()));
}

} // namespace

void installData(Env &prelude) {
  auto env = std::make_shared<Env>();
  env->defineBuiltin("idx", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path"});
    std::string path = args.str("path");
    if (in.checking) { // a check reads the header alone (Check.h), as host code
      if (!in.checkingHost()) in.failNeedsValue(a.span, "a check reads datasets in host code only");
      auto type = withFormatErrors(in, a.span, path, [&] { return formats::readIdxType(path); });
      return Value::fromTensor(abstractTensor(in, type.dtype, type.shape));
    }
    return Value::fromTensor(withFormatErrors(in, a.span, path, [&] { return formats::readIdx(path); }));
  });
  env->defineBuiltin("csv", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path", "header"});
    std::string path = args.str("path");
    bool header = args.flag("header", true);
    return Value::fromTensor(withFormatErrors(in, a.span, path, [&] { return formats::readCsv(path, header); }));
  });
  env->defineBuiltin("npy", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path"});
    std::string path = args.str("path");
    return Value::fromTensor(withFormatErrors(in, a.span, path, [&] { return formats::readNpy(path); }));
  });
  env->defineBuiltin("npz", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path"});
    std::string path = args.str("path");
    std::vector<std::pair<std::string, Value>> fields;
    for (auto &[name, array] : withFormatErrors(in, a.span, path, [&] { return formats::readNpz(path); }))
      fields.emplace_back(name, Value::fromTensor(std::move(array)));
    return Value::makeRecord(std::move(fields));
  });
  env->defineBuiltin("text", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path"});
    return readText(in, a.span, args.str("path"));
  });
  env->defineBuiltin("encode", encodeText);
  env->defineBuiltin("decode", decodeText);
  env->defineBuiltin("batches", batches);
  env->defineBuiltin("select", selectRows);
  Value m;
  m.kind = ValueKind::Module;
  m.module = std::make_shared<ModuleData>(ModuleData{"data", env});
  prelude.define("data", m);
}

} // namespace zy::interp
