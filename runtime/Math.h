// Math.h: scalar functions libm lacks, with C names so generated code can call them.
#pragma once

extern "C" {

/// The inverse of erf on [-1, 1] (NaN outside, ±inf at ±1), to double precision.
double zy_rt_erf_inv(double y);
}
