// Data.cpp: data.* — reading datasets from files and cutting them into batches.
//
// data.idx reads the IDX format of MNIST and Fashion-MNIST (gzipped or not), data.csv a
// table of numbers, data.npy a NumPy array (data.npz an archive of them, Npz.cpp),
// data.text a file's bytes (for character models; data.encode does the same for a
// string, data.decode turns byte values back into a string); data.batches shuffles rows
// with a key and cuts them into (x, y) batches; data.select keeps the rows a mask picks.
// A missing, corrupt or truncated file is a runtime error
// naming the file and what is wrong; sizes read from a header are checked against a sane
// limit and against the bytes actually there before anything is allocated.
// data.normalize is written in Zy (stdlib/data.zy).
#include "interp/Data.h"

#include "interp/Args.h"
#include "interp/RandomValues.h"
#include "interp/TensorOps.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace zy::interp {

namespace {


/// No dataset file may hold more than this many bytes of data (16 GiB).
constexpr uint64_t MaxDataBytes = uint64_t(1) << 34;

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A file read sequentially, through zlib when its name ends in .gz.
class InputFile {
public:
  InputFile(Interpreter &in, Span span, std::string path) : In(in), S(span), Path(std::move(path)) {
    Gz = endsWith(Path, ".gz");
    if (Gz) {
      G = gzopen(Path.c_str(), "rb");
      if (!G) fail(std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
      gzbuffer(G, 1 << 17);
    } else {
      F = std::fopen(Path.c_str(), "rb");
      if (!F) fail(std::string("cannot open: ") + std::strerror(errno));
    }
  }
  ~InputFile() {
    if (G) gzclose(G);
    if (F) std::fclose(F);
  }
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;

  /// Reads up to n bytes; fewer only at the end of the file.
  size_t read(void *buf, size_t n) {
    size_t done = 0;
    auto *out = static_cast<uint8_t *>(buf);
    while (done < n) {
      unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      if (Gz) {
        int got = gzread(G, out + done, chunk);
        if (got < 0) {
          int code = 0;
          const char *msg = gzerror(G, &code);
          fail(std::string("corrupt gzip data: ") + (msg ? msg : "unknown error"));
        }
        if (got == 0) break;
        done += static_cast<size_t>(got);
      } else {
        size_t got = std::fread(out + done, 1, chunk, F);
        if (got == 0) {
          if (std::ferror(F)) fail(std::string("read error: ") + std::strerror(errno));
          break;
        }
        done += got;
      }
    }
    return done;
  }
  /// Reads `n` bytes, growing the buffer as data arrives (a corrupt header's size is
  /// never allocated up front); fewer only if the file ends first.
  std::vector<uint8_t> readUpTo(uint64_t n) {
    std::vector<uint8_t> out;
    constexpr uint64_t Step = uint64_t(64) << 20;
    while (out.size() < n) {
      size_t have = out.size();
      size_t want = static_cast<size_t>(std::min<uint64_t>(n - have, std::max<uint64_t>(Step, have)));
      out.resize(have + want);
      size_t got = read(out.data() + have, want);
      out.resize(have + got);
      if (got < want) break;
    }
    return out;
  }
  /// Reads the rest of the file (at most `limit` bytes, else an error).
  std::vector<uint8_t> readAll(uint64_t limit = MaxDataBytes) {
    std::vector<uint8_t> out;
    uint8_t buf[1 << 16];
    while (size_t got = read(buf, sizeof buf)) {
      if (out.size() + got > limit) fail("the file is larger than " + std::to_string(limit) + " bytes");
      out.insert(out.end(), buf, buf + got);
    }
    return out;
  }
  /// The number of bytes left, if it can be known without reading them (plain files).
  std::optional<uint64_t> remaining() {
    if (Gz) return std::nullopt;
    long here = std::ftell(F);
    if (here < 0 || std::fseek(F, 0, SEEK_END) != 0) return std::nullopt;
    long end = std::ftell(F);
    std::fseek(F, here, SEEK_SET);
    if (end < here) return std::nullopt;
    return static_cast<uint64_t>(end - here);
  }
  [[noreturn]] void fail(const std::string &what) { In.fail(S, Path + ": " + what, /*runtime=*/true); }

private:
  Interpreter &In;
  Span S;
  std::string Path;
  bool Gz = false;
  gzFile G = nullptr;
  FILE *F = nullptr;
};

uint32_t bigEndian32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// ------------------------------------------------------------------------------ IDX

Value readIdx(Interpreter &in, Span span, const std::string &path) {
  InputFile file(in, span, path);
  uint8_t magic[4];
  size_t got = file.read(magic, 4);
  if (got < 4) file.fail("truncated: the IDX header needs 4 bytes, found " + std::to_string(got));
  if (magic[0] != 0 || magic[1] != 0) file.fail("not an IDX file (its first two bytes are not zero)");
  uint8_t type = magic[2];
  int ndim = magic[3];
  DType dtype;
  size_t itemSize;
  switch (type) {
  case 0x08: dtype = DType::I32; itemSize = 1; break; // u8
  case 0x09: dtype = DType::I32; itemSize = 1; break; // i8
  case 0x0B: dtype = DType::I32; itemSize = 2; break; // i16
  case 0x0C: dtype = DType::I32; itemSize = 4; break; // i32
  case 0x0D: dtype = DType::F32; itemSize = 4; break; // f32
  case 0x0E: dtype = DType::F64; itemSize = 8; break; // f64
  default: {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", type);
    file.fail(std::string("unknown IDX element type ") + hex + " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
  }
  }
  std::vector<uint8_t> dimBytes(4 * size_t(ndim));
  got = file.read(dimBytes.data(), dimBytes.size());
  if (got < dimBytes.size())
    file.fail("truncated: the IDX header has " + std::to_string(ndim) + " dimensions but ends after " + std::to_string(4 + got) + " bytes");
  Shape shape;
  uint64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    uint32_t n = bigEndian32(&dimBytes[4 * d]);
    shape.push_back(n);
    count = n == 0 ? 0 : count;
    if (count && n && count > MaxDataBytes / n) count = MaxDataBytes + 1; // saturate
    else count *= n;
  }
  uint64_t bytes = count > MaxDataBytes ? MaxDataBytes + 1 : count * itemSize;
  if (bytes > MaxDataBytes || !elementCount(shape))
    file.fail("the IDX header's shape " + shapeString(shape) + " is too large (a corrupt file?)");
  if (auto left = file.remaining(); left && *left < bytes)
    file.fail("truncated: expected " + std::to_string(bytes) + " bytes of data, found " + std::to_string(*left));
  std::vector<uint8_t> raw = file.readUpTo(bytes);
  if (raw.size() < bytes) file.fail("truncated: expected " + std::to_string(bytes) + " bytes of data, found " + std::to_string(raw.size()));
  uint8_t extra;
  if (file.read(&extra, 1)) file.fail("has more data than its header's shape " + shapeString(shape) + " holds (" + std::to_string(bytes) + " bytes)");

  Tensor t(dtype, shape);
  int64_t n = t.size();
  const uint8_t *p = raw.data();
  switch (type) {
  case 0x08: { auto *o = t.mutableData<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = p[i]; break; }
  case 0x09: { auto *o = t.mutableData<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int8_t>(p[i]); break; }
  case 0x0B: {
    auto *o = t.mutableData<int32_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int16_t>(uint16_t(p[2 * i]) << 8 | p[2 * i + 1]);
    break;
  }
  case 0x0C: { auto *o = t.mutableData<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int32_t>(bigEndian32(p + 4 * i)); break; }
  case 0x0D: {
    auto *o = t.mutableData<float>();
    for (int64_t i = 0; i < n; ++i) { uint32_t u = bigEndian32(p + 4 * i); std::memcpy(&o[i], &u, 4); }
    break;
  }
  case 0x0E: {
    auto *o = t.mutableData<double>();
    for (int64_t i = 0; i < n; ++i) {
      uint64_t u = uint64_t(bigEndian32(p + 8 * i)) << 32 | bigEndian32(p + 8 * i + 4);
      std::memcpy(&o[i], &u, 8);
    }
    break;
  }
  }
  return Value::fromTensor(std::move(t));
}

// ------------------------------------------------------------------------------ text

/// The bytes of a file (gzipped or not) as an i32 tensor of values 0..255: the input of
/// a character model, one id per byte.
Value readText(Interpreter &in, Span span, const std::string &path) {
  InputFile file(in, span, path);
  std::vector<uint8_t> bytes = file.readAll(uint64_t(1) << 31);
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

// ------------------------------------------------------------------------------ CSV

Value readCsv(Interpreter &in, Span span, const std::string &path, bool header) {
  InputFile file(in, span, path);
  std::vector<uint8_t> bytes = file.readAll();
  std::string text(bytes.begin(), bytes.end());
  std::vector<double> values;
  int64_t rows = 0, cols = -1;
  size_t pos = 0;
  int line = 0;
  bool skippedHeader = !header;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string row = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (trim(row).empty()) continue;
    if (!skippedHeader) { skippedHeader = true; continue; }
    int64_t fields = 0;
    size_t start = 0;
    while (true) {
      size_t comma = row.find(',', start);
      std::string field = trim(row.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      char *stop = nullptr;
      errno = 0;
      double v = field.empty() ? 0 : std::strtod(field.c_str(), &stop);
      if (field.empty() || *stop)
        in.fail(span, path + ":" + std::to_string(line) + ": field " + std::to_string(fields + 1) + " is not a number: '" + field + "'", true);
      // Too large for f32 (1e39), or for a double (1e999): an error, not a silent infinity.
      // Written infinities ("inf") and NaNs are read as they are.
      if ((errno == ERANGE && std::fabs(v) > 1) || (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()))
        in.fail(span, path + ":" + std::to_string(line) + ": field " + std::to_string(fields + 1) + " is " + field +
                          ", which is out of range for f32", true);
      values.push_back(v);
      ++fields;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (cols < 0) cols = fields;
    else if (fields != cols)
      in.fail(span, path + ":" + std::to_string(line) + ": the row has " + std::to_string(fields) + " fields, but the first row has " +
                        std::to_string(cols), true);
    ++rows;
  }
  Tensor t(DType::F32, {rows, std::max<int64_t>(cols, 0)});
  float *o = t.mutableData<float>();
  for (size_t i = 0; i < values.size(); ++i) o[i] = static_cast<float>(values[i]);
  return Value::fromTensor(std::move(t));
}

// ------------------------------------------------------------------------------ NPY

/// The value of `'key':` in a .npy header (a Python dict literal), as text up to the next
/// top-level comma or brace.
std::optional<std::string> npyField(const std::string &header, const std::string &key) {
  for (char q : {'\'', '"'}) {
    size_t at = header.find(std::string(1, q) + key + q);
    if (at == std::string::npos) continue;
    size_t colon = header.find(':', at + key.size() + 2);
    if (colon == std::string::npos) return std::nullopt;
    size_t i = colon + 1;
    while (i < header.size() && header[i] == ' ') ++i;
    int depth = 0;
    size_t start = i;
    for (; i < header.size(); ++i) {
      char c = header[i];
      if (c == '(' || c == '[') ++depth;
      else if (c == ')' || c == ']') --depth;
      else if ((c == ',' || c == '}') && depth == 0) break;
    }
    std::string v = header.substr(start, i - start);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
  }
  return std::nullopt;
}

} // namespace

Tensor parseNpy(const uint8_t *bytes, size_t size) {
  auto fail = [](const std::string &what) -> void { throw NpyError{what}; };
  size_t at = 0;
  if (size < 8 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) fail("not a NumPy .npy file (bad magic)");
  int major = bytes[6];
  uint64_t headerLen = 0;
  at = 8;
  if (major == 1) {
    if (size < at + 2) fail("truncated: the .npy header ends early");
    headerLen = bytes[at] | uint32_t(bytes[at + 1]) << 8;
    at += 2;
  } else if (major == 2 || major == 3) {
    if (size < at + 4) fail("truncated: the .npy header ends early");
    headerLen = bytes[at] | uint32_t(bytes[at + 1]) << 8 | uint32_t(bytes[at + 2]) << 16 | uint32_t(bytes[at + 3]) << 24;
    at += 4;
  } else {
    fail("unsupported .npy format version " + std::to_string(major));
  }
  if (headerLen > (1u << 20)) fail("the .npy header is " + std::to_string(headerLen) + " bytes long (a corrupt file?)");
  if (size - at < headerLen) fail("truncated: the .npy header ends early");
  std::string header(reinterpret_cast<const char *>(bytes + at), headerLen);
  at += headerLen;
  auto descr = npyField(header, "descr");
  auto fortran = npyField(header, "fortran_order");
  auto shapeText = npyField(header, "shape");
  if (!descr || !fortran || !shapeText) fail("the .npy header lacks 'descr', 'fortran_order' or 'shape'");
  if (*fortran == "True") fail("arrays in Fortran order are not supported (save with np.ascontiguousarray)");
  if (*fortran != "False") fail("bad fortran_order in the .npy header: " + *fortran);
  std::string d = *descr;
  if (d.size() >= 2 && (d.front() == '\'' || d.front() == '"')) d = d.substr(1, d.size() - 2);
  DType dtype = DType::F32;
  size_t itemSize = 4;
  if (d == "<f4") dtype = DType::F32, itemSize = 4;
  else if (d == "<f8") dtype = DType::F64, itemSize = 8;
  else if (d == "<i4") dtype = DType::I32, itemSize = 4;
  else if (d == "<i8") dtype = DType::I32, itemSize = 8;
  else if (d == "|b1") dtype = DType::Bool, itemSize = 1;
  else if (d == "|u1" || d == "<u1") dtype = DType::I32, itemSize = 1;
  else fail("unsupported .npy dtype '" + d + "' (supported: <f4, <f8, <i4, <i8, |b1, |u1)");
  // shape: "(3, 4)", "(5,)" or "()".
  std::string s = *shapeText;
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') fail("bad shape in the .npy header: " + s);
  Shape shape;
  size_t i = 1;
  while (i < s.size() - 1) {
    while (i < s.size() - 1 && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size() - 1) break;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) fail("bad shape in the .npy header: " + s);
    uint64_t n = 0;
    while (i < s.size() - 1 && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + uint64_t(s[i++] - '0');
      if (n > MaxDataBytes) fail("the .npy shape " + s + " is too large");
    }
    shape.push_back(static_cast<int64_t>(n));
  }
  auto count = elementCount(shape);
  if (!count || uint64_t(*count) > MaxDataBytes / itemSize) fail("the .npy shape " + shapeString(shape) + " is too large");
  uint64_t need = uint64_t(*count) * itemSize;
  if (size - at < need) fail("truncated: expected " + std::to_string(need) + " bytes of data, found " + std::to_string(size - at));
  const uint8_t *raw = bytes + at;
  Tensor t(dtype, shape);
  int64_t n = *count;
  if (d == "<i8") {
    auto *o = t.mutableData<int32_t>();
    for (int64_t k = 0; k < n; ++k) {
      int64_t v;
      std::memcpy(&v, &raw[8 * k], 8);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
        fail("element " + std::to_string(k) + " is " + std::to_string(v) + ", which does not fit in i32");
      o[k] = static_cast<int32_t>(v);
    }
  } else if (itemSize == 1 && dtype == DType::I32) {
    auto *o = t.mutableData<int32_t>();
    for (int64_t k = 0; k < n; ++k) o[k] = raw[k];
  } else if (dtype == DType::Bool) {
    auto *o = t.mutableData<uint8_t>();
    for (int64_t k = 0; k < n; ++k) o[k] = raw[k] != 0;
  } else if (need) {
    std::memcpy(t.mutableData<uint8_t>(), raw, need); // little-endian host
  }
  return t;
}

namespace {

Value readNpy(Interpreter &in, Span span, const std::string &path) {
  InputFile file(in, span, path);
  std::vector<uint8_t> bytes = file.readAll();
  try {
    return Value::fromTensor(parseNpy(bytes.data(), bytes.size()));
  } catch (const NpyError &e) {
    file.fail(e.what);
  }
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
  Args args(in, a, {"key", "xs", "ys", "batch_size", "drop_last"});
  Key key{args.key("key")};
  Tensor xs = concrete(in, args.tensor("xs"), a.span, "data.batches"), ys = concrete(in, args.tensor("ys"), a.span, "data.batches");
  int64_t size = args.integer("batch_size");
  bool dropLast = args.flag("drop_last", true);
  if (xs.rank() == 0 || ys.rank() == 0) in.fail(a.span, "`data.batches` needs xs and ys with a leading (row) dimension, not scalars");
  if (xs.shape()[0] != ys.shape()[0])
    in.fail(a.span, "`data.batches` needs xs and ys with the same number of rows, got " + typeString(xs.dtype(), xs.shape()) +
                        " and " + typeString(ys.dtype(), ys.shape()));
  if (size < 1) in.fail(a.span, "`data.batches` needs a batch_size of at least 1, not " + std::to_string(size));
  int64_t n = xs.shape()[0];
  // The same order as random.permutation(key, n): sort uniform draws.
  Tensor u = uniformTensor(key, {n}, DType::F64, 0, 1);
  const double *draws = u.data<double>();
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return draws[x] < draws[y]; });
  std::vector<Value> out;
  for (int64_t begin = 0; begin < n; begin += size) {
    int64_t end = std::min(n, begin + size);
    if (end - begin < size && dropLast) break;
    out.push_back(Value::tuple({Value::fromTensor(gatherRows(xs, order, begin, end)), Value::fromTensor(gatherRows(ys, order, begin, end))}));
  }
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
    return readIdx(in, a.span, args.str("path"));
  });
  env->defineBuiltin("csv", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path", "header"});
    return readCsv(in, a.span, args.str("path"), args.flag("header", true));
  });
  env->defineBuiltin("npy", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path"});
    return readNpy(in, a.span, args.str("path"));
  });
  env->defineBuiltin("npz", [](Interpreter &in, CallArgs &a) {
    Args args(in, a, {"path"});
    return readNpz(in, a.span, args.str("path"));
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
