// Random.cpp: Zy's counter-based random numbers: the Threefry-2x32 block cipher (20 rounds,
// the same function as JAX's threefry_2x32 and Random123's threefry2x32_20) and the key
// operations and uniform streams built on it.
//
// Everything here is a pure function of its arguments: no global state, no allocation, only
// integer arithmetic plus one exact multiply per number, so a key gives bit-identical numbers
// in the interpreter, the executor and JIT-generated code, on any thread and any machine.
//
// Counter domains. One key encrypts counters for three purposes; their counters never
// coincide, so a key's uniform stream, its split children and its fold_in keys are
// unrelated even when a program (wrongly) uses the same key for more than one of them.
// The domain is the top two bits of counter word x0:
//   0b0x  uniform element i:  (hi32(i), lo32(i))               i < 2^63, so bit 31 is 0
//   0b10  split child i:      (0x80000000 | hi32(i), lo32(i))  i < 2^62 (always: the output
//                                                                would need 2^65 bytes)
//   0b11  fold_in of data:    (0xC0000000, data)
// (JAX's partitionable mode uses (hi32(i), lo32(i)) for both split children and fold_in, so
// there fold_in(k, i) == split(k, n)[i]; the tags avoid that.)
#include "runtime/Random.h"

#include "runtime/FastMath.h"
#include "runtime/Math.h"

#include <cmath>
#include <cstring>

namespace {

constexpr uint32_t rotl(uint32_t x, unsigned r) { return (x << r) | (x >> (32 - r)); }

// One Threefry round: mix, rotate, xor.
constexpr void mix(uint32_t &x0, uint32_t &x1, unsigned r) {
  x0 += x1;
  x1 = rotl(x1, r);
  x1 ^= x0;
}

constexpr uint32_t kSplitTag = 0x80000000u;
constexpr uint32_t kFoldInTag = 0xC0000000u;

uint32_t hi32(uint64_t i) { return static_cast<uint32_t>(i >> 32); }
uint32_t lo32(uint64_t i) { return static_cast<uint32_t>(i); }

/// Threefry-2x32 with 20 rounds: encrypts the counter (x0, x1) under (k0, k1). Inlined
/// into the stream loops below, which the compiler vectorises (one lane per counter).
[[gnu::always_inline]] inline void threefry(uint32_t k0, uint32_t k1, uint32_t &x0, uint32_t &x1) {
  // The key schedule: the two key words plus their parity with Skein's constant, so the
  // third schedule word is never a simple function of one key word.
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  // Rotations of Threefry-2x32 (Random123's R_32x2_*), used four at a time.
  constexpr unsigned kRot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  x0 += ks[0];
  x1 += ks[1];
  // 5 groups of 4 rounds; after group s the key is injected again, rotated by s words,
  // plus s on the second word so the injections differ even for symmetric keys.
  for (uint32_t s = 1; s <= 5; ++s) {
    const unsigned *r = kRot[(s - 1) % 2];
    for (int j = 0; j < 4; ++j)
      mix(x0, x1, r[j]);
    x0 += ks[s % 3];
    x1 += ks[(s + 1) % 3] + s;
  }
}

/// The two words of uniform element i's block.
[[gnu::always_inline]] inline void block(const uint32_t key[2], int64_t i, uint32_t &w0, uint32_t &w1) {
  const uint64_t u = static_cast<uint64_t>(i);
  w0 = hi32(u);
  w1 = lo32(u);
  threefry(key[0], key[1], w0, w1);
}

} // namespace

// The stream loops are compiled for AVX-512 and AVX2 as well as the baseline, chosen when
// the library loads. Their arithmetic is exact or correctly rounded IEEE operations with
// no contraction into FMAs (-ffp-contract=off, CMakeLists.txt), so every variant gives the
// same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define ZY_STREAM_LOOP __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ZY_STREAM_LOOP
#endif

extern "C" {

void zy_rt_threefry2x32(uint32_t k0, uint32_t k1, uint32_t x0, uint32_t x1, uint32_t out[2]) {
  threefry(k0, k1, x0, x1);
  out[0] = x0;
  out[1] = x1;
}

void zy_rt_random_key(int64_t seed, uint32_t out[2]) {
  // Like jax.random.PRNGKey: the seed's bits as (high word, low word); negative seeds keep
  // their two's-complement bits.
  const uint64_t s = static_cast<uint64_t>(seed);
  out[0] = hi32(s);
  out[1] = lo32(s);
}

void zy_rt_random_split(const uint32_t key[2], int64_t n, uint32_t *out) {
  // Child i = threefry(key, split-domain counter i) (see the file comment). Each child
  // depends only on i, not on n, so split(k, 3)[0] == split(k, 5)[0].
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t u = static_cast<uint64_t>(i);
    zy_rt_threefry2x32(key[0], key[1], kSplitTag | hi32(u), lo32(u), out + 2 * i);
  }
}

void zy_rt_random_fold_in(const uint32_t key[2], uint32_t data, uint32_t out[2]) {
  // The fold_in domain's counter (see the file comment): never a split child's counter.
  zy_rt_threefry2x32(key[0], key[1], kFoldInTag, data, out);
}

ZY_STREAM_LOOP void zy_rt_random_uniform_f32(const uint32_t key[2], int64_t n, float *out) {
  // The top 24 bits of word 0 times 2^-24: every value is k/2^24 with k < 2^24, exactly
  // representable in a float, so the result lies in [0, 1) (never 1.0) and does not depend
  // on rounding modes or FMA contraction.
  constexpr float kScale = 1.0f / 16777216.0f; // 2^-24
  for (int64_t i = 0; i < n; ++i) {
    uint32_t w0, w1;
    block(key, i, w0, w1);
    out[i] = static_cast<float>(static_cast<int32_t>(w0 >> 8)) * kScale;
  }
}

ZY_STREAM_LOOP void zy_rt_random_uniform_f64(const uint32_t key[2], int64_t n, double *out) {
  // The top 53 bits of the 64-bit block (w0 : w1) times 2^-53: exact in a double, in [0, 1).
  // w0 2^21 + (w1 >> 11) is summed from two exact halves below 2^31.
  constexpr double kScale = 1.0 / 9007199254740992.0; // 2^-53
  for (int64_t i = 0; i < n; ++i) {
    uint32_t w0, w1;
    block(key, i, w0, w1);
    const double bits53 = zy::rt::exact(w0 >> 1) * 4194304.0 + zy::rt::exact(((w0 & 1) << 21) | (w1 >> 11));
    out[i] = bits53 * kScale;
  }
}

ZY_STREAM_LOOP void zy_rt_random_normal_f32(const uint32_t key[2], int64_t n, float *out) {
  // v = (k + 1/2) 2^-23 - 1 from the top 24 bits k of word 0: the centres of 2^24 equal
  // cells of (-1, 1), symmetric about 0 and never ±1, so no clamping; then
  // sqrt(2) erf_inv(v), rounded once to f32. The largest |z| is 5.4.
  for (int64_t i = 0; i < n; ++i) {
    uint32_t w0, w1;
    block(key, i, w0, w1);
    const double v = (zy::rt::exact(w0 >> 8) + 0.5) * (1.0 / 8388608.0) - 1;
    out[i] = static_cast<float>(1.4142135623730951 * zy::rt::erfInvSingle(v));
  }
}

void zy_rt_random_normal_f64(const uint32_t key[2], int64_t n, double *out) {
  // To double precision: sqrt(2) erf_inv(2u - 1) of the f64 uniform stream, kept inside
  // (-1, 1) first (u = 0 would give -inf). erf_inv's Newton steps call libm, so this loop
  // stays scalar; f64 draws are for checks, f32 draws for training.
  zy_rt_random_uniform_f64(key, n, out);
  const double tiny = 1e-15;
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::fmin(std::fmax(2 * out[i] - 1, -1 + tiny), 1 - tiny);
    out[i] = 1.4142135623730951 * zy_rt_erf_inv(v);
  }
}
}
