// FastMath.h: inline, branch-free approximations that loops can vectorise (no libm calls),
// used by the random streams (Random.cpp) and checked exhaustively by tests/unit/RandomTests.cpp.
// Build them with -ffp-contract=off, -fno-math-errno and -fno-trapping-math (CMakeLists.txt).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace zy::rt {

/// An integer below 2^31 as a double, by the signed conversion every x86 vector unit has.
[[gnu::always_inline]] inline double exact(uint32_t x) { return static_cast<double>(static_cast<int32_t>(x)); }

/// log(t) for a normal double t > 0, with no libm call (so its loop vectorises): t = m 2^e
/// with m in [sqrt(1/2), sqrt(2)), and log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172,
/// from seven terms of the atanh series (relative error below 2e-12: far below f32's).
[[gnu::always_inline]] inline double logPositive(double t) {
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  double e = exact(static_cast<uint32_t>(bits >> 52)) - 1023;
  bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull; // m in [1, 2)
  double m;
  std::memcpy(&m, &bits, sizeof m);
  const bool high = m > 1.4142135623730951;
  m = high ? 0.5 * m : m;
  e = high ? e + 1 : e;
  const double s = (m - 1) / (m + 1), s2 = s * s;
  const double series =
      1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 * (1.0 / 11 + s2 * (1.0 / 13))))));
  return e * 0.6931471805599453 + 2 * s * series;
}

/// erf_inv(v) for |v| < 1 to f32 precision (sqrt(2) erf_inv(v) rounded to f32 is within 3
/// ulps of the correctly rounded value on every cell the f32 normal stream uses): Giles' single-precision approximation
/// ("Approximating the erfinv function", GPU Computing Gems, 2010, the one JAX uses),
/// evaluated in double with both branches computed and one chosen, so loops vectorise.
[[gnu::always_inline]] inline double erfInvSingle(double v) {
  const double a = std::fabs(v);
  const double w = -logPositive((1 - a) * (1 + a));
  const double c = w - 2.5;
  double p = 2.81022636e-08;
  p = 3.43273939e-07 + p * c;
  p = -3.5233877e-06 + p * c;
  p = -4.39150654e-06 + p * c;
  p = 0.00021858087 + p * c;
  p = -0.00125372503 + p * c;
  p = -0.00417768164 + p * c;
  p = 0.246640727 + p * c;
  p = 1.50140941 + p * c;
  const double t = std::sqrt(w) - 3;
  double q = -0.000200214257;
  q = 0.000100950558 + q * t;
  q = 0.00134934322 + q * t;
  q = -0.00367342844 + q * t;
  q = 0.00573950773 + q * t;
  q = -0.0076224613 + q * t;
  q = 0.00943887047 + q * t;
  q = 1.00167406 + q * t;
  q = 2.83297682 + q * t;
  return (w < 5 ? p : q) * v;
}

} // namespace zy::rt
