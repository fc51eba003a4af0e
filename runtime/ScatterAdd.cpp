// ScatterAdd.cpp: the scatter-add loops, one template for every dtype.
#include "runtime/ScatterAdd.h"

#include <string.h>

namespace {

/// T the element type, Sum the type each addition happens in: i32 adds in uint32, so it
/// wraps as the reference kernel's 64-bit sums do once stored (the same residue mod 2^32).
template <typename T, typename Sum>
void scatterAdd(const T *base, const int32_t *idx, const T *updates, T *out, int64_t outer, int64_t length,
                int64_t inner, int64_t count) {
  if (out != base) memmove(out, base, sizeof(T) * static_cast<size_t>(outer * length * inner));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      int64_t at = idx[j];
      if (at < 0 || at >= length) continue; // dropped, as the reference kernel does
      T *dst = out + (o * length + at) * inner;
      const T *src = updates + (o * count + j) * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = static_cast<T>(static_cast<Sum>(dst[i]) + static_cast<Sum>(src[i]));
    }
}

} // namespace

extern "C" void zy_rt_scatter_add(int dtype, const void *base, const int32_t *idx, const void *updates, void *out,
                                  int64_t outer, int64_t length, int64_t inner, int64_t count) {
  switch (dtype) {
  case 1:
    return scatterAdd<int32_t, uint32_t>(static_cast<const int32_t *>(base), idx, static_cast<const int32_t *>(updates),
                                         static_cast<int32_t *>(out), outer, length, inner, count);
  case 2:
    return scatterAdd<float, float>(static_cast<const float *>(base), idx, static_cast<const float *>(updates),
                                    static_cast<float *>(out), outer, length, inner, count);
  case 3:
    return scatterAdd<double, double>(static_cast<const double *>(base), idx, static_cast<const double *>(updates),
                                      static_cast<double *>(out), outer, length, inner, count);
  default: return;
  }
}
