/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic pseudo-random numbers for the generator: splitmix64 to
 * seed and hash, xoshiro256** for streams. Integer-only decisions (no
 * libm), so the same arguments give the same bytes on every host.
 */
#ifndef BMPTAP_GEN_RNG_H
#define BMPTAP_GEN_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct gen_rng {
	uint64_t s[4];
};

/* splitmix64 step: a good 64-bit mixer on its own. */
static inline uint64_t
gen_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t
gen_hash2(uint64_t a, uint64_t b)
{
	return gen_mix64(a ^ gen_mix64(b ^ 0x5851f42d4c957f2dull));
}

static inline uint64_t
gen_hash3(uint64_t a, uint64_t b, uint64_t c)
{
	return gen_hash2(gen_hash2(a, b), c);
}

static inline void
gen_rng_seed(struct gen_rng *r, uint64_t key)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = gen_mix64(key + 0x632be59bd9b4e019ull * (uint64_t)(i + 1));
}

static inline uint64_t
gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n) (n > 0), by multiply-high: no modulo bias worth noting. */
static inline uint64_t
gen_rng_below(struct gen_rng *r, uint64_t n)
{
	__extension__ unsigned __int128 m = (unsigned __int128)gen_rng_next(r) * n;
	return (uint64_t)(m >> 64);
}

/* True with probability ppm / 1e6. */
static inline bool
gen_rng_ppm(struct gen_rng *r, uint32_t ppm)
{
	return gen_rng_below(r, 1000000) < ppm;
}

/* Index drawn from a cumulative weight table (cum[n-1] is the total). */
static inline unsigned
gen_rng_pick(struct gen_rng *r, const uint16_t *cum, unsigned n)
{
	uint64_t v = gen_rng_below(r, cum[n - 1]);
	unsigned i = 0;

	while (i + 1 < n && v >= cum[i])
		i++;
	return i;
}

#endif
