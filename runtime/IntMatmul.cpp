// IntMatmul.cpp: the i32 matrix product as plain loops (integer matmuls are small: label
// tables, counts), each product exact in int64, each sum in uint64 wrapped once.
#include "runtime/IntMatmul.h"

extern "C" void zy_rt_matmul_i32(const int32_t *a, const int32_t *b, int32_t *c, int64_t batches, int64_t n, int64_t k,
                                 int64_t m, int a_transposed, int b_transposed) {
  for (int64_t t = 0; t < batches; ++t)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        uint64_t sum = 0;
        for (int64_t p = 0; p < k; ++p) {
          int64_t x = a_transposed ? a[t * n * k + p * n + i] : a[t * n * k + i * k + p];
          int64_t y = b_transposed ? b[t * k * m + j * k + p] : b[t * k * m + p * m + j];
          sum += static_cast<uint64_t>(x * y);
        }
        c[t * n * m + i * m + j] = static_cast<int32_t>(static_cast<uint32_t>(sum));
      }
}
