// RandomValues.h: drawing random tensors from keys on the host (random.*, initialisers).
// Every draw goes through runtime/Random.h, so the same key gives the same numbers in
// the interpreter, the executor and compiled code.
#pragma once

#include "ir/Tensor.h"

#include <array>

namespace zy::interp {

using Key = std::array<uint32_t, 2>;

Key foldIn(Key key, uint32_t data);
/// A 32-bit FNV-1a hash of a parameter path: init folds it into the key.
uint32_t hashPath(const std::string &path);

Tensor uniformTensor(Key key, const Shape &shape, DType dtype, double lo, double hi);
/// true where a uniform draw in [0, 1) is below p: random.bernoulli (the same draws as
/// uniformTensor in f64, compared in f64).
Tensor bernoulliTensor(Key key, const Shape &shape, double p);
/// random.normal: the random_normal op's numbers for `key` (f32 or f64).
Tensor standardNormal(Key key, const Shape &shape, DType dtype);
/// Initialisers' normal draws, scaled by `std` (in f64, then rounded); `truncate` > 0 keeps |z| < truncate (in stds).
Tensor normalTensor(Key key, const Shape &shape, DType dtype, double std, double truncate = 0);

} // namespace zy::interp
