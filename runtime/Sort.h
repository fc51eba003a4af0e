// Sort.h: the indices that sort each row of a tensor (argsort), with C names, so the JIT
// and the libraries `zy compile` writes run the same code. No allocation, no C++ runtime
// (a `zy compile`d library links this file's object with a C compiler).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// For each of `rows` rows of `length` elements of `x` (dtype as ZyRtTensor's: 0 bool,
/// 1 i32, 2 f32, 3 f64), the indices 0..length-1 in the order that sorts the row:
/// ascending, or descending when `descending` is nonzero; stable (equal elements keep
/// their order); NaN after every number either way. `scratch` holds `length` indices.
void zy_rt_argsort(int dtype, const void *x, int64_t rows, int64_t length, int descending, int32_t *out,
                   int32_t *scratch);

#ifdef __cplusplus
}
#endif
