// RandomValues.cpp: uniform and normal tensors from keys.
#include "interp/RandomValues.h"

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

double erfInv(double x) {
  if (x <= -1) return -INFINITY;
  if (x >= 1) return INFINITY;
  // Giles' approximation, then two Newton steps on erf for full double precision.
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                     1.00167406, 2.83297682})
      p = c + p * w;
  }
  double y = p * x;
  for (int k = 0; k < 2; ++k) y -= (std::erf(y) - x) / (2.0 / std::sqrt(M_PI) * std::exp(-y * y));
  return y;
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
    t.set(i, std * std::sqrt(2.0) * erfInv(v));
  }
  return t;
}

} // namespace zy::interp
