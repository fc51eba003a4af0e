// ScatterAdd.h: scatter-add (base with updates summed in at indices along an axis), with
// C names, so the JIT and the libraries `zy compile` writes run the same code. No
// allocation, no C++ runtime (a `zy compile`d library links it with a C compiler).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out = base (which `out` may be), then for each block o < outer and index j < count,
/// updates[o, j, :] added to out[o, idx[j], :] (rows of `inner` elements, `length` rows
/// per block); an index outside [0, length) is dropped. dtype as ZyRtTensor's: 1 i32
/// (sums wrap modulo 2^32, as NumPy's int32), 2 f32, 3 f64; the sums are taken in index
/// order, as the reference kernel takes them.
void zy_rt_scatter_add(int dtype, const void *base, const int32_t *idx, const void *updates, void *out, int64_t outer,
                       int64_t length, int64_t inner, int64_t count);

#ifdef __cplusplus
}
#endif
