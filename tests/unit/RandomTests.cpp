// RandomTests.cpp: the runtime's random numbers: Threefry-2x32 against Random123's
// known-answer vectors, key derivation (random_key, split, fold_in), reproducibility, and
// the distribution of the uniform and normal streams, and the accuracy of the normal
// streams' erf_inv.
#include "runtime/Random.h"

#include "runtime/FastMath.h"
#include "runtime/Math.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

namespace {

using Key = std::array<uint32_t, 2>;

Key threefry(Key k, uint32_t x0, uint32_t x1) {
  Key out{};
  zy_rt_threefry2x32(k[0], k[1], x0, x1, out.data());
  return out;
}

Key randomKey(int64_t seed) {
  Key k{};
  zy_rt_random_key(seed, k.data());
  return k;
}

std::vector<Key> split(Key k, int64_t n) {
  std::vector<Key> out(static_cast<size_t>(n));
  zy_rt_random_split(k.data(), n, out.empty() ? nullptr : out[0].data());
  return out;
}

Key foldIn(Key k, uint32_t data) {
  Key out{};
  zy_rt_random_fold_in(k.data(), data, out.data());
  return out;
}

/// n numbers of one of the runtime's streams for key k.
template <typename T> std::vector<T> stream(void (*draw)(const uint32_t[2], int64_t, T *), Key k, int64_t n) {
  std::vector<T> out(static_cast<size_t>(n));
  draw(k.data(), n, out.data());
  return out;
}

std::vector<float> uniformF32(Key k, int64_t n) { return stream(zy_rt_random_uniform_f32, k, n); }
std::vector<double> uniformF64(Key k, int64_t n) { return stream(zy_rt_random_uniform_f64, k, n); }
std::vector<float> normalF32(Key k, int64_t n) { return stream(zy_rt_random_normal_f32, k, n); }
std::vector<double> normalF64(Key k, int64_t n) { return stream(zy_rt_random_normal_f64, k, n); }

// Mean, variance, range and a 10-bucket chi-square of a sample that should be U[0, 1).
template <typename T> void checkUniform(const std::vector<T> &xs) {
  double sum = 0, sumSq = 0;
  T lo = 1, hi = 0;
  std::array<int, 10> buckets{};
  for (T x : xs) {
    sum += x;
    sumSq += static_cast<double>(x) * x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    buckets[static_cast<size_t>(x * 10)]++; // in range: x < 1
  }
  const double n = static_cast<double>(xs.size());
  const double mean = sum / n;
  const double var = sumSq / n - mean * mean;
  CHECK(lo >= T(0));
  CHECK(hi < T(1));
  CHECK(std::fabs(mean - 0.5) < 0.01);
  CHECK(std::fabs(var - 1.0 / 12) < 0.005);
  // 9 degrees of freedom; 27.88 is the 0.999 quantile. The sample is fixed by the key, so
  // this is a check of the generator, not a flaky statistical test.
  const double expected = n / 10;
  double chi2 = 0;
  for (int c : buckets)
    chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 27.88);
}

} // namespace

TEST_CASE("threefry2x32 matches Random123's known-answer vectors (threefry2x32_20)") {
  // kat_vectors lines: "threefry2x32 20 <ctr0> <ctr1> <key0> <key1> <out0> <out1>";
  // the same three are in JAX's random tests.
  CHECK(threefry({0, 0}, 0, 0) == Key{0x6b200159, 0x99ba4efe});
  CHECK(threefry({0xffffffff, 0xffffffff}, 0xffffffff, 0xffffffff) == Key{0x1cb996fc, 0xbb002be7});
  CHECK(threefry({0x13198a2e, 0x03707344}, 0x243f6a88, 0x85a308d3) == Key{0xc4923a9c, 0x483df7a0});
}

TEST_CASE("random_key splits the seed into its high and low words") {
  CHECK(randomKey(42) == Key{0, 42});
  CHECK(randomKey(0) == Key{0, 0});
  CHECK(randomKey((int64_t{7} << 32) | 5) == Key{7, 5});
  CHECK(randomKey(-1) == Key{0xffffffff, 0xffffffff});
}

TEST_CASE("the same key gives the same numbers") {
  const Key k = randomKey(1234);
  CHECK(uniformF32(k, 1000) == uniformF32(k, 1000));
  CHECK(uniformF64(k, 1000) == uniformF64(k, 1000));
  CHECK(split(k, 5) == split(k, 5));
  CHECK(foldIn(k, 9) == foldIn(k, 9));
  // Element i depends only on the key and i, not on how many are drawn.
  const auto a = uniformF32(k, 10), b = uniformF32(k, 100);
  CHECK(std::vector<float>(b.begin(), b.begin() + 10) == a);
  const auto s3 = split(k, 3), s7 = split(k, 7);
  CHECK(std::vector<Key>(s7.begin(), s7.begin() + 3) == s3);
}

TEST_CASE("uniform_f32 is the documented function of the threefry bits") {
  // Element i = (word 0 of threefry(key, (0, i))) >> 8, times 2^-24.
  const Key k = randomKey(77);
  const auto xs = uniformF32(k, 64);
  for (uint32_t i = 0; i < 64; ++i) {
    const Key w = threefry(k, 0, i);
    CHECK(xs[i] == static_cast<float>(w[0] >> 8) / 16777216.0f);
  }
  const auto ys = uniformF64(k, 64);
  for (uint32_t i = 0; i < 64; ++i) {
    const Key w = threefry(k, 0, i);
    const uint64_t bits = (uint64_t{w[0]} << 21) | (w[1] >> 11);
    CHECK(ys[i] == static_cast<double>(bits) / 9007199254740992.0);
  }
}

TEST_CASE("different keys, split children and fold_in values give different streams") {
  const Key k = randomKey(0);
  std::vector<Key> keys = {k, randomKey(1), randomKey(int64_t{1} << 32)};
  for (Key c : split(k, 4))
    keys.push_back(c);
  for (uint32_t d = 0; d < 4; ++d)
    keys.push_back(foldIn(k, d));
  std::set<std::vector<float>> streams;
  for (Key key : keys)
    streams.insert(uniformF32(key, 16));
  CHECK(streams.size() == keys.size());
  std::set<Key> distinct(keys.begin(), keys.end());
  CHECK(distinct.size() == keys.size());
}

TEST_CASE("split(key, 3): children differ from each other and the parent, stably") {
  for (int64_t seed : {0, 42, -7}) {
    const Key k = randomKey(seed);
    const auto a = split(k, 3);
    CHECK(a == split(k, 3));
    CHECK(a[0] != a[1]);
    CHECK(a[0] != a[2]);
    CHECK(a[1] != a[2]);
    for (Key c : a)
      CHECK(c != k);
    // Splitting a child gives new keys again (no cycle back to the parent's children).
    for (Key g : split(a[0], 3)) {
      CHECK(g != k);
      for (Key c : a)
        CHECK(g != c);
    }
  }
  CHECK(split(randomKey(1), 0).empty()); // n = 0 writes nothing
}

TEST_CASE("fold_in, split and the uniform stream use disjoint counters") {
  // fold_in(k, i) must not be split(k, n)[i] (as it is in JAX's partitionable mode), and
  // neither may equal the raw block behind uniform element i.
  const Key k = randomKey(42);
  const auto children = split(k, 8);
  for (uint32_t i = 0; i < 8; ++i) {
    const Key f = foldIn(k, i), raw = threefry(k, 0, i);
    CHECK(f != children[i]);
    CHECK(f != raw);
    CHECK(children[i] != raw);
    CHECK(f != k);
  }
  CHECK(foldIn(k, 1) != foldIn(k, 2));
  CHECK(foldIn(k, 1) != foldIn(randomKey(43), 1));
}

TEST_CASE("uniform_f32 is uniform on [0, 1)") {
  checkUniform(uniformF32(randomKey(0), 100000));
  checkUniform(uniformF32(randomKey(2024), 100000));
  // Every value is a multiple of 2^-24, so it is exact and reproducible.
  for (float x : uniformF32(randomKey(5), 1000)) {
    const float scaled = x * 16777216.0f;
    CHECK(scaled == std::floor(scaled));
  }
}

TEST_CASE("uniform_f64 is uniform on [0, 1)") {
  checkUniform(uniformF64(randomKey(0), 100000));
  checkUniform(uniformF64(randomKey(2024), 100000));
  for (double x : uniformF64(randomKey(5), 1000)) {
    const double scaled = x * 9007199254740992.0;
    CHECK(scaled == std::floor(scaled));
  }
  // Both words feed the 53 bits: values should not be limited to multiples of 2^-32.
  int finer = 0;
  for (double x : uniformF64(randomKey(5), 1000)) {
    const double scaled = x * 4294967296.0;
    finer += scaled != std::floor(scaled);
  }
  CHECK(finer > 990);
}

namespace {

/// How many f32 steps apart two finite floats of the same sign are.
int64_t ulpsApart(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return std::llabs(int64_t{ia} - int64_t{ib});
}

/// sqrt(2) erf_inv(v) to double precision (Newton-refined), rounded to f32.
float accurateNormal(double v) { return static_cast<float>(std::sqrt(2.0) * zy_rt_erf_inv(v)); }

/// The standard normal CDF.
double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

} // namespace

TEST_CASE("the normal streams are the documented functions of the threefry bits") {
  // f32: v = ((w0 >> 8) + 1/2) 2^-23 - 1, then sqrt(2) erf_inv(v) to f32 precision.
  // f64: sqrt(2) erf_inv(2u - 1) of the f64 uniform stream, to double precision.
  const Key k = randomKey(31);
  const int64_t n = 1 << 20;
  const auto zs = normalF32(k, n);
  int64_t worst = 0, exact = 0;
  for (int64_t i = 0; i < n; ++i) {
    const Key w = threefry(k, 0, static_cast<uint32_t>(i));
    const double v = ((w[0] >> 8) + 0.5) / 8388608.0 - 1;
    const int64_t apart = ulpsApart(zs[i], accurateNormal(v));
    worst = std::max(worst, apart);
    exact += apart == 0;
  }
  CHECK(worst <= 3);
  CHECK(exact > n / 4);
  const auto u = uniformF64(k, 1000);
  const auto z64 = normalF64(k, 1000);
  for (size_t i = 0; i < u.size(); ++i)
    CHECK(z64[i] == std::sqrt(2.0) * zy_rt_erf_inv(std::fmin(std::fmax(2 * u[i] - 1, -1 + 1e-15), 1 - 1e-15)));
}

TEST_CASE("the f32 normal stream's erf_inv is within 3 ulps on every cell") {
  // All 2^24 cells the f32 stream can use, the extreme tails (|z| = 5.4) included.
  int64_t worst = 0;
  for (uint32_t k = 0; k < (1u << 24); ++k) {
    const double v = (k + 0.5) / 8388608.0 - 1;
    const float fast = static_cast<float>(std::sqrt(2.0) * zy::rt::erfInvSingle(v));
    worst = std::max(worst, ulpsApart(fast, accurateNormal(v)));
  }
  CHECK(worst <= 3);
}

TEST_CASE("element i of every stream does not depend on how many are drawn") {
  // The streams are vectorised: lengths around the vector widths take the remainder paths.
  const Key k = randomKey(8);
  const auto u32 = uniformF32(k, 67);
  const auto u64 = uniformF64(k, 67);
  const auto n32 = normalF32(k, 67);
  const auto n64 = normalF64(k, 67);
  for (int64_t n = 1; n <= 67; ++n) {
    CHECK(uniformF32(k, n) == std::vector<float>(u32.begin(), u32.begin() + n));
    CHECK(uniformF64(k, n) == std::vector<double>(u64.begin(), u64.begin() + n));
    CHECK(normalF32(k, n) == std::vector<float>(n32.begin(), n32.begin() + n));
    CHECK(normalF64(k, n) == std::vector<double>(n64.begin(), n64.begin() + n));
  }
}

TEST_CASE("the normal streams are standard normal") {
  // Moments and the CDF at a few points of 10^6 draws; the tolerances are about 5 standard
  // errors. f32 draws are symmetric cells, so |z| is at most 5.4.
  for (bool f32 : {true, false}) {
    CAPTURE(f32);
    std::vector<double> zs;
    if (f32) {
      const auto v = normalF32(randomKey(11), 1000000);
      zs.assign(v.begin(), v.end());
    } else {
      zs = normalF64(randomKey(11), 1000000);
    }
    const double n = static_cast<double>(zs.size());
    double sum = 0, sumSq = 0, sum4 = 0, largest = 0;
    for (double z : zs) sum += z, sumSq += z * z, sum4 += z * z * z * z, largest = std::max(largest, std::fabs(z));
    CHECK(std::fabs(sum / n) < 5 / std::sqrt(n));
    CHECK(std::fabs(sumSq / n - 1) < 5 * std::sqrt(2 / n));
    CHECK(std::fabs(sum4 / n - 3) < 5 * std::sqrt(96 / n));
    CHECK(largest < (f32 ? 5.5 : 8.3));
    for (double at : {-2.5, -1.0, -0.3, 0.0, 0.7, 1.5, 3.0}) {
      CAPTURE(at);
      const double below = static_cast<double>(std::count_if(zs.begin(), zs.end(), [&](double z) { return z < at; })) / n;
      CHECK(std::fabs(below - phi(at)) < 5 * std::sqrt(phi(at) * (1 - phi(at)) / n));
    }
  }
}
