// IntMatmul.h: the i32 matrix product (BLAS has none), with C names, so the JIT and the
// libraries `zy compile` writes run the same code. No allocation, no C++ runtime.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// c[t] = a[t] @ b[t] for t < batches, a[t] n×k (stored k×n when a_transposed), b[t] k×m
/// (m×k when b_transposed), c[t] n×m, row-major. Products are exact in 64 bits and sums
/// wrap modulo 2^32, as NumPy's int32 and the reference kernel.
void zy_rt_matmul_i32(const int32_t *a, const int32_t *b, int32_t *c, int64_t batches, int64_t n, int64_t k, int64_t m,
                      int a_transposed, int b_transposed);

#ifdef __cplusplus
}
#endif
