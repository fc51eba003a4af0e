// Sort.cpp: argsort of rows, a stable merge sort of indices (runs of 16 sorted by
// insertion, then merged bottom-up between the output and a scratch row).
#include "runtime/Sort.h"

#include <string.h>

#include <type_traits>

namespace {

/// Whether element a of the row goes strictly before element b.
template <typename T> struct Order {
  const T *key;
  bool descending;
  bool before(int32_t a, int32_t b) const {
    T x = key[a], y = key[b];
    if constexpr (std::is_floating_point_v<T>) { // NaN after every number
      bool xNaN = x != x, yNaN = y != y;
      if (xNaN || yNaN) return !xNaN && yNaN;
    }
    return descending ? y < x : x < y;
  }
};

constexpr int64_t Run = 16;

template <typename T> void sortRow(const Order<T> &order, int64_t n, int32_t *out, int32_t *scratch) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int32_t>(i);
  for (int64_t lo = 0; lo < n; lo += Run) { // insertion sort of each run: stable
    int64_t hi = lo + Run < n ? lo + Run : n;
    for (int64_t i = lo + 1; i < hi; ++i) {
      int32_t v = out[i];
      int64_t j = i;
      for (; j > lo && order.before(v, out[j - 1]); --j) out[j] = out[j - 1];
      out[j] = v;
    }
  }
  int32_t *from = out, *to = scratch;
  for (int64_t width = Run; width < n; width *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * width) {
      int64_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      int64_t i = lo, j = mid, k = lo;
      // The right run's element goes first only if it is strictly before: stable.
      while (i < mid && j < hi) to[k++] = order.before(from[j], from[i]) ? from[j++] : from[i++];
      while (i < mid) to[k++] = from[i++];
      while (j < hi) to[k++] = from[j++];
    }
    int32_t *t = from;
    from = to;
    to = t;
  }
  if (from != out) memcpy(out, from, sizeof(int32_t) * static_cast<size_t>(n));
}

template <typename T>
void sortRows(const T *x, int64_t rows, int64_t length, bool descending, int32_t *out, int32_t *scratch) {
  for (int64_t r = 0; r < rows; ++r)
    sortRow(Order<T>{x + r * length, descending}, length, out + r * length, scratch);
}

} // namespace

extern "C" void zy_rt_argsort(int dtype, const void *x, int64_t rows, int64_t length, int descending, int32_t *out,
                              int32_t *scratch) {
  bool down = descending != 0;
  switch (dtype) {
  case 0: return sortRows(static_cast<const uint8_t *>(x), rows, length, down, out, scratch);
  case 1: return sortRows(static_cast<const int32_t *>(x), rows, length, down, out, scratch);
  case 2: return sortRows(static_cast<const float *>(x), rows, length, down, out, scratch);
  case 3: return sortRows(static_cast<const double *>(x), rows, length, down, out, scratch);
  default: return;
  }
}
