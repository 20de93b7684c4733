/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A sender's current announcements as one presence bit per prefix index
 * and family: 1.4M prefixes cost 175 kB, and the prefixes themselves are
 * recomputed from the universe when needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

#define WORD_BITS 64u

static uint64_t
words_for(uint64_t bits)
{
	return (bits + WORD_BITS - 1) / WORD_BITS;
}

static int
ensure_cap(struct gen_rib *r, int fam, uint64_t bits)
{
	if (bits <= r->cap[fam] && r->bits[fam] != NULL)
		return 0;
	uint64_t cap = r->cap[fam] * 2;
	if (cap < bits)
		cap = bits;
	if (cap < 4096)
		cap = 4096;
	uint64_t old = words_for(r->cap[fam]);
	uint64_t *p = realloc(r->bits[fam], words_for(cap) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	memset(p + old, 0, (words_for(cap) - old) * sizeof(*p));
	r->bits[fam] = p;
	r->cap[fam] = words_for(cap) * WORD_BITS;
	return 0;
}

static int
reset_family(struct gen_rib *r, int fam, uint64_t base)
{
	int rc = ensure_cap(r, fam, base);

	if (rc)
		return rc;
	uint64_t *w = r->bits[fam];
	memset(w, 0, words_for(r->cap[fam]) * sizeof(*w));
	memset(w, 0xff, (base / WORD_BITS) * sizeof(*w));
	if (base % WORD_BITS)
		w[base / WORD_BITS] = (1ull << (base % WORD_BITS)) - 1;
	r->base[fam] = base;
	r->limit[fam] = base;
	r->live[fam] = base;
	r->ann[fam] = 0;
	r->wd[fam] = 0;
	return 0;
}

int
gen_rib_reset(struct gen_rib *r, uint64_t base4, uint64_t base6)
{
	int rc = reset_family(r, GEN_FAM_V4, base4);

	return rc ? rc : reset_family(r, GEN_FAM_V6, base6);
}

void
gen_rib_free(struct gen_rib *r)
{
	for (int f = 0; f < 2; f++) {
		free(r->bits[f]);
		r->bits[f] = NULL;
		r->cap[f] = 0;
	}
}

bool
gen_rib_has(const struct gen_rib *r, int fam, uint64_t idx)
{
	if (idx >= r->limit[fam])
		return false;
	return (r->bits[fam][idx / WORD_BITS] >> (idx % WORD_BITS)) & 1;
}

void
gen_rib_set(struct gen_rib *r, int fam, uint64_t idx, bool on)
{
	uint64_t m = 1ull << (idx % WORD_BITS);
	uint64_t *w = &r->bits[fam][idx / WORD_BITS];
	bool was = (*w & m) != 0;

	if (on == was)
		return;
	*w ^= m;
	r->live[fam] += on ? 1 : (uint64_t)-1;
}

uint64_t
gen_rib_next(const struct gen_rib *r, int fam, uint64_t from)
{
	uint64_t lim = r->limit[fam];

	if (from >= lim)
		return lim;
	const uint64_t *w = r->bits[fam];
	uint64_t i = from / WORD_BITS;
	uint64_t v = w[i] & (~0ull << (from % WORD_BITS));
	while (v == 0) {
		if (++i >= words_for(lim))
			return lim;
		v = w[i];
	}
	uint64_t at = i * WORD_BITS + (uint64_t)__builtin_ctzll(v);
	return at < lim ? at : lim;
}

uint64_t
gen_rib_grow(struct gen_rib *r, int fam)
{
	uint64_t idx = r->limit[fam];

	if (ensure_cap(r, fam, idx + 1))
		return UINT64_MAX;
	r->limit[fam] = idx + 1;
	gen_rib_set(r, fam, idx, true);
	return idx;
}

uint64_t
gen_rib_pick(const struct gen_rib *r, int fam, struct gen_rng *g)
{
	uint64_t lim = r->limit[fam];

	if (r->live[fam] == 0)
		return UINT64_MAX;
	for (int t = 0; t < 32; t++) {
		uint64_t i = gen_rng_below(g, lim);
		if (gen_rib_has(r, fam, i))
			return i;
	}
	/* Sparse table: the next present index after a random point, wrapping. */
	uint64_t i = gen_rib_next(r, fam, gen_rng_below(g, lim));
	return i < lim ? i : gen_rib_next(r, fam, 0);
}
