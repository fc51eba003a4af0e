// OpTable.cpp: the kernel helpers the reference kernels share with the JIT and the
// runtime: random draws, check_labels' scan, debug_print's formatting and sink, erf_inv,
// NumPy broadcasting. The op table itself (each primitive's shape rule, kernel and
// transformation rules) is in compiler/ops/; inferType and evaluate are defined there (Table.cpp).
#include "ir/OpTable.h"

#include "runtime/Math.h"
#include "runtime/Print.h"
#include "runtime/Random.h"

#include <iostream>
#include <stdexcept>

namespace zy::ir {

namespace {

/// The element count of a shape that passed elementCount() (every result and operand has).
int64_t countOf(const Shape &shape) { return elementCount(shape).value_or(0); }

} // namespace


double erfInv(double y) { return zy_rt_erf_inv(y); }

void drawRandom(const Node &node, const uint32_t key[2], void *out) {
  const int64_t n = countOf(node.shape);
  const bool f32 = node.dtype == DType::F32;
  switch (node.op) {
  case Op::RandomUniform:
    return f32 ? zy_rt_random_uniform_f32(key, n, static_cast<float *>(out)) : zy_rt_random_uniform_f64(key, n, static_cast<double *>(out));
  case Op::RandomNormal:
    return f32 ? zy_rt_random_normal_f32(key, n, static_cast<float *>(out)) : zy_rt_random_normal_f64(key, n, static_cast<double *>(out));
  case Op::RandomSplit: return zy_rt_random_split(key, node.shape[0], static_cast<uint32_t *>(out));
  case Op::RandomFoldIn:
    return zy_rt_random_fold_in(key, static_cast<uint32_t>(static_cast<int64_t>(node.attrs.value)), static_cast<uint32_t *>(out));
  default: throw std::logic_error(std::string("drawRandom: ") + opInfo(node.op).name + " is not a random op");
  }
}

std::optional<std::string> badLabel(const int32_t *labels, const Shape &shape, int64_t classes, const std::string &name) {
  int64_t count = countOf(shape);
  int64_t at = 0;
  while (at < count && labels[at] >= 0 && labels[at] < classes) ++at; // the hot loop: one compare per label
  if (at == count) return std::nullopt;
  // The bad label's index, one coordinate per axis: [3], or [1, 4].
  std::string index;
  int64_t rest = at;
  for (size_t k = shape.size(); k-- > 0;) {
    index = std::to_string(rest % shape[k]) + (index.empty() ? "" : ", ") + index;
    rest /= shape[k];
  }
  std::string n = std::to_string(classes);
  return (name.empty() ? std::string("check_labels") : name) + ": label " + std::to_string(labels[at]) +
         (shape.empty() ? "" : " at index [" + index + "]") + " is out of range for " + n +
         (classes == 1 ? " class" : " classes") + " (expected 0 <= label < " + n + ")";
}

std::variant<size_t, std::string> formatPlaceholders(const std::string &format) {
  size_t count = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i], next = i + 1 < format.size() ? format[i + 1] : '\0';
    if (c == '{' && next == '}') ++count, ++i;
    else if ((c == '{' && next == '{') || (c == '}' && next == '}')) ++i;
    else if (c == '{' || c == '}')
      return std::string("the format has a lone `") + c + "` at offset " + std::to_string(i) +
             " (a value is `{}`; a brace is written twice: `{{` or `}}`)";
  }
  return count;
}

std::string formatDebugPrint(const std::string &format, const std::vector<const Tensor *> &values) {
  std::vector<ZyRtTensor> views;
  for (const Tensor *t : values)
    views.push_back({static_cast<int>(t->dtype()), static_cast<int>(t->rank()), t->shape().data(),
                     t->size() ? t->data<uint8_t>() : nullptr});
  return formatDebugPrint(format, views);
}

std::string formatDebugPrint(const std::string &format, const std::vector<ZyRtTensor> &views) {
  std::string out;
  zy_rt_format_message(format.c_str(), static_cast<int64_t>(views.size()), views.data(),
                       [](void *context, const char *text, size_t length) { static_cast<std::string *>(context)->append(text, length); },
                       &out);
  return out;
}

namespace {
thread_local std::function<void(const std::string &)> printSink;
thread_local int printsMuted = 0;
} // namespace

void debugPrint(const std::string &line) {
  if (printsMuted) return;
  if (printSink) printSink(line + "\n");
  else std::cout << line << std::endl;
}

PrintTo::PrintTo(std::function<void(const std::string &)> sink) : previous(std::move(printSink)) { printSink = std::move(sink); }
PrintTo::~PrintTo() { printSink = std::move(previous); }
MutePrints::MutePrints() { ++printsMuted; }
MutePrints::~MutePrints() { --printsMuted; }

std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b, std::string &error) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) { // i counts from the last axis
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      error = "cannot broadcast " + shapeString(a) + " with " + shapeString(b) + ": dimensions " +
              std::to_string(da) + " and " + std::to_string(db) + " differ";
      return std::nullopt;
    }
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

} // namespace zy::ir
