// Math.cpp: scalar functions that libm lacks, shared by the reference kernels and by
// JIT-generated code (which calls them by their C names).
#include "runtime/Math.h"

#include <cmath>
#include <initializer_list>
#include <limits>

/// The inverse of erf on [-1, 1]: Giles' single-precision approximation ("Approximating
/// the erfinv function", 2010), refined by Newton steps to double precision. Near ±1 the
/// steps solve erfc(x) = 1 - |y| instead, whose relative precision survives there.
double zy_rt_erf_inv(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1 || y == -1) return std::copysign(std::numeric_limits<double>::infinity(), y);
  double a = std::fabs(y);
  double w = -std::log((1 - a) * (1 + a)), p;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      p = c + p * w;
  }
  double x = p * a;
  const double twoOverSqrtPi = 1.1283791670955126;
  for (int step = 0; step < 3; ++step) {
    double slope = twoOverSqrtPi * std::exp(-x * x);
    if (slope == 0) break;
    x -= a <= 0.5 ? (std::erf(x) - a) / slope : ((1 - a) - std::erfc(x)) / slope;
  }
  return std::copysign(x, y);
}
