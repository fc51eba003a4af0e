// Print.cpp: tensors as text (see Print.h). This is the one implementation of the
// format Zy's `print` shows (ir::Tensor::toString calls it), so debug.print in the
// reference executor, the JIT and a `zy compile`d library prints what `print` would.
#include "runtime/Print.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

namespace {

ZyRtPrintOptions Options = {4, 1000, 3};

void text(ZyRtEmit emit, void *context, const char *s) { emit(context, s, strlen(s)); }

double element(const ZyRtTensor *t, int64_t i) {
  switch (t->dtype) {
  case 0: return static_cast<const uint8_t *>(t->data)[i] ? 1.0 : 0.0;
  case 1: return static_cast<const int32_t *>(t->data)[i];
  case 2: return static_cast<const float *>(t->data)[i];
  default: return static_cast<const double *>(t->data)[i];
  }
}

int64_t countOf(const ZyRtTensor *t) {
  int64_t n = 1;
  for (int k = 0; k < t->rank; ++k) n *= t->dims[k];
  return n;
}

/// One style for all the floats of a tensor, so columns read alike: fixed with up to
/// `precision` decimals, or scientific when some value is too large or too small for that.
bool scientific(const ZyRtTensor *t) {
  if (t->dtype < 2) return false;
  int64_t n = countOf(t);
  double smallest = pow(10.0, -Options.precision);
  for (int64_t i = 0; i < n; ++i) {
    double v = fabs(element(t, i));
    if (isfinite(v) && v != 0 && (v < smallest || v >= 1e8)) return true;
  }
  return false;
}

void formatFloat(double v, bool sci, ZyRtEmit emit, void *context) {
  if (isnan(v)) return text(emit, context, "nan");
  if (isinf(v)) return text(emit, context, v < 0 ? "-inf" : "inf");
  char buf[400];
  snprintf(buf, sizeof buf, sci ? "%.*e" : "%.*f", Options.precision, v);
  // Drop the trailing zeros of the fraction (and a bare point): 1.2500 -> 1.25, 3.0000 -> 3.
  char *exponent = strchr(buf, 'e');
  size_t mantissa = exponent ? static_cast<size_t>(exponent - buf) : strlen(buf);
  if (memchr(buf, '.', mantissa)) {
    while (buf[mantissa - 1] == '0') --mantissa;
    if (buf[mantissa - 1] == '.') --mantissa;
  }
  emit(context, buf, mantissa);
  if (exponent) text(emit, context, exponent);
}

void formatAxis(const ZyRtTensor *t, bool sci, bool summarise, int axis, int64_t offset, ZyRtEmit emit, void *context) {
  char buf[32];
  if (axis == t->rank) {
    double v = element(t, offset);
    if (t->dtype == 0) return text(emit, context, v != 0 ? "true" : "false");
    if (t->dtype == 1) {
      snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
      return text(emit, context, buf);
    }
    return formatFloat(v, sci, emit, context);
  }
  int64_t stride = 1;
  for (int k = axis + 1; k < t->rank; ++k) stride *= t->dims[k];
  int64_t n = t->dims[axis];
  text(emit, context, "[");
  int64_t edge = Options.edgeitems;
  for (int64_t i = 0; i < n; ++i) {
    if (i) text(emit, context, ", ");
    if (summarise && n > 2 * edge && i == edge) {
      text(emit, context, "...");
      i = n - edge - 1; // the loop's ++i moves to the first of the last items
      continue;
    }
    formatAxis(t, sci, summarise, axis + 1, offset + i * stride, emit, context);
  }
  text(emit, context, "]");
}

void writeTo(void *context, const char *s, size_t length) { fwrite(s, 1, length, static_cast<FILE *>(context)); }

} // namespace

extern "C" {

ZyRtPrintOptions *zy_rt_print_options(void) { return &Options; }

void zy_rt_format_tensor(const ZyRtTensor *t, ZyRtEmit emit, void *context) {
  static const char *const names[] = {"bool", "i32", "f32", "f64"};
  char buf[32];
  text(emit, context, "tensor(");
  formatAxis(t, scientific(t), countOf(t) > Options.threshold, 0, 0, emit, context);
  text(emit, context, ", ");
  text(emit, context, names[t->dtype & 3]);
  text(emit, context, "[");
  for (int k = 0; k < t->rank; ++k) {
    snprintf(buf, sizeof buf, "%s%lld", k ? ", " : "", static_cast<long long>(t->dims[k]));
    text(emit, context, buf);
  }
  text(emit, context, "])");
}

void zy_rt_format_message(const char *format, int64_t count, const ZyRtTensor *values, ZyRtEmit emit, void *context) {
  int64_t next = 0;
  for (const char *p = format; *p; ++p) {
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      emit(context, p++, 1);
    } else if (p[0] == '{' && p[1] == '}') {
      if (next < count) zy_rt_format_tensor(&values[next++], emit, context);
      else text(emit, context, "{}");
      ++p;
    } else {
      emit(context, p, 1);
    }
  }
}

void zy_rt_debug_print(const char *format, int64_t count, const ZyRtTensor *values) {
  zy_rt_format_message(format, count, values, writeTo, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

}
