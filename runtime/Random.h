// Random.h: counter-based random numbers (Threefry-2x32, 20 rounds, as in JAX), callable
// from C++ (the executor, the interpreter) and from JIT-generated code alike, so the same
// key gives the same numbers everywhere.
//
// A key is two 32-bit words. Splitting and folding in data derive new keys by hashing;
// a stream of n uniform numbers for a key hashes the counters 0..n-1.
#pragma once

#include <cstdint>

extern "C" {

/// The Threefry-2x32 block function: encrypts the counter (x0, x1) under key (k0, k1).
void zy_rt_threefry2x32(uint32_t k0, uint32_t k1, uint32_t x0, uint32_t x1, uint32_t out[2]);

/// The key of random.key(seed): the seed's high and low 32 bits.
void zy_rt_random_key(int64_t seed, uint32_t out[2]);

/// n new keys derived from `key` (n*2 words into out), independent of each other.
void zy_rt_random_split(const uint32_t key[2], int64_t n, uint32_t *out);

/// A new key derived from `key` and `data` (random.fold_in).
void zy_rt_random_fold_in(const uint32_t key[2], uint32_t data, uint32_t out[2]);

/// n uniform numbers in [0, 1): element i comes from hashing counter i under `key`.
void zy_rt_random_uniform_f32(const uint32_t key[2], int64_t n, float *out);
void zy_rt_random_uniform_f64(const uint32_t key[2], int64_t n, double *out);

/// n standard normal numbers from the same blocks: element i is a function of uniform
/// block i. f32 draws are accurate to f32 (Giles' approximation, vectorised), f64 draws
/// to double precision (refined by Newton steps); both are sqrt(2) erf_inv(v), v in (-1, 1).
void zy_rt_random_normal_f32(const uint32_t key[2], int64_t n, float *out);
void zy_rt_random_normal_f64(const uint32_t key[2], int64_t n, double *out);
}
