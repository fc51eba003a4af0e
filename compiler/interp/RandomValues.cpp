// RandomValues.cpp: uniform and normal tensors from keys.
#include "interp/RandomValues.h"

#include "ir/OpTable.h"
#include "runtime/Random.h"

#include <cmath>
#include <vector>

namespace zy::interp {

Key foldIn(Key key, uint32_t data) {
  Key out;
  zy_rt_random_fold_in(key.data(), data, out.data());
  return out;
}

uint32_t hashPath(const std::string &path) {
  uint32_t h = 2166136261u;
  for (unsigned char c : path) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

static std::vector<double> uniformDraws(Key key, int64_t n) {
  std::vector<double> u(static_cast<size_t>(n));
  zy_rt_random_uniform_f64(key.data(), n, u.data());
  return u;
}

Tensor uniformTensor(Key key, const Shape &shape, DType dtype, double lo, double hi) {
  Tensor t(dtype, shape);
  std::vector<double> u = uniformDraws(key, t.size());
  for (int64_t i = 0; i < t.size(); ++i) t.set(i, lo + (hi - lo) * u[i]);
  return t;
}

Tensor bernoulliTensor(Key key, const Shape &shape, double p) {
  Tensor t(DType::Bool, shape);
  std::vector<double> u = uniformDraws(key, t.size());
  // One pass over the draws, no f64 tensor and no broadcasting comparison between: a
  // training step's dropout masks are drawn here, on the host, every step.
  uint8_t *out = t.mutableData<uint8_t>();
  for (int64_t i = 0; i < t.size(); ++i) out[i] = u[i] < p;
  return t;
}

Tensor standardNormal(Key key, const Shape &shape, DType dtype) {
  Tensor t(dtype, shape);
  if (dtype == DType::F32) zy_rt_random_normal_f32(key.data(), t.size(), t.mutableData<float>());
  else zy_rt_random_normal_f64(key.data(), t.size(), t.mutableData<double>());
  return t;
}

Tensor normalTensor(Key key, const Shape &shape, DType dtype, double std, double truncate) {
  Tensor t(dtype, shape);
  std::vector<double> u = uniformDraws(key, t.size());
  // Inverse CDF: z = sqrt(2) erfinv(2u - 1). Truncation maps u into the CDF range of
  // [-truncate, truncate] instead of resampling, so each element stays one draw.
  double lo = -1, hi = 1;
  if (truncate > 0) {
    hi = std::erf(truncate / std::sqrt(2.0));
    lo = -hi;
  }
  const double tiny = 1e-15;
  for (int64_t i = 0; i < t.size(); ++i) {
    double v = lo + (hi - lo) * u[i];
    v = std::fmin(std::fmax(v, -1 + tiny), 1 - tiny);
    t.set(i, std * std::sqrt(2.0) * ir::erfInv(v));
  }
  return t;
}

} // namespace zy::interp
